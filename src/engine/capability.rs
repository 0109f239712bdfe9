//! Whether this page can run WebAssembly threads, and if not, why, in words a visitor can act on.

use std::fmt;

/// What the browser reports about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// `self.crossOriginIsolated`: the page was served with COOP `same-origin` and COEP
    /// `require-corp`, which browsers require before they share memory between threads.
    pub cross_origin_isolated: bool,
    /// Whether `SharedArrayBuffer` exists at all.
    pub shared_array_buffer: bool,
    /// `navigator.hardwareConcurrency`: logical cores the browser will admit to.
    pub cores: usize,
}

/// Why threads cannot run here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoThreads {
    NotIsolated,
    NoSharedMemory,
    /// The checks passed but starting the pool failed; the message is the browser's.
    PoolFailed(String),
}

impl fmt::Display for NoThreads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoThreads::NotIsolated => write!(
                f,
                "this page is not cross-origin isolated. The server must send \
                 Cross-Origin-Opener-Policy: same-origin and \
                 Cross-Origin-Embedder-Policy: require-corp; without them the browser \
                 will not share memory between threads"
            ),
            NoThreads::NoSharedMemory => write!(
                f,
                "the page is cross-origin isolated, but this browser offers no \
                 SharedArrayBuffer, so WebAssembly threads cannot share memory. A browser \
                 setting or an engine built without it does this (WebKitGTK on Linux ships \
                 with it off; Safari, Chrome, Edge and Firefox have it). Sequential runs and \
                 worker processes, which copy instead of sharing, still work"
            ),
            NoThreads::PoolFailed(message) => {
                write!(f, "the thread pool failed to start: {message}")
            }
        }
    }
}

impl Capabilities {
    /// Most threads a sweep will try, whatever a browser claims.
    pub const MAX_THREADS: usize = 64;

    /// Builds from raw browser values, keeping the core count sane (a missing or zero
    /// `hardwareConcurrency` counts as 1).
    pub fn new(cross_origin_isolated: bool, shared_array_buffer: bool, cores: f64) -> Self {
        let cores = if cores.is_finite() && cores >= 1.0 {
            (cores as usize).min(Self::MAX_THREADS)
        } else {
            1
        };
        Capabilities {
            cross_origin_isolated,
            shared_array_buffer,
            cores,
        }
    }

    /// The most threads a sweep may ask for: past the reported cores, since a browser may report
    /// fewer than there are (or more), up to twice them and at least 8.
    pub fn most_threads(cores: usize) -> usize {
        (2 * cores).clamp(8, Self::MAX_THREADS)
    }

    pub fn threads(&self) -> Result<(), NoThreads> {
        if !self.shared_array_buffer && self.cross_origin_isolated {
            Err(NoThreads::NoSharedMemory)
        } else if !self.cross_origin_isolated {
            Err(NoThreads::NotIsolated)
        } else {
            Ok(())
        }
    }
}

/// How far free threads scaled in a sweep of a kernel that is pure computation: the evidence
/// of how many threads really run at once, measured in rounds like every speedup here.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scaling {
    /// The best free-threads speedup of the sweep.
    pub best: f64,
    /// The largest k the sweep tried.
    pub up_to: usize,
}

/// What the panel says of the reported core count, given how far free threads scaled in the
/// visitor's last sweep (if any) and the browser's name: `None` when nothing looks wrong.
///
/// Browsers may invent the figure. WebKitGTK reports 4 on this 2-core machine; Firefox's
/// fingerprinting protection reports 2 on any machine; Brave randomises it.
pub fn cores_note(reported: usize, scaling: Option<Scaling>, browser: &str) -> Option<String> {
    if let Some(Scaling { best, up_to }) = scaling.filter(|s| s.best.is_finite()) {
        let ran = best.round().max(1.0) as usize;
        if up_to >= reported && reported >= 3 && best < 0.6 * reported as f64 {
            return Some(format!(
                "The browser reports {reported} cores, but in your sweep up to k = {up_to} free \
                 threads never ran more than {best:.1}\u{d7} faster than one: about {ran} cores' \
                 worth run at once here. The reported count may be invented (WebKit reports 4 \
                 on machines with fewer), or the machine was busy."
            ));
        }
    }
    if reported == 2 && browser.starts_with("Firefox") {
        return Some(
            "Firefox reports 2 cores whatever the machine has when its fingerprinting protection \
             is on; a sweep past k = 2 shows whether there are more."
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_with_shared_memory_has_threads() {
        assert_eq!(Capabilities::new(true, true, 8.0).threads(), Ok(()));
    }

    #[test]
    fn not_isolated_says_which_headers_are_missing() {
        // Browsers hide SharedArrayBuffer on pages that are not isolated: isolation is the cause.
        let err = Capabilities::new(false, false, 8.0).threads().unwrap_err();
        assert_eq!(err, NoThreads::NotIsolated);
        let text = err.to_string();
        assert!(text.contains("Cross-Origin-Opener-Policy: same-origin"));
        assert!(text.contains("Cross-Origin-Embedder-Policy: require-corp"));
    }

    #[test]
    fn isolated_without_shared_memory_blames_the_browser() {
        let err = Capabilities::new(true, false, 4.0).threads().unwrap_err();
        assert_eq!(err, NoThreads::NoSharedMemory);
        // Not the headers' fault, and said apart from it: what is missing and what still runs.
        let text = err.to_string();
        assert!(text.contains("cross-origin isolated, but"), "{text}");
        assert!(!text.contains("Cross-Origin-Opener-Policy"), "{text}");
        assert!(text.contains("worker processes"), "{text}");
    }

    #[test]
    fn an_invented_core_count_is_named_from_the_sweep() {
        let scaled = |best, up_to| Some(Scaling { best, up_to });
        // WebKitGTK's 4 on a 2-core machine: free threads plateaued at 1.7x.
        let note = cores_note(4, scaled(1.73, 4), "Safari 60").unwrap();
        assert!(note.contains("reports 4 cores"), "{note}");
        assert!(note.contains("about 2 cores"), "{note}");
        // A real 4-core machine, or a sweep that never reached the reported count, says nothing.
        assert_eq!(cores_note(4, scaled(3.4, 4), "Chrome 156"), None);
        assert_eq!(cores_note(4, scaled(1.9, 2), "Chrome 156"), None);
        assert_eq!(cores_note(2, scaled(1.1, 2), "Chrome 156"), None);
        assert_eq!(cores_note(8, None, "Chrome 156"), None);
        assert_eq!(cores_note(8, scaled(f64::NAN, 8), "Chrome 156"), None);
        // Firefox's 2 may be its fingerprinting protection's.
        assert!(cores_note(2, None, "Firefox 153")
            .unwrap()
            .contains("fingerprinting"));
        assert_eq!(cores_note(4, None, "Firefox 153"), None);
    }

    #[test]
    fn a_sweep_may_go_past_the_reported_cores_up_to_a_limit() {
        assert_eq!(Capabilities::most_threads(2), 8);
        assert_eq!(Capabilities::most_threads(16), 32);
        assert_eq!(Capabilities::most_threads(64), Capabilities::MAX_THREADS);
    }

    #[test]
    fn odd_core_counts_are_tamed() {
        assert_eq!(Capabilities::new(true, true, 0.0).cores, 1);
        assert_eq!(Capabilities::new(true, true, f64::NAN).cores, 1);
        assert_eq!(
            Capabilities::new(true, true, 1e9).cores,
            Capabilities::MAX_THREADS
        );
        assert_eq!(Capabilities::new(true, true, 2.0).cores, 2);
    }
}
