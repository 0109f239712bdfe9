"""Overlap, lesson "deadlock": two threads taking two locks, in CPython.

Run it with `python3 deadlock.py` (add `--quick` for fewer rounds). Two threads each take locks A
and B 50 times, holding the first 2 ms before taking the second: thread 0 as A then B, thread 1
first as B then A, then as A then B, then as B then A again with `acquire(timeout=0.02)` for the
second lock, letting go of the first and backing off on a timeout. Each step counts the rounds
that took both locks. Taken in opposite orders, the two threads stop for good, each holding the
lock the other waits for: a watchdog gives them 0.5 s without a round done, then leaves them
stuck (daemon threads: CPython cannot stop a thread) and the script goes on. It prints one line of
JSON: paste it into the lesson's "CPython's results" box to see CPython's counts beside the
browser's.
"""
import json, os, platform, sys, threading, time

QUICK = '--quick' in sys.argv
ROUNDS = 10 if QUICK else 50  # per thread
HOLD = 0.002  # the work between the two locks
TIMEOUT = 0.02
WATCHDOG = 0.5


def take_both(me, first, second, timeout, done, retries):
    while done[me] < ROUNDS:
        first.acquire()
        time.sleep(HOLD)
        if timeout is None:
            second.acquire()  # waits for ever if the other thread holds it and wants ours
        elif not second.acquire(timeout=timeout):
            first.release()  # let go, back off a while that differs by thread, try again
            retries[me] += 1
            time.sleep((1 + (me * 3 + retries[me]) % 5) / 1000)
            continue
        done[me] += 1
        second.release()
        first.release()


def step(order):
    a, b = threading.Lock(), threading.Lock()
    done, retries = [0, 0], [0, 0]
    one = (b, a) if order in ('opposite', 'timeout') else (a, b)
    timeout = TIMEOUT if order == 'timeout' else None
    threads = [threading.Thread(target=take_both, args=(0, a, b, timeout, done, retries), daemon=True),
               threading.Thread(target=take_both, args=(1, *one, timeout, done, retries), daemon=True)]
    for t in threads:
        t.start()
    # The watchdog: WATCHDOG seconds without a round done, and the threads are still there.
    seen, since = -1, time.perf_counter()
    while any(t.is_alive() for t in threads):
        if sum(done) != seen:
            seen, since = sum(done), time.perf_counter()
        elif time.perf_counter() - since > WATCHDOG:
            break  # deadlocked: they stay stuck, and the script goes on
        time.sleep(0.005)
    return sum(done), sum(retries)


if __name__ == '__main__':
    steps = [
        ('Opposite orders: thread 1 takes B, then A', 'opposite'),
        ('One order: both take A, then B', 'one'),
        ('Opposite orders, acquire(timeout=0.02) with back-off', 'timeout'),
    ]
    lines = []
    for label, order in steps:
        counted, retried = step(order)
        lines.append({'label': label, 'counted': counted, 'of': 2 * ROUNDS, 'retries': retried})
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'deadlock',
        'python': platform.python_version(), 'cores': os.cpu_count(), 'steps': lines,
    }))
