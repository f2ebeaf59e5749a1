"""reference.chain: then(), recover(), then_compose() and pipeline().

The chaining module is always the reference's; the futures and executors it
chains come from the implementation under test, so every clause is checked
on the standard library's futures as well as on the reference's. Tests of
a step run in every ``timing`` (source completed before the chaining call,
after it, or by another thread). A ``ManualExecutor`` holds each submitted
call until the test runs it, for the interleavings a thread pool would only
produce by chance.
"""

import gc
import threading
import weakref

import pytest

from spec_tests.support import BOUND, Gate, busy_worker, finished, future_records, in_thread

from reference import chain

RESULT = ("result",)  # compared by identity


class Boom(Exception):
    pass


class Step:
    """A step function that records its calls (argument, thread name)."""

    def __init__(self, returns=None, raises=None):
        self.returns = returns
        self.raises = raises
        self.calls = []

    def __call__(self, arg):
        self.calls.append((arg, threading.current_thread().name))
        if self.raises is not None:
            raise self.raises
        return self.returns

    @property
    def args(self):
        return [arg for arg, _ in self.calls]

    @property
    def threads(self):
        return [thread for _, thread in self.calls]


class Link:
    """One of then(), recover() and then_compose(), with the outcomes of a
    source that make its step run (trigger) or skip it (bypass)."""

    def __init__(self, name, futures):
        self.name = name
        self.futures = futures

    def __call__(self, source, fn, executor=None):
        """Chain fn onto source. For then_compose(), fn's return value is
        wrapped in a done future, which is what that function expects."""
        if self.name == "then":
            return chain.then(source, fn, executor)
        if self.name == "recover":
            return chain.recover(source, fn, executor)
        return chain.then_compose(source, lambda arg: self._done(fn(arg)), executor)

    def _done(self, value):
        future = self.futures.Future()
        future.set_result(value)
        return future

    def triggered(self):
        """A new source, completed so that the step runs."""
        source = self.futures.Future()
        self.trigger(source)
        return source

    def trigger(self, source):
        if self.name == "recover":
            source.set_exception(Boom())
        else:
            source.set_result(RESULT)

    def bypass(self, source):
        if self.name == "recover":
            source.set_result(RESULT)
        else:
            source.set_exception(Boom())

    def __repr__(self):
        return "<link %s>" % self.name


@pytest.fixture(params=["then", "recover", "then_compose"])
def link(request, futures):
    return Link(request.param, futures)


class ManualExecutor:
    """An executor whose calls run only when the test says so, each through
    the steps a worker takes: start (set_running_or_notify_cancel), call."""

    def __init__(self, futures):
        self.futures = futures
        self.jobs = []  # (future, fn, args)

    def submit(self, fn, *args):
        job = self.futures.Future()
        self.jobs.append((job, fn, args))
        return job

    def start(self, index=0):
        return self.jobs[index][0].set_running_or_notify_cancel()

    def call(self, index=0):
        job, fn, args = self.jobs[index]
        try:
            job.set_result(fn(*args))
        except Exception as exc:
            job.set_exception(exc)
        # Anything else (pytest-timeout's failure of a call that blocks, an
        # interrupt) reaches the test instead of hiding in the job.

    def run(self, index=0):
        if self.start(index):
            self.call(index)


class InlineExecutor:
    """An executor that runs each call inside submit()."""

    def __init__(self, futures):
        self.futures = futures

    def submit(self, fn, *args):
        job = self.futures.Future()
        job.set_running_or_notify_cancel()
        job.set_result(fn(*args))
        return job


def chain_onto(futures, timing, make, complete):
    """Chain make(source) onto a new source completed by complete(source),
    in this timing. Returns (source, derived future)."""
    source = futures.Future()
    made = []
    timing.run(lambda: made.append(make(source)), lambda: complete(source))
    return source, made[0]


@pytest.fixture(params=["this-thread", "other-thread"])
def complete_in(request):
    """complete_in(fn): run fn here or in another thread (joined)."""
    def run(fn):
        if request.param == "this-thread":
            fn()
        else:
            in_thread(fn, name="completer").result()
    return run


