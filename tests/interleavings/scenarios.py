"""Tiny races on the reference, each with the invariant that must hold in
every schedule.

A scenario is a class: ``body()`` runs as the controlled MainThread (it may
start more threads, and must leave none behind); ``check()`` runs after
every thread has ended and asserts the invariant. Every run also checks
that nothing is left pending (each tracked future is done, with no waiter
or callback still registered) and that the reference logged nothing but
what the scenario expects. A thread still blocked when MainThread ends, a
deadlock, or an uncaught exception fails the run too (see controlled.py).

``self.ref`` is the run's fresh copy of the reference package and
``self.threading`` the controlled threading module; a scenario starts its
own threads with ``self.ctx.spawn(fn, *args)``. Keep scenarios tiny: the
number of classes of schedules grows steeply with every step that touches
what another thread touches.

Data the scenario's threads share must live in the scenario's fields
(``self.ran``, ``self.calls``...): the explorer watches them as it watches
the reference's (explorer._Fields), so that the reduction orders the
threads' uses of them. A local variable two threads share would not be.

A scenario must do the same thing whenever it is given the same choices:
no clocks, no randomness, no iteration in address order (sets of futures
are fine: the seam hashes futures by creation order).
"""

import gc
import logging

SCENARIOS = {}


def scenario(cls):
    """Register a scenario class under its ``name``."""
    SCENARIOS[cls.name] = cls
    return cls


class Scenario:
    """Base class. Override body() and check()."""

    name = None
    # None: one schedule of each class of schedules, with no preemption
    # bound (explorer.explore, reduction.py); every scenario here finishes
    # so. A number: every schedule within that many preemptions, without
    # the reduction, for a scenario with too many classes to run them all.
    bound = None
    # The bound of the search without reduction (explore --no-reduction,
    # --stats), whose schedules grow too fast to go without one: the one
    # each scenario had before the reduction.
    bound_without_reduction = 2
    max_steps = 2000
    expected_logs = ()  # substrings of messages the reference may log
    known_failure = None  # a behaviour the explorer must find (its invariant fails)

    def __init__(self, ctx):
        self.ctx = ctx
        self.ref = ctx.ref
        self.threading = ctx.threading
        self.tracked = []
        self.ran = []  # the calls that ran, in order

    def body(self):
        raise NotImplementedError

    def check(self):
        """Assert the scenario's invariant; called when every thread ended."""

    def track(self, future):
        """Check at the end that *future* is done and quiescent."""
        self.tracked.append(future)
        return future

    def call(self, value):
        """A call for the pool: records that it ran, returns *value*."""
        self.ctx.note('call(%r) runs' % value)
        self.ran.append(value)
        return value

    def verify(self):
        self.check()
        for number, future in enumerate(self.tracked):
            _assert_quiescent(future, 'future %d' % number)
        unexpected = [record.getMessage() for record in self.ctx.logs.records
                      if record.levelno >= logging.WARNING
                      and not any(text in record.getMessage() for text in self.expected_logs)]
        assert not unexpected, 'the reference logged %r' % unexpected


def _assert_quiescent(future, what):
    assert future.done(), '%s is still %s at the end' % (what, future._state)
    assert future._done_callbacks is None, '%s kept its callbacks' % what
    assert not future._waiters, '%s still has a wait()/as_completed() waiter' % what
    assert not future._sleepers, '%s has a thread still in result()' % what


# --- the executor ---------------------------------------------------------

@scenario
class SubmitAndResult(Scenario):
    """submit() + result() on one worker, twice: the first starts the
    worker, the second finds it parked (or not yet parked). result() races
    the worker finishing the call."""

    name = 'submit-result'
    bound_without_reduction = 3

    def body(self):
        executor = self.ref.ThreadPoolExecutor(max_workers=1)
        first = self.track(executor.submit(self.call, 1))
        assert first.result() == 1
        second = self.track(executor.submit(self.call, 2))
        assert second.result() == 2
        executor.shutdown(wait=True)

    def check(self):
        assert self.ran == [1, 2], 'calls ran %r' % self.ran


