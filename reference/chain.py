"""Chaining futures: then(), recover(), then_compose() and pipeline().

Each function takes a future (or, for pipeline(), an executor and its first
call) and returns a NEW future, made as ``type(source)()``, for the outcome
of the chain so far; wait on the last one. Only the public Future API is
used, so the standard library's futures and executors chain as well as
``reference``'s. The rules (clauses ``chain/...`` of SPEC.md):

* A failure skips the steps after it and reaches the last future as the
  same exception object; recover() is the way back to a result.
* A cancelled source cancels what was derived from it. Cancelling a
  derived future skips its step if the step has not started; a running
  step is not interrupted, its outcome is dropped. then() and its siblings
  never cancel the future passed in (others may be waiting on it);
  pipeline() owns its steps' futures, so cancelling its future also
  cancels the step in flight.
* A derived future goes through set_running_or_notify_cancel() before it
  settles, as an executor's futures do, so wait() and as_completed() see
  it settle, cancellation included.
* Without an executor a step runs in the thread that completes its source
  (in the caller's thread if the source is already done), nesting a few
  frames per link there; with one, through executor.submit(). pipeline()
  submits each step from the thread that finished the one before, so a long
  run of steps does not nest.
* No thread ever blocks waiting for a step, and no user code runs under a
  lock.
* Once a derived future settles, the chain lets go of the step's function,
  its executor and any future it waited on, so a finished chain keeps
  nothing alive.
"""

import threading

__all__ = ['then', 'then_compose', 'recover', 'pipeline']


def then(future, fn, executor=None):
    """Return a new future for fn(future.result()).

    If *future* fails, fn is skipped and the new future fails with the same
    exception; if *future* is cancelled, so is the new future.
    """
    return _Step(fn, executor).follow(future)


def recover(future, fn, executor=None):
    """Return a new future for fn(exception) if *future* fails, or for
    *future*'s own result if it succeeds (fn is then not called)."""
    return _Recovery(fn, executor).follow(future)


def then_compose(future, fn, executor=None):
    """Like then(), for an fn that returns a future: the new future settles
    as that future does (result, exception or cancellation). Cancelling the
    new future cancels that future if it is still pending."""
    return _ComposedStep(fn, executor).follow(future)


def pipeline(executor, fns, *args):
    """Submit fns[0](*args), then each next fn on the previous result, all on
    *executor*. Return the LAST future: it settles with the last result or
    with the first failure (the later steps never run).

    The returned future stays pending until then, so it can be cancelled
    at any time: a step still queued never runs, a running one is not
    interrupted but its result is dropped, and no later step starts.
    """
    fns = list(fns)
    if not fns:
        raise ValueError('pipeline() needs at least one function')
    return _Pipeline(executor, fns[1:]).follow(executor.submit(fns[0], *args))


def _outcome(future):
    """(result, None) or (None, exception) of a finished future.

    Asks exception() first and compares with None: result() of some older
    CPythons returns None for an exception object that is false.
    """
    exception = future.exception()
    if exception is not None:
        return None, exception
    return future.result(), None


def _call(fn, arg):
    """(fn(arg), None), or (None, the exception fn raised)."""
    try:
        return fn(arg), None
    except BaseException as exc:  # as an executor would: the future carries it
        # The exception's traceback holds this frame: let it not keep fn
        # and arg alive for as long as someone holds the exception.
        fn = arg = None
        return None, exc


def _is_future(obj):
    return callable(getattr(obj, 'add_done_callback', None)) and callable(getattr(obj, 'cancel', None))


class _Cut:
    """A callback that forwards to *target* until cut().

    CPython's futures keep their callbacks after running them, so a step
    registers these, not its own methods, and cuts them when it is over:
    a finished source or derived future then keeps nothing of the step.
    """

    __slots__ = ('target',)

    def __init__(self, target):
        self.target = target

    def __call__(self, future):
        target = self.target  # read once: another thread may cut meanwhile
        if target is not None:
            target(future)

    def cut(self):
        self.target = None


