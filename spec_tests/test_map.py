"""Executor.map, checked on ThreadPoolExecutor: results in input order,
eager consumption of the input (bounded by ``buffersize`` since 3.14),
exceptions and timeouts surfacing during iteration, and cancellation of the
calls that an ended or abandoned iteration no longer needs."""

import gc
import itertools
import threading
import time
import weakref

import pytest

from spec_tests.support import BOUND, TINY, busy_worker, in_thread


def call(task):
    return task()


def recorder(pulled):
    """An endless input that appends each item to *pulled* as it is taken."""
    for item in itertools.count():
        pulled.append(item)
        yield item


def check(item):
    if item == 1:
        raise ValueError(item)
    return item


# --- results ----------------------------------------------------------------

@pytest.mark.clause("Executor.map/order")
def test_map_yields_results_in_input_order(futures, make_executor, make_gate):
    gates = [make_gate() for _ in range(3)]
    results = make_executor(max_workers=3).map(lambda g, value: g(value), gates, "abc")
    for each in reversed(gates):  # the last call finishes first
        each.open()
        assert each.left.wait(BOUND)
    assert list(results) == ["a", "b", "c"]


@pytest.mark.clause("Executor.map/zip")
def test_map_zips_the_iterables_and_stops_at_the_shortest(futures, make_executor):
    results = make_executor(max_workers=2).map(pow, [2, 3, 4], [5, 6])
    assert list(results) == [32, 729]


@pytest.mark.clause("Executor.map/eager")
def test_map_takes_the_whole_input_at_call_time(futures, make_executor):
    pulled = []
    make_executor(max_workers=1).map(str, itertools.islice(recorder(pulled), 5))
    assert pulled == [0, 1, 2, 3, 4]


@pytest.mark.clause("Executor.map/eager")
def test_map_starts_the_calls_without_iteration(futures, make_executor):
    ran = [threading.Event() for _ in range(3)]
    results = make_executor(max_workers=1).map(threading.Event.set, ran)
    assert all(event.wait(BOUND) for event in ran)
    assert list(results) == [None, None, None]


@pytest.mark.clause("Executor.map/concurrent")
def test_map_runs_calls_at_the_same_time(futures, make_executor):
    barrier = threading.Barrier(3, timeout=BOUND)
    results = make_executor(max_workers=3).map(lambda _: barrier.wait(), range(3))
    assert sorted(results) == [0, 1, 2]


@pytest.mark.clause("Executor.map/chunksize-ignored")
def test_map_accepts_and_ignores_chunksize(futures, make_executor):
    results = make_executor(max_workers=2).map(repr, range(5), chunksize=2)
    assert list(results) == ["0", "1", "2", "3", "4"]


@pytest.mark.clause("Executor.map/after-shutdown")
def test_map_after_shutdown_raises_runtime_error(futures, make_executor):
    executor = make_executor(max_workers=1)
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.map(str, [1])


# --- exceptions -------------------------------------------------------------

@pytest.mark.clause("Executor.map/exception")
def test_map_raises_a_call_exception_when_iteration_reaches_it(futures, make_executor):
    results = make_executor(max_workers=1).map(check, range(3))
    assert next(results) == 0
    with pytest.raises(ValueError):
        next(results)


@pytest.mark.clause("Executor.map/error-ends")
def test_map_iteration_is_over_after_a_call_exception(futures, make_executor):
    results = make_executor(max_workers=1).map(check, range(3))
    next(results)
    with pytest.raises(ValueError):
        next(results)
    assert list(results) == []


@pytest.mark.clause("Executor.map/error-ends")
def test_map_cancels_calls_not_started_after_a_call_exception(futures, make_executor, make_gate):
    executor = make_executor(max_workers=1)
    blocker = make_gate()
    late_calls = []

    def fail():
        raise ValueError("first")

    results = executor.map(call, [fail, blocker, lambda: late_calls.append("late")])
    with pytest.raises(ValueError):
        next(results)
    blocker.open()
    executor.shutdown(wait=True)
    assert late_calls == []


