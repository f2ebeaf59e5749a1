"""Futures, the Executor interface, wait() and as_completed().

Mirrors CPython's Lib/concurrent/futures/_base.py: the same states, names
and public behaviour (that of the newest CPython), written afresh on plain
``threading`` primitives. Where it is simpler, and why:

* A future guards its state with one plain Lock. A thread that has to
  wait in result()/exception() sleeps on a lock of its own, which the
  thread that completes the future releases: no Condition, and a future
  nobody waits on pays for nothing.
* States FINISHED and CANCELLED_AND_NOTIFIED are final: once a thread has
  seen one, nothing about the future changes again, so it may be read
  without the lock. done(), result() of a finished future, wait() and
  as_completed() over finished futures take no lock at all.
* When a future reaches a final state it hands its callbacks and waiters
  to the thread that finished it and forgets them, so nothing has to be
  unregistered afterwards and no reference outlives its use.
* wait() and as_completed() share one waiter class and never hold more than
  one future's lock at a time (no global lock ordering is needed).
"""

import collections
import itertools
import logging
import threading
import time
import weakref

from . import _compat

FIRST_COMPLETED = 'FIRST_COMPLETED'
FIRST_EXCEPTION = 'FIRST_EXCEPTION'
ALL_COMPLETED = 'ALL_COMPLETED'
_AS_COMPLETED = '_AS_COMPLETED'

# The life of a future. PENDING -> RUNNING -> FINISHED is the usual road;
# cancel() turns PENDING into CANCELLED, and the executor's
# set_running_or_notify_cancel() turns that into CANCELLED_AND_NOTIFIED.
PENDING = 'PENDING'
RUNNING = 'RUNNING'
CANCELLED = 'CANCELLED'
CANCELLED_AND_NOTIFIED = 'CANCELLED_AND_NOTIFIED'
FINISHED = 'FINISHED'

_CANCELLED_STATES = (CANCELLED, CANCELLED_AND_NOTIFIED)
_DONE_STATES = (CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED)
# What wait() and as_completed() count as done. A future that is only
# CANCELLED is not among them: CPython notifies waiters of a cancellation
# when the executor dequeues the future, not when cancel() is called. The
# docs say otherwise (gh-87893, gh-109934); we follow CPython.
_SETTLED_STATES = (CANCELLED_AND_NOTIFIED, FINISHED)

_STATE_NAMES = {
    PENDING: 'pending',
    RUNNING: 'running',
    CANCELLED: 'cancelled',
    CANCELLED_AND_NOTIFIED: 'cancelled',
    FINISHED: 'finished',
}

LOGGER = logging.getLogger('concurrent.futures')


class Error(Exception):
    """Base class for all future-related exceptions."""


class CancelledError(Error):
    """The Future was cancelled."""


TimeoutError = TimeoutError  # the builtin, as in CPython 3.11+


class InvalidStateError(Error):
    """The operation is not allowed in this state."""


class BrokenExecutor(RuntimeError):
    """Raised when an executor has become non-functional after a severe failure."""


