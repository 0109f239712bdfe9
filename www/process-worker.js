// One worker "process" of the processes model (src/web/worker/processes.rs): its own instance of the
// module with its own memory, so the only way in or out is postMessage, which copies (structured
// clone), as multiprocessing pickles. Started from a Blob of this file with {glueUrl, module};
// then every message is a chunk of tasks as bytes, answered with the results as bytes.

self.onmessage = async ({ data: start }) => {
  self.onmessage = null;
  let engine;
  try {
    engine = await import(start.glueUrl);
    await engine.default({ module_or_path: start.module });
  } catch (error) {
    postMessage({ type: 'fault', message: String(error && error.message ? error.message : error) });
    return;
  }
  // A panicking task calls this before the trap ends the worker (src/web/platform/panic.rs).
  self.overlapFault = (message) => postMessage({ type: 'fault', message });
  self.onmessage = ({ data }) => postMessage({ type: 'reply', bytes: engine.serveChunk(data) });
  postMessage({ type: 'ready' });
};