# --- timeout ----------------------------------------------------------------

def map_timed_out_behind_a_busy_worker(futures, make_executor, items):
    """map() *items* onto a one-worker executor whose worker is busy, until
    the first next() times out; then let the worker go and shut down.
    Return the items the calls were made with."""
    executor = make_executor(max_workers=1)
    calls = []
    with busy_worker(executor):
        results = executor.map(calls.append, items, timeout=TINY)
        with pytest.raises(futures.TimeoutError):
            next(results)
    executor.shutdown(wait=True)
    return calls


@pytest.mark.clause("Executor.map/timeout")
def test_map_raises_timeout_error_for_a_late_result(futures, make_executor, make_gate):
    results = make_executor(max_workers=1).map(call, [make_gate()], timeout=TINY)
    with pytest.raises(futures.TimeoutError):
        next(results)


@pytest.mark.clause("Executor.map/timeout")
def test_map_waits_for_a_call_that_finishes_within_the_timeout(futures, make_executor, make_gate):
    task = make_gate()
    results = make_executor(max_workers=1).map(task, ["in time"], timeout=BOUND)
    taking = in_thread(lambda: next(results), name="next")
    assert taking.still_running(), "next() returned before the call did"
    task.open()
    assert taking.result() == "in time"


class Clock:
    """A stand-in for time.monotonic() that moves only when told to. Both
    implementations read the clock through the time module, while a wait
    (a lock's timeout) is measured by the real clock."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.clause("Executor.map/timeout-from-call")
def test_map_timeout_counts_from_the_map_call(futures, make_executor, make_gate, monkeypatch):
    """Once map()'s deadline is past, next() raises at once. A next() that
    counted the timeout from itself would wait for it, far beyond BOUND,
    and the join below would fail."""
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock)
    results = make_executor(max_workers=1).map(call, [make_gate()], timeout=3 * BOUND)
    clock.now += 3 * BOUND + 1  # map()'s deadline is past
    taking = in_thread(lambda: next(results))
    with pytest.raises(futures.TimeoutError):
        taking.result()


@pytest.mark.clause("Executor.map/timeout-cancels", checks_old=True)
def test_map_cancels_the_call_that_timed_out(futures, make_executor):
    calls = map_timed_out_behind_a_busy_worker(futures, make_executor, ["timed out"])
    if futures.predates("Executor.map/timeout-cancels"):
        assert calls == ["timed out"]
    else:
        assert calls == []


@pytest.mark.clause("Executor.map/error-ends")
def test_map_cancels_later_calls_after_a_timeout(futures, make_executor):
    calls = map_timed_out_behind_a_busy_worker(futures, make_executor, ["timed out", "later"])
    assert "later" not in calls


# --- abandoning the iterator ------------------------------------------------

@pytest.mark.parametrize("abandon", [
    pytest.param("close", marks=pytest.mark.clause("Executor.map/abandon-cancels")),
    pytest.param("drop", marks=pytest.mark.clause("Executor.map/abandon-cancels-on-drop")),
])
def test_abandoned_map_iterator_cancels_calls_not_started(futures, make_executor, make_gate, abandon):
    executor = make_executor(max_workers=1)
    blocker = make_gate()
    late_calls = []
    results = executor.map(call, [lambda: "first", blocker, lambda: late_calls.append("late")])
    assert next(results) == "first"
    if abandon == "close":
        results.close()
    else:
        del results
    blocker.open()
    executor.shutdown(wait=True)
    assert late_calls == []


# --- buffersize -------------------------------------------------------------

@pytest.mark.clause("Executor.map/buffersize-lazy")
@pytest.mark.parametrize("size", [1, 2])
def test_map_with_buffersize_takes_only_that_many_items_at_call_time(futures, make_executor, size):
    pulled = []
    make_executor(max_workers=1).map(str, recorder(pulled), buffersize=size)
    assert pulled == list(range(size))


@pytest.mark.clause("Executor.map/buffersize-lazy")
def test_map_with_buffersize_takes_one_more_item_per_next(futures, make_executor):
    pulled = []
    results = make_executor(max_workers=1).map(str, recorder(pulled), buffersize=2)
    taken = []
    for _ in range(3):
        next(results)
        taken.append(len(pulled))
    assert taken == [3, 4, 5]


@pytest.mark.clause("Executor.map/buffersize-order")
def test_map_with_buffersize_yields_results_in_input_order(futures, make_executor, make_gate):
    gates = [make_gate() for _ in range(3)]
    results = make_executor(max_workers=2).map(
        lambda g, value: g(value), gates, "abc", buffersize=2)
    gates[1].open()  # the second call finishes first
    assert gates[1].left.wait(BOUND)
    gates[0].open()
    gates[2].open()
    assert list(results) == ["a", "b", "c"]


@pytest.mark.clause("Executor.map/buffersize-value")
@pytest.mark.parametrize("size", [0, -1])
def test_map_rejects_buffersize_below_one(futures, make_executor, size):
    with pytest.raises(ValueError):
        make_executor(max_workers=1).map(str, [1], buffersize=size)


@pytest.mark.clause("Executor.map/buffersize-type", checks_old=True)
@pytest.mark.parametrize("size", [1.5, "2"])
def test_map_rejects_a_buffersize_that_is_not_an_int(futures, make_executor, size):
    """Older CPythons raise TypeError too, but for the unknown keyword."""
    with pytest.raises(TypeError) as caught:
        make_executor(max_workers=1).map(str, [1], buffersize=size)
    unknown_keyword = "unexpected keyword" in str(caught.value)
    assert unknown_keyword is futures.predates("Executor.map/buffersize-type")


class CallFailed(Exception):
    """A call's exception, which (unlike a builtin one) takes weak references."""


