"""Overlap, lesson "blocked": one blocking call inside a coroutine, in CPython's asyncio.

Run it with `python3 blocked.py` (add `--quick` for one round, `--rounds 9` for more rounds). Ten
coroutines each await a 100 ms timer (`asyncio.sleep`) on one event loop, alone and then beside an
eleventh coroutine that spends 1 s in one call: `time.sleep(1)` made inside the coroutine, then
`await asyncio.to_thread(time.sleep, 1)`, then `await asyncio.sleep(1)`. Each step's figure is when
the last of the ten finished, from the start, the median over interleaved rounds (as the lesson
takes them); the line also says how late their timers fired. Paste the JSON line it prints into
the lesson's "CPython's results" box to see CPython's numbers beside the browser's.
"""
import asyncio, json, os, platform, statistics, sys, time


def option(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


QUICK = '--quick' in sys.argv
ROUNDS = option('--rounds', 1 if QUICK else 5)
COROUTINES = 10
SLEEP = 0.1  # each timer, in seconds
BLOCK = 1.0  # the eleventh coroutine's call


async def timer(start, done):
    await asyncio.sleep(SLEEP)
    done.append(time.perf_counter() - start)


async def blocking(how):
    if how == 'on the loop':
        time.sleep(BLOCK)  # holds the thread the loop runs on: nothing else runs
    elif how == 'in a thread':
        await asyncio.to_thread(time.sleep, BLOCK)  # another thread is held; the loop runs on
    else:
        await asyncio.sleep(BLOCK)  # a timer: nothing is held


async def step(how):
    start, done = time.perf_counter(), []
    coroutines = [timer(start, done) for _ in range(COROUTINES)]
    if how:
        coroutines.append(blocking(how))  # started after the timers, as the lesson starts it
    await asyncio.gather(*coroutines)
    late = statistics.median(d - SLEEP for d in done)
    return max(done) * 1e3, late * 1e3


if __name__ == '__main__':
    b = f'{BLOCK:g}'
    steps = [
        (f'{COROUTINES} timers alone', None),
        (f'beside time.sleep({b}) in a coroutine', 'on the loop'),
        (f'beside await asyncio.to_thread(time.sleep, {b})', 'in a thread'),
        (f'beside await asyncio.sleep({b})', 'awaited'),
    ]
    asyncio.run(step('in a thread'))  # one untimed round: the thread pool starts
    rounds = {label: [] for label, _ in steps}
    late = {label: [] for label, _ in steps}
    for _ in range(ROUNDS):  # A B C D, A B C D, ...
        for label, how in steps:
            ms, late_ms = asyncio.run(step(how))
            rounds[label].append(ms)
            late[label].append(late_ms)
    print(json.dumps({
        'overlap': 'cpython', 'version': 1, 'lesson': 'blocked',
        'python': platform.python_version(), 'cores': os.cpu_count(),
        'steps': [{'label': label, 'ms': statistics.median(ms), 'rounds_ms': ms,
                   'late_ms': statistics.median(late[label])} for label, ms in rounds.items()],
    }))