class Future:
    """The result of a computation that may not have happened yet."""

    def __init__(self):
        """Initializes the future. Should not be called by clients."""
        self._lock = threading.Lock()
        self._state = PENDING
        self._result = None
        self._exception = None
        self._sleepers = []  # a locked gate per thread in result()/exception()
        self._waiters = []  # the _Waiters of wait() / as_completed() calls
        self._done_callbacks = []

    def __repr__(self):
        # One read of the state; a finished future's fields never change.
        state = self._state
        if state != FINISHED:
            return '<%s at %#x state=%s>' % (type(self).__name__, id(self), _STATE_NAMES[state])
        # The exception's truth value, as CPython tests it: a falsy exception
        # object reads "returned NoneType" (result() still raises it).
        if self._exception:
            outcome = 'raised %s' % type(self._exception).__name__
        else:
            outcome = 'returned %s' % type(self._result).__name__
        return '<%s at %#x state=finished %s>' % (type(self).__name__, id(self), outcome)

    # Questions about the state read one attribute: atomic, and no less
    # current than a locked read whose answer may change the next moment.

    def cancelled(self):
        """Return True if the future was cancelled."""
        return self._state in _CANCELLED_STATES

    def running(self):
        """Return True if the future is currently executing."""
        return self._state == RUNNING

    def done(self):
        """Return True if the future was cancelled or finished executing."""
        return self._state in _DONE_STATES

    def cancel(self):
        """Cancel the future if it has not started.

        Returns True if the future is cancelled (now or before), False if it
        is running or finished.
        """
        with self._lock:
            if self._state in (RUNNING, FINISHED):
                return False
            if self._state in _CANCELLED_STATES:
                return True
            self._state = CANCELLED
            # Waiters of wait()/as_completed() stay registered: they hear of
            # the cancellation from set_running_or_notify_cancel().
            callbacks = self._take_callbacks()
        self._run_callbacks(callbacks)
        return True

    def result(self, timeout=None):
        """Return the call's result, or raise the exception it raised.

        Waits up to *timeout* seconds (None: forever) for the future to be
        done. Raises CancelledError if it was cancelled and TimeoutError if
        it is not done in time.
        """
        try:
            if self._state != FINISHED:  # finished is final: no lock needed
                self._wait(timeout)
            if self._exception is not None:  # even a falsy exception object
                raise self._exception
            return self._result
        finally:
            # The traceback of the raised exception holds this frame; drop
            # our reference to the future so that the future, its exception
            # and the traceback do not form a cycle that only gc can free.
            self = None

    def exception(self, timeout=None):
        """Return the exception raised by the call, or None if it returned.

        Waits and raises like result().
        """
        if self._state != FINISHED:
            self._wait(timeout)
        return self._exception

    def _wait(self, timeout):
        """Block until the future is done or *timeout* passes; raise
        CancelledError or TimeoutError unless it finished."""
        with self._lock:
            if self._state in (PENDING, RUNNING):
                _refuse_nan(timeout)  # only a wait that would block checks it
                # A gate of our own, which whoever completes the future
                # releases. Registered under the future's lock, so that no
                # completion slips in between our look at the state and
                # our sleep.
                gate = threading.Lock()
                gate.acquire()
                self._sleepers.append(gate)
            else:
                gate = None
        if gate is not None and not _sleep_on(gate, timeout):
            with self._lock:
                if self._state in (PENDING, RUNNING):  # else already dropped
                    self._sleepers.remove(gate)
        state = self._state
        if state in _CANCELLED_STATES:
            raise CancelledError()
        if state != FINISHED:
            raise TimeoutError()

    def add_done_callback(self, fn):
        """Call fn(future) when the future is done (finished or cancelled).

        Callbacks run in the order they were added, in the thread that
        completes the future. If the future is already done, fn runs at once,
        in this thread. An Exception raised by fn is logged and ignored.
        """
        with self._lock:
            if self._state in (PENDING, RUNNING):
                self._done_callbacks.append(fn)
                return
        self._run_callbacks((fn,))

    def set_running_or_notify_cancel(self):
        """Mark the future as running, or tell waiters it was cancelled.

        For executors, before they run the call: returns True (the future is
        now running) or False if it was cancelled, in which case the call
        must not run. Raises RuntimeError if called twice or on a finished
        future.
        """
        with self._lock:
            if self._state == PENDING:
                self._state = RUNNING
                return True
            if self._state == CANCELLED:
                self._state = CANCELLED_AND_NOTIFIED
                self._notify_waiters()
                return False
            state = self._state
        LOGGER.critical('Future %s in unexpected state: %s', id(self), state)
        raise RuntimeError('Future in unexpected state')

    def set_result(self, result):
        """Finish the future with *result*. For executors and tests."""
        self._finish(result, None)

    def set_exception(self, exception):
        """Finish the future with *exception*. For executors and tests."""
        self._finish(None, exception)

    def _finish(self, result, exception):
        with self._lock:
            if self._state in _DONE_STATES:
                raise InvalidStateError('{}: {!r}'.format(self._state, self))
            self._result = result
            self._exception = exception
            self._state = FINISHED  # last: a lock-free reader sees the fields set
            self._notify_waiters()
            callbacks = self._take_callbacks()
        self._run_callbacks(callbacks)

    # The helpers below run with self._lock held, except _run_callbacks.

    def _take_callbacks(self):
        """Wake the threads in result()/exception() and hand the callbacks
        to the caller, which runs them once the lock is released."""
        for gate in self._sleepers:
            gate.release()
        self._sleepers = None  # the state is final: nobody sleeps again
        callbacks = self._done_callbacks
        self._done_callbacks = None  # never appended to again: the state is final
        return callbacks

    def _notify_waiters(self):
        """Tell wait()/as_completed() that the future has settled."""
        for waiter in self._waiters:
            waiter.add(self)
        self._waiters = None  # settled is final: no waiter registers again

    def _add_waiter(self, waiter):
        """Register *waiter*, or give it the future at once if settled."""
        with self._lock:
            if self._state in _SETTLED_STATES:
                waiter.add(self)
            else:
                self._waiters.append(waiter)

    def _remove_waiter(self, waiter):
        with self._lock:
            if self._state not in _SETTLED_STATES:  # else already forgotten
                self._waiters.remove(waiter)

    def _run_callbacks(self, callbacks):
        for callback in callbacks:
            try:
                callback(self)
            except Exception:
                LOGGER.exception('exception calling callback for %r', self)

    # Future[int] in annotations.
    __class_getitem__ = classmethod(_compat.GenericAlias)


