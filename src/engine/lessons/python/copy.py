"""Overlap, lesson "copy": sorting in k threads that share memory against k processes that
are sent (pickled) every chunk, in CPython.

Run it with `python3 copy.py` (add `--quick` for a small run). It prints one line of JSON: paste
it into the lesson's "CPython's results" box to see CPython's numbers beside the browser's.
"""
import json, os, platform, random, statistics, sys, time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

QUICK = '--quick' in sys.argv
SIZE = 100_000 if QUICK else 2_000_000
CHUNKS = 64
ROUNDS = 2 if QUICK else 3
K = max(2, os.cpu_count() or 2)


def main():
    rng = random.Random(1)
    data = [rng.random() for _ in range(SIZE)]
    step = -(-SIZE // CHUNKS)
    chunks = [data[i:i + step] for i in range(0, SIZE, step)]
    with ThreadPoolExecutor(K) as threads, ProcessPoolExecutor(K) as processes:
        steps = [
            ('Sequential', lambda: [sorted(c) for c in chunks]),
            (f'{K} threads sharing memory', lambda: list(threads.map(sorted, chunks))),
            # every chunk is pickled to a worker, and its sorted copy pickled back
            (f'{K} processes, copying', lambda: list(processes.map(sorted, chunks))),
        ]
        for _, run in steps:
            run()
        rounds = {label: [] for label, _ in steps}
        for _ in range(ROUNDS):
            for label, run in steps:
                start = time.perf_counter()
                run()
                rounds[label].append((time.perf_counter() - start) * 1e3)
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'copy',
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [{'label': label, 'ms': statistics.median(ms), 'rounds_ms': ms}
                  for label, ms in rounds.items()],
    }))


if __name__ == '__main__':
    main()
