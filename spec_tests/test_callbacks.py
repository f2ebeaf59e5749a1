"""Done-callbacks (``Future.add_done_callback``): what a callback receives,
when, in which thread and order it runs, what it sees of its future, and
what happens when it raises.

Most tests run in every ``timing`` (callback added before completion, after
it, or while another thread completes the future) and for every
``completion`` (``set_result``, ``set_exception``, ``cancel``).
"""

import contextlib
import logging
import threading

import pytest

from spec_tests.support import BOUND, busy_worker, future_records, in_thread, outcome

RESULT = 42


class Abort(BaseException):
    """A BaseException that is not an Exception, and not KeyboardInterrupt."""


class Completion:
    """One way to make a future done, and the outcome it leaves."""

    def __init__(self, how):
        self.how = how
        self.cancels = how == "cancel"
        self.error = ValueError("task failed")
        self.expected = {  # the future's outcome()
            "set_result": ("returned", RESULT),
            "set_exception": ("raised", self.error),
            "cancel": ("cancelled",),
        }[how]

    def apply(self, future):
        if self.how == "set_result":
            future.set_result(RESULT)
        elif self.how == "set_exception":
            future.set_exception(self.error)
        else:
            assert future.cancel()

    def __repr__(self):
        return "<completion %s>" % self.how


@pytest.fixture(params=["set_result", "set_exception", "cancel"])
def completion(request):
    return Completion(request.param)


def run_with_callbacks(future, timing, completion, *callbacks):
    """Add the callbacks and complete the future, in this timing."""
    def attach():
        for callback in callbacks:
            future.add_done_callback(callback)
    timing.run(attach, lambda: completion.apply(future))


def fail(future):
    raise ValueError("callback failed")


def abort(future):
    raise Abort()


@contextlib.contextmanager
def queued_task(executor):
    """Within the block, the only worker of *executor* is busy; yield a task
    queued behind it and the list its done-callback appends its future to."""
    calls = []
    with busy_worker(executor):
        queued = executor.submit(int)
        queued.add_done_callback(calls.append)
        yield queued, calls


# What a callback receives, how often, in which order

@pytest.mark.clause("Future.add_done_callback/future-argument")
def test_callback_gets_the_future_as_its_only_argument(futures, timing, completion):
    future = futures.Future()
    calls = []
    run_with_callbacks(future, timing, completion, lambda *args, **kwargs: calls.append((args, kwargs)))
    assert calls == [((future,), {})]


@pytest.mark.clause("Future.add_done_callback/order")
def test_callbacks_run_in_the_order_they_were_added(futures, timing, completion):
    future = futures.Future()
    order = []
    callbacks = [lambda _, n=n: order.append(n) for n in range(5)]
    run_with_callbacks(future, timing, completion, *callbacks)
    assert order == [0, 1, 2, 3, 4]


@pytest.mark.clause("Future.add_done_callback/once")
def test_the_same_callable_added_twice_is_called_twice(futures, timing, completion):
    future = futures.Future()
    calls = []
    run_with_callbacks(future, timing, completion, calls.append, calls.append)
    assert calls == [future, future]


@pytest.mark.clause("Future.add_done_callback/once")
def test_callbacks_are_not_called_again_by_later_calls(futures, timing, completion):
    future = futures.Future()
    calls = []
    run_with_callbacks(future, timing, completion, calls.append)
    future.cancel()
    outcome(future)
    assert calls == [future]


@pytest.mark.clause("Future.set_result/invalid-state", "Future.set_exception/invalid-state")
@pytest.mark.parametrize("again", ["set_result", "set_exception"])
def test_completing_a_done_future_again_calls_no_callback(futures, completion, again):
    future = futures.Future()
    calls = []
    future.add_done_callback(calls.append)
    completion.apply(future)
    with contextlib.suppress(getattr(futures, "InvalidStateError", ())):  # 3.8+
        getattr(future, again)(ValueError() if again == "set_exception" else 0)
    assert calls == [future]