def _refuse_nan(timeout):
    """NaN is no length of time: the newest CPython's locks refuse it, so a
    wait that has to block with such a timeout raises ValueError (older
    ones took it for zero, or, in as_completed(), for never)."""
    if timeout is not None and timeout != timeout:
        raise ValueError('Invalid value NaN (not a number)')


def _sleep_on(gate, timeout):
    """Acquire *gate* (None: no time limit); return False on timeout."""
    if timeout is None:
        return gate.acquire()
    if timeout > 0:
        return gate.acquire(True, timeout)
    return gate.acquire(False)


class _Waiter:
    """What one wait() or as_completed() call sleeps on.

    Futures call add() (holding their own lock) as they settle; the waiting
    thread sleeps on the event until the return condition holds.
    """

    def __init__(self, return_when, pending):
        self.return_when = return_when
        self.pending = pending  # how many registered futures have not settled
        self.settled = []  # futures that settled since the waiter was made
        self.event = threading.Event()
        self.lock = threading.Lock()  # several futures may settle at once

    def add(self, future):
        with self.lock:
            self.settled.append(future)
            self.pending -= 1
            wake = (self.pending == 0
                    or self.return_when in (FIRST_COMPLETED, _AS_COMPLETED)
                    or (self.return_when == FIRST_EXCEPTION and _has_raised(future)))
            # Event.set() is costly even on a set event, as it is while
            # as_completed()'s thread has not woken up yet.
            if wake and not self.event.is_set():
                self.event.set()

    def watch(self, futures):
        """Register with each future (one already settled is added at once)."""
        for future in futures:
            future._add_waiter(self)

    def unwatch(self, futures):
        for future in futures:
            future._remove_waiter(self)

    def take_settled(self):
        """Return the futures settled since the last call, in order."""
        with self.lock:
            settled, self.settled = self.settled, []
            self.event.clear()
        return settled


def _has_raised(future):
    return future._state == FINISHED and future._exception is not None


DoneAndNotDoneFutures = collections.namedtuple('DoneAndNotDoneFutures', 'done not_done')


def wait(fs, timeout=None, return_when=ALL_COMPLETED):
    """Wait for the futures in *fs* to complete.

    Returns a named 2-tuple of sets: done (finished, or cancelled and
    notified) and not_done. *return_when* is FIRST_COMPLETED,
    FIRST_EXCEPTION or ALL_COMPLETED; after *timeout* seconds it returns
    whatever is done by then. Duplicates in *fs* count once.
    """
    fs = set(fs)
    # Collect the unsettled ones: when all are settled, as is common, that
    # builds no second set of every future.
    not_done = {f for f in fs if f._state not in _SETTLED_STATES}
    done = fs - not_done if not_done else fs
    if (not not_done
            or (return_when == FIRST_COMPLETED and done)
            or (return_when == FIRST_EXCEPTION and any(map(_has_raised, done)))):
        return DoneAndNotDoneFutures(done, not_done)
    if return_when not in (FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED):
        raise ValueError('Invalid return condition: %r' % return_when)

    waiter = _Waiter(return_when, len(not_done))
    waiter.watch(not_done)
    # A wait that raises (a bad timeout, an exception from a signal handler)
    # leaves the waiter with the futures until they settle, as CPython's
    # does: only a wait that returns unregisters it.
    _refuse_nan(timeout)
    waiter.event.wait(timeout)
    waiter.unwatch(not_done)
    done.update(waiter.take_settled())
    return DoneAndNotDoneFutures(done, fs - done)


