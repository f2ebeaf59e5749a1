"""The Future on its own: its states as the public methods show them,
cancel(), result() and exception() (with and without a timeout, and
while another thread completes the future), set_result(),
set_exception() and set_running_or_notify_cancel() in every state,
repr() and Future[...] for type hints.

Futures are made and driven by hand here; executors are not involved.
"""

import functools
import gc
import logging
import threading
import time
import weakref

import pytest

from spec_tests.support import (BOUND, TINY, bytes_kept_per_call, cancelled, finished, in_thread, outcome, pending,
                                running)


class FalsyByBool(Exception):
    def __bool__(self):
        return False


class FalsyByLen(Exception):
    def __len__(self):
        return 0


# Ways to bring a new future to a done state.
def _finish_with_result(future):
    future.set_result(1)


def _finish_with_exception(future):
    future.set_exception(ValueError("boom"))


def _cancel(future):
    future.cancel()


def _cancel_and_notify(future):
    future.cancel()
    future.set_running_or_notify_cancel()


# Every way, with the name CPython gives the resulting state (it shows in messages).
DONE_WAYS = {
    "finished-with-result": (_finish_with_result, "FINISHED"),
    "finished-with-exception": (_finish_with_exception, "FINISHED"),
    "cancelled": (_cancel, "CANCELLED"),
    "cancelled-and-notified": (_cancel_and_notify, "CANCELLED_AND_NOTIFIED"),
}

FINISHES = pytest.mark.parametrize(
    "finish", [_finish_with_result, _finish_with_exception], ids=["with-result", "with-exception"])
CANCELS = pytest.mark.parametrize(
    "cancel", [_cancel, _cancel_and_notify], ids=["cancelled", "cancelled-and-notified"])


@pytest.fixture(params=sorted(DONE_WAYS))
def done_way(request):
    """(how to make a future done, CPython's name for the resulting state)."""
    return DONE_WAYS[request.param]


def done_future(futures, finish):
    future = futures.Future()
    finish(future)
    return future


def states(future):
    return {"running": future.running(), "done": future.done(), "cancelled": future.cancelled()}


# --- the state machine -----------------------------------------------------

@pytest.mark.clause("Future/pending")
def test_new_future_is_pending(futures):
    future = futures.Future()
    assert states(future) == {"running": False, "done": False, "cancelled": False}


@pytest.mark.clause("Future/finished")
@FINISHES
@pytest.mark.parametrize("started", [False, True], ids=["from-pending", "from-running"])
def test_set_result_or_exception_makes_future_finished(futures, finish, started):
    future = running(futures) if started else futures.Future()
    finish(future)
    assert states(future) == {"running": False, "done": True, "cancelled": False}


RUNNING = {"running": True, "done": False, "cancelled": False}
CANCELLED = {"running": False, "done": True, "cancelled": True}

@pytest.mark.parametrize("prepare, call, returns, after", [
    pytest.param(pending, "set_running_or_notify_cancel", True, RUNNING,
                 marks=pytest.mark.clause("Future.set_running_or_notify_cancel/pending"),
                 id="set_running_or_notify_cancel-pending"),
    pytest.param(cancelled, "set_running_or_notify_cancel", False, CANCELLED,
                 marks=pytest.mark.clause("Future.set_running_or_notify_cancel/cancelled"),
                 id="set_running_or_notify_cancel-cancelled"),
    pytest.param(pending, "cancel", True, CANCELLED, marks=pytest.mark.clause("Future.cancel/pending"),
                 id="cancel-pending"),
    pytest.param(running, "cancel", False, RUNNING, marks=pytest.mark.clause("Future.cancel/running"),
                 id="cancel-running"),
])
@pytest.mark.parametrize("check", ["returns", "leaves-state"])
def test_call_on_pending_cancelled_or_running_future(futures, prepare, call, returns, after, check):
    """set_running_or_notify_cancel() or cancel() on a future made by
    prepare(futures): what the call returns, or the states it leaves."""
    future = prepare(futures)
    returned = getattr(future, call)()
    if check == "returns":
        assert returned is returns
    else:
        assert states(future) == after


