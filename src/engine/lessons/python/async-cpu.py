"""Overlap, lesson "async-cpu": a countdown split among k coroutines against one loop, in
CPython.

Run it with `python3 async-cpu.py` (add `--quick` for a small run). It measures the steps in
interleaved rounds, as the lesson does, and prints one line of JSON: paste it into the lesson's
"CPython's results" box to see CPython's numbers beside the browser's.
"""
import asyncio, json, os, platform, statistics, sys, time

QUICK = '--quick' in sys.argv
N = 2_000_000 if QUICK else 20_000_000
ROUNDS = 2 if QUICK else 5
K = max(2, os.cpu_count() or 2)


async def count(n):
    while n > 0:
        n -= 1
        if n % 100_000 == 0:
            await asyncio.sleep(0)  # let the other coroutines run


async def together():
    await asyncio.gather(*(count(N // K) for _ in range(K)))


def timed(step):
    start = time.perf_counter()
    step()
    return (time.perf_counter() - start) * 1e3


if __name__ == '__main__':
    steps = [('Sequential', lambda: asyncio.run(count(N))),
             (f'{K} coroutines', lambda: asyncio.run(together()))]
    rounds = {label: [] for label, _ in steps}
    for _ in range(ROUNDS):
        for label, step in steps:
            rounds[label].append(timed(step))
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'async-cpu',
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [{'label': label, 'ms': statistics.median(ms), 'rounds_ms': ms}
                  for label, ms in rounds.items()],
    }))