@scenario
class CancelAgainstPickup(Scenario):
    """cancel() against the worker picking the call up: True means the call
    never ran and the future is cancelled; False means it ran."""

    name = 'cancel-vs-pickup'
    bound_without_reduction = 4

    def body(self):
        executor = self.ref.ThreadPoolExecutor(max_workers=1)
        self.future = self.track(executor.submit(self.call, 1))
        self.cancelled = self.future.cancel()
        executor.shutdown(wait=True)

    def check(self):
        if self.cancelled:
            assert self.ran == [], 'cancel() returned True, but the call ran'
            assert self.future.cancelled(), 'cancel() returned True, the future is not cancelled'
        else:
            assert self.ran == [1], 'cancel() returned False, the call ran %d times' % len(self.ran)
            assert self.future.result() == 1


@scenario
class SubmitAgainstShutdown(Scenario):
    """submit() in one thread against shutdown() in another: submit raises
    RuntimeError, or its future finishes (the call runs, once)."""

    name = 'submit-vs-shutdown'
    bound_without_reduction = 3

    def body(self):
        executor = self.ref.ThreadPoolExecutor(max_workers=1)
        self.future = self.refused = None
        submitter = self.ctx.spawn(self.submit, executor)
        executor.shutdown(wait=True)
        submitter.join()

    def submit(self, executor):
        try:
            self.future = self.track(executor.submit(self.call, 1))
        except RuntimeError as exc:
            self.refused = exc

    def check(self):
        if self.refused is not None:
            assert self.future is None and self.ran == []
            assert 'after shutdown' in str(self.refused), str(self.refused)
        else:
            assert self.future.result() == 1 and self.ran == [1], 'accepted, ran %r' % self.ran


@scenario
class TwoSubmitters(Scenario):
    """Two threads submit at once to a new pool of one worker: exactly one
    worker starts (max_workers holds), and each call runs once."""

    name = 'two-submitters'
    bound_without_reduction = 2  # bound 3: 22,355 schedules

    def body(self):
        executor = self.ref.ThreadPoolExecutor(max_workers=1)
        self.futures = {}
        other = self.ctx.spawn(self.submit, executor, 1)
        self.submit(executor, 2)
        other.join()
        self.workers = len(executor._threads)
        executor.shutdown(wait=True)

    def submit(self, executor, value):
        self.futures[value] = self.track(executor.submit(self.call, value))

    def check(self):
        assert self.workers == 1, '%d workers started for max_workers=1' % self.workers
        assert sorted(self.ran) == [1, 2], 'calls ran %r' % self.ran
        for value, future in self.futures.items():
            assert future.result() == value, 'future %d has %r' % (value, future.result())


@scenario
class ShutdownCancelAgainstRunning(Scenario):
    """shutdown(cancel_futures=True) while the worker takes up two calls:
    each future is cancelled and its call never runs, or it runs once and
    the future has its result; calls run in submission order."""

    name = 'shutdown-cancel-vs-running'
    bound_without_reduction = 3

    def body(self):
        executor = self.ref.ThreadPoolExecutor(max_workers=1)
        self.futures = [self.track(executor.submit(self.call, n)) for n in (1, 2)]
        executor.shutdown(wait=True, cancel_futures=True)

    def check(self):
        for n, future in enumerate(self.futures, 1):
            if future.cancelled():
                assert n not in self.ran, 'call %d ran but its future is cancelled' % n
            else:
                assert future.result() == n and self.ran.count(n) == 1, (
                    'call %d: ran %r' % (n, self.ran))
        assert self.ran == sorted(self.ran), 'calls ran out of order: %r' % self.ran


@scenario
class InitializerFailureAgainstSubmit(Scenario):
    """A failing initializer against a second submit(): each submit raises
    BrokenThreadPool, or its future gets BrokenThreadPool; no call runs."""

    name = 'initializer-failure-vs-submit'
    bound_without_reduction = 4
    expected_logs = ('Exception in initializer',)

    def body(self):
        executor = self.ref.ThreadPoolExecutor(max_workers=1, initializer=self.fail)
        self.futures, self.raised = [], 0
        for n in (1, 2):
            try:
                self.futures.append(self.track(executor.submit(self.call, n)))
            except self.ref.thread.BrokenThreadPool:
                self.raised += 1
        executor.shutdown(wait=True)

    @staticmethod
    def fail():
        raise ValueError('initializer failed')

    def check(self):
        assert self.ran == [], 'calls ran: %r' % self.ran
        assert len(self.futures) + self.raised == 2
        for future in self.futures:
            assert isinstance(future.exception(), self.ref.thread.BrokenThreadPool), future