# --- what a derived future is ----------------------------------------------

@pytest.mark.clause("chain/derived-type")
def test_derived_future_is_a_new_future_of_the_source_class(futures, link, timing):
    class Source(futures.Future):
        pass

    source = Source()
    made = []
    timing.run(lambda: made.append(link(source, Step())), lambda: link.trigger(source))
    assert made[0] is not source and type(made[0]) is Source


@pytest.mark.clause("chain/derived-type")
def test_pipeline_future_is_of_the_executors_kind(futures, make_executor):
    final = chain.pipeline(make_executor(max_workers=1), [Step()], 1)
    assert type(final) is futures.Future


@pytest.mark.clause("chain/notifies-waiters")
@pytest.mark.parametrize("settle", ["step-runs", "step-skipped", "source-cancelled"])
def test_wait_reports_a_settled_derived_future(futures, link, timing, settle):
    complete = {"step-runs": link.trigger, "step-skipped": link.bypass,
                "source-cancelled": lambda source: source.cancel()}[settle]
    _, derived = chain_onto(futures, timing, lambda source: link(source, Step()), complete)
    assert futures.wait([derived], timeout=0).done == {derived}


@pytest.mark.clause("chain/notifies-waiters")
def test_as_completed_yields_a_derived_future_cancelled_by_its_holder(futures, link):
    derived = link(futures.Future(), Step())
    assert derived.cancel()
    assert list(futures.as_completed([derived], timeout=0)) == [derived]


# --- where a step runs -----------------------------------------------------

@pytest.mark.clause("chain/runs-in-completing-thread")
def test_step_runs_in_the_thread_that_completes_the_source(futures, link, timing):
    step = Step()
    chain_onto(futures, timing, lambda source: link(source, step), link.trigger)
    expected = "completer" if timing.name == "completed-by-other-thread" else threading.current_thread().name
    assert step.threads == [expected]


@pytest.mark.clause("chain/runs-in-completing-thread")
def test_step_on_a_done_source_has_run_when_chaining_returns(futures, link):
    source = futures.Future()
    link.trigger(source)
    assert link(source, Step()).done()


@pytest.mark.clause("chain/executor")
def test_step_runs_in_an_executor_worker(futures, link, timing, make_executor):
    executor = make_executor(max_workers=1, thread_name_prefix="chain-step")
    step = Step()
    _, derived = chain_onto(futures, timing, lambda source: link(source, step, executor), link.trigger)
    derived.result(timeout=BOUND)
    assert step.threads[0].startswith("chain-step")


@pytest.mark.clause("chain/executor")
def test_step_waits_for_its_executor_to_run_it(futures, link, timing):
    executor = ManualExecutor(futures)
    step = Step()
    _, derived = chain_onto(futures, timing, lambda source: link(source, step, executor), link.trigger)
    assert (len(executor.jobs), step.calls, derived.done()) == (1, [], False)
    executor.run()
    assert len(step.calls) == 1 and derived.done()


@pytest.mark.clause("chain/executor")
def test_step_run_inside_submit_settles_the_derived_future(futures, link, timing):
    _, derived = chain_onto(futures, timing, lambda source: link(source, Step(RESULT), InlineExecutor(futures)),
                            link.trigger)
    assert derived.result(timeout=0) is RESULT


# --- failures --------------------------------------------------------------

@pytest.mark.clause("chain/failure-carried")
@pytest.mark.parametrize("link", ["then", "then_compose"], indirect=True)
def test_failure_skips_the_step(futures, link, timing):
    step = Step()
    chain_onto(futures, timing, lambda source: link(source, step), lambda source: source.set_exception(Boom()))
    assert step.calls == []


@pytest.mark.clause("chain/failure-carried")
@pytest.mark.parametrize("link", ["then", "then_compose"], indirect=True)
def test_failure_reaches_the_derived_future_as_the_same_object(futures, link, timing):
    error = Boom()
    _, derived = chain_onto(futures, timing, lambda source: link(source, Step()),
                            lambda source: source.set_exception(error))
    assert derived.exception(timeout=0) is error


