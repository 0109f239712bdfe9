"""Overlap, lesson "thousands": 5 000 coroutines each sleeping 50 ms, all at once and at most
50 at a time, in CPython.

Run it with `python3 thousands.py` (add `--quick` for a small run). It prints one line of JSON:
paste it into the lesson's "CPython's results" box to see CPython's numbers beside the
browser's. The lesson's last step, real requests through the browser's service worker, has no
counterpart here (its pace is the browser's), so its figure is null.
"""
import asyncio, json, os, platform, sys, time

QUICK = '--quick' in sys.argv
COROUTINES = 500 if QUICK else 5_000
SLEEP_S = 0.01 if QUICK else 0.05


async def task(i, limit=None):
    if limit is None:
        await asyncio.sleep(SLEEP_S)
    else:
        async with limit:  # at most 50 waiting at once
            await asyncio.sleep(SLEEP_S)
    return i


async def main(k=None):
    limit = asyncio.Semaphore(k) if k else None
    return await asyncio.gather(*(task(i, limit) for i in range(COROUTINES)))


def timed(k=None):
    start = time.perf_counter()
    asyncio.run(main(k))
    return (time.perf_counter() - start) * 1e3


if __name__ == '__main__':
    steps = [('5 000 at once (gather)', timed()),
             ('At most 50 at a time (Semaphore(50))', timed(50)),
             ('1 000 real requests at once (fetch)', None)]
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'thousands',
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [{'label': label, 'ms': ms} for label, ms in steps],
    }))