def as_completed(fs, timeout=None):
    """Yield the futures in *fs* as they complete (finished, or cancelled
    and notified), those already complete first, each future once.

    Raises TimeoutError if they are not all complete *timeout* seconds
    after iteration starts: like CPython's, this is a generator, so nothing
    happens (the clock included) until the first next().
    """
    if timeout is not None:
        end_time = timeout + time.monotonic()
    fs = set(fs)
    total = len(fs)
    settled = [f for f in fs if f._state in _SETTLED_STATES]
    # All settled is common and the difference a pass over every future.
    pending = fs.difference(settled) if len(settled) < total else set()
    del fs  # each future is now in exactly one of settled and pending
    waiter = _Waiter(_AS_COMPLETED, len(pending))
    waiter.watch(pending)
    try:
        while True:
            # Pop each future as it is yielded and keep no other reference
            # to it, so a caller who drops it frees it (bpo-27144).
            while settled:
                yield settled.pop()
            if not pending:
                return
            if timeout is None:
                waiter.event.wait()
            else:
                _refuse_nan(end_time)
                remaining = end_time - time.monotonic()
                if remaining < 0 or not waiter.event.wait(remaining):
                    raise TimeoutError('%d (of %d) futures unfinished' % (len(pending), total))
            settled = waiter.take_settled()
            pending.difference_update(settled)
            settled.reverse()  # pop() then yields them in the order they settled
    finally:
        waiter.unwatch(pending)


def _result_or_cancel(future, timeout=None):
    """future.result(timeout), cancelling the future if that fails."""
    try:
        return future.result(timeout)
    except BaseException:
        future.cancel()  # a no-op unless result() timed out or was interrupted
        # The caller popped the future: this frame holds its last reference,
        # which the traceback of the exception would otherwise keep alive.
        del future
        raise


class Executor:
    """The interface of executors: things that run calls asynchronously."""

    def submit(self, fn, /, *args, **kwargs):
        """Schedule fn(*args, **kwargs); return a Future for its outcome."""
        raise NotImplementedError()

    def map(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None):
        """Like map(fn, *iterables), with the calls run by this executor.

        Results come in input order. Without *buffersize*, every call is
        submitted now; with it, at most that many calls are submitted ahead
        of the results taken, and the input is read as results are taken.
        *timeout* counts from this call; when iteration finds a call not done
        in time it cancels it and raises TimeoutError. A call that raised
        raises when iteration reaches it. Dropping the iterator cancels the
        calls that have not started. *chunksize* is for process pools.
        """
        if buffersize is not None and not isinstance(buffersize, int):
            raise TypeError('buffersize must be an integer or None')
        if buffersize is not None and buffersize < 1:
            raise ValueError('buffersize must be None or > 0')
        if timeout is not None:
            end_time = timeout + time.monotonic()

        calls = zip(*iterables)
        fs = collections.deque(self.submit(fn, *args)
                               for args in itertools.islice(calls, buffersize))
        # Until iteration starts, the iterator holds the executor weakly:
        # dropping an executor with an unstarted map() still frees it.
        executor_ref = weakref.ref(self)

        # A generator inside a plain function, so the calls above are
        # submitted when map() is called, not at the first next().
        def result_iterator():
            # From the first next() on, a buffered iterator holds its
            # executor, to submit the rest of the input. If the executor was
            # collected before, the input left is never read: the iteration
            # ends with the calls already submitted (so does CPython's).
            executor = executor_ref() if buffersize is not None else None
            try:
                while fs:
                    if executor is not None:
                        args = next(calls, None)
                        if args is not None:
                            # Raises RuntimeError once the executor is shut
                            # down, ending the iteration (as in CPython).
                            fs.append(executor.submit(fn, *args))
                    if timeout is None:
                        yield _result_or_cancel(fs.popleft())
                    else:
                        yield _result_or_cancel(fs.popleft(), end_time - time.monotonic())
            finally:
                for future in fs:
                    future.cancel()

        return result_iterator()

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Release the executor's resources; it accepts no new calls.

        With *wait*, return only when the pending calls have run (or, with
        *cancel_futures*, been cancelled if they had not started) and the
        resources are freed. Calling it again is harmless.
        """

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.shutdown(wait=True)
        return False