@pytest.mark.clause("chain/failure-carried")
def test_failure_skips_every_later_step_of_a_chain(futures, timing):
    error = Boom()
    steps = [Step(), Step(), Step()]

    def make(source):
        parsed = chain.then(source, steps[0])
        fetched = chain.then_compose(parsed, lambda value: finished(futures, steps[1](value)))
        return chain.then(fetched, steps[2])

    _, last = chain_onto(futures, timing, make, lambda source: source.set_exception(error))
    assert (last.exception(timeout=0), [step.calls for step in steps]) == (error, [[], [], []])


@pytest.mark.clause("chain/failure-carried")
def test_pipeline_failure_skips_later_steps(futures, make_executor):
    error = Boom()
    later = Step()
    final = chain.pipeline(make_executor(max_workers=2), [Step(1), Step(raises=error), later], 0)
    final.exception(timeout=BOUND)
    assert later.calls == []


@pytest.mark.clause("chain/failure-carried")
def test_pipeline_failure_reaches_its_future_as_the_same_object(futures, make_executor):
    error = Boom()
    final = chain.pipeline(make_executor(max_workers=2), [Step(1), Step(raises=error), Step()], 0)
    assert final.exception(timeout=BOUND) is error


# --- cancellation ----------------------------------------------------------

@pytest.mark.clause("chain/source-cancelled")
def test_cancelled_source_cancels_the_derived_future(futures, link, timing):
    _, derived = chain_onto(futures, timing, lambda source: link(source, Step()), lambda source: source.cancel())
    assert derived.cancelled()


@pytest.mark.clause("chain/source-cancelled")
def test_cancelled_source_does_not_run_the_step(futures, link, timing):
    step = Step()
    chain_onto(futures, timing, lambda source: link(source, step), lambda source: source.cancel())
    assert step.calls == []


@pytest.mark.clause("chain/cancel-skips-step")
def test_derived_future_of_a_pending_source_can_be_cancelled(futures, link):
    assert link(futures.Future(), Step()).cancel() is True


@pytest.mark.clause("chain/cancel-skips-step")
def test_cancelled_derived_future_skips_its_step_when_the_source_completes(futures, link, complete_in):
    source, step = futures.Future(), Step()
    link(source, step).cancel()
    complete_in(lambda: link.trigger(source))
    assert step.calls == []


@pytest.mark.clause("chain/cancel-skips-step")
def test_cancelled_derived_future_skips_its_queued_step(futures, link, make_executor):
    executor = make_executor(max_workers=1)
    step = Step()
    with busy_worker(executor):
        derived = link(link.triggered(), step, executor)  # queued behind the busy worker
        assert derived.cancel()
    executor.submit(int).result(timeout=BOUND)  # runs after anything queued before it
    assert step.calls == []


@pytest.mark.clause("chain/cancel-skips-step")
def test_cancelled_derived_future_skips_a_step_its_executor_already_started(futures, link):
    # A worker has taken the step's job (set_running_or_notify_cancel) but
    # has not called it yet when the derived future is cancelled.
    executor, step = ManualExecutor(futures), Step()
    derived = link(link.triggered(), step, executor)
    executor.start()
    assert derived.cancel()
    executor.call()
    assert step.calls == []


@pytest.mark.clause("chain/source-untouched")
def test_cancelling_the_derived_future_leaves_the_source_pending(futures, link):
    source = futures.Future()
    link(source, Step()).cancel()
    assert not source.done()


@pytest.mark.clause("chain/source-untouched")
def test_source_completes_after_its_derived_future_was_cancelled(futures, link, complete_in):
    source = futures.Future()
    link(source, Step()).cancel()
    complete_in(lambda: source.set_result(RESULT))
    assert source.result(timeout=0) is RESULT


# --- executors that refuse, fail or drop a step ------------------------------

@pytest.mark.clause("chain/executor-refuses")
def test_step_refused_by_a_shut_down_executor_fails_the_derived_future(futures, link, timing, make_executor):
    executor = make_executor(max_workers=1)
    executor.shutdown()
    _, derived = chain_onto(futures, timing, lambda source: link(source, Step(), executor), link.trigger)
    assert isinstance(derived.exception(timeout=0), RuntimeError)


