"""Overlap, lesson "imap": how soon the first result arrives with pool.map and pool.imap, in
CPython.

Run it with `python3 imap.py` (add `--quick` for a small run, `--k 4` for another k than the
machine's cores). It prints one line of JSON: paste it into the lesson's "CPython's results" box to
see CPython's numbers beside the browser's.
"""
import json, os, platform, sys, time
from multiprocessing.pool import ThreadPool


def option(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


QUICK = '--quick' in sys.argv
N = 18 if QUICK else 24
TASKS = 32
K = option('--k', max(2, os.cpu_count() or 2))


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def first_result_ms(pool, imap):
    start = time.perf_counter()
    if imap:
        for _ in pool.imap(fib, [N] * TASKS, chunksize=1):
            return (time.perf_counter() - start) * 1e3
    pool.map(fib, [N] * TASKS)  # the list comes back whole, once every task is done
    return (time.perf_counter() - start) * 1e3


def main():
    with ThreadPool(K) as pool:  # as the lesson: k threads; map and imap behave alike on processes
        first_result_ms(pool, False)
        steps = [(f'map on {K} threads', first_result_ms(pool, False)),
                 (f'imap on {K} threads', first_result_ms(pool, True))]
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'imap', 'k': K,
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [{'label': label, 'ms': ms} for label, ms in steps],
    }))


if __name__ == '__main__':
    main()
