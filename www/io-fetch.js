// The I/O lab's fetch, as a wasm-bindgen snippet (src/web/worker/io.rs): one request with the times a
// waterfall needs, every failure turned into a readable reason, answered as [report, body]: the
// report a JSON string, the body (kept only when asked) a string of its own, so a page of
// megabytes is not escaped into JSON here and parsed out of it again in the engine.
// Times are performance.timeOrigin + now(), like every other clock in the runtime.

const now = () => performance.timeOrigin + performance.now();

// Resource Timing keeps 250 entries by default; the lab makes thousands of requests.
performance.addEventListener?.('resourcetimingbufferfull', () => performance.clearResourceTimings());

function protocolOf(url) {
  const entries = performance.getEntriesByName(url, 'resource');
  const last = entries[entries.length - 1];
  return last && last.nextHopProtocol ? last.nextHopProtocol : null;
}

// `run` is the whole run's AbortSignal: Cancel aborts every request still under way.
export async function timedFetch(url, timeoutMs, keepBody, run) {
  const out = { first_byte_ms: null, status: null, status_text: '', bytes: 0, error: null, protocol: null };
  let body = null;
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; abort.abort(); }, timeoutMs);
  const cancel = () => abort.abort();
  run.addEventListener('abort', cancel);
  try {
    if (run.aborted) throw new DOMException('cancelled', 'AbortError');
    // no-store: every run measures the network (or the service worker), never the HTTP cache.
    const response = await fetch(url, { cache: 'no-store', mode: 'cors', credentials: 'omit', signal: abort.signal });
    out.first_byte_ms = now();
    out.status = response.status;
    out.status_text = response.statusText;
    const buffer = await response.arrayBuffer();
    out.bytes = buffer.byteLength;
    if (keepBody) body = new TextDecoder().decode(buffer);
    if (!response.ok) out.error = `HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`;
  } catch (error) {
    if (timedOut) {
      out.error = `timed out after ${timeoutMs} ms (aborted)`;
    } else if (run.aborted) {
      out.error = 'cancelled';
    } else if (error && error.name === 'TypeError') {
      // The browser says only "Failed to fetch" for both, on purpose: a page may not learn why.
      out.error = 'blocked or unreachable: the server did not allow this page to read the response ' +
        '(CORS: no Access-Control-Allow-Origin for this origin), or the network failed ' +
        '(refused, unknown host, offline)';
    } else {
      out.error = `failed: ${error && error.message ? error.message : error}`;
    }
  } finally {
    clearTimeout(timer);
    run.removeEventListener('abort', cancel);
  }
  out.protocol = protocolOf(url);
  return [JSON.stringify(out), body];
}

// The engine worker's JavaScript heap where the browser reports it (Chromium), else null.
export function jsHeapBytes() {
  const memory = performance.memory;
  return memory && typeof memory.usedJSHeapSize === 'number' ? memory.usedJSHeapSize : null;
}