@pytest.mark.clause("chain/executor-refuses")
def test_step_failed_by_its_executor_fails_the_derived_future(futures, link):
    executor = ManualExecutor(futures)
    derived = link(link.triggered(), Step(), executor)
    error = futures.BrokenThreadPool("the pool broke before the step ran")
    executor.jobs[0][0].set_exception(error)
    assert derived.exception(timeout=0) is error


@pytest.mark.clause("chain/executor-refuses")
def test_step_cancelled_by_its_executor_cancels_the_derived_future(futures, link):
    executor = ManualExecutor(futures)
    derived = link(link.triggered(), Step(), executor)
    executor.jobs[0][0].cancel()
    assert derived.cancelled()


@pytest.mark.clause("chain/executor-refuses")
def test_pipeline_step_refused_by_a_shut_down_executor_fails_its_future(futures, make_executor):
    executor = make_executor(max_workers=1)
    gate = Gate()
    later = Step()
    final = chain.pipeline(executor, [gate, later], 1)
    try:
        assert gate.entered.wait(BOUND)
        executor.shutdown(wait=False)
    finally:
        gate.open()
    assert isinstance(final.exception(timeout=BOUND), RuntimeError)


class RefusingExecutor(ManualExecutor):
    """A ManualExecutor that refuses every call after its first *accepts*."""

    def __init__(self, futures, accepts):
        super().__init__(futures)
        self.accepts = accepts
        self.offered = []

    def submit(self, fn, *args):
        self.offered.append(fn)
        if len(self.jobs) >= self.accepts:
            raise RuntimeError("cannot schedule new futures after shutdown")
        return super().submit(fn, *args)


@pytest.mark.clause("chain/executor-refuses", "chain.pipeline/result")
def test_pipeline_offers_no_later_step_after_its_executor_refused_one(futures):
    steps = [Step(1), Step(2), Step(3)]
    executor = RefusingExecutor(futures, accepts=1)
    final = chain.pipeline(executor, steps, 0)
    executor.run()
    assert isinstance(final.exception(timeout=0), RuntimeError)
    assert executor.offered == steps[:2]  # the third has no result to be called on


@pytest.mark.clause("chain.pipeline/result")
@pytest.mark.parametrize("fails", [False, True])
def test_pipeline_submits_each_step_once_and_nothing_more(futures, fails):
    steps = [Step(1), Step(2, raises=Boom() if fails else None), Step(3)]
    executor = ManualExecutor(futures)
    final = chain.pipeline(executor, steps, 0)
    for index in range(3 - fails):
        executor.run(index)
    assert final.done() and [fn for _, fn, _ in executor.jobs] == steps[:3 - fails]


@pytest.mark.clause("chain/executor-refuses")
def test_pipeline_step_cancelled_by_its_executor_cancels_its_future(futures):
    executor = ManualExecutor(futures)
    final = chain.pipeline(executor, [Step(1), Step()], 0)
    executor.run(0)
    executor.jobs[1][0].cancel()
    assert final.cancelled()


# --- quiet: the chain's callbacks never raise --------------------------------
# A callback that raises is only logged by the future that ran it, and the
# chain would go on as if it had not: these catch that in the log.

@pytest.mark.clause("chain/quiet")
def test_cancelled_source_makes_no_future_log_an_error(futures, link, timing, caplog):
    chain_onto(futures, timing, lambda source: link(source, Step()), lambda source: source.cancel())
    assert future_records(caplog) == []


@pytest.mark.clause("chain/quiet")
def test_failing_step_makes_no_future_log_an_error(futures, link, timing, caplog):
    chain_onto(futures, timing, lambda source: link(source, Step(raises=Boom())), link.trigger)
    assert future_records(caplog) == []


@pytest.mark.clause("chain/quiet")
def test_step_refused_by_a_shut_down_executor_makes_no_future_log_an_error(
        futures, link, timing, make_executor, caplog):
    executor = make_executor(max_workers=1)
    executor.shutdown()
    chain_onto(futures, timing, lambda source: link(source, Step(), executor), link.trigger)
    assert future_records(caplog) == []


