"""Overlap, lesson "bounded": 16 requests of 200 ms through ThreadPoolExecutor(max_workers=k)
for k = 2, 4 and 8, in CPython.

Run it with `python3 bounded.py` (add `--quick` for a small run). It answers its own requests
from a small local server that waits 200 ms before each answer, as Overlap's service worker
does, and prints one line of JSON: paste it into the lesson's "CPython's results" box to see
CPython's numbers beside the browser's.
"""
import json, os, platform, sys, threading, time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
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


def get(url):
    with urllib.request.urlopen(url) as response:
        return response.read()


if __name__ == '__main__':
    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(('127.0.0.1', 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    urls = [f'http://127.0.0.1:{server.server_address[1]}/page?i={i}' for i in range(REQUESTS)]
    steps = []
    for k in (2, 4, 8):
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=k) as pool:
            list(pool.map(get, urls))  # about ceil(16 / k) latencies
        steps.append((f'At most {k} at a time', (time.perf_counter() - start) * 1e3))
    server.shutdown()
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'bounded',
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [{'label': label, 'ms': ms} for label, ms in steps],
    }))
