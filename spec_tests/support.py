"""Helpers the spec tests share: futures in a given state, a task that
blocks until the test lets it go, what the futures logged, and the memory
a call leaves allocated."""

import threading

import pytest

BOUND = 10  # seconds: an upper bound for waits that should end at once
# How long a call that must still be blocking (a shutdown, a next()) is
# given to (wrongly) return. A correct implementation never returns within
# it, so the check cannot flake; a wrong one is caught unless it stalls
# this long.
SETTLE = 0.05
TINY = 0.02  # seconds: a timeout that is meant to expire


def future_records(caplog):
    """The records of the logger both implementations' futures log to."""
    return [record for record in caplog.records if record.name == "concurrent.futures"]


def finished(futures, value=None):
    """A future of *futures* finished with *value*."""
    future = futures.Future()
    future.set_result(value)
    return future


def failed(futures, exception=None):
    """A future of *futures* finished with an exception."""
    future = futures.Future()
    future.set_exception(exception if exception is not None else ValueError("failed"))
    return future


def running(futures):
    future = futures.Future()
    assert future.set_running_or_notify_cancel()
    return future


def cancel_and_notify(future):
    """Cancel *future* and notify its waiters, as a pool worker would."""
    assert future.cancel()
    assert not future.set_running_or_notify_cancel()


def cancelled_and_notified(futures):
    future = futures.Future()
    cancel_and_notify(future)
    return future


class Gate:
    """A task that blocks until the gate is opened."""

    def __init__(self):
        self.entered = threading.Event()  # set once a worker runs the task
        self.left = threading.Event()  # set when the task is about to return
        self._opened = threading.Event()

    def __call__(self, value=None):
        self.entered.set()
        self._opened.wait(BOUND)
        self.left.set()
        return value

    def open(self):
        self._opened.set()


def outcome_of(report):
    """What one phase's pytest report says, as the results files record it:
    passed, failed, error (setup or teardown failed), skipped, xfailed or
    xpassed."""
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.outcome == "failed" and report.when != "call":
        return "error"
    return report.outcome


def bytes_kept_per_call(call, times=1000):
    """Bytes still allocated after *times* calls of call(), per call (after
    a first hundred calls, which may fill caches). Anything a call leaves
    behind (a lock, a list slot) is 8 bytes or more."""
    tracemalloc = pytest.importorskip("tracemalloc", reason="needs tracemalloc (PyPy has none)")
    for _ in range(100):
        call()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(times):
            call()
        return (tracemalloc.get_traced_memory()[0] - before) / times
    finally:
        tracemalloc.stop()
