"""Overlap, lesson "released": threads hashing, with the GIL held and with it released, in CPython.

Run it with `python3 released.py` (add `--quick` for a small run, `--k 4` for another k than the
machine's cores, `--rounds 9` for more rounds). It measures the steps in interleaved rounds, as the
lesson does, and prints one line of JSON: paste it into the lesson's "CPython's results" box to see
CPython's numbers beside the browser's.

hashlib lets go of the GIL while it hashes a buffer over 2 KB (HASHLIB_GIL_MINSIZE in CPython's
Modules/hashlib.h), so k threads hashing big buffers hash at once. Hashing in pieces of 96 bytes,
as the lesson's kernel chains them (`digest = sha256(digest + block)`), each call holds the GIL,
and so does the Python loop around it: k threads take turns. That step is timed against one thread
hashing the same pieces in the same round. The last step is what this machine gives k workers
that really run at once: k processes hashing the big buffers, where the lesson runs free threads,
timed against the first step.
"""
import hashlib, json, os, platform, statistics, sys, time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def option(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


QUICK = '--quick' in sys.argv
ROUNDS = option('--rounds', 2 if QUICK else 5)
K = option('--k', max(2, os.cpu_count() or 2))
BUFFER = bytes(4 << 20)  # over 2 KB: hashlib releases the GIL while it hashes
HASHES = 1 if QUICK else 48  # big buffers per worker, per round
PIECES = 2_000 if QUICK else 250_000  # 64-byte blocks per worker, per round, chained in 96-byte calls


def hash_buffers(_=None):
    for _ in range(HASHES):
        hashlib.sha256(BUFFER).digest()


def hash_pieces(_=None):
    digest = bytes(32)
    for index in range(PIECES):
        digest = hashlib.sha256(digest + index.to_bytes(8, 'little') * 8).digest()


def timed(step):
    start = time.perf_counter()
    step()
    return (time.perf_counter() - start) * 1e3


if __name__ == '__main__':
    with ThreadPoolExecutor(K) as threads, ProcessPoolExecutor(K) as processes:
        steps = [
            ('Sequential', lambda: [hash_buffers() for _ in range(K)]),
            (f'{K} threads hashing in 96-byte pieces (the GIL held)',
             lambda: list(threads.map(hash_pieces, range(K)))),
            (f'{K} GIL threads, letting go of it (as hashlib)',
             lambda: list(threads.map(hash_buffers, range(K)))),
            (f'{K} processes hashing 4 MB buffers: what {K} cores give',
             lambda: list(processes.map(hash_buffers, range(K)))),
            # its own baseline: one thread hashing the pieces the K threads hash
            ('one thread hashing in pieces', lambda: [hash_pieces() for _ in range(K)]),
        ]
        for _, step in steps:  # one untimed round: workers start, nothing is timed cold
            step()
        rounds = {label: [] for label, _ in steps}
        for _ in range(ROUNDS):  # A B C, A B C, ...: a busy spell hits every step alike
            for label, step in steps:
                rounds[label].append(timed(step))
    baseline = rounds.pop('one thread hashing in pieces')
    lines = [{'label': label, 'ms': statistics.median(ms), 'rounds_ms': ms}
             for label, ms in rounds.items()]
    lines[1]['baseline_rounds_ms'] = baseline
    lines[3]['baseline_rounds_ms'] = rounds['Sequential']  # processes stand in for free threads
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'released', 'k': K,
        'python': platform.python_version(), 'cores': os.cpu_count(), 'steps': lines,
    }))
