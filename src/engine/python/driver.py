"""Overlap's driver: loaded into every interpreter of the Python lab as the module `_overlap`.

The page calls these functions; each returns `(meta, blobs)`: `meta` a JSON string (with an
`error` key, a traceback of the visitor's own lines, when their code raised), `blobs` a list of
bytes that cross to another interpreter (pickled arguments and results). The visitor's code runs
in `__main__`, so `pickle` finds `work` by reference there, as `multiprocessing` does.
"""

import asyncio
import hashlib
import inspect
import json
import linecache
import pickle
import sys
import traceback

FILE = "<your code>"
main = sys.modules["__main__"]
KEEP = {"__name__", "__doc__", "__builtins__", "__loader__", "__spec__", "__package__"}


def _traceback(e):
    """The exception as Python prints it, with only the frames of the visitor's code."""
    te = traceback.TracebackException.from_exception(e)
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if f.filename == FILE])
    return "".join(te.format())


def _error(e):
    return json.dumps({"error": _traceback(e)}), []


def _digest(results):
    """What the results were, short, and a fingerprint to compare models with."""
    text = repr(results)
    return {
        "count": len(results),
        "preview": text if len(text) <= 200 else text[:197] + "...",
        "fingerprint": hashlib.sha256(text.encode()).hexdigest()[:16],
    }


def define(code, targets):
    """Runs the visitor's code afresh in `__main__`; says how many inputs and whether async."""
    ns = main.__dict__
    for name in [n for n in ns if n not in KEEP]:
        del ns[name]
    ns["TARGETS"] = targets
    linecache.cache[FILE] = (len(code), None, code.splitlines(True), FILE)
    try:
        exec(compile(code, FILE, "exec"), ns)
    except BaseException as e:
        return _error(e)
    work = ns.get("work")
    if not callable(work):
        return json.dumps({"error": "Your code defines no function named work: Overlap calls "
                                    "work(x) once for each x in inputs."}), []
    try:
        ns["inputs"] = list(ns["inputs"])
    except KeyError:
        return json.dumps({"error": "Your code defines no inputs: a list of the arguments to "
                                    "call work with, one call each."}), []
    except BaseException as e:
        return json.dumps({"error": f"inputs is not a list (or other iterable): {e!r}"}), []
    return json.dumps({"tasks": len(ns["inputs"]),
                       "is_async": inspect.iscoroutinefunction(work)}), []


async def sequential():
    """Every input in turn, in this interpreter: the baseline of every speedup."""
    work, inputs = main.work, main.inputs
    try:
        if inspect.iscoroutinefunction(work):
            results = [await work(x) for x in inputs]
        else:
            results = [work(x) for x in inputs]
    except BaseException as e:
        return _error(e)
    return json.dumps(_digest(results)), []


async def gather():
    """Every input as a coroutine on this interpreter's event loop, all at once."""
    work, inputs = main.work, main.inputs
    try:
        results = await asyncio.gather(*(work(x) for x in inputs))
    except BaseException as e:
        return _error(e)
    return json.dumps(_digest(list(results))), []


def pickle_chunks(chunksize):
    """The parent's part of `ProcessPoolExecutor.map`: the function (by reference) and each chunk
    of arguments, pickled. A function pickle cannot find by name fails here, with pickle's own
    message, as it does in CPython."""
    work, inputs = main.work, main.inputs
    try:
        blobs = [pickle.dumps((work, inputs[i:i + chunksize]))
                 for i in range(0, len(inputs), chunksize)]
    except BaseException as e:
        return _error(e)
    return json.dumps({"chunks": len(blobs)}), blobs


async def run_chunk(data):
    """A worker's part: unpickle a chunk, call the function on each argument, pickle the
    results."""
    try:
        fn, args = pickle.loads(data.to_bytes() if hasattr(data, "to_bytes") else data)
        if inspect.iscoroutinefunction(fn):
            results = [await fn(a) for a in args]
        else:
            results = [fn(a) for a in args]
        blob = pickle.dumps(results)
    except BaseException as e:
        return _error(e)
    return json.dumps({}), [blob]


def unpickle(blobs):
    """The parent again: the workers' results, unpickled in the order of the inputs."""
    results = []
    try:
        for data in blobs:
            results.extend(pickle.loads(data.to_bytes() if hasattr(data, "to_bytes") else data))
    except BaseException as e:
        return _error(e)
    return json.dumps(_digest(results)), []