@pytest.mark.clause("chain/quiet")
def test_pipeline_step_cancelled_by_its_executor_makes_no_future_log_an_error(futures, caplog):
    executor = ManualExecutor(futures)
    chain.pipeline(executor, [Step(1), Step()], 0)
    executor.run(0)
    executor.jobs[1][0].cancel()
    assert future_records(caplog) == []


# --- no locks, no blocking ---------------------------------------------------

def use_the_chain(futures, source, derived):
    """What a step's neighbours may do while it runs; each would block on a
    lock held around the step."""
    source.exception(timeout=0)
    derived.running(), derived.done(), derived.cancelled()
    futures.wait([derived], timeout=0)
    derived.add_done_callback(lambda future: None)
    chain.then(source, str)
    chain.then(derived, str)


def run_step_knowing_its_chain(futures, link, timing, make_executor, body):
    """Chain a step that calls body(source, derived) onto a source in this
    timing, on an executor, so that the step can wait until it knows the
    derived future. Returns the derived future."""
    chained = threading.Event()
    box = {}

    def step(arg):
        assert chained.wait(BOUND)
        return body(box["source"], box["derived"])

    def make(source):
        box["source"], box["derived"] = source, link(source, step, make_executor(max_workers=1))
        chained.set()
        return box["derived"]

    return chain_onto(futures, timing, make, link.trigger)[1]


@pytest.mark.clause("chain/no-lock-held")
def test_other_threads_use_the_chain_while_a_step_runs(futures, link, timing, make_executor, relay):
    def body(source, derived):
        in_thread(lambda: use_the_chain(futures, source, derived), name="neighbour").result()
        return "used"

    derived = run_step_knowing_its_chain(futures, link, timing, make_executor, relay(body))
    assert derived.result(timeout=BOUND) == "used"


@pytest.mark.clause("chain/no-lock-held")
def test_a_step_can_use_its_own_chain(futures, link, timing, make_executor):
    def body(source, derived):
        use_the_chain(futures, source, derived)
        return "used"

    derived = run_step_knowing_its_chain(futures, link, timing, make_executor, body)
    assert derived.result(timeout=BOUND) == "used"


@pytest.mark.clause("chain/no-blocking")
def test_chaining_onto_a_pending_future_returns_at_once(futures, link, make_executor):
    executor = make_executor(max_workers=1)
    in_thread(lambda: link(futures.Future(), Step(), executor), name="chaining").result()


@pytest.mark.clause("chain/no-blocking")
def test_a_waiting_chain_occupies_no_worker(futures, link, make_executor):
    executor = make_executor(max_workers=1)
    link(futures.Future(), Step(), executor)
    assert executor.submit(int, "7").result(timeout=BOUND) == 7


@pytest.mark.clause("chain/no-blocking")
def test_pipeline_runs_on_a_single_worker(futures, make_executor):
    add_one = (lambda value: value + 1)
    final = chain.pipeline(make_executor(max_workers=1), [add_one] * 5, 0)
    assert final.result(timeout=BOUND) == 5


@pytest.mark.clause("chain/releases-references")
def test_settled_chain_keeps_no_reference_to_its_step(futures, link, timing):
    step = Step()
    forgotten = weakref.ref(step)
    source, derived = chain_onto(futures, timing, lambda source: link(source, step), link.trigger)
    del step
    gc.collect()
    assert derived.done() and forgotten() is None


class FramelessStep:
    """A step whose call runs no Python code (it is int's call, which raises
    TypeError for RESULT and for Boom()), so no frame of its own keeps it
    alive in its exception's traceback."""

    __call__ = int