class _Step:
    """One link of a chain: waits for a source, runs fn, settles the
    derived future.

    Several threads may race to settle the derived future: the one that runs
    or skips the step, and one that cancels it. The first to take the claim
    settles it; the others leave it alone. So the derived future sees
    exactly one set_running_or_notify_cancel(), as an executor's would.
    """

    def __init__(self, fn, executor):
        self.fn = fn
        self.executor = executor
        self.derived = None
        # The future the step waits on, if it is ours to cancel with the
        # derived future: never the caller's source, which others may share.
        self.owned = None
        # A Lock used as an atomic flag: taken without blocking and never
        # released, so no thread ever waits on it.
        self.claim = threading.Lock()
        self.cuts = []

    def follow(self, source):
        derived = self.derived = type(source)()
        # On the derived future first: if the source is already done, the
        # source's callback runs right now and may settle the derived one.
        derived.add_done_callback(self._callback(self._derived_done))
        source.add_done_callback(self._callback(self._source_done))
        return derived

    def _callback(self, method):
        cut = _Cut(method)
        self.cuts.append(cut)
        return cut

    # What happens to the source.

    def _source_done(self, source):
        if source.cancelled():
            self._cancel()
            return
        self._on_outcome(*_outcome(source))

    def _on_outcome(self, result, exception):
        """then(): fn takes the result; a failure skips fn and is passed on
        untouched (the same exception object)."""
        if exception is not None:
            self._settle(None, exception)
        else:
            self._start(result)

    def _start(self, arg):
        if self.executor is None:
            self._run(arg)
            return
        try:
            job = self.executor.submit(self._run, arg)
        except BaseException as exc:  # e.g. the executor was shut down
            self._settle(None, exc)
            return
        self._await(job, self._job_done)

    def _run(self, arg):
        """The step itself. The derived future is running while fn runs,
        as an executor's future is while its call runs."""
        if not self._begin():
            return  # cancelled before the step started: skip fn
        self._finish(*_call(self._take_fn(), arg))

    def _take_fn(self):
        """fn, which the step lets go of as it calls it (a step runs once).
        If fn raises, the exception's traceback holds the frames that
        called it, and so this step: it must not keep fn alive through them."""
        fn, self.fn = self.fn, None
        return fn

    def _job_done(self, job):
        """The executor's future for _run(). _run() settles the derived
        future itself; this only catches an executor that dropped the job
        (shutdown(cancel_futures=True)) or failed it (a broken pool)."""
        if job.cancelled():
            self._cancel()
        elif job.exception() is not None:
            self._settle(None, job.exception())

    def _await(self, future, handler):
        """Wait for *future*, ours to cancel with the derived future."""
        self.owned = future
        callback = self._callback(handler)
        future.add_done_callback(callback)
        # The derived future may have been cancelled while we got here, too
        # late for _derived_done to see this future: do its work for it.
        if self.derived.done():
            future.cancel()
            callback.cut()

    # Settling the derived future: only the holder of the claim does.

    def _begin(self):
        """Take the claim and mark the derived future running. False if
        another thread has the claim or the derived future was cancelled
        (then set_running_or_notify_cancel() has told its waiters)."""
        return self.claim.acquire(False) and self.derived.set_running_or_notify_cancel()

    def _settle(self, result, exception):
        if self._begin():
            self._finish(result, exception)

    def _finish(self, result, exception):
        if exception is not None:
            self.derived.set_exception(exception)
        else:
            self.derived.set_result(result)

    def _cancel(self):
        """What the step waited on was cancelled: cancel the derived future."""
        if self.claim.acquire(False):
            self.derived.cancel()
            self.derived.set_running_or_notify_cancel()  # tells wait() now

    def _derived_done(self, derived):
        if derived.cancelled() and self.claim.acquire(False):
            # Cancelled by its holder before the step settled it. Tell
            # wait() and as_completed() at once (no executor will), then
            # stop whatever of ours it was waiting on.
            derived.set_running_or_notify_cancel()
            if self.owned is not None:
                self.owned.cancel()
        # The derived future is final now: let go of everything.
        for cut in self.cuts:
            cut.cut()


class _Recovery(_Step):
    """recover(): fn takes the exception; a result is passed on untouched."""

    def _on_outcome(self, result, exception):
        if exception is not None:
            self._start(exception)
        else:
            self._settle(result, None)


class _ComposedStep(_Step):
    """then_compose(): fn returns a future, which the derived one adopts.

    The derived future stays pending until the adopted future settles, so
    it can be cancelled (and cancel that future) the whole time.
    """

    def _run(self, arg):
        if self.derived.cancelled():
            return  # cancelled before the step started: skip fn
        inner, exception = _call(self._take_fn(), arg)
        if exception is None and not _is_future(inner):
            exception = TypeError('then_compose() needs fn to return a future, not %s'
                                  % type(inner).__name__)
        if exception is not None:
            self._settle(None, exception)
        else:
            self._await(inner, self._inner_done)

    def _inner_done(self, inner):
        if inner.cancelled():
            self._cancel()
        else:
            self._settle(*_outcome(inner))


class _Pipeline(_Step):
    """pipeline(): one derived future for a whole run of steps.

    Each step is submitted when the one before it succeeds, from the
    thread that finished it, and a failure settles the derived future
    directly: however many steps, nothing nests (a long chain of then()
    calls does, a few frames per link in the thread that completes it).
    """

    def __init__(self, executor, fns):
        super().__init__(None, executor)
        self.fns = iter(fns)  # the steps still to run

    def follow(self, first_job):
        self.owned = first_job  # submitted by pipeline(): ours to cancel
        return super().follow(first_job)

    def _source_done(self, job):
        if job.cancelled():
            self._cancel()
            return
        result, exception = _outcome(job)
        fn = next(self.fns, None) if exception is None else None
        if fn is None:
            # The last step, or a failure: the steps left never run.
            self._settle(result, exception)
            return
        try:
            job = self.executor.submit(fn, result)
        except BaseException as exc:  # e.g. the executor was shut down
            self._settle(None, exc)
            return
        self._await(job, self._source_done)
