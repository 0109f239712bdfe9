"""Overlap, lesson "fetch": 16 requests of 200 ms one at a time against all at once with
asyncio.gather, on one thread, in CPython.

Run it with `python3 fetch.py` (add `--quick` for a small run). It answers its own requests from
a small local server that waits 200 ms before each answer, as Overlap's service worker does, and
prints one line of JSON: paste it into the lesson's "CPython's results" box to see CPython's
numbers beside the browser's.
"""
import asyncio, json, os, platform, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

QUICK = '--quick' in sys.argv
REQUESTS = 16
LATENCY_S = 0.02 if QUICK else 0.2


class Slow(BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(LATENCY_S)
        body = b'x' * 1024
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


async def get(port):
    """One GET on its own connection, with asyncio's streams (no third-party client needed)."""
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(b'GET /page HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    await writer.drain()
    page = await reader.read()
    writer.close()
    return page


async def main(port):
    start = time.perf_counter()
    for _ in range(REQUESTS):
        await get(port)  # one at a time
    one_at_a_time = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    await asyncio.gather(*(get(port) for _ in range(REQUESTS)))  # all at once
    return [('One at a time', one_at_a_time),
            ('All at once (gather)', (time.perf_counter() - start) * 1e3)]


if __name__ == '__main__':
    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(('127.0.0.1', 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    steps = asyncio.run(main(server.server_address[1]))
    server.shutdown()
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'fetch',
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [{'label': label, 'ms': ms} for label, ms in steps],
    }))
