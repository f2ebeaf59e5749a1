"""Executor profile: done callbacks on the executor's futures, and wait /
as_completed over them (with the module that goes with those futures)."""

import logging
import threading

import pytest

from spec_tests.executors import tasks
from spec_tests.executors.helpers import BOUND, TINY, given_a_moment, lacking, module_of, occupy, require


@pytest.mark.clause("Future.add_done_callback/order")
def test_callbacks_run_in_the_order_they_were_added(pool):
    gate = pool.gate()
    future = pool(1).submit(tasks.gated, gate)
    seen, all_ran = [], threading.Event()
    for index in range(5):
        future.add_done_callback(lambda _, index=index: seen.append(index))
    future.add_done_callback(lambda _: all_ran.set())
    gate.open()
    assert all_ran.wait(BOUND)
    assert seen == [0, 1, 2, 3, 4]


@pytest.mark.clause("Future.add_done_callback/done-future-immediate")
def test_a_callback_on_a_done_future_runs_at_once(pool):
    future = pool().submit(tasks.identity, 1)
    future.result(BOUND)
    seen = []
    future.add_done_callback(seen.append)
    assert seen == [future]


@pytest.mark.clause("Future.add_done_callback/exception-logged")
def test_a_callbacks_exception_is_logged(pool, caplog):
    future = pool().submit(tasks.identity, 1)
    future.result(BOUND)
    error = ZeroDivisionError("in callback")

    def raising(_):
        raise error

    with caplog.at_level(logging.ERROR, logger="concurrent.futures"):
        future.add_done_callback(raising)
    records = [r for r in caplog.records if r.exc_info and r.exc_info[1] is error]
    assert len(records) == 1 and records[0].name == "concurrent.futures", caplog.records


@pytest.mark.clause("Executor.__exit__/waits")
def test_callbacks_have_run_when_the_with_block_is_left(pool):
    seen = []
    with pool(2) as executor:
        for value in range(4):
            executor.submit(tasks.identity, value).add_done_callback(
                lambda future: seen.append(future.result()))
    assert sorted(seen) == [0, 1, 2, 3]


@pytest.mark.clause("wait/all-completed")
def test_wait_returns_every_future_done(pool):
    executor = pool(2)
    fs = [executor.submit(tasks.identity, value) for value in range(3)]
    done, not_done = module_of(fs[0]).wait(fs, timeout=BOUND)
    assert done == set(fs) and not not_done


@pytest.mark.clause("wait/first-completed")
def test_wait_first_completed_returns_when_one_is_done(pool):
    executor = pool(2)
    gate = pool.gate()
    slow = executor.submit(tasks.gated, gate)
    quick = executor.submit(tasks.identity, 1)
    cf = module_of(quick)
    done, not_done = cf.wait([slow, quick], timeout=BOUND, return_when=cf.FIRST_COMPLETED)
    assert done == {quick} and not_done == {slow}


@pytest.mark.clause("wait/first-exception")
def test_wait_first_exception_returns_on_a_failure(pool):
    executor = pool(2)
    gate = pool.gate()
    slow = executor.submit(tasks.gated, gate)
    failing = executor.submit(tasks.fail)
    cf = module_of(failing)
    done, not_done = cf.wait([slow, failing], timeout=BOUND, return_when=cf.FIRST_EXCEPTION)
    assert done == {failing} and not_done == {slow}


@pytest.mark.clause("wait/timeout")
def test_wait_with_a_timeout_returns_the_unfinished(pool):
    gate = pool.gate()
    slow = pool(1).submit(tasks.gated, gate)
    done, not_done = module_of(slow).wait([slow], timeout=TINY)
    assert not done and not_done == {slow}


@pytest.mark.clause("wait/shutdown-cancelled")
def test_wait_keeps_a_future_cancelled_by_shutdown_in_not_done(pool):
    """The last of three queued calls: a process pool hands the first ones
    to its workers early (Future.cancel/pending), not this one. A process
    pool cancels in its manager thread, after shutdown(wait=False) returned:
    the test looks once shutdown(wait=True) has returned."""
    executor = pool(1)
    gates = occupy(pool, executor, 1)
    require(executor.shutdown, "cancel_futures")
    last = [executor.submit(tasks.identity, value) for value in range(3)][-1]
    given_a_moment(last)
    lacking(executor.shutdown, wait=False, cancel_futures=True)
    for gate in gates:
        gate.open()
    executor.shutdown(wait=True)
    assert last.cancelled(), "shutdown(cancel_futures=True) did not cancel the last queued call: %r" % (last,)
    done, not_done = module_of(last).wait([last], timeout=TINY)
    assert not_done == {last}, (
        "wait() counts a future cancelled by shutdown(cancel_futures=True) as done: it was notified")


@pytest.mark.clause("as_completed/completion-order", "as_completed/each-once")
def test_as_completed_yields_in_completion_order(pool):
    executor = pool(2)
    gate = pool.gate()
    slow = executor.submit(tasks.gated, gate, "slow")
    quick = executor.submit(tasks.identity, "quick")
    order = []
    for future in module_of(quick).as_completed([slow, quick, quick], timeout=BOUND):
        order.append(future.result())
        gate.open()
    assert order == ["quick", "slow"]


@pytest.mark.clause("as_completed/timeout")
def test_as_completed_raises_timeout_error(pool):
    gate = pool.gate()
    slow = pool(1).submit(tasks.gated, gate)
    with pytest.raises(TimeoutError):
        next(module_of(slow).as_completed([slow], timeout=TINY))