def fail(_):
    raise CallFailed()


@pytest.mark.clause("Executor.map/frees-exception")
def test_map_error_is_freed_by_refcount_once_dropped(futures, make_executor):
    executor = make_executor(max_workers=1)
    results = executor.map(fail, [1])
    gc.disable()
    try:
        try:
            next(results)
        except CallFailed as error:
            alive = weakref.ref(error)
        executor.shutdown(wait=True)  # the worker is done with the call
        assert alive() is None
    finally:
        gc.enable()


NAN = float("nan")


def failing_after(items, error):
    """The items, then *error* raised by the input itself."""
    yield from items
    raise error


@pytest.mark.clause("Executor.map/options-keyword-only")
def test_a_further_positional_argument_is_one_more_iterable(futures, make_executor):
    assert list(make_executor(max_workers=1).map(pow, [2], [10], [1000])) == [24]


@pytest.mark.clause("Executor.map/options-keyword-only")
def test_a_positional_timeout_is_taken_for_an_iterable(futures, make_executor):
    with pytest.raises(TypeError):
        make_executor(max_workers=1).map(str, [1], 5)


@pytest.mark.clause("Executor.map/input-raises")
def test_an_input_that_raises_fails_map_and_the_calls_before_it_run(futures, make_executor):
    executor = make_executor(max_workers=1)
    ran = []
    with pytest.raises(KeyError):
        executor.map(ran.append, failing_after([0, 1], KeyError("input")))
    executor.shutdown(wait=True)
    assert ran == [0, 1]


@pytest.mark.clause("Executor.map/nan-timeout", checks_old=True)
def test_map_with_a_nan_timeout_refuses_to_wait_and_cancels_the_rest(futures, make_executor, make_gate):
    gate, ran = make_gate(), []
    executor = make_executor(max_workers=1)
    results = executor.map(lambda task: task(), [gate, lambda: ran.append("second")], timeout=NAN)
    assert gate.entered.wait(BOUND)
    old = futures.predates("Executor.map/nan-timeout")
    with pytest.raises(futures.TimeoutError if old else ValueError):
        next(results)
    with pytest.raises(StopIteration):
        next(results)
    gate.open()
    executor.shutdown(wait=True)
    assert ran == []


