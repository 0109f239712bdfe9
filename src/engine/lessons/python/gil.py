"""Overlap, lesson "gil": k threads against k processes counting down, in CPython.

Run it with `python3 gil.py` (add `--quick` for a small run). It measures the steps in
interleaved rounds, as the lesson does, and prints one line of JSON: paste it into the lesson's
"CPython's results" box to see CPython's numbers beside the browser's.
"""
import json, os, platform, statistics, sys, time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

QUICK = '--quick' in sys.argv
N = 2_000_000 if QUICK else 40_000_000
ROUNDS = 2 if QUICK else 5
K = max(2, os.cpu_count() or 2)


def count(n):
    while n > 0:
        n -= 1


def sequential():
    count(N)


def on(pool):
    list(pool.map(count, [N // K] * K))


def timed(step):
    start = time.perf_counter()
    step()
    return (time.perf_counter() - start) * 1e3


if __name__ == '__main__':
    with ThreadPoolExecutor(K) as threads, ProcessPoolExecutor(K) as processes:
        steps = [
            ('Sequential', sequential),
            (f'{K} GIL threads', lambda: on(threads)),
            (f'{K} processes', lambda: on(processes)),
        ]
        for _, step in steps:  # one untimed round: workers start, nothing is timed cold
            step()
        rounds = {label: [] for label, _ in steps}
        for _ in range(ROUNDS):  # A B C, A B C, ...: a busy spell hits every step alike
            for label, step in steps:
                rounds[label].append(timed(step))
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'gil',
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [{'label': label, 'ms': statistics.median(ms), 'rounds_ms': ms}
                  for label, ms in rounds.items()],
    }))