# When and in which thread

@pytest.mark.clause("Future.add_done_callback/before-completer-returns",
                    "Future.add_done_callback/done-future-immediate")
def test_callback_has_run_when_the_call_that_made_it_due_returns(futures, timing, completion):
    future = futures.Future()
    calls = []
    seen_on_return = {}

    def attach():
        future.add_done_callback(calls.append)
        seen_on_return["attach"] = len(calls)

    def complete():
        completion.apply(future)
        seen_on_return["complete"] = len(calls)

    timing.run(attach, complete)
    first, last = ("complete", "attach") if timing.name == "attached-after-completion" else ("attach", "complete")
    assert (seen_on_return[first], seen_on_return[last]) == (0, 1)


@pytest.mark.clause("Future.add_done_callback/completer-thread",
                    "Future.add_done_callback/done-future-caller-thread")
def test_callback_runs_in_the_thread_of_the_call_that_made_it_due(futures, timing, completion):
    future = futures.Future()
    threads = {}

    def attach():
        threads["attach"] = threading.current_thread()
        future.add_done_callback(lambda _: threads.setdefault("callback", threading.current_thread()))

    def complete():
        threads["complete"] = threading.current_thread()
        completion.apply(future)

    timing.run(attach, complete)
    due_by = "attach" if timing.name == "attached-after-completion" else "complete"
    assert threads["callback"] is threads[due_by]


@pytest.mark.clause("Future.add_done_callback/completer-thread")
def test_callback_added_in_another_thread_runs_in_the_completing_thread(futures, completion):
    future = futures.Future()
    threads = []
    in_thread(lambda: future.add_done_callback(lambda _: threads.append(threading.current_thread())),
              name="adder").result()
    completion.apply(future)
    assert threads == [threading.current_thread()]


@pytest.mark.clause("Future.add_done_callback/done-future-caller-thread")
def test_callback_added_to_a_future_done_elsewhere_runs_in_the_adding_thread(futures, completion):
    future = futures.Future()
    in_thread(lambda: completion.apply(future), name="completer").result()
    threads = []
    future.add_done_callback(lambda _: threads.append(threading.current_thread()))
    assert threads == [threading.current_thread()]


@pytest.mark.clause("Future.add_done_callback/worker-thread")
def test_callback_of_a_submitted_task_runs_in_its_worker_thread(futures, make_executor):
    called = threading.Event()
    threads = []

    def callback(_):
        threads.append(threading.current_thread())
        called.set()

    with busy_worker(make_executor(max_workers=1)) as future:
        future.add_done_callback(callback)
    assert called.wait(BOUND)
    assert threads == [future.result()]


@pytest.mark.clause("Future.add_done_callback/not-until-done")
def test_callbacks_wait_while_the_future_runs(futures):
    future = futures.Future()
    calls = []
    future.add_done_callback(calls.append)
    assert future.set_running_or_notify_cancel()
    assert not future.cancel()
    assert calls == []


# What a callback sees of its future

@pytest.mark.clause("Future.add_done_callback/sees-final-state")
def test_callback_sees_the_final_state(futures, timing, completion):
    future = futures.Future()
    seen = []

    def inspect(fut):
        seen.append({"done": fut.done(), "running": fut.running(), "cancelled": fut.cancelled(),
                     "outcome": outcome(fut), "cancel": fut.cancel()})

    run_with_callbacks(future, timing, completion, inspect)
    assert seen == [{"done": True, "running": False, "cancelled": completion.cancels,
                     "outcome": completion.expected, "cancel": completion.cancels}]


@pytest.mark.clause("Future.add_done_callback/lock-released")
def test_other_threads_can_read_the_future_while_a_callback_runs(futures, timing, completion):
    future = futures.Future()
    seen = []
    run_with_callbacks(future, timing, completion,
                       lambda fut: seen.append(in_thread(lambda: (fut.done(), outcome(fut))).result()))
    assert seen == [(True, completion.expected)]