@scenario
class CollectAgainstWaitingWorker(Scenario):
    """The executor is dropped (last reference, gc.collect()) while its
    worker finishes a call and parks: the worker exits all the same."""

    name = 'collect-vs-waiting-worker'
    bound_without_reduction = 4

    def body(self):
        executor = self.ref.ThreadPoolExecutor(max_workers=1)
        self.track(executor.submit(self.call, 1)).result()
        workers = list(executor._threads)
        self.queue = executor._work_queue
        del executor
        gc.collect()
        for worker in workers:
            worker.join()  # a worker that never hears of it: deadlock

    def check(self):
        assert self.queue._closed, 'the queue was not closed when the executor was collected'
        assert self.ran == [1]


@scenario
class InterpreterExitAgainstSubmit(Scenario):
    """Interpreter exit (the threading exit hooks, then joining non-daemon
    threads) against a submit() in another thread: submit raises
    RuntimeError, or its call runs before the workers are joined."""

    name = 'exit-vs-submit'
    bound_without_reduction = 3

    def body(self):
        self.executor = self.ref.ThreadPoolExecutor(max_workers=1)
        self.future = self.refused = None
        submitter = self.ctx.spawn(self.submit)
        self.ctx.run.interpreter_exit()
        submitter.join()

    def submit(self):
        try:
            self.future = self.track(self.executor.submit(self.call, 1))
        except RuntimeError as exc:
            self.refused = exc

    def check(self):
        if self.refused is not None:
            assert 'interpreter shutdown' in str(self.refused), str(self.refused)
            assert self.ran == []
        else:
            assert self.future.result() == 1 and self.ran == [1]


# --- futures, callbacks, wait(), as_completed() ---------------------------

@scenario
class CallbackAgainstSetResult(Scenario):
    """add_done_callback() (twice) against set_result() in another thread:
    each callback runs exactly once, seeing the result."""

    name = 'callback-vs-set-result'
    bound_without_reduction = 4

    def body(self):
        self.calls = []
        future = self.track(self.ref.Future())
        setter = self.ctx.spawn(future.set_result, 7)
        future.add_done_callback(lambda f: self.callback('a', f))
        future.add_done_callback(lambda f: self.callback('b', f))
        setter.join()

    def callback(self, name, future):
        self.ctx.note('callback %s runs' % name)
        self.calls.append((name, future.result()))

    def check(self):
        assert sorted(self.calls) == [('a', 7), ('b', 7)], 'callbacks ran as %r' % self.calls


@scenario
class CallbackOrderAgainstSetResult(CallbackAgainstSetResult):
    """The same race, checking the order of the two callbacks: it is the
    order of registration only for callbacks registered before completion
    (SPEC.md, Future.add_done_callback/order).

    set_result() hands the callbacks registered so far to its thread and
    runs them after releasing the lock; a callback added in that gap finds
    the future finished and runs at once in the adding thread, before (or
    while) the earlier ones run in the completing thread. CPython's code has
    the same shape. The explorer must find that schedule: if it no longer
    does, the behaviour changed and the clause must follow.
    """

    name = 'callback-order-vs-set-result'
    known_failure = 'Future.add_done_callback/order: a callback added during completion overtakes an earlier one'

    def check(self):
        assert self.calls == [('a', 7), ('b', 7)], 'callbacks ran as %r' % self.calls


@scenario
class WaitFirstCompleted(Scenario):
    """wait(FIRST_COMPLETED) against two completions in two threads: it
    returns at least one future, every future it calls done is done, and
    the two sets split the input."""

    name = 'wait-first-completed'
    bound_without_reduction = 2  # bound 3: 7,751 schedules

    def body(self):
        futures = [self.track(self.ref.Future()) for _ in range(2)]
        setters = [self.ctx.spawn(future.set_result, n) for n, future in enumerate(futures)]
        done, not_done = self.ref.wait(futures, return_when=self.ref.FIRST_COMPLETED)
        assert done, 'wait(FIRST_COMPLETED) returned with nothing done'
        assert all(future.done() for future in done), 'wait() called a pending future done'
        assert not done & not_done and len(done | not_done) == 2, (
            'wait() split %r/%r' % (done, not_done))
        for setter in setters:
            setter.join()


