"""as_completed(): what it yields and in which order, duplicates, any
iterable, cancelled futures (yielded only once notified), and its timeout,
whose clock starts at the first next() (SPEC.md section "as_completed").

Iterations that must yield get a timeout of BOUND seconds, so that an
implementation that fails to yield raises instead of hanging the suite.
"""

import gc
import time
import weakref

import pytest

from spec_tests.support import (BOUND, TINY, cancel_and_notify, cancelled_and_notified, failed, finished,
                                in_thread, let_time_pass)


# --- the iterator and its input -------------------------------------------

@pytest.mark.clause("as_completed/lazy")
def test_input_is_read_at_the_first_next(futures):
    reads = []

    def source():
        reads.append("read")
        yield finished(futures)

    iterator = futures.as_completed(source())
    assert iter(iterator) is iterator
    assert reads == []
    next(iterator)
    assert reads == ["read"]


ITERABLES = {
    "list": list,
    "set": set,
    "generator": lambda fs: (future for future in fs),
}


@pytest.mark.clause("as_completed/any-iterable")
@pytest.mark.parametrize("kind", sorted(ITERABLES))
def test_accepts_any_iterable(futures, kind):
    fs = [finished(futures), failed(futures)]
    yielded = list(futures.as_completed(ITERABLES[kind](fs), timeout=BOUND))
    assert sorted(yielded, key=id) == sorted(fs, key=id)


@pytest.mark.clause("as_completed/empty")
@pytest.mark.parametrize("timeout", [None, 0])
def test_no_futures_ends_at_once(futures, timeout):
    assert list(futures.as_completed([], timeout=timeout)) == []


# --- what is yielded, and when -------------------------------------------

@pytest.mark.clause("as_completed/finished-first")
def test_futures_complete_at_the_start_come_first(futures):
    late = futures.Future()
    early = [finished(futures), failed(futures), cancelled_and_notified(futures)]
    iterator = futures.as_completed([late] + early, timeout=BOUND)
    yielded = [next(iterator)]
    late.set_result(None)
    yielded += list(iterator)
    assert set(yielded[:3]) == set(early)
    assert yielded[3:] == [late]


@pytest.mark.clause("as_completed/completion-order")
def test_later_futures_come_in_completion_order(futures):
    fs = [futures.Future() for _ in range(3)]
    start = finished(futures)
    iterator = futures.as_completed(fs + [start], timeout=BOUND)
    assert next(iterator) is start
    for index in (2, 0, 1):
        fs[index].set_result(index)
    assert list(iterator) == [fs[2], fs[0], fs[1]]


@pytest.mark.parametrize("complete", [
    pytest.param(lambda future: future.set_result(None),
                 marks=pytest.mark.clause("as_completed/completion-order"), id="set_result"),
    pytest.param(cancel_and_notify, marks=pytest.mark.clause("as_completed/cancel-notified"),
                 id="cancelled-and-notified"),
])
def test_yields_a_future_completed_while_iterating(futures, timing, complete):
    """Completed by set_result(), or (see "cancelled futures" below)
    cancelled and notified."""
    start, completing = finished(futures), futures.Future()
    yielded = []

    def attach():
        iterator = futures.as_completed([start, completing], timeout=BOUND)
        yielded.append(next(iterator))
        yielded.append(iterator)

    timing.run(attach, lambda: complete(completing))
    first, iterator = yielded
    assert {first, *iterator} == {start, completing}


@pytest.mark.clause("as_completed/completion-order")
def test_wakes_for_pool_workers_in_completion_order(futures, make_executor, make_gate):
    executor = make_executor(max_workers=2)
    gates = [make_gate(), make_gate()]
    first, second = [executor.submit(gate) for gate in gates]
    iterator = futures.as_completed([first, second], timeout=BOUND)
    gates[1].open()
    assert next(iterator) is second
    gates[0].open()
    assert next(iterator) is first


@pytest.mark.clause("as_completed/each-once")
def test_duplicated_futures_are_yielded_once(futures):
    done, late = finished(futures), futures.Future()
    iterator = futures.as_completed([done, late, done, late], timeout=BOUND)
    yielded = [next(iterator)]
    late.set_result(None)
    yielded += list(iterator)
    assert yielded == [done, late]