@pytest.mark.clause("Future.add_done_callback/add-from-callback")
def test_callback_added_from_a_callback_runs_at_once(futures, timing, completion):
    future = futures.Future()
    events = []

    def outer(fut):
        events.append("outer starts")
        fut.add_done_callback(lambda _: events.append("inner"))
        events.append("outer ends")

    run_with_callbacks(future, timing, completion, outer)
    assert events == ["outer starts", "inner", "outer ends"]


@pytest.mark.clause("Future.add_done_callback/chain-other-future")
def test_callback_can_complete_another_future(futures, timing, completion):
    first, second = futures.Future(), futures.Future()
    events = []
    second.add_done_callback(lambda fut: events.append(("second done", fut.result())))

    def forward(fut):
        second.set_result(outcome(fut))
        events.append("forwarded")

    run_with_callbacks(first, timing, completion, forward)
    assert events == [("second done", completion.expected), "forwarded"]


# Callbacks that raise an Exception

# Added to a done future, a callback runs inside add_done_callback(): that
# its exception is handled there too is a clause of its own (3.7+).
every_timing_done_future_guarded = pytest.mark.parametrize("timing", [
    "attached-before-completion",
    pytest.param("attached-after-completion",
                 marks=pytest.mark.clause("Future.add_done_callback/done-future-exception-logged")),
    "completed-by-other-thread",
], indirect=True)


@every_timing_done_future_guarded
@pytest.mark.clause("Future.add_done_callback/exception-swallowed")
def test_exception_from_a_callback_does_not_reach_the_caller(futures, timing, completion):
    future = futures.Future()
    run_with_callbacks(future, timing, completion, fail)  # raises nothing
    assert outcome(future) == completion.expected


@every_timing_done_future_guarded
@pytest.mark.clause("Future.add_done_callback/exception-later-callbacks-run")
def test_callbacks_after_a_failing_one_still_run(futures, timing, completion):
    future = futures.Future()
    calls = []
    run_with_callbacks(future, timing, completion, fail, calls.append)
    assert calls == [future]


@every_timing_done_future_guarded
@pytest.mark.clause("Future.add_done_callback/exception-logged")
def test_exception_from_a_callback_is_logged_with_its_traceback(futures, timing, completion, caplog):
    future = futures.Future()
    error = ValueError("callback failed")

    def failing(_):
        raise error

    run_with_callbacks(future, timing, completion, failing)
    assert [(record.levelno, record.exc_info[1]) for record in future_records(caplog)] == [(logging.ERROR, error)]


@every_timing_done_future_guarded
@pytest.mark.clause("Future.add_done_callback/exception-log-message")
def test_log_message_names_the_future(futures, timing, completion, caplog):
    future = futures.Future()
    run_with_callbacks(future, timing, completion, fail)
    assert [record.getMessage() for record in future_records(caplog)] == [
        "exception calling callback for %r" % (future,)]


# Callbacks that raise a BaseException

@pytest.mark.clause("Future.add_done_callback/base-exception-escapes")
def test_base_exception_from_a_callback_reaches_the_caller(futures, timing, completion):
    future = futures.Future()
    with pytest.raises(Abort):
        run_with_callbacks(future, timing, completion, abort)


@pytest.mark.clause("Future.add_done_callback/base-exception-escapes")
def test_base_exception_from_a_callback_is_not_logged(futures, timing, completion, caplog):
    future = futures.Future()
    with pytest.raises(Abort):
        run_with_callbacks(future, timing, completion, abort)
    assert future_records(caplog) == []


@pytest.mark.clause("Future.add_done_callback/base-exception-escapes")
def test_base_exception_from_a_callback_leaves_the_future_done(futures, timing, completion):
    future = futures.Future()
    with pytest.raises(Abort):
        run_with_callbacks(future, timing, completion, abort)
    assert outcome(future) == completion.expected


