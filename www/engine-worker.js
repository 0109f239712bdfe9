// The engine worker: owns every run, off the page's thread (a rayon job blocks its caller with
// Atomics.wait, and browsers forbid blocking the page). The page starts it from a Blob of this
// file (src/web/platform/scripts.rs), waits for our "listening" and sends {glueUrl, module, threads}: we import the page's own
// wasm-bindgen glue, instantiate the module the page already compiled (a fresh shared memory, no
// second download) and start a rayon pool of `threads`. From then on Rust handles every message
// (src/web/worker/host.rs); they are JSON strings of protocol::ToEngine and protocol::FromEngine.

// The page's policy, which this worker inherits, requires Trusted Types for every script URL:
// the workers started from here (the rayon pool's, the processes', the blocking threads') are
// the app's own files or Blob URLs, and pass; nothing else does (as index.html's policy).
if (self.trustedTypes && !trustedTypes.defaultPolicy) {
  trustedTypes.createPolicy('default', {
    createScriptURL: (url) => {
      const parsed = new URL(url, location.href);
      if (parsed.protocol === 'blob:' || parsed.origin === location.origin) return url;
      throw new TypeError(`Overlap starts only its own scripts, not ${url}`);
    },
  });
}

const describe = (error) => String(error && error.message ? error.message : error);
// protocol::FromEngine::Fault and ::Listening, as serde writes them (externally tagged).
const fault = (message) => postMessage(JSON.stringify({ fault: { message } }));

// A trap inside a promise callback (most of the engine's work runs in them: every await) is an
// unhandled rejection, which, unlike an uncaught error, never reaches the page's onerror. Without
// this the page would wait for an answer that never comes (an I/O run that ran out of memory did).
self.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  fault(`the engine crashed: ${describe(event.reason)}`);
});

// A start message that cannot be received here (the compiled module cannot cross into this
// worker) would otherwise leave the page waiting for ever.
self.onmessageerror = () => fault('the engine could not receive the compiled module');

self.onmessage = async ({ data: start }) => {
  self.onmessage = null;
  let engine;
  try {
    engine = await import(start.glueUrl);
    await engine.default({ module_or_path: start.module });
  } catch (error) {
    fault(`the engine failed to load: ${describe(error)}`);
    return;
  }
  // A panic on this thread calls this before the trap ends the worker (src/web/platform/panic.rs).
  self.overlapFault = fault;
  let threads = 0;
  let poolError = null;
  const started = performance.now();
  if (start.threads > 0) {
    try {
      await engine.initThreadPool(start.threads);
      threads = start.threads;
    } catch (error) {
      poolError = describe(error);
    }
  }
  const poolStartMs = performance.now() - started;
  self.onmessage = ({ data }) => engine.engineReceive(data);
  engine.engineStart(threads, poolStartMs, poolError);
};

// Only now may the page send the start message: Chromium drops messages posted to a module
// worker started from a URL (as the tests start this one) before its script has run.
postMessage(JSON.stringify('listening'));
