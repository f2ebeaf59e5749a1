"""What the profile's tests share."""

import concurrent.futures
import inspect
import sys
import threading

import pytest

from spec_tests.support import BOUND, TINY  # noqa: F401 (TINY: for the profile's tests)

SETTLE = 0.05  # a call that must still be blocking is given this long to (wrongly) return
# A timeout meant to expire inside next(), after map() has returned: long
# enough for a map() that talks to a scheduler on a loaded machine (dask's
# took over TINY), so that it is still running when next() begins.
IN_NEXT = 0.5


def module_of(future):
    """The module whose wait/as_completed/TimeoutError go with *future*: the
    one defining its class (reference, or the stdlib), else the stdlib."""
    module = sys.modules.get(type(future).__module__)
    for candidate in (module, sys.modules.get((type(future).__module__ or "").rsplit(".", 1)[0])):
        if candidate is not None and hasattr(candidate, "wait") and hasattr(candidate, "as_completed"):
            return candidate
    return concurrent.futures


def lacking(call, *args, **kwargs):
    """Call; a TypeError for a keyword the executor does not take is a
    reported difference: the test fails saying so."""
    try:
        return call(*args, **kwargs)
    except TypeError as exc:
        if "keyword" in str(exc) and any(name in str(exc) for name in kwargs):
            pytest.fail("the executor does not take %s: %s" % (", ".join(sorted(kwargs)), exc),
                        pytrace=False)
        raise


def require(call, name):
    """A parameter the executor's method does not declare is a reported
    difference: the test fails saying so (one taking **kwargs goes on, and
    the test sees what it does with it)."""
    try:
        parameters = inspect.signature(call).parameters
    except (TypeError, ValueError):
        return
    if name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return
    pytest.fail("the executor's %s%s takes no %s" % (
        getattr(call, "__qualname__", call), inspect.signature(call), name), pytrace=False)


def given_a_moment(future):
    """Give the executor SETTLE seconds to (wrongly) take up or finish a
    call that must stay queued; a conforming executor changes nothing here,
    so this only makes a misbehaviour visible, it synchronizes nothing."""
    module_of(future).wait([future], timeout=SETTLE)


def queued_probe(pool, executor):
    """A call queued behind blocked ones, for given_a_moment() to wait on.
    Its argument is new each time: dask gives equal (pure) calls one key and
    hands back a finished one at once, which would give no moment at all."""
    from spec_tests.executors import tasks
    return executor.submit(tasks.identity, pool.name("probe"))


def timeout_errors(future):
    """The builtin TimeoutError and the one of the future's module (before
    3.11 the stdlib's is a class of its own)."""
    return (TimeoutError, module_of(future).TimeoutError)


def occupy(pool, executor, max_workers):
    """Fill every worker with a gated call; return the gates (still shut)."""
    gates = [pool.gate() for _ in range(pool.workers(max_workers))]
    from spec_tests.executors import tasks
    for gate in gates:
        executor.submit(tasks.gated, gate)
    for gate in gates:
        assert gate.entered.wait(BOUND), "a worker never started a gated call"
    return gates


class InThread:
    """close() run in a thread of its own, so the test can see it block."""

    def __init__(self, close):
        self._returned = threading.Event()
        self.error = None

        def run():
            try:
                close()
            except BaseException as exc:
                self.error = exc
            finally:
                self._returned.set()

        threading.Thread(target=run, daemon=True).start()

    def still_running(self):
        return not self._returned.wait(SETTLE)

    def finish(self):
        assert self._returned.wait(BOUND), "never returned"
        if self.error is not None:
            raise self.error


class Queued:
    """A call queued behind busy workers, whose cancellation a test checks.

    Every worker holds a gated call; submit() queues tasks.mark (so whether
    the call ran shows) and a probe behind it; ran_after_release() lets the
    workers go and says whether the call ran after all.
    """

    def __init__(self, pool, executor):
        self._pool = pool
        self.executor = executor
        self.gates = occupy(pool, executor, 1)
        self.ran = pool.signal()
        self.probe = None

    def submit(self, submit=None):
        """Queue the call through *submit* (``executor.submit`` unless
        given, called as submit(fn, *args)); its future."""
        from spec_tests.executors import tasks
        future = (submit or self.executor.submit)(tasks.mark, self.ran)
        self.probe = queued_probe(self._pool, self.executor)
        given_a_moment(self.probe)  # lets an executor that takes calls up early show it
        return future

    def ran_after_release(self):
        given_a_moment(self.probe)  # lets a cancellation that travels (to a scheduler) arrive
        for gate in self.gates:
            gate.open()
        self.executor.shutdown(wait=True)
        return self.ran.is_set()