@pytest.mark.clause("Future.set_running_or_notify_cancel/twice")
@pytest.mark.parametrize("after_first_call", [
    running,
    functools.partial(done_future, finish=_cancel_and_notify),
], ids=["running", "cancelled-and-notified"])
def test_second_set_running_or_notify_cancel_raises_runtime_error(futures, after_first_call):
    future = after_first_call(futures)
    with pytest.raises(RuntimeError):
        future.set_running_or_notify_cancel()


@pytest.mark.clause("Future.set_running_or_notify_cancel/finished")
@FINISHES
def test_set_running_or_notify_cancel_on_finished_future_raises_runtime_error(futures, finish):
    future = done_future(futures, finish)
    with pytest.raises(RuntimeError):
        future.set_running_or_notify_cancel()


def _critical_records(caplog):
    return [record for record in caplog.records
            if record.name == "concurrent.futures" and record.levelno == logging.CRITICAL]


@pytest.mark.clause("Future.set_running_or_notify_cancel/logs-critical")
def test_misplaced_set_running_or_notify_cancel_logs_critical(futures, caplog):
    future = running(futures)
    with caplog.at_level(logging.CRITICAL, logger="concurrent.futures"):
        with pytest.raises(RuntimeError):
            future.set_running_or_notify_cancel()
    assert len(_critical_records(caplog)) == 1


@pytest.mark.clause("Future.set_running_or_notify_cancel/message")
def test_misplaced_set_running_or_notify_cancel_error_message(futures):
    future = running(futures)
    with pytest.raises(RuntimeError) as info:
        future.set_running_or_notify_cancel()
    assert str(info.value) == "Future in unexpected state"


@pytest.mark.clause("Future.set_running_or_notify_cancel/message")
@pytest.mark.parametrize("prepare, state", [
    (running, "RUNNING"),
    (functools.partial(done_future, finish=_finish_with_result), "FINISHED"),
    (functools.partial(done_future, finish=_cancel_and_notify), "CANCELLED_AND_NOTIFIED"),
], ids=["running", "finished", "cancelled-and-notified"])
def test_misplaced_set_running_or_notify_cancel_log_message(futures, caplog, prepare, state):
    future = prepare(futures)
    with caplog.at_level(logging.CRITICAL, logger="concurrent.futures"):
        with pytest.raises(RuntimeError):
            future.set_running_or_notify_cancel()
    messages = [record.getMessage() for record in _critical_records(caplog)]
    assert messages == ["Future %d in unexpected state: %s" % (id(future), state)]


# --- cancel() --------------------------------------------------------------

# (cancel() of a pending or a running future: test_call_on_pending_cancelled_or_running_future.)

@pytest.mark.clause("Future.cancel/cancelled")
@CANCELS
def test_cancel_cancelled_future_returns_true_again(futures, cancel):
    future = done_future(futures, cancel)
    assert future.cancel() is True


@pytest.mark.clause("Future.cancel/finished")
@FINISHES
def test_cancel_finished_future_returns_false(futures, finish):
    future = done_future(futures, finish)
    assert future.cancel() is False


@pytest.mark.clause("Future.cancel/finished")
@FINISHES
def test_cancel_leaves_finished_future_outcome(futures, finish):
    future = done_future(futures, finish)
    before = outcome(future)
    future.cancel()
    assert (outcome(future), future.cancelled()) == (before, False)


# --- result() and exception() of a done future -----------------------------

@pytest.mark.clause("Future.result/value")
def test_result_returns_the_object_set_every_time(futures):
    future = futures.Future()
    value = object()
    future.set_result(value)
    assert [future.result(), future.result()] == [value, value]  # object() equals only itself


@pytest.mark.clause("Future.result/raises")
def test_result_raises_the_exception_object_set(futures):
    future = futures.Future()
    error = ValueError("boom")
    future.set_exception(error)
    with pytest.raises(ValueError) as info:
        future.result()
    assert info.value is error


@pytest.mark.clause("Future.result/falsy-exception", checks_old=True)
@pytest.mark.parametrize("error_class", [FalsyByBool, FalsyByLen])
def test_result_raises_a_falsy_exception(futures, error_class):
    future = futures.Future()
    error = error_class("falsy")
    future.set_exception(error)
    if futures.predates("Future.result/falsy-exception"):
        assert future.result() is None
        return
    with pytest.raises(error_class) as info:
        future.result()
    assert info.value is error


