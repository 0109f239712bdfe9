//! Charts as SVG drawn by Yew from the engine's geometry ([`crate::engine::chart`]). Hand-written
//! rather than through a plotting library: the axes and ticks are a few lines over `chart.rs`,
//! the result is live DOM that CSS themes (light, dark, a colour-blind-safe palette per model)
//! and that tests can query, and nothing is injected as raw markup.

mod axes;
mod class_chart;
mod picture;
mod speedup;
mod timeline;
mod wall_bars;

pub use axes::{axes, fmt, speedup_axes, ticks_of, SpeedupAxes, Tick, SPEEDUP_FRAME};
pub use class_chart::{ClassChart, Props as ClassChartProps};
pub use picture::{MandelbrotPicture, Props as PictureProps};
pub use speedup::{Compare, Props as SpeedupProps, SpeedupChart};
pub use timeline::{Props as TimelineProps, Timeline, TraceTimeline};
pub use wall_bars::{Props as WallBarsProps, WallBars};