@pytest.mark.clause("chain/releases-references")
@pytest.mark.parametrize("timing", ["attached-before-completion", "completed-by-other-thread"], indirect=True)
@pytest.mark.parametrize("name", ["then", "recover"])
def test_failed_step_is_not_kept_alive_by_its_exception(futures, timing, name):
    step = FramelessStep()
    forgotten = weakref.ref(step)
    complete = (lambda source: source.set_result(RESULT)) if name == "then" else (
        lambda source: source.set_exception(Boom()))
    _, derived = chain_onto(futures, timing, lambda source: getattr(chain, name)(source, step), complete)
    del step
    gc.collect()
    assert isinstance(derived.exception(timeout=0), TypeError) and forgotten() is None


@pytest.mark.clause("chain/releases-references")
def test_future_a_composed_step_returned_keeps_no_reference_to_its_cancelled_chain(futures):
    # The step cancels its own derived future, then returns a pending future
    # the test keeps: the chain cancels that future, and must not stay
    # registered on it (the standard library's futures keep their callbacks).
    source, inner, chained = futures.Future(), futures.Future(), []

    def cancel_own_chain_and_return_inner(_):
        chained.pop().cancel()
        return inner

    chained.append(chain.then_compose(source, cancel_own_chain_and_return_inner))
    forgotten = weakref.ref(chained[0])
    source.set_result(RESULT)
    gc.collect()
    assert inner.cancelled() and forgotten() is None


@pytest.mark.clause("chain/releases-references")
def test_chain_cancelled_before_its_source_settles_keeps_no_reference_to_its_step(futures, link):
    source, step = futures.Future(), Step()
    forgotten = weakref.ref(step)
    derived = link(source, step)
    assert derived.cancel()
    del step
    gc.collect()
    assert derived.done() and not source.done() and forgotten() is None


# --- then() ------------------------------------------------------------------

@pytest.mark.clause("chain.then/result")
def test_then_calls_fn_with_the_source_result(futures, timing):
    step = Step()
    chain_onto(futures, timing, lambda source: chain.then(source, step), lambda source: source.set_result(RESULT))
    assert step.args == [RESULT]


@pytest.mark.clause("chain.then/result")
def test_then_settles_with_what_fn_returns(futures, timing):
    _, derived = chain_onto(futures, timing, lambda source: chain.then(source, Step(RESULT)),
                            lambda source: source.set_result(1))
    assert derived.result(timeout=0) is RESULT


@pytest.mark.clause("chain.then/fn-raises")
def test_then_fails_with_the_exception_fn_raised(futures, timing):
    error = Boom()
    _, derived = chain_onto(futures, timing, lambda source: chain.then(source, Step(raises=error)),
                            lambda source: source.set_result(1))
    assert derived.exception(timeout=0) is error


def _then_link(futures):
    return Link("then", futures)


@pytest.mark.clause("chain.then/running")
def test_derived_future_is_running_while_then_step_runs(futures, timing, make_executor):
    def body(source, derived):
        return derived.running(), derived.done()

    derived = run_step_knowing_its_chain(futures, _then_link(futures), timing, make_executor, body)
    assert derived.result(timeout=BOUND) == (True, False)


@pytest.mark.clause("chain.then/running")
def test_derived_future_cannot_be_cancelled_while_then_step_runs(futures, timing, make_executor):
    derived = run_step_knowing_its_chain(futures, _then_link(futures), timing, make_executor,
                                         lambda source, derived: derived.cancel())
    assert derived.result(timeout=BOUND) is False


# --- recover() ---------------------------------------------------------------

@pytest.mark.clause("chain.recover/failure")
def test_recover_calls_fn_with_the_same_exception(futures, timing):
    error, step = Boom(), Step()
    chain_onto(futures, timing, lambda source: chain.recover(source, step),
               lambda source: source.set_exception(error))
    assert len(step.args) == 1 and step.args[0] is error


@pytest.mark.clause("chain.recover/failure")
def test_recover_settles_with_what_fn_returns(futures, timing):
    _, derived = chain_onto(futures, timing, lambda source: chain.recover(source, Step(RESULT)),
                            lambda source: source.set_exception(Boom()))
    assert derived.result(timeout=0) is RESULT


@pytest.mark.clause("chain.recover/success")
def test_recover_passes_a_result_through(futures, timing):
    _, derived = chain_onto(futures, timing, lambda source: chain.recover(source, Step()),
                            lambda source: source.set_result(RESULT))
    assert derived.result(timeout=0) is RESULT


