//! The browser shell: the layer between [`crate::engine`] and the browser.
//!
//! One wasm module plays four parts. On the page it mounts the Yew UI. In the engine worker it
//! owns every run. In each rayon thread of that worker it is a pool thread sharing the engine's
//! memory. In each worker process of the processes model it is an instance with memory of its
//! own. [`start`] runs in all of them but the pool threads.
//!
//! The code is split by where it runs, one role per folder:
//!
//! - [`ui`]: the page's UI (the app, the labs, the lessons, the components, history, links).
//! - [`client`]: the page's client of the engine: starting the engine worker, lending it to one
//!   run at a time, watching it and replacing a broken one, and the rounds protocol over it.
//! - [`worker`]: what runs inside the engine worker: the host that answers the page, the worker
//!   processes, the I/O transports.
//! - [`platform`]: browser bindings every role uses: the clock and timers, the worker scripts,
//!   the panic hook, the page's capabilities.
//!
//! Arrows run `ui → client → platform` and `worker → platform`; `ui` and `worker` never name each
//! other, and neither do `client` and `worker`: they meet only in the typed messages of
//! [`crate::engine::protocol`]. `scripts/import-cycles.py` checks the rule.

pub mod client;
pub mod platform;
pub mod ui;
pub mod worker;

use wasm_bindgen::prelude::*;

// Links wasm-bindgen-rayon so its `initThreadPool` export reaches the JS glue the engine worker
// calls: a dependency nothing names is left out of the build, exports and all.
pub use wasm_bindgen_rayon::init_thread_pool;

#[wasm_bindgen(start)]
pub fn start() {
    platform::panic::install_hook();
    // Inside a worker there is no window and nothing to mount.
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    // Mount in a task of its own, not in the one that instantiated the module: where the module
    // was compiled on the page (Trunk.toml's loader falls back to that), that task has already
    // spent 48-56 ms finishing the compilation.
    wasm_bindgen_futures::spawn_local(async move {
        platform::worker_api::next_task().await;
        if let Some(boot) = document.get_element_by_id("boot") {
            boot.remove();
        }
        match document.get_element_by_id("app") {
            Some(root) => {
                yew::Renderer::<ui::app::App>::with_root(root).render();
            }
            None => {
                yew::Renderer::<ui::app::App>::new().render();
            }
        }
    });
}
