//! The browser shell: a thin layer over [`crate::engine`].
//!
//! One wasm module plays three parts. On the page it mounts the Yew UI. In the engine worker
//! (`www/engine-worker.js`) it runs measurements with its own shared memory and rayon pool. In
//! each of that pool's threads it is a rayon worker. [`start`] runs on the first two.

mod app;
mod capabilities;
pub mod components;
mod engine_worker;
pub mod worker_api;

use wasm_bindgen::prelude::*;

// Links wasm-bindgen-rayon so its `initThreadPool` export reaches the JS glue the engine worker
// calls: a dependency nothing names is left out of the build, exports and all.
pub use wasm_bindgen_rayon::init_thread_pool;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    // Inside the engine worker there is no window and nothing to mount.
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(boot) = document.get_element_by_id("boot") {
        boot.remove();
    }
    match document.get_element_by_id("app") {
        Some(root) => {
            yew::Renderer::<app::App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
