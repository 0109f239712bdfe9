// One blocking thread of the I/O lab's threads model (src/web/worker/io.rs): like a thread of
// ThreadPoolExecutor calling urllib, it makes one synchronous request at a time and can do
// nothing else until it returns. Synchronous XHR is allowed in workers (never on the page).
// Each message is {url, timeoutMs}; each answer is {type: 'reply', fetched}, `fetched` a JSON
// string in the shape of io::Fetched. A message {holdMs} holds the thread that long instead, as
// `time.sleep` does in a thread that asyncio.to_thread started, and answers {type: 'reply'}. Like the other worker scripts it says {type: 'ready'} once
// it can take work (src/web/platform/scripts.rs has the convention).

const now = () => performance.timeOrigin + performance.now();

const BLOCKED = 'blocked or unreachable: the server did not allow this page to read the response ' +
  '(CORS: no Access-Control-Allow-Origin for this origin), or the network failed ' +
  '(refused, unknown host, offline)';

self.onmessage = ({ data: { url, timeoutMs, holdMs } }) => {
  if (holdMs !== undefined) {
    // A spin: a worker may not sleep its thread without shared memory (Atomics.wait), and the
    // thread is held either way.
    const until = now() + holdMs;
    while (now() < until) { /* held */ }
    postMessage({ type: 'reply', fetched: '{}' });
    return;
  }
  const out = { first_byte_ms: null, status: null, status_text: '', bytes: 0, error: null, protocol: null };
  const xhr = new XMLHttpRequest();
  const started = now();
  try {
    xhr.open('GET', url, false);
    xhr.timeout = timeoutMs;
    // Bypass the HTTP cache. Only for our own origin: on another, this header would need a
    // CORS preflight the server may refuse.
    if (new URL(url).origin === self.origin) xhr.setRequestHeader('Cache-Control', 'no-store');
    xhr.send();
    if (xhr.status === 0) {
      // Firefox answers a blocked or failed synchronous request with status 0 instead of
      // throwing NetworkError as Chromium and WebKit do.
      out.error = BLOCKED;
    } else if (now() - started > timeoutMs) {
      // WebKit ignores xhr.timeout for synchronous requests in a worker and returns the late
      // answer; the visitor asked for the timeout, so the request failed.
      out.error = `timed out after ${timeoutMs} ms`;
    } else {
      out.status = xhr.status;
      out.status_text = xhr.statusText;
      out.bytes = new TextEncoder().encode(xhr.responseText).length;
      if (xhr.status >= 400) out.error = `HTTP ${xhr.status}${xhr.statusText ? ' ' + xhr.statusText : ''}`;
    }
  } catch (error) {
    out.error = error && error.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : BLOCKED;
  }
  postMessage({ type: 'reply', fetched: JSON.stringify(out) });
};
postMessage({ type: 'ready' });
