"""Executor profile: map (order, zip, exceptions, timeout, buffersize, an
abandoned iterator) over the executor's workers."""

import itertools
import time

import pytest

from spec_tests.executors import tasks
from spec_tests.executors.helpers import (
    BOUND, IN_NEXT, TINY, given_a_moment, lacking, queued_probe, require, timeout_errors)


@pytest.mark.clause("Executor.map/order")
def test_map_yields_in_input_order_whatever_finishes_first(pool):
    executor = pool(2)
    first = pool.signal()
    # the first call waits for the second one to have finished
    results = executor.map(tasks.wait_then, [first, None], ["first", "second"])
    executor.submit(tasks.identity, None).result(BOUND)
    first.set()
    assert list(results) == ["first", "second"]


@pytest.mark.clause("Executor.map/zip")
def test_map_zips_iterables_and_stops_at_the_shortest(pool):
    assert list(pool().map(tasks.add, [1, 2, 3], [10, 20])) == [11, 22]


@pytest.mark.clause("Executor.map/exception")
def test_map_raises_a_calls_exception_at_its_position(pool):
    results = pool().map(tasks.fail_on, [1, 2, 3], [2, 2, 2])
    assert next(results) == 1
    with pytest.raises(ValueError):
        next(results)


@pytest.mark.clause("Executor.map/after-shutdown")
def test_map_after_shutdown_raises_at_the_call(pool):
    executor = pool()
    executor.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        executor.map(tasks.identity, [1])
        pytest.fail("map() on a shut-down executor returned instead of raising RuntimeError")


@pytest.mark.clause("Executor.map/timeout")
def test_map_raises_timeout_error_for_a_late_result(pool):
    gate = pool.gate()
    executor = pool(1)
    errors = timeout_errors(executor.submit(tasks.identity, None))
    results = lacking(executor.map, tasks.gated, [gate], timeout=IN_NEXT)
    with pytest.raises(errors):
        next(results)


@pytest.mark.clause("Executor.map/timeout-from-call")
def test_map_timeout_counts_from_the_map_call(pool):
    """Once map()'s deadline has passed, next() on a call that is still
    blocked raises TimeoutError without waiting for the call: the gate opens
    only after next() raised, so an iterator that waited for the call hangs
    here until pytest-timeout ends the test. How soon next() raises is not
    asserted (a fresh allowance per next() differs from "at once" only by
    the clock, and a bound on the clock breaks on a loaded machine)."""
    gate = pool.gate()
    executor = pool(1)
    errors = timeout_errors(executor.submit(tasks.identity, None))
    results = lacking(executor.map, tasks.gated, [gate], timeout=TINY)
    assert gate.entered.wait(BOUND), "the call never started"  # a queued one would be cancelled
    deadline = time.monotonic() + TINY  # counted from map()'s return: surely past its own
    while time.monotonic() < deadline:  # let the clock pass map()'s deadline
        time.sleep(deadline - time.monotonic())
    with pytest.raises(errors):
        next(results)
    gate.open()
    assert gate.left.wait(BOUND), "the call never finished"


@pytest.mark.clause("Executor.map/abandon-cancels")
def test_abandoned_map_iterator_cancels_calls_not_started(pool):
    executor = pool(1)
    workers = pool.workers(1)
    started, opened = pool.counter(), pool.signal()
    # Call 0 returns; the others block, so every worker holds one and two wait.
    # Which ones the workers hold does not matter (dask, for one, does not
    # start a map's calls in order): only how many ever start.
    calls = 1 + workers + 2
    results = executor.map(tasks.count_in_and_wait, [started] * calls, [opened] * calls, range(calls))
    assert next(results) == 0
    assert started.reached(workers), "the workers never took up the calls"
    probe = queued_probe(pool, executor)  # queued behind the blocked calls
    given_a_moment(probe)  # lets an executor that takes calls up early show it
    results.close()
    given_a_moment(probe)  # lets a cancellation that travels (to a scheduler) arrive
    opened.set()
    executor.shutdown(wait=True)
    assert started.value() == workers, "a call not started when the iterator was closed still ran"


def _counted(pulled, count):
    for index in itertools.count() if count is None else range(count):
        pulled.append(index)
        yield index


@pytest.mark.clause("Executor.map/buffersize-lazy")
def test_map_with_buffersize_takes_only_that_many_items(pool):
    pulled = []
    executor = pool(1)
    require(executor.map, "buffersize")
    # a finite input: an executor that ignores buffersize reads all of it, not forever
    results = lacking(executor.map, tasks.identity, _counted(pulled, 50), buffersize=2)
    assert len(pulled) == 2, "map(buffersize=2) read %d items of its input" % len(pulled)
    assert next(results) == 0
    assert len(pulled) == 3
    results.close()


@pytest.mark.clause("Executor.map/buffersize-order")
def test_map_with_buffersize_keeps_order_and_maps_everything(pool):
    executor = pool(2)
    require(executor.map, "buffersize")
    results = lacking(executor.map, tasks.identity, range(7), buffersize=2)
    assert list(results) == list(range(7))


@pytest.mark.clause("Executor.map/buffersize-value")
def test_map_rejects_a_buffersize_below_one(pool):
    executor = pool()
    require(executor.map, "buffersize")
    with pytest.raises(ValueError):
        lacking(executor.map, tasks.identity, [1], buffersize=0)


@pytest.mark.clause("bad-input/not-iterable")
def test_map_over_a_non_iterable_raises_type_error_at_the_call(pool):
    with pytest.raises(TypeError):
        pool().map(tasks.identity, 42)
