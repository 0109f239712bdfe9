//! The browser shell: a thin layer over [`crate::engine`].
//!
//! One wasm module plays four parts. On the page it mounts the Yew UI. In the engine worker it
//! owns every run ([`host`]). In each rayon thread of that worker it is a pool thread sharing the
//! engine's memory. In each worker process of the processes model it is an instance with memory
//! of its own ([`processes`]). [`start`] runs in all of them but the pool threads.

mod app;
#[cfg(feature = "bench")]
pub mod bench;
pub mod capabilities;
mod classroom;
pub mod components;
mod cpu_lab;
mod download;
mod engine_slot;
mod engine_targets;
pub mod engine_worker;
mod focus;
mod history;
pub mod host;
pub mod io;
mod io_lab;
mod lessons;
mod link_card;
mod new_link_notice;
pub mod panic;
pub mod processes;
mod rounds;
mod route;
pub mod scripts;
pub mod share;
mod update_notice;
mod window_event;
pub mod worker_api;

use wasm_bindgen::prelude::*;

// Links wasm-bindgen-rayon so its `initThreadPool` export reaches the JS glue the engine worker
// calls: a dependency nothing names is left out of the build, exports and all.
pub use wasm_bindgen_rayon::init_thread_pool;

#[wasm_bindgen(start)]
pub fn start() {
    panic::install_hook();
    // Inside a worker there is no window and nothing to mount.
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    // Mount in a task of its own, not in the one that instantiated the module: where the module
    // was compiled on the page (Trunk.toml's loader falls back to that), that task has already
    // spent 48-56 ms finishing the compilation.
    wasm_bindgen_futures::spawn_local(async move {
        worker_api::next_task().await;
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
    });
}
