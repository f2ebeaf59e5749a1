"""The vocabulary the clause tests share; the fixtures are in conftest.py.

Time
    BOUND                 seconds: the bound of every wait that should end at once
    TINY                  seconds: a timeout meant to expire; a blocking call's chance to return
    let_time_pass(s)      return once the clock has run on s seconds (only for timeouts that must expire)
Futures in a given state
    pending(futures)      a new future
    running(futures)      a future set running
    finished(futures, value=None)    a future finished with value
    failed(futures, exception=None)  a future finished with an exception
    cancelled(futures)    a future cancelled, its waiters not notified
    cancel_and_notify(future)        cancel a future and notify its waiters, as a worker does
    cancelled_and_notified(futures)  a future cancelled, its waiters notified
    outcome(future)       what a done future holds: ("returned", v), ("raised", exc) or ("cancelled",)
Threads and tasks
    InThread(call, name)  call() in a thread of its own: start(), join(), result(), still_running()
    in_thread(call, name) an InThread, started
    Gate                  a task that blocks until the test opens it (fixture: make_gate)
    busy_worker(executor) a block during which one worker is held by a Gate
    Timing                attach around a completion in one timing: run(), start() (fixture: timing)
    Relay                 carries failures out of callbacks and workers (fixture: relay)
Observing
    future_records(caplog)     the records of the futures' logger
    bytes_kept_per_call(call)  memory each call leaves allocated
    outcome_of(report)         a pytest report's outcome, as the results files record it
"""

import contextlib
import functools
import threading
import time

BOUND = 10  # seconds; never reached when the implementation is right
TINY = 0.02  # seconds


def let_time_pass(seconds):
    """Return once the monotonic clock has advanced by at least *seconds*.
    Only for a test that needs a timeout to expire: it synchronizes nothing."""
    never = threading.Event()
    end = time.monotonic() + seconds
    remaining = seconds
    while remaining > 0:
        never.wait(remaining)
        remaining = end - time.monotonic()


# --- futures in a given state ------------------------------------------------

def pending(futures):
    """A new future of *futures*."""
    return futures.Future()


def running(futures):
    """A future of *futures* set running."""
    future = futures.Future()
    assert future.set_running_or_notify_cancel()
    return future


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


def cancelled(futures):
    """A future of *futures* cancelled, its waiters not notified."""
    future = futures.Future()
    assert future.cancel()
    return future


def cancel_and_notify(future):
    """Cancel *future* and notify its waiters, as a pool worker would."""
    assert future.cancel()
    assert not future.set_running_or_notify_cancel()


def cancelled_and_notified(futures):
    """A future of *futures* cancelled, its waiters notified."""
    future = futures.Future()
    cancel_and_notify(future)
    return future


def outcome(future):
    """What a done future holds: ("returned", value), ("raised", the
    exception object) or ("cancelled",)."""
    if future.cancelled():
        return ("cancelled",)
    error = future.exception(timeout=0)
    if error is not None:
        return ("raised", error)
    return ("returned", future.result(timeout=0))


# --- threads and tasks -------------------------------------------------------

class InThread:
    """call() run in a thread of its own (a daemon), keeping what it
    returned (``returned``) or raised (``raised``); ``finished`` is set
    when it has done either."""

    def __init__(self, call, name="in-thread"):
        self.returned = self.raised = None
        self.finished = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(call,), name=name, daemon=True)

    def _run(self, call):
        try:
            self.returned = call()
        except BaseException as exc:
            self.raised = exc
        finally:
            self.finished.set()

    def start(self):
        """Start the thread; return self."""
        self.thread.start()
        return self

    def join(self, timeout=BOUND):
        """Wait until call() has returned or raised and its thread has
        ended; fail if it has not within *timeout* seconds. Return self."""
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "%s did not return within %s seconds" % (self.thread.name, timeout)
        return self

    def result(self, timeout=BOUND):
        """join(), then return what call() returned, or raise what it raised."""
        self.join(timeout)
        if self.raised is not None:
            raise self.raised
        return self.returned

    def still_running(self):
        """True if call() has not returned TINY seconds from now (its chance
        to return when it must block: a correct implementation never fails
        this). If it has, False, or what it raised."""
        if self.finished.wait(TINY):
            self.result()
            return False
        return True


def in_thread(call, name="in-thread"):
    """call() run in a thread of its own, started: an InThread."""
    return InThread(call, name).start()


class Gate:
    """A task that blocks until the test opens it; called with a value, it
    returns that value. It fails if it is not opened within BOUND."""

    def __init__(self):
        self.entered = threading.Event()  # set once a thread runs the task
        self.left = threading.Event()  # set when the task is about to return
        self._opened = threading.Event()

    def __call__(self, value=None):
        self.entered.set()
        try:
            assert self._opened.wait(BOUND), "the gate was never opened"
        finally:
            self.left.set()
        return value

    def open(self):
        self._opened.set()


@contextlib.contextmanager
def busy_worker(executor):
    """Keep one worker of *executor* busy (it has entered a Gate) until the
    block ends; yield the future of that call, whose result is the worker's
    thread. The block holds the executor (a context manager keeps its
    arguments): a test that drops its executor uses a Gate instead."""
    gate = Gate()
    future = executor.submit(lambda: gate(threading.current_thread()))
    try:
        assert gate.entered.wait(BOUND), "no worker took the call"
        yield future
    finally:
        gate.open()


TIMINGS = ("attached-before-completion", "attached-after-completion", "completed-by-other-thread")


class Timing:
    """When something is attached to a future relative to its completion."""

    def __init__(self, name):
        self.name = name

    def run(self, attach, complete):
        """Run attach() (add a callback, start waiting...) and complete()
        (set_result, cancel...) in this timing. A failure in the completing
        thread (named "completer") is re-raised here."""
        if self.name == "attached-after-completion":
            complete()
            attach()
            return
        attach()
        if self.name == "attached-before-completion":
            complete()
            return
        in_thread(complete, name="completer").result()

    def start(self, call, complete):
        """Start call() (a wait) in a thread of its own, in this timing around
        complete(); return its InThread."""
        waiter = InThread(call, name="waiter")
        self.run(waiter.start, complete)
        return waiter


class Relay:
    """Carries failures out of callbacks and worker threads into the test.

    A Future swallows an exception raised by a callback (it only logs it),
    and a worker turns an assertion error into a future's exception that
    nobody may look at. Wrap such code with ``relay(fn)``: the first
    failure is re-raised when the test ends.
    """

    def __init__(self):
        self.errors = []

    def __call__(self, fn):
        @functools.wraps(fn)
        def relayed(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except BaseException as exc:
                self.errors.append(exc)
                raise
        return relayed

    def check(self):
        if self.errors:
            raise self.errors[0]


# --- observing -----------------------------------------------------------------

def future_records(caplog):
    """The records of the logger both implementations' futures log to."""
    return [record for record in caplog.records if record.name == "concurrent.futures"]


def bytes_kept_per_call(call, times=1000):
    """Bytes still allocated after *times* calls of call(), per call (after
    a first hundred calls, which may fill caches). Anything a call leaves
    behind (a lock, a list slot) is 8 bytes or more."""
    import pytest  # here only: processes of the executor profile import this module without it

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


def outcome_of(report):
    """What one phase's pytest report says, as the results files record it:
    passed, failed, error (setup or teardown failed), skipped, xfailed or
    xpassed."""
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.outcome == "failed" and report.when != "call":
        return "error"
    return report.outcome
