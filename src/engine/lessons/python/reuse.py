"""Overlap, lesson "reuse": a process pool started for every small batch against one pool
reused, in CPython.

Run it with `python3 reuse.py` (add `--quick` for a small run, `--k 4` for another k than the
machine's cores, `--rounds 9` for more batches). It prints one line of JSON: paste it into the
lesson's "CPython's results" box to see CPython's numbers beside the browser's.
"""
import json, os, platform, statistics, sys, time
from multiprocessing import get_context


def option(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


QUICK = '--quick' in sys.argv
# A small batch: CPython tests primes some 50 times slower than wasm, so fewer numbers here.
BELOW = 2_000 if QUICK else 20_000
BATCHES = option('--rounds', 2 if QUICK else 5)
K = option('--k', max(2, os.cpu_count() or 2))
# 'spawn' starts a fresh interpreter per worker, as the browser starts a fresh worker; with
# Linux's default 'fork' the start-up is cheaper but still paid for every new pool.
CONTEXT = get_context('spawn')


def is_prime(n):
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True


def batch(pool):
    return sum(pool.map(is_prime, range(BELOW), chunksize=BELOW // 64))


def main():
    fresh, reused = [], []
    with CONTEXT.Pool(K) as pool:
        batch(pool)  # untimed: the reused pool's workers start here, once
        for _ in range(BATCHES):
            start = time.perf_counter()
            with CONTEXT.Pool(K) as new_pool:  # a new pool for this batch
                batch(new_pool)
            fresh.append((time.perf_counter() - start) * 1e3)
            start = time.perf_counter()
            batch(pool)
            reused.append((time.perf_counter() - start) * 1e3)
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'reuse', 'k': K,
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [{'label': label, 'ms': statistics.median(ms), 'rounds_ms': ms}
                  for label, ms in ((f'A new pool of {K} per batch', fresh),
                                    (f'One pool of {K}, reused', reused))],
    }))


if __name__ == '__main__':
    main()
