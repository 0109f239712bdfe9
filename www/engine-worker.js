// The engine worker. It runs measurements off the page's thread: a rayon job blocks its caller
// (Atomics.wait) until the pool is done, and browsers forbid blocking the page.
//
// The page sends {type: 'start', glueUrl, module, threads}. We import the page's own wasm-bindgen
// glue, instantiate the module the page already compiled (a fresh shared memory, no second
// download), and, if threads > 0, start a rayon pool of that many workers sharing that memory.
// Then each {type: 'measure', json} gets a {type: 'reply', json}.

let engine = null;
let poolThreads = 0;

const describe = (error) => String(error && error.message ? error.message : error);

self.onmessage = async ({ data }) => {
  if (data.type === 'start') {
    try {
      engine = await import(data.glueUrl);
      await engine.default({ module_or_path: data.module });
    } catch (error) {
      postMessage({ type: 'error', stage: 'load', message: describe(error) });
      return;
    }
    if (data.threads > 0) {
      try {
        await engine.initThreadPool(data.threads);
        poolThreads = data.threads;
      } catch (error) {
        postMessage({ type: 'error', stage: 'pool', message: describe(error) });
        return;
      }
    }
    postMessage({ type: 'ready', threads: poolThreads });
  } else if (data.type === 'measure') {
    try {
      postMessage({ type: 'reply', json: engine.engineMeasure(data.json, poolThreads) });
    } catch (error) {
      // A Rust panic arrives here as a trap ("unreachable"); its message went to the console.
      postMessage({ type: 'error', stage: 'run', message: describe(error) });
    }
  }
};