@scenario
class AsCompletedAgainstCompletionAndTimeout(Scenario):
    """as_completed(timeout) against a thread completing both futures, any
    wait in it allowed to time out: it yields each future once, done; it
    raises TimeoutError counting exactly the futures not yielded; it leaves
    no waiter registered."""

    name = 'as-completed-vs-timeout'
    bound_without_reduction = 4

    def body(self):
        self.futures = [self.track(self.ref.Future()) for _ in range(2)]
        completer = self.ctx.spawn(self.complete)
        self.yielded, self.timeout = [], None
        try:
            # A generous timeout: the clock never runs out; the controlled
            # Event.wait(remaining) times out where the schedule says so.
            for future in self.ref.as_completed(self.futures, timeout=600):
                assert future.done(), 'as_completed() yielded a pending future'
                self.yielded.append(future)
        except self.ref.TimeoutError as exc:
            self.timeout = exc
        for future in self.futures:
            # A settled future drops its waiters itself (its completer may
            # not have got there yet); an unsettled one must not keep ours.
            if not future.done():
                assert not future._waiters, 'as_completed() left its waiter registered'
        completer.join()

    def complete(self):
        for n, future in enumerate(self.futures):
            future.set_result(n)

    def check(self):
        assert len(set(map(id, self.yielded))) == len(self.yielded), 'a future was yielded twice'
        if self.timeout is None:
            assert len(self.yielded) == 2, (
                'as_completed() ended after %d futures' % len(self.yielded))
        else:
            expected = '%d (of 2) futures unfinished' % (2 - len(self.yielded))
            assert str(self.timeout) == expected, '%r, expected %r' % (str(self.timeout), expected)


@scenario
class AsCompletedAgainstCompletion(Scenario):
    """as_completed() with no timeout against a thread completing both
    futures: it yields each future once, done, and ends (a wake-up lost
    between a completion and as_completed() taking what settled would leave
    it waiting for good)."""

    name = 'as-completed-vs-completion'
    bound_without_reduction = 3

    def body(self):
        self.futures = [self.track(self.ref.Future()) for _ in range(2)]
        completer = self.ctx.spawn(self.complete)
        self.yielded = list(self.ref.as_completed(self.futures))
        completer.join()

    def complete(self):
        for n, future in enumerate(self.futures):
            future.set_result(n)

    def check(self):
        assert sorted(map(id, self.yielded)) == sorted(map(id, self.futures)), (
            'as_completed() yielded %r' % (self.yielded,))


@scenario
class CancelAgainstResult(Scenario):
    """cancel() against result() in another thread, with no timeout:
    result() raises CancelledError, whether it sleeps first or finds the
    future cancelled (never TimeoutError)."""

    name = 'cancel-vs-result'
    bound_without_reduction = 4

    def body(self):
        future = self.track(self.ref.Future())
        reader = self.ctx.spawn(self.read, future)
        self.cancelled = future.cancel()
        reader.join()

    def read(self, future):
        try:
            self.outcome = future.result()
        except self.ref.CancelledError:
            self.outcome = 'cancelled'

    def check(self):
        assert self.cancelled, 'cancel() of a pending future returned False'
        assert self.outcome == 'cancelled', 'result() gave %r' % (self.outcome,)


@scenario
class ResultTimeoutAgainstSetResult(Scenario):
    """result(timeout) against set_result() in another thread, the wait
    allowed to time out: it returns the result or raises TimeoutError, and
    a wait that timed out leaves no gate of its own behind in the future."""

    name = 'result-timeout-vs-set-result'
    bound_without_reduction = 4

    def body(self):
        future = self.track(self.ref.Future())
        setter = self.ctx.spawn(future.set_result, 1)
        self.left_behind = None
        try:
            self.result = future.result(timeout=600)  # the schedule decides if it times out
        except self.ref.TimeoutError:
            self.result = 'timeout'
            self.left_behind = future._sleepers  # None once set_result() has run
        setter.join()

    def check(self):
        assert self.result in (1, 'timeout'), 'result(timeout) gave %r' % (self.result,)
        assert not self.left_behind, 'the timed-out wait left its gate: %r' % (self.left_behind,)
