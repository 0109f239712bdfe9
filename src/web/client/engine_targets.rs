//! The built-in I/O targets as one engine asks for them: under a path of its own
//! (`<targets>e1a2b3c4d/page`), so that the service worker keeps the answers it is making apart
//! per engine (`www/sw.js`, `answering`).
//!
//! An engine drops its own answers after a Cancel. One that the page terminates (it did not say
//! it heard Cancel in time) cannot, and a terminated worker's requests are not always abandoned:
//! WebKit went on reading its pages from the service worker, and listed it among the clients for
//! 0.9 to 1.9 s more, so the next engine's gather of 16 pages took 2.2 to 4.2 s instead of 0.22
//! (`tests/io.rs`). So the page, which holds the engine's name, asks the service worker to drop
//! them when it lets the engine go.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub struct EngineTargets {
    /// Random, so engines of different tabs under the same service worker never share one; short,
    /// as the waterfall shows each URL's first 60 characters.
    name: String,
    /// The targets' root once the engine has been sent there.
    root: Option<String>,
}

impl EngineTargets {
    pub fn new() -> Self {
        let name = format!("e{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32);
        EngineTargets { name, root: None }
    }

    /// This engine's path under `root`, the service worker's targets (`…/__overlap/io/`); empty
    /// stays empty (no service worker: the engine says the built-in targets are not there).
    pub fn under(&mut self, root: &str) -> String {
        if root.is_empty() {
            return String::new();
        }
        self.root = Some(root.to_string());
        format!("{root}{}/", self.name)
    }

    /// Asks the service worker to drop whatever it is still answering for this engine. It is
    /// found by the targets' address, so this works from a page it does not control as well.
    pub fn drop_answers(&mut self) {
        let (Some(root), Some(window)) = (self.root.take(), web_sys::window()) else {
            return;
        };
        let found = window
            .navigator()
            .service_worker()
            .get_registration_with_document_url(&root);
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"drop".into());
        let _ = js_sys::Reflect::set(&message, &"engine".into(), &self.name.as_str().into());
        wasm_bindgen_futures::spawn_local(async move {
            let Ok(found) = JsFuture::from(found).await else {
                return;
            };
            let Ok(registration) = found.dyn_into::<web_sys::ServiceWorkerRegistration>() else {
                return;
            };
            if let Some(worker) = registration.active() {
                let _ = worker.post_message(&message);
            }
        });
    }
}
