"""Executor profile: submit, shutdown, the with block, cancelling queued work."""

import pytest

from spec_tests.executors import tasks
from spec_tests.executors.helpers import (
    BOUND, InThread, Queued, given_a_moment, lacking, module_of, occupy, require)


@pytest.mark.clause("Executor.submit/returns-future")
def test_submit_returns_a_future(pool):
    future = pool().submit(tasks.identity, 1)
    assert isinstance(future, module_of(future).Future)
    future.result(BOUND)


@pytest.mark.clause("Executor.submit/asynchronous")
def test_submit_returns_before_the_call_finishes(pool):
    gate = pool.gate()
    future = pool().submit(tasks.gated, gate)
    assert gate.entered.wait(BOUND)
    assert not future.done()
    gate.open()
    assert future.result(BOUND) is None


@pytest.mark.clause("Executor.submit/call")
def test_submit_result_is_fn_called_with_args_and_kwargs(pool):
    future = pool().submit(tasks.echo, 1, 2, label="value")
    assert future.result(BOUND) == ((1, 2), {"label": "value"})


@pytest.mark.clause("Executor.submit/call")
def test_submit_passes_on_keywords_named_like_executor_options(pool):
    """Any keyword is the call's: also one an executor might want for itself."""
    future = pool().submit(tasks.echo, key="k", priority=1)
    assert future.result(BOUND) == ((), {"key": "k", "priority": 1}), (
        "the call did not get all its keywords: the executor kept some for itself")


@pytest.mark.clause("Executor.submit/fn-keyword")
def test_submit_passes_fn_and_self_keywords_to_the_call(pool):
    future = pool().submit(tasks.echo, fn="f", self="s")
    assert future.result(BOUND) == ((), {"fn": "f", "self": "s"})


@pytest.mark.clause("Executor.submit/call")
def test_submit_calls_fn_exactly_once(pool):
    signal = pool.signal()
    executor = pool()
    executor.submit(tasks.mark, signal, "ran").result(BOUND)
    assert signal.is_set()


@pytest.mark.clause("Executor.submit/exception")
def test_submit_stores_the_exception_raised_by_fn(pool):
    """Across a process boundary the exception is a copy: same type and args."""
    future = pool().submit(tasks.fail, "boom")
    error = future.exception(BOUND)
    assert type(error) is ValueError and error.args == ("boom",)
    with pytest.raises(ValueError, match="boom"):
        future.result(BOUND)


@pytest.mark.clause("Executor.submit/cancel-before-start", "Future.cancel/pending")
def test_a_queued_call_can_be_cancelled_and_never_runs(pool):
    queued = Queued(pool, pool(1))
    future = queued.submit()
    assert future.cancel(), (
        "a call queued behind a busy worker could not be cancelled: %r" % (future,))
    assert future.cancelled() and future.done()
    assert not queued.ran_after_release()


@pytest.mark.clause("Executor.submit/after-shutdown")
def test_submit_after_shutdown_raises_runtime_error(pool):
    executor = pool()
    executor.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        executor.submit(tasks.identity, 1)


@pytest.mark.clause("Executor.shutdown/wait")
def test_shutdown_waits_for_running_and_queued_calls(pool):
    executor = pool(1)
    gates = occupy(pool, executor, 1)
    queued = executor.submit(tasks.identity, "queued")
    closing = InThread(lambda: executor.shutdown(wait=True))
    assert closing.still_running()
    for gate in gates:
        gate.open()
    closing.finish()
    assert queued.done() and queued.result(0) == "queued"


@pytest.mark.clause("Executor.shutdown/no-wait", "Executor.shutdown/no-wait-finishes")
def test_shutdown_without_wait_returns_and_the_work_finishes(pool):
    executor = pool(1)
    gates = occupy(pool, executor, 1)
    queued = executor.submit(tasks.identity, "queued")
    executor.shutdown(wait=False)
    assert not queued.done(), "shutdown(wait=False) settled a queued call at once: %s" % _state(queued)
    for gate in gates:
        gate.open()
    assert queued.result(BOUND) == "queued"


@pytest.mark.clause("Executor.shutdown/repeat")
def test_shutdown_twice_does_nothing(pool):
    executor = pool()
    executor.shutdown(wait=True)
    executor.shutdown(wait=True)
    executor.shutdown(wait=False)


@pytest.mark.clause("Executor.shutdown/cancel-futures")
def test_shutdown_cancel_futures_cancels_queued_calls(pool):
    executor = pool(1)
    gates = occupy(pool, executor, 1)
    ran = pool.signal()
    require(executor.shutdown, "cancel_futures")
    queued = [executor.submit(tasks.mark, ran) for _ in range(3)]
    given_a_moment(queued[0])
    lacking(executor.shutdown, wait=False, cancel_futures=True)
    for gate in gates:
        gate.open()
    executor.shutdown(wait=True)
    assert all(future.cancelled() for future in queued), (
        "after shutdown(cancel_futures=True) the queued calls are %s"
        % ", ".join(_state(future) for future in queued))
    assert not ran.is_set()


@pytest.mark.clause("Executor.shutdown/cancel-futures-running")
def test_shutdown_cancel_futures_leaves_running_calls_alone(pool):
    executor = pool(1)
    require(executor.shutdown, "cancel_futures")
    gate = pool.gate()
    running = executor.submit(tasks.gated, gate, "ran")
    assert gate.entered.wait(BOUND)
    closing = InThread(lambda: lacking(executor.shutdown, wait=True, cancel_futures=True))
    assert closing.still_running()
    gate.open()
    closing.finish()
    assert running.result(0) == "ran"


@pytest.mark.clause("Executor.__enter__/returns-self", "Executor.__exit__/shutdown")
def test_with_binds_the_executor_and_shuts_it_down(pool):
    executor = pool()
    with executor as bound:
        assert bound is executor
    with pytest.raises(RuntimeError):
        executor.submit(tasks.identity, 1)


@pytest.mark.clause("Executor.__exit__/waits")
@pytest.mark.parametrize("leave", ["normally", "by-exception"])
def test_leaving_the_with_block_waits_for_the_calls(pool, leave):
    executor = pool(1)
    gates = occupy(pool, executor, 1)
    queued = executor.submit(tasks.identity, "queued")

    def leave_block():
        with executor:
            if leave == "by-exception":
                raise KeyError("left")

    closing = InThread(leave_block)
    assert closing.still_running()
    for gate in gates:
        gate.open()
    if leave == "by-exception":
        with pytest.raises(KeyError):
            closing.finish()
    else:
        closing.finish()
    assert queued.done()


@pytest.mark.clause("Executor.__exit__/propagates")
def test_with_block_exception_propagates(pool):
    error = KeyError("mine")
    with pytest.raises(KeyError) as caught:
        with pool():
            raise error
    assert caught.value is error


@pytest.mark.clause("bad-input/fn-not-callable", "bad-input/executor-usable-after")
def test_a_non_callable_fn_fails_in_its_future_and_the_executor_goes_on(pool):
    executor = pool()
    try:
        future = executor.submit(42)
    except TypeError as exc:
        pytest.fail("submit() itself refused a non-callable fn: %r" % exc, pytrace=False)
    assert isinstance(future.exception(BOUND), TypeError)
    assert executor.submit(tasks.identity, "next").result(BOUND) == "next"


def _state(future):
    if future.cancelled():
        return "cancelled"
    return "finished" if future.done() else "running" if future.running() else "pending"
