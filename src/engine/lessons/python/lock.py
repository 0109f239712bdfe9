"""Overlap, lesson "lock": two threads incrementing a shared counter, bare, with a call between
the read and the write, and with a lock; then a producer and consumers through queue.Queue,
in CPython.

Run it with `python3 lock.py` (add `--quick` for a small run). It prints one line of JSON: paste
it into the lesson's "CPython's results" box to see CPython's numbers beside the browser's.
The lesson's free-threads step needs a free-threaded build (3.13t or later, run with the GIL
off); on any other build its figure is null.
"""
import json, os, platform, queue, sys, sysconfig, threading

QUICK = '--quick' in sys.argv
PER_THREAD = 100_000 if QUICK else 1_000_000
ITEMS = 10_000 if QUICK else 100_000
THREADS = 2

counter = 0
lock = threading.Lock()


def tick():
    pass  # any call: CPython may switch threads here


def bare(n):
    global counter
    for _ in range(n):
        counter += 1  # under the GIL no switch falls inside this line


def call_between(n):
    global counter
    for _ in range(n):
        v = counter
        tick()  # a switch can fall between the read and the write
        counter = v + 1


def locked(n):
    global counter
    for _ in range(n):
        with lock:
            counter += 1


def together(work):
    global counter
    counter = 0
    threads = [threading.Thread(target=work, args=(PER_THREAD,)) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {'counted': counter, 'of': THREADS * PER_THREAD}


def through_a_queue():
    q = queue.Queue(16)
    taken = []

    def consume():
        while (item := q.get()) is not None:
            taken.append(item)

    consumer = threading.Thread(target=consume)
    consumer.start()
    for item in range(ITEMS):
        q.put(item)
    q.put(None)
    consumer.join()
    return {'counted': len(set(taken)) if len(taken) == ITEMS else 0, 'of': ITEMS}


if __name__ == '__main__':
    gil = getattr(sys, '_is_gil_enabled', lambda: True)()
    free = None if gil or not sysconfig.get_config_var('Py_GIL_DISABLED') else together(bare)
    steps = [('GIL threads: counter += 1', together(bare) if gil else None),
             ('GIL threads: v = counter; f(); counter = v + 1',
              together(call_between) if gil else None),
             ('free threads (3.13t): counter += 1', free),
             ('with lock: counter += 1', together(locked)),
             ('producer/consumer through queue.Queue(16)', through_a_queue())]
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'lock',
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [dict(label=label, **(figure or {'counted': None})) for label, figure in steps],
    }))
