// One CPython interpreter (Pyodide) of the Python lab (src/web/client/python.rs): a module worker
// with memory of its own, so what crosses to another interpreter crosses as bytes, as between
// multiprocessing's processes. Pyodide 314 loads only in module workers. Messages in, each
// answered before the next is sent:
//   {type: 'download', indexURL}        fetch the interpreter (progress as {type: 'progress',
//                                        loaded, total}), compile it, answer {type: 'compiled',
//                                        module}: compiled once, handed to every interpreter
//   {type: 'load', indexURL, module?, driver}
//                                        start CPython (from `module` if given), load the driver
//                                        (src/engine/python/driver.py) as `_overlap`; answer
//                                        {type: 'ready', ms}
//   {type: 'call', name, args}          call `_overlap.<name>(*args)`; answer {type: 'reply',
//                                        meta, blobs} (blobs: Uint8Arrays, transferred)
// Anything that breaks the interpreter itself is answered {type: 'fault', message}. What the
// visitor's code prints is sent as {type: 'print', text}, at most PRINTS lines per call.

const FILES = ['pyodide.asm.wasm', 'pyodide.asm.mjs', 'python_stdlib.zip', 'pyodide-lock.json'];
const PRINTS = 200;
let pyodide = null;
let driver = null;
let printed = 0;

const print = (text) => {
  if (printed++ < PRINTS) postMessage({ type: 'print', text });
};

const describe = (error) => String(error && error.message ? error.message : error);

// The interpreter's files, each read to the end, counting bytes for the page's progress bar; the
// wasm is compiled from what arrived. The others are only fetched, so that loadPyodide finds
// them in the service worker's cache (and offline use after one visit has them all).
async function download(indexURL) {
  const responses = await Promise.all(FILES.map((file) => fetch(indexURL + file)));
  for (const r of responses) if (!r.ok) throw new Error(`${r.url} answered ${r.status}`);
  const total = responses.reduce((sum, r) => sum + Number(r.headers.get('content-length') ?? 0), 0);
  let loaded = 0;
  let shown = 0;
  const read = async (response) => {
    const parts = [];
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      loaded += value.length;
      if (loaded - shown > 256 * 1024) {
        shown = loaded;
        postMessage({ type: 'progress', loaded, total });
      }
    }
    return new Blob(parts);
  };
  const [wasm] = await Promise.all(responses.map(read));
  postMessage({ type: 'progress', loaded, total });
  return WebAssembly.compile(await wasm.arrayBuffer());
}

// loadPyodide fetches and instantiates pyodide.asm.wasm itself and takes no compiled module
// (its `instantiateWasm` is built in: pyodide.mjs `createSettings`). Handed one, this worker
// answers loadPyodide's first instantiation from it, so k interpreters compile the 9.6 MB module
// once between them, not k times. Later instantiations go to the browser as they are. Sharing
// one interpreter's download and module among workers is an open request upstream:
// https://github.com/pyodide/pyodide/issues/587
function answerFirstInstantiationFrom(module) {
  const { instantiate, instantiateStreaming } = WebAssembly;
  let used = false;
  const fromModule = async (imports) => {
    used = true;
    return { instance: await instantiate(module, imports), module };
  };
  WebAssembly.instantiateStreaming = (source, imports) => {
    if (used) return instantiateStreaming(source, imports);
    Promise.resolve(source).then((r) => r.body?.cancel()).catch(() => {});
    return fromModule(imports);
  };
  WebAssembly.instantiate = (source, imports) =>
    used || source instanceof WebAssembly.Module ? instantiate(source, imports) : fromModule(imports);
}

async function load({ indexURL, module, driver: source }) {
  const started = performance.now();
  // pyodide.mjs asks whether it is in a classic worker by calling importScripts('data:…'), which
  // a module worker refuses anyway, but only after the page's Trusted Types policy has reported
  // the data: URL as a violation (require-trusted-types-for 'script'). Without importScripts the
  // same question gets the same answer (no) and reports nothing. Why Pyodide probes at all: a
  // worker has no direct way to tell whether it is a module worker, as its maintainers found in
  // https://github.com/pyodide/pyodide/pull/2220
  self.importScripts = undefined;
  if (module instanceof WebAssembly.Module) answerFirstInstantiationFrom(module);
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  pyodide = await loadPyodide({ indexURL, stdout: print, stderr: print });
  pyodide.FS.writeFile('/home/pyodide/_overlap.py', source);
  pyodide.runPython('import sys\nif "/home/pyodide" not in sys.path: sys.path.insert(0, "/home/pyodide")');
  driver = pyodide.pyimport('_overlap');
  return performance.now() - started;
}

async function call({ name, args }) {
  printed = 0;
  let answer = driver[name](...args);
  answer = await answer;
  try {
    const [meta, blobs] = answer.toJs();
    const bytes = blobs.map((b) => (b instanceof Uint8Array ? b : new Uint8Array(b)));
    postMessage({ type: 'reply', meta, blobs: bytes }, bytes.map((b) => b.buffer));
  } finally {
    answer.destroy?.();
  }
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type === 'download') {
      postMessage({ type: 'compiled', module: await download(data.indexURL) });
    } else if (data.type === 'load') {
      postMessage({ type: 'ready', ms: await load(data) });
    } else if (data.type === 'call') {
      await call(data);
    }
  } catch (error) {
    postMessage({ type: 'fault', message: describe(error) });
  }
};
