"""The tutorial programs in scripts/examples: each runs with either
implementation, from any directory, exits 0 within 5 seconds and prints the
lines that carry its lesson. (Tooling tests check the project, not an
implementation, and name no clause.)"""

import pathlib
import subprocess
import sys
import time

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent.parent / "scripts" / "examples"
BUDGET = 5  # seconds per run
IMPLS = {"stdlib": "concurrent.futures", "reference": "reference"}

# The lines each example must print, whichever the implementation.
LESSONS = {
    "callback_basics.py": [
        "main thread: result() = <contents of a.txt>",
        "log_result got <contents of a.txt> in thread worker_0",
        "count_bytes: 19 characters",
    ],
    "naive_chain.py": [
        "fetch_parse_save() returned the FIRST future (fetch's)",
        "its result(): <title>example.org</title>",
        "save ran later: True - only a side channel (an Event) could tell",
    ],
    "chain_with_then.py": [
        "pipeline() result: saved 'example.org'",
        "then() result: saved 'python.org'",
        "wait() saw both done: True",
    ],
    "callback_exceptions.py": [
        "    (ConnectionError: example.org is unreachable)",
        "   the caller got nothing back: the error went to the log only",
        "   caught ConnectionError: example.org is unreachable",
        "   the same object fetch raised: True",
        "   recover() gives: <cached copy>",
    ],
    "late_binding.py": [
        "buggy:        ['c.txt -> <a.txt>', 'c.txt -> <b.txt>', 'c.txt -> <c.txt>']",
        "name=name:    ['a.txt -> <a.txt>', 'b.txt -> <b.txt>', 'c.txt -> <c.txt>']",
        "partial:      ['a.txt -> <a.txt>', 'b.txt -> <b.txt>', 'c.txt -> <c.txt>']",
    ],
    "done_future_callback.py": [
        "add_done_callback() called",
        "  the callback runs in thread MainThread",
        "add_done_callback() returned",
        "  then()'s step runs in thread MainThread",
        "then() returned a future already done: True 2048",
    ],
    "process_pool.py": [
        "square(12) = 144 computed in a child process: True",
        "then(): 144, as a then() step in the parent",
        "the callback ran in the parent process: True",
    ],
}
# Lines that must come in this order (the lesson is the order).
IN_ORDER = {
    "done_future_callback.py": LESSONS["done_future_callback.py"][:3],
}


class Run:
    def __init__(self, completed, seconds):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.lines = completed.stdout.splitlines()
        self.seconds = seconds


_runs = {}


def run_example(name, impl, tmp_path_factory):
    """Run an example once per (name, impl), from a directory of its own."""
    key = (name, impl)
    if key not in _runs:
        arguments = [sys.executable, str(EXAMPLES / name)] + (["--impl", impl] if impl else [])
        started = time.monotonic()
        completed = subprocess.run(arguments, capture_output=True, text=True, timeout=60,
                                   cwd=str(tmp_path_factory.mktemp("example")), stdin=subprocess.DEVNULL)
        _runs[key] = Run(completed, time.monotonic() - started)
    return _runs[key]


@pytest.fixture(params=sorted(LESSONS))
def example(request):
    return request.param


@pytest.fixture(params=sorted(IMPLS))
def impl(request):
    return request.param


def test_every_example_is_tested():
    assert sorted(path.name for path in EXAMPLES.glob("[!_]*.py")) == sorted(LESSONS)


def test_example_exits_zero(example, impl, tmp_path_factory):
    run = run_example(example, impl, tmp_path_factory)
    assert run.returncode == 0, run.stderr


def test_example_prints_its_lesson(example, impl, tmp_path_factory):
    run = run_example(example, impl, tmp_path_factory)
    assert [line for line in LESSONS[example] if line not in run.lines] == []


def test_example_prints_its_lesson_in_order(impl, tmp_path_factory):
    for example, ordered in IN_ORDER.items():
        lines = run_example(example, impl, tmp_path_factory).lines
        assert [line for line in lines if line in ordered] == ordered


def test_example_runs_within_budget(example, impl, tmp_path_factory):
    assert run_example(example, impl, tmp_path_factory).seconds < BUDGET


def test_example_writes_nothing_to_stderr(example, impl, tmp_path_factory):
    assert run_example(example, impl, tmp_path_factory).stderr == ""


@pytest.mark.parametrize("name", sorted(set(LESSONS) - {"process_pool.py"}))
def test_example_uses_the_implementation_it_is_given(name, impl, tmp_path_factory):
    assert "implementation: %s" % IMPLS[impl] in run_example(name, impl, tmp_path_factory).lines


@pytest.mark.parametrize("name", sorted(set(LESSONS) - {"process_pool.py"}))
def test_example_uses_the_reference_by_default(name, tmp_path_factory):
    assert "implementation: reference" in run_example(name, None, tmp_path_factory).lines
