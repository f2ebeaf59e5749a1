"""The reference's public surface equals the newest stdlib's.

Every public name of the package and of its thread module, and the
signature of every public callable, compared with a snapshot of the newest
CPython's concurrent.futures (tests/tooling/data/stdlib_surface.json).
On that CPython the snapshot itself is checked against the live stdlib, so
it cannot go stale. Regenerate it with the newest Python:

    python3.15 -m tests.tooling.test_surface
"""

import importlib
import inspect
import json
import pathlib
import sys

import pytest

SNAPSHOT = pathlib.Path(__file__).resolve().parent / "data" / "stdlib_surface.json"

# What the stdlib has only for its process and interpreter pools (and does
# not document for the thread pool).
KNOWN_DIFFERENCES = {
    "ProcessPoolExecutor": "process pools are out of scope",
    "InterpreterPoolExecutor": "interpreter pools are out of scope",
    "thread.WorkerContext": "the interpreter pool's per-worker context",
    "ThreadPoolExecutor.BROKEN": "lets the interpreter pool raise its own Broken class",
}


def _signature(obj):
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return type(obj).__name__


def _describe_class(cls, prefix, surface):
    surface[prefix + "()"] = _signature(cls)
    surface[prefix + ".__bases__"] = [base.__name__ for base in cls.__bases__]
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next(klass for klass in cls.__mro__ if name in vars(klass))
        if owner.__module__ == "builtins":
            continue  # e.g. BaseException.args
        surface["%s.%s" % (prefix, name)] = _signature(getattr(cls, name))


def surface(package_name):
    """{dotted public name: signature, or bases for classes} of a package."""
    package = importlib.import_module(package_name)
    thread = importlib.import_module(package_name + ".thread")
    found = {}
    for name in package.__all__:
        obj = getattr(package, name)
        if inspect.isclass(obj):
            _describe_class(obj, name, found)
        else:
            found[name] = _signature(obj) if callable(obj) else repr(obj)
    for name, obj in vars(thread).items():
        if not name.startswith("_") and inspect.isclass(obj) and obj.__module__ == thread.__name__:
            if name not in package.__all__:
                _describe_class(obj, "thread." + name, found)
    return found


def _is_part_of(name, known):
    return name == known or name.startswith((known + ".", known + "()"))


def _without_known_differences(found):
    return {name: value for name, value in found.items()
            if not any(_is_part_of(name, known) for known in KNOWN_DIFFERENCES)}


def _snapshot():
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_reference_surface_equals_newest_stdlib():
    assert surface("reference") == _without_known_differences(_snapshot()["surface"])


def test_known_differences_are_real():
    snapshot = _snapshot()["surface"]
    absent = [known for known in KNOWN_DIFFERENCES
              if not any(_is_part_of(name, known) for name in snapshot)]
    assert absent == []


def test_snapshot_matches_live_stdlib():
    snapshot = _snapshot()
    if sys.version_info[:2] != tuple(snapshot["python"][:2]):
        pytest.skip("the snapshot is checked on the CPython it was taken from")
    assert surface("concurrent.futures") == snapshot["surface"]


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps({"python": list(sys.version_info[:3]),
                                    "surface": surface("concurrent.futures")}, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
    print("wrote", SNAPSHOT)