@pytest.mark.clause("Future.exception/value")
@pytest.mark.parametrize("error_class", [ValueError, FalsyByBool, FalsyByLen])
def test_exception_returns_the_exception_object_set(futures, error_class):
    future = futures.Future()
    error = error_class("boom")
    future.set_exception(error)
    assert future.exception() is error


@pytest.mark.clause("Future.exception/none")
def test_exception_of_future_with_result_is_none(futures):
    future = futures.Future()
    future.set_result(1)
    assert future.exception() is None


@pytest.mark.parametrize("method", [
    pytest.param("result", marks=pytest.mark.clause("Future.result/cancelled")),
    pytest.param("exception", marks=pytest.mark.clause("Future.exception/cancelled")),
])
@CANCELS
def test_result_or_exception_of_cancelled_future_raises_cancelled_error(futures, cancel, method):
    future = done_future(futures, cancel)
    with pytest.raises(futures.CancelledError):
        getattr(future, method)()


# --- timeouts --------------------------------------------------------------

@pytest.mark.parametrize("method", [
    pytest.param("result", marks=pytest.mark.clause("Future.result/timeout")),
    pytest.param("exception", marks=pytest.mark.clause("Future.exception/timeout")),
])
@pytest.mark.parametrize("make", [pending, running], ids=["pending", "running"])
@pytest.mark.parametrize("timeout", [0, TINY, -1])
def test_result_or_exception_of_unfinished_future_times_out(futures, method, make, timeout):
    with pytest.raises(futures.TimeoutError):
        getattr(make(futures), method)(timeout=timeout)


@pytest.mark.clause("Future.result/timeout")
def test_result_waits_out_its_timeout_before_raising(futures):
    started = time.monotonic()
    with pytest.raises(futures.TimeoutError):
        futures.Future().result(timeout=TINY)
    assert time.monotonic() - started >= TINY / 2, "raised before the timeout"


@pytest.mark.clause("Future.result/timeout")
@pytest.mark.parametrize("timeout", [0, -1])
def test_result_of_done_future_ignores_timeout(futures, timeout):
    future = futures.Future()
    future.set_result("ready")
    assert future.result(timeout=timeout) == "ready"


@pytest.mark.clause("Future.result/timeout-keeps-pending")
def test_result_timeout_leaves_future_pending(futures):
    future = futures.Future()
    with pytest.raises(futures.TimeoutError):
        future.result(timeout=0)
    assert states(future) == {"running": False, "done": False, "cancelled": False}


@pytest.mark.clause("Future.result/timeout-keeps-pending")
def test_future_can_complete_after_result_timed_out(futures):
    future = futures.Future()
    with pytest.raises(futures.TimeoutError):
        future.result(timeout=0)
    future.set_result("late")
    assert future.result() == "late"


@pytest.mark.clause("Future.result/timeout-leaves-nothing")
@pytest.mark.parametrize("make", [pending, running], ids=["pending", "running"])
def test_result_timing_out_again_and_again_does_not_grow_the_future(futures, make):
    future = make(futures)

    def poll():
        try:
            future.result(timeout=0)
        except futures.TimeoutError:
            pass

    assert bytes_kept_per_call(poll) < 8


@pytest.mark.clause("Future.exception/timeout")
@pytest.mark.parametrize("timeout", [0, -1])
def test_exception_of_done_future_ignores_timeout(futures, timeout):
    future = futures.Future()
    error = ValueError("boom")
    future.set_exception(error)
    assert future.exception(timeout=timeout) is error


# --- waiting while another thread completes the future ---------------------

WAIT_TIMEOUTS = pytest.mark.parametrize("timeout", [None, BOUND], ids=["no-timeout", "long-timeout"])


def wait_while(timing, call, complete):
    """Run call() in a waiting thread, attached per *timing* around
    complete(); return its InThread once call() has returned or raised."""
    return timing.start(call, complete).join()