@pytest.mark.clause("Future.add_done_callback/base-exception-skips-later")
def test_callbacks_after_one_raising_base_exception_never_run(futures, completion):
    future = futures.Future()
    calls = []
    future.add_done_callback(abort)
    future.add_done_callback(calls.append)
    with pytest.raises(Abort):
        completion.apply(future)
    assert calls == []


@pytest.mark.clause("Future.add_done_callback/base-exception-in-worker")
def test_base_exception_from_a_callback_ends_the_worker_thread(futures, make_executor):
    with busy_worker(make_executor(max_workers=1)) as future:
        future.add_done_callback(abort)
    worker = future.result(timeout=BOUND)
    worker.join(BOUND)
    assert not worker.is_alive()


@pytest.mark.clause("Future.add_done_callback/base-exception-in-worker")
def test_base_exception_from_a_callback_in_a_worker_is_logged_critical(futures, make_executor, caplog):
    with busy_worker(make_executor(max_workers=1)) as future:
        future.add_done_callback(abort)
    future.result(timeout=BOUND).join(BOUND)
    assert [(record.levelno, type(record.exc_info[1])) for record in future_records(caplog)] == [
        (logging.CRITICAL, Abort)]


# Cancellation

@pytest.mark.clause("Future.add_done_callback/cancel-runs-callbacks")
def test_cancel_calls_callbacks_with_the_cancelled_future(futures, timing):
    future = futures.Future()
    seen = []
    timing.run(lambda: future.add_done_callback(lambda fut: seen.append((fut, fut.cancelled()))),
               lambda: future.cancel())
    assert seen == [(future, True)]


@pytest.mark.clause("Future.add_done_callback/cancel-runs-callbacks")
def test_cancelling_a_queued_task_runs_its_callbacks_inside_cancel(futures, make_executor):
    with queued_task(make_executor(max_workers=1)) as (queued, calls):
        assert queued.cancel()
        assert calls == [queued]


@pytest.mark.clause("Future.add_done_callback/not-rerun-on-notify")
def test_notifying_a_cancelled_future_does_not_rerun_callbacks(futures, timing):
    future = futures.Future()
    calls = []
    timing.run(lambda: future.add_done_callback(calls.append), lambda: future.cancel())
    assert not future.set_running_or_notify_cancel()
    assert calls == [future]


@pytest.mark.clause("Future.add_done_callback/not-rerun-on-notify")
def test_worker_dequeuing_a_cancelled_task_does_not_rerun_callbacks(futures, make_executor):
    executor = make_executor(max_workers=1)
    with queued_task(executor) as (queued, calls):
        queued.cancel()
    executor.shutdown(wait=True)  # the worker dequeues the cancelled task before it exits
    assert calls == [queued]


WAITS = {
    "result": lambda futures, future: future.result(BOUND),
    "exception": lambda futures, future: future.exception(BOUND),
    "wait": lambda futures, future: futures.wait([future], BOUND),
    "as_completed": lambda futures, future: next(futures.as_completed([future], BOUND)),
}


@pytest.mark.clause("Future.add_done_callback/after-waiters")
@pytest.mark.parametrize("wait", WAITS.values(), ids=list(WAITS))
def test_a_waiting_thread_goes_on_while_a_callback_still_runs(futures, wait):
    future = futures.Future()
    inside, release = threading.Event(), threading.Event()
    future.add_done_callback(lambda _: (inside.set(), release.wait(BOUND)))
    waiter = in_thread(lambda: wait(futures, future), name="waiter")
    assert waiter.still_running()  # it waits for the future
    completer = in_thread(lambda: future.set_result(7), name="completer")
    try:
        assert inside.wait(BOUND)
        waiter.result()  # while the callback has not returned
        assert completer.still_running()
    finally:
        release.set()
    completer.result()