@pytest.mark.clause("chain.recover/success")
def test_recover_does_not_call_fn_on_success(futures, timing):
    step = Step()
    chain_onto(futures, timing, lambda source: chain.recover(source, step), lambda source: source.set_result(1))
    assert step.calls == []


@pytest.mark.clause("chain.recover/fn-raises")
def test_recover_fails_with_the_exception_fn_raised(futures, timing):
    error = Boom()
    _, derived = chain_onto(futures, timing, lambda source: chain.recover(source, Step(raises=error)),
                            lambda source: source.set_exception(ValueError()))
    assert derived.exception(timeout=0) is error


# --- then_compose() ------------------------------------------------------------

@pytest.mark.clause("chain.then_compose/adopts")
def test_then_compose_calls_fn_with_the_source_result(futures, timing):
    args = []

    def step(value):
        args.append(value)
        return finished(futures, RESULT)

    chain_onto(futures, timing, lambda source: chain.then_compose(source, step),
               lambda source: source.set_result(RESULT))
    assert args == [RESULT]


def compose_onto_inner(futures, timing, complete_inner):
    """then_compose() a done source with an fn returning *inner*, which
    complete_inner(inner) completes in this timing. Returns (inner, derived)."""
    source, inner, made = finished(futures, RESULT), futures.Future(), []
    timing.run(lambda: made.append(chain.then_compose(source, lambda value: inner)),
               lambda: complete_inner(inner))
    return inner, made[0]


@pytest.mark.clause("chain.then_compose/adopts")
def test_then_compose_adopts_the_result_object(futures, timing):
    _, derived = compose_onto_inner(futures, timing, lambda inner: inner.set_result(RESULT))
    assert derived.result(timeout=0) is RESULT


@pytest.mark.clause("chain.then_compose/adopts")
def test_then_compose_adopts_the_exception_object(futures, timing):
    error = Boom()
    _, derived = compose_onto_inner(futures, timing, lambda inner: inner.set_exception(error))
    assert derived.exception(timeout=0) is error


@pytest.mark.clause("chain.then_compose/adopts-cancellation")
def test_then_compose_adopts_a_cancellation(futures, timing):
    _, derived = compose_onto_inner(futures, timing, lambda inner: inner.cancel())
    assert derived.cancelled()


@pytest.mark.clause("chain.then_compose/cancel-cancels-adopted")
def test_then_compose_future_stays_pending_while_the_adopted_future_runs(futures):
    inner = futures.Future()
    inner.set_running_or_notify_cancel()
    derived = chain.then_compose(finished(futures, RESULT), lambda value: inner)
    assert not derived.running() and not derived.done()


@pytest.mark.clause("chain.then_compose/cancel-cancels-adopted")
def test_cancelling_then_compose_future_cancels_the_adopted_future(futures):
    inner = futures.Future()
    derived = chain.then_compose(finished(futures, RESULT), lambda value: inner)
    assert derived.cancel()
    assert inner.cancelled()


@pytest.mark.clause("chain.then_compose/cancel-cancels-adopted")
def test_then_compose_future_cancelled_while_fn_runs_cancels_the_future_fn_returns(futures, complete_in):
    source, inner, box = futures.Future(), futures.Future(), {}

    def step(value):
        assert box["derived"].cancel()
        return inner

    box["derived"] = chain.then_compose(source, step)
    complete_in(lambda: source.set_result(1))
    assert inner.cancelled()


@pytest.mark.clause("chain.then_compose/not-a-future")
def test_then_compose_fails_when_fn_returns_no_future(futures, timing):
    _, derived = chain_onto(futures, timing, lambda source: chain.then_compose(source, Step(42)),
                            lambda source: source.set_result(1))
    assert isinstance(derived.exception(timeout=0), TypeError)


class HalfFuture:
    """Has one of a future's two methods that then_compose() needs."""

    def __init__(self, method):
        setattr(self, method, lambda *args: None)