# --- cancelled futures ---------------------------------------------------

# (A notified cancellation is yielded: test_yields_a_future_completed_while_iterating.)

@pytest.mark.clause("as_completed/cancel-alone")
def test_cancel_alone_does_not_yield_the_future(futures, timing):
    start, cancelled = finished(futures), futures.Future()
    iterators = []

    def attach():
        iterator = futures.as_completed([start, cancelled], timeout=TINY)
        assert next(iterator) is start
        iterators.append(iterator)

    timing.run(attach, cancelled.cancel)
    with pytest.raises(futures.TimeoutError):
        next(iterators[0])


# --- timeout -------------------------------------------------------------

@pytest.mark.clause("as_completed/timeout")
def test_incomplete_future_at_the_deadline_raises_timeout_error(futures):
    iterator = futures.as_completed([futures.Future()], timeout=TINY)
    with pytest.raises(futures.TimeoutError):
        next(iterator)


@pytest.mark.clause("as_completed/timeout-message")
def test_timeout_message_counts_distinct_unfinished_futures(futures):
    done, pending, other = finished(futures), futures.Future(), futures.Future()
    iterator = futures.as_completed([done, pending, pending, other], timeout=0)
    assert next(iterator) is done
    with pytest.raises(futures.TimeoutError) as raised:
        next(iterator)
    assert str(raised.value) == "2 (of 3) futures unfinished"


@pytest.mark.clause("as_completed/timeout-yields-finished")
def test_zero_timeout_still_yields_futures_complete_at_the_start(futures):
    complete = [finished(futures), failed(futures)]
    iterator = futures.as_completed([futures.Future()] + complete, timeout=0)
    assert {next(iterator), next(iterator)} == set(complete)
    with pytest.raises(futures.TimeoutError):
        next(iterator)


@pytest.mark.clause("as_completed/deadline-from-first-next")
def test_deadline_counts_from_the_first_next(futures):
    iterator = futures.as_completed([futures.Future()], timeout=TINY)
    let_time_pass(2 * TINY)
    start = time.monotonic()
    with pytest.raises(futures.TimeoutError):
        next(iterator)
    assert time.monotonic() - start >= TINY / 2, "the deadline counted from the call"


@pytest.mark.clause("as_completed/deadline-checked-first")
def test_past_deadline_raises_though_the_rest_completed(futures):
    start, late = finished(futures), futures.Future()
    iterator = futures.as_completed([start, late], timeout=TINY)
    assert next(iterator) is start
    late.set_result(None)
    let_time_pass(2 * TINY)
    with pytest.raises(futures.TimeoutError):
        next(iterator)


@pytest.mark.clause("as_completed/releases-yielded")
def test_yielded_future_is_freed_once_the_caller_drops_it(futures):
    first, second = finished(futures), futures.Future()
    watch = weakref.ref(first)
    iterator = futures.as_completed([first, second])
    del first
    assert next(iterator) is watch()
    gc.collect()
    assert watch() is None, "as_completed() still holds the future it yielded"
    second.set_result(None)
    assert list(iterator) == [second]


NAN = float("nan")


@pytest.mark.clause("as_completed/mixed-sources")
def test_futures_of_several_executors_and_none_are_yielded(futures, make_executor):
    own = futures.Future()
    first = make_executor(max_workers=1).submit(str, "first")
    second = make_executor(max_workers=1).submit(str, "second")
    own.set_result("own")
    assert set(futures.as_completed([first, own, second], timeout=BOUND)) == {first, second, own}


@pytest.mark.clause("as_completed/nan-timeout", checks_old=True)
def test_next_with_a_nan_timeout_refuses_to_wait(futures):
    done, unfinished = finished(futures), futures.Future()
    iterator = futures.as_completed([done, unfinished], timeout=NAN)
    assert next(iterator) is done
    if futures.predates("as_completed/nan-timeout"):
        waiting = in_thread(lambda: next(iterator))
        assert waiting.still_running()  # the timeout never comes
        unfinished.set_result(None)
        assert waiting.result() is unfinished
    else:
        with pytest.raises(ValueError):
            next(iterator)