@pytest.mark.parametrize("method, completion, gets", [
    pytest.param("result", "set_result", ("value", None),
                 marks=pytest.mark.clause("Future.result/wakes"), id="result-set_result"),
    pytest.param("result", "set_exception", (None, "error"),
                 marks=pytest.mark.clause("Future.result/wakes"), id="result-set_exception"),
    pytest.param("exception", "set_exception", ("error", None),
                 marks=pytest.mark.clause("Future.exception/wakes"), id="exception-set_exception"),
    pytest.param("exception", "set_result", (None, None),
                 marks=pytest.mark.clause("Future.exception/wakes"), id="exception-set_result"),
])
@WAIT_TIMEOUTS
def test_waiting_call_gets_what_another_thread_completes_the_future_with(
        futures, timing, timeout, method, completion, gets):
    """What a call waiting in result() or exception() gets, as (returned,
    raised), when another thread sets the future's value or error."""
    future = futures.Future()
    given = {"value": object(), "error": ValueError("boom"), None: None}
    argument = given["value" if completion == "set_result" else "error"]
    waiter = wait_while(timing, lambda: getattr(future, method)(timeout),
                        lambda: getattr(future, completion)(argument))
    assert (waiter.returned, waiter.raised) == (given[gets[0]], given[gets[1]])


@pytest.mark.parametrize("method", [
    pytest.param("result", marks=pytest.mark.clause("Future.result/cancelled")),
    pytest.param("exception", marks=pytest.mark.clause("Future.exception/cancelled")),
])
@WAIT_TIMEOUTS
def test_waiting_call_raises_cancelled_error_on_cancel(futures, timing, timeout, method):
    future = futures.Future()
    waiter = wait_while(timing, lambda: getattr(future, method)(timeout), future.cancel)
    assert isinstance(waiter.raised, futures.CancelledError)


WAITERS = 8


def start_waiters_together(call):
    """Start WAITERS threads that make call() once a barrier lets them (and
    the test, its last party) go. Returns their InThreads and the barrier."""
    barrier = threading.Barrier(WAITERS + 1, timeout=BOUND)

    def after_barrier():
        barrier.wait()
        return call()

    return [in_thread(after_barrier, name="waiter") for _ in range(WAITERS)], barrier


@pytest.mark.clause("Future.result/many-waiters")
def test_many_threads_waiting_in_result_all_get_the_value(futures):
    future = futures.Future()
    value = object()
    waiters, barrier = start_waiters_together(lambda: future.result(BOUND))
    barrier.wait()
    future.set_result(value)
    got = [(waiter.join().returned, waiter.raised) for waiter in waiters]
    assert got == [(value, None)] * WAITERS


@pytest.mark.clause("Future.result/many-waiters")
def test_many_threads_waiting_in_result_all_get_the_exception(futures):
    future = futures.Future()
    error = ValueError("boom")
    waiters, barrier = start_waiters_together(lambda: future.result(BOUND))
    barrier.wait()
    future.set_exception(error)
    assert [waiter.join().raised for waiter in waiters] == [error] * WAITERS  # equal means identical


# --- no reference cycle through the raised exception ----------------------

@pytest.mark.clause("Future.result/frees-exception")
def test_future_is_freed_by_refcount_after_result_raised(futures):
    future = futures.Future()
    future.set_exception(ValueError("boom"))
    alive = weakref.ref(future)
    gc.disable()
    try:
        with pytest.raises(ValueError):
            future.result()
        del future
        assert alive() is None
    finally:
        gc.enable()


@pytest.mark.clause("Future.result/frees-exception")
def test_pool_future_is_freed_by_refcount_after_result_raised(futures, make_executor):
    # The worker that ran the call caught its exception, whose traceback
    # holds the worker's frame: that frame must not keep the future.
    executor = make_executor(max_workers=1)
    future = executor.submit(int, "not a number")
    alive = weakref.ref(future)
    with pytest.raises(ValueError):
        future.result(BOUND)
    executor.shutdown(wait=True)  # the worker is done with the call
    gc.disable()
    try:
        del future
        assert alive() is None
    finally:
        gc.enable()


# --- set_result() / set_exception() on a done future -----------------------

def _set_result(future):
    future.set_result("second")


def _set_exception(future):
    future.set_exception(KeyError("second"))


@pytest.mark.parametrize("second_call", [
    pytest.param(_set_result, marks=pytest.mark.clause("Future.set_result/invalid-state"), id="set_result"),
    pytest.param(_set_exception, marks=pytest.mark.clause("Future.set_exception/invalid-state"),
                 id="set_exception"),
])
@pytest.mark.parametrize("check", ["raises-invalid-state-error", "keeps-its-outcome"])
def test_completing_a_done_future_again(futures, done_way, second_call, check):
    """set_result() or set_exception() on a done future raises
    InvalidStateError, or (the other check) leaves its outcome as it was."""
    future = done_future(futures, done_way[0])
    before = outcome(future)
    with pytest.raises(futures.InvalidStateError):
        second_call(future)
    if check == "keeps-its-outcome":
        assert outcome(future) == before