@pytest.mark.clause("chain.then_compose/not-a-future")
@pytest.mark.parametrize("method", ["add_done_callback", "cancel"])
def test_then_compose_fails_when_fn_returns_half_a_future(futures, timing, method):
    _, derived = chain_onto(futures, timing, lambda source: chain.then_compose(source, Step(HalfFuture(method))),
                            lambda source: source.set_result(1))
    assert isinstance(derived.exception(timeout=0), TypeError)


# --- pipeline() ------------------------------------------------------------------

@pytest.mark.clause("chain.pipeline/result")
def test_pipeline_settles_with_the_last_result(futures, make_executor):
    steps = [lambda a, b: a * b, lambda value: value + 1, str]
    assert chain.pipeline(make_executor(max_workers=2), steps, 6, 7).result(timeout=BOUND) == "43"


@pytest.mark.clause("chain.pipeline/result")
def test_pipeline_runs_every_step_on_the_executor(futures, make_executor):
    steps = [Step(1), Step(2), Step(3)]
    executor = make_executor(max_workers=2, thread_name_prefix="pipeline-step")
    chain.pipeline(executor, steps, 0).result(timeout=BOUND)
    assert all(step.threads[0].startswith("pipeline-step") for step in steps)


@pytest.mark.clause("chain.pipeline/empty")
def test_pipeline_without_functions_raises_value_error(futures):
    with pytest.raises(ValueError):
        chain.pipeline(ManualExecutor(futures), [], 1)


@pytest.mark.clause("chain.pipeline/empty")
def test_pipeline_without_functions_submits_nothing(futures):
    executor = ManualExecutor(futures)
    with pytest.raises(ValueError):
        chain.pipeline(executor, iter([]), 1)
    assert executor.jobs == []


@pytest.mark.clause("chain.pipeline/cancel-queued")
def test_cancelled_pipeline_with_its_first_step_queued_runs_no_step(futures, make_executor):
    executor = make_executor(max_workers=1)
    steps = [Step(1), Step(2)]
    with busy_worker(executor):
        final = chain.pipeline(executor, steps, 0)
        assert final.cancel()
    executor.submit(int).result(timeout=BOUND)  # runs after anything queued before it
    assert [step.calls for step in steps] == [[], []]


class RunningPipeline:
    """A pipeline on one worker whose first step is running, held by a gate."""

    def __init__(self, futures, executor):
        self.executor = executor
        self.gate = Gate()
        self.first_finished = threading.Event()
        self.later = Step()
        self.final = chain.pipeline(executor, [self.first, self.later], 0)
        assert self.gate.entered.wait(BOUND)

    def first(self, value):
        self.gate(value)
        self.first_finished.set()
        return value + 1

    def finish(self):
        """Let the first step end; return when anything it led to has run."""
        probe = self.executor.submit(int)  # queued behind the first step
        self.gate.open()
        probe.result(timeout=BOUND)
        self.executor.submit(int).result(timeout=BOUND)  # behind any step queued meanwhile


@pytest.fixture
def running_pipeline(futures, make_executor):
    pipeline = RunningPipeline(futures, make_executor(max_workers=1))
    yield pipeline
    pipeline.gate.open()


@pytest.mark.clause("chain.pipeline/cancel-running")
def test_pipeline_future_stays_pending_while_a_step_runs(running_pipeline):
    assert not running_pipeline.final.running() and not running_pipeline.final.done()


@pytest.mark.clause("chain.pipeline/cancel-running")
def test_cancelling_a_pipeline_while_a_step_runs_succeeds(running_pipeline):
    assert running_pipeline.final.cancel()


@pytest.mark.clause("chain.pipeline/cancel-running")
def test_step_running_when_its_pipeline_is_cancelled_runs_to_its_end(running_pipeline):
    running_pipeline.final.cancel()
    running_pipeline.finish()
    assert running_pipeline.first_finished.is_set()


@pytest.mark.clause("chain.pipeline/cancel-running")
def test_no_step_starts_after_its_pipeline_is_cancelled(running_pipeline):
    running_pipeline.final.cancel()
    running_pipeline.finish()
    assert running_pipeline.later.calls == [] and running_pipeline.final.cancelled()