@pytest.mark.clause("Executor.map/abandon-unstarted")
@pytest.mark.parametrize("abandon", ["close", "drop"])
def test_abandoning_an_unstarted_iterator_cancels_nothing(futures, make_executor, make_gate, abandon):
    gate, ran = make_gate(), []
    executor = make_executor(max_workers=1)
    executor.submit(gate)  # holds the worker: every call below stays queued
    results = executor.map(ran.append, range(3))
    if abandon == "close":
        results.close()
    del results
    gc.collect()
    gate.open()
    executor.shutdown(wait=True)
    assert ran == [0, 1, 2]


@pytest.mark.clause("Executor.map/buffersize-in-flight")
def test_next_submits_one_more_call_before_it_waits(futures, make_executor, make_gate):
    pulled, third = [], threading.Event()

    def items():
        for item in recorder(pulled):
            if item == 2:
                third.set()
            yield item

    gate = make_gate()
    results = make_executor(max_workers=4).map(
        lambda item: gate(item) if item == 0 else item, items(), buffersize=2)
    assert pulled == [0, 1]
    waiting = in_thread(lambda: next(results))
    assert third.wait(BOUND)  # the third item is taken and submitted...
    assert waiting.still_running()  # ...while next() still waits for the first call
    gate.open()
    assert (waiting.result(), pulled) == (0, [0, 1, 2])


@pytest.mark.clause("Executor.map/buffersize-input-raises")
def test_buffered_input_that_raises_ends_the_iteration_and_cancels_queued_calls(futures, make_executor, make_gate):
    gates = [make_gate(), make_gate()]
    ran = []

    def run(item):
        ran.append(item)
        if item < 2:
            gates[item]()
        return item

    results = make_executor(max_workers=1).map(run, failing_after([0, 1, 2], KeyError("input")), buffersize=2)
    gates[0].open()
    assert next(results) == 0  # submitted the call of item 2, queued behind 1
    assert gates[1].entered.wait(BOUND)
    with pytest.raises(KeyError):
        next(results)  # reads past item 2
    with pytest.raises(StopIteration):
        next(results)
    gates[1].open()
    assert ran == [0, 1]  # item 2's call was cancelled


@pytest.mark.clause("Executor.map/buffersize-keeps-executor")
def test_a_started_buffered_iterator_keeps_its_executor(futures):
    executor = futures.ThreadPoolExecutor(max_workers=1)
    results = executor.map(str, range(4), buffersize=1)
    assert next(results) == "0"
    alive = weakref.ref(executor)
    del executor
    gc.collect()
    assert alive() is not None
    assert list(results) == ["1", "2", "3"]
    del results
    gc.collect()
    assert alive() is None


@pytest.mark.clause("Executor.map/buffersize-keeps-executor")
def test_an_unstarted_buffered_iterator_lets_its_executor_go(futures):
    executor = futures.ThreadPoolExecutor(max_workers=1)
    results = executor.map(str, range(4), buffersize=1)
    alive = weakref.ref(executor)
    del executor
    gc.collect()
    assert alive() is None
    del results


@pytest.mark.clause("Executor.map/buffersize-executor-dropped")
def test_a_buffered_map_whose_executor_was_freed_stops_after_its_first_calls(futures):
    executor = futures.ThreadPoolExecutor(max_workers=1)
    results = executor.map(str, range(6), buffersize=2)
    del executor
    gc.collect()
    assert list(results) == ["0", "1"]


@pytest.mark.clause("Executor.map/buffersize-shutdown")
def test_a_buffered_map_raises_once_its_executor_is_shut_down(futures, make_executor):
    executor = make_executor(max_workers=1)
    results = executor.map(str, range(6), buffersize=2)
    assert next(results) == "0"
    executor.shutdown(wait=True)  # "1" is computed, and lost
    with pytest.raises(RuntimeError):
        next(results)
    with pytest.raises(StopIteration):
        next(results)


@pytest.mark.clause("Executor.map/buffersize-shutdown")
def test_a_buffered_map_shut_down_before_its_first_next_yields_nothing(futures, make_executor):
    executor = make_executor(max_workers=1)
    results = executor.map(str, range(6), buffersize=2)
    executor.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        next(results)