@pytest.mark.clause("Future.set_result/invalid-state-message")
@pytest.mark.parametrize("second_call", [_set_result, _set_exception], ids=["set_result", "set_exception"])
def test_invalid_state_error_message_names_state_and_repr(futures, done_way, second_call):
    finish, state = done_way
    future = done_future(futures, finish)
    with pytest.raises(futures.InvalidStateError) as info:
        second_call(future)
    assert str(info.value) == "%s: %r" % (state, future)


# --- repr() ----------------------------------------------------------------

def expected_repr(future, state, class_name="Future"):
    return "<%s at %#x state=%s>" % (class_name, id(future), state)


@pytest.mark.clause("Future.__repr__/unfinished")
def test_repr_of_pending_future(futures):
    future = futures.Future()
    assert repr(future) == expected_repr(future, "pending")


@pytest.mark.clause("Future.__repr__/unfinished")
def test_repr_of_running(futures):
    future = running(futures)
    assert repr(future) == expected_repr(future, "running")


@pytest.mark.clause("Future.__repr__/unfinished")
@CANCELS
def test_repr_of_cancelled_future(futures, cancel):
    future = done_future(futures, cancel)
    assert repr(future) == expected_repr(future, "cancelled")


@pytest.mark.clause("Future.__repr__/finished")
@pytest.mark.parametrize("value, type_name", [(3, "int"), (None, "NoneType"), ([], "list")])
def test_repr_of_future_with_result_names_result_type(futures, value, type_name):
    future = futures.Future()
    future.set_result(value)
    assert repr(future) == expected_repr(future, "finished returned " + type_name)


@pytest.mark.clause("Future.__repr__/finished")
def test_repr_of_future_with_exception_names_exception_type(futures):
    future = futures.Future()
    future.set_exception(ValueError("boom"))
    assert repr(future) == expected_repr(future, "finished raised ValueError")


@pytest.mark.clause("Future.__repr__/falsy-exception")
@pytest.mark.parametrize("error_class", [FalsyByBool, FalsyByLen])
def test_repr_of_future_with_falsy_exception_says_returned_none(futures, error_class):
    future = futures.Future()
    future.set_exception(error_class("falsy"))
    assert repr(future) == expected_repr(future, "finished returned NoneType")


@pytest.mark.clause("Future.__repr__/class-name")
def test_repr_of_subclass_uses_subclass_name(futures):
    class TracedFuture(futures.Future):
        pass

    future = TracedFuture()
    assert repr(future) == expected_repr(future, "pending", class_name="TracedFuture")


# --- Future[...] -----------------------------------------------------------

@pytest.mark.clause("Future.__class_getitem__/generic")
def test_future_subscript_is_generic_alias(futures):
    alias = futures.Future[int]
    assert (alias.__origin__, alias.__args__) == (futures.Future, (int,))


NAN = float("nan")


@pytest.mark.parametrize("method", [
    pytest.param("result", marks=pytest.mark.clause("Future.result/nan-timeout", checks_old=True)),
    pytest.param("exception", marks=pytest.mark.clause("Future.exception/nan-timeout", checks_old=True)),
])
@pytest.mark.parametrize("make", [pending, running], ids=["pending", "running"])
def test_a_nan_timeout_refuses_to_wait(futures, method, make):
    old = futures.predates("Future.%s/nan-timeout" % method)
    with pytest.raises(futures.TimeoutError if old else ValueError):
        getattr(make(futures), method)(timeout=NAN)


@pytest.mark.parametrize("method", [
    pytest.param("result", marks=pytest.mark.clause("Future.result/nan-timeout", checks_old=True)),
    pytest.param("exception", marks=pytest.mark.clause("Future.exception/nan-timeout", checks_old=True)),
])
def test_a_nan_timeout_of_a_done_future_answers(futures, method):
    answer = getattr(finished(futures, 7), method)(timeout=NAN)
    assert answer == (7 if method == "result" else None)
