"""Overlap, lesson "gil": k threads against k processes counting down, in CPython.

Run it with `python3 gil.py` (add `--quick` for a small run, `--k 4` for another k than the
machine's cores, `--rounds 9` for more rounds). It measures the steps in interleaved rounds, as the
lesson does, and prints one line of JSON: paste it into the lesson's "CPython's results" box to see
CPython's numbers beside the browser's.

The last step is what this machine gives k threads that really run at once: CPython's hashlib
releases the GIL while it hashes a large buffer, so k threads hashing run in parallel. It is timed
against one thread hashing the same amount in the same round, as the lesson times k free threads
against the sequential count.
"""
import hashlib, json, os, platform, statistics, sys, time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def option(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


QUICK = '--quick' in sys.argv
N = 2_000_000 if QUICK else 40_000_000
ROUNDS = option('--rounds', 2 if QUICK else 5)
K = option('--k', max(2, os.cpu_count() or 2))
BUFFER = bytes(4 << 20)  # hashlib lets go of the GIL for buffers over 2 KB
HASHES = 2 if QUICK else 24  # per thread, per round


def count(n):
    while n > 0:
        n -= 1


def sequential():
    count(N)


def on(pool):
    list(pool.map(count, [N // K] * K))


def hash_share(_=None):
    for _ in range(HASHES):
        hashlib.sha256(BUFFER).digest()


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
            (f'{K} threads hashing (the GIL released)', lambda: list(threads.map(hash_share, range(K)))),
            # its own baseline: one thread hashing what the K threads hash
            ('one thread hashing', lambda: [hash_share() for _ in range(K)]),
        ]
        for _, step in steps:  # one untimed round: workers start, nothing is timed cold
            step()
        rounds = {label: [] for label, _ in steps}
        for _ in range(ROUNDS):  # A B C, A B C, ...: a busy spell hits every step alike
            for label, step in steps:
                rounds[label].append(timed(step))
    baseline = rounds.pop('one thread hashing')
    lines = [{'label': label, 'ms': statistics.median(ms), 'rounds_ms': ms}
             for label, ms in rounds.items()]
    lines[-1]['baseline_rounds_ms'] = baseline
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'gil', 'k': K,
        'python': platform.python_version(), 'cores': os.cpu_count(), 'steps': lines,
    }))
