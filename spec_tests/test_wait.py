"""wait(): the (done, not_done) result, the three return_when modes, timeouts,
cancelled futures (complete for wait() only once notified), duplicates, any
iterable, and futures completed by other threads (SPEC.md section "wait").

A wait() that is expected to block runs in a background thread so that the
test can complete its futures; one that must return at once runs there too,
so that an implementation that blocks fails within BOUND seconds instead of
hanging the suite.
"""

import time

import pytest

from spec_tests.support import (BOUND, TINY, bytes_kept_per_call, busy_worker, cancel_and_notify, cancelled,
                                cancelled_and_notified, failed, finished, in_thread, pending, running)


def timed(call, *args, **kwargs):
    """Return call's result and how many seconds it took."""
    start = time.monotonic()
    result = call(*args, **kwargs)
    return result, time.monotonic() - start


def wait_while(futures, timing, fs, complete, **kwargs):
    """futures.wait(fs, **kwargs) in a thread of its own, started in this
    timing around complete(); return what it returned."""
    return timing.start(lambda: futures.wait(fs, **kwargs), complete).result()


def waits_out_its_timeout(futures, timing, complete, **kwargs):
    """Whether wait([completing, unfinished], timeout=TINY, **kwargs), with
    complete(completing) run in this timing, leaves *unfinished* not done;
    fails if the wait returns before its timeout. (Which set holds
    *completing* depends on whether its completion landed before the
    timeout: it may not on a loaded machine.)"""
    completing, unfinished = futures.Future(), futures.Future()
    waiting = timing.start(lambda: timed(futures.wait, [completing, unfinished], timeout=TINY, **kwargs),
                           lambda: complete(completing))
    result, elapsed = waiting.result()
    assert elapsed >= TINY / 2, "returned before the timeout"
    return unfinished in result.not_done


def prompt_wait(futures, fs, **kwargs):
    """futures.wait(fs, **kwargs), which must return within BOUND seconds."""
    return in_thread(lambda: futures.wait(fs, **kwargs), name="waiter").result()


# --- the result ---------------------------------------------------------

@pytest.mark.clause("wait/named-tuple")
def test_result_is_a_pair_of_sets_named_done_and_not_done(futures):
    result = futures.wait([finished(futures), futures.Future()], timeout=0)
    assert isinstance(result, tuple) and len(result) == 2
    assert result.done is result[0] and result.not_done is result[1]
    assert isinstance(result.done, set) and isinstance(result.not_done, set)


@pytest.mark.clause("wait/named-tuple-type")
def test_result_type_is_named_done_and_not_done_futures(futures):
    result = futures.wait([], timeout=0)
    assert type(result).__name__ == "DoneAndNotDoneFutures"
    assert type(result)._fields == ("done", "not_done")


@pytest.mark.clause("wait/partition")
def test_each_future_is_in_done_or_not_done_by_its_state(futures):
    complete = [finished(futures), failed(futures), cancelled_and_notified(futures)]
    incomplete = [futures.Future(), running(futures)]
    assert futures.wait(complete + incomplete, timeout=0) == (set(complete), set(incomplete))


@pytest.mark.clause("wait/empty")
def test_waiting_on_no_futures_returns_empty_sets(futures):
    assert prompt_wait(futures, []) == (set(), set())


SATISFIED_ON_ENTRY = {  # return_when -> (complete futures, incomplete futures)
    "ALL_COMPLETED": lambda futures: ([finished(futures), failed(futures)], []),
    "FIRST_COMPLETED": lambda futures: ([finished(futures)], [futures.Future()]),
    "FIRST_EXCEPTION": lambda futures: ([failed(futures)], [futures.Future()]),
}


@pytest.mark.clause("wait/already-satisfied")
@pytest.mark.parametrize("return_when", sorted(SATISFIED_ON_ENTRY))
def test_returns_at_once_when_already_satisfied(futures, return_when):
    complete, incomplete = SATISFIED_ON_ENTRY[return_when](futures)
    result = prompt_wait(futures, complete + incomplete, return_when=getattr(futures, return_when))
    assert result == (set(complete), set(incomplete))


# --- return_when, with futures completed while waiting -------------------

def succeed(future):
    future.set_result(None)


def fail(future):
    future.set_exception(ValueError("failed"))


@pytest.mark.parametrize("return_when, completions", [
    pytest.param(None, (succeed, fail), marks=pytest.mark.clause("wait/all-completed"), id="default"),
    pytest.param("FIRST_EXCEPTION", (succeed, succeed), marks=pytest.mark.clause("wait/first-exception-else-all"),
                 id="FIRST_EXCEPTION-all-succeed"),
])
def test_returns_when_every_future_completes(futures, timing, return_when, completions):
    """return_when left at its default (ALL_COMPLETED), or FIRST_EXCEPTION
    while no future fails."""
    fs = [futures.Future(), futures.Future()]
    asked = {} if return_when is None else {"return_when": getattr(futures, return_when)}

    def complete():
        for future, completion in zip(fs, completions):
            completion(future)

    assert wait_while(futures, timing, fs, complete, **asked) == (set(fs), set())


@pytest.mark.clause("wait/all-completed")
def test_all_completed_keeps_waiting_while_one_is_pending(futures, timing):
    assert waits_out_its_timeout(futures, timing, succeed)


@pytest.mark.parametrize("return_when, complete", [
    pytest.param("FIRST_COMPLETED", succeed, marks=pytest.mark.clause("wait/first-completed")),
    pytest.param("FIRST_EXCEPTION", fail, marks=pytest.mark.clause("wait/first-exception")),
])
def test_first_completed_or_exception_returns_when_one_future_does_so(futures, timing, return_when, complete):
    completing, pending = futures.Future(), futures.Future()
    result = wait_while(futures, timing, [completing, pending], lambda: complete(completing),
                        return_when=getattr(futures, return_when))
    assert result == ({completing}, {pending})


@pytest.mark.clause("wait/first-exception-else-all")
def test_first_exception_keeps_waiting_past_results(futures, timing):
    assert waits_out_its_timeout(futures, timing, succeed, return_when=futures.FIRST_EXCEPTION)


@pytest.mark.clause("wait/first-exception-ignores-cancel")
def test_first_exception_keeps_waiting_past_a_cancellation(futures, timing):
    assert waits_out_its_timeout(futures, timing, cancel_and_notify, return_when=futures.FIRST_EXCEPTION)


# --- cancelled futures ---------------------------------------------------

@pytest.mark.clause("wait/cancel-alone")
def test_cancel_alone_leaves_the_future_not_done(futures, timing):
    future = futures.Future()
    result = wait_while(futures, timing, [future], future.cancel, timeout=TINY,
                        return_when=futures.FIRST_COMPLETED)
    assert result == (set(), {future})


@pytest.mark.clause("wait/cancel-notified")
def test_notified_cancellation_is_done(futures, timing):
    future = futures.Future()
    assert wait_while(futures, timing, [future], lambda: cancel_and_notify(future)) == ({future}, set())


@pytest.mark.clause("wait/pool-notifies-cancelled")
def test_pool_worker_makes_a_cancelled_queued_future_done(futures, make_executor):
    executor = make_executor(max_workers=1)
    with busy_worker(executor):  # occupies the only worker
        queued = executor.submit(int)
        assert queued.cancel()
    assert futures.wait([queued], timeout=BOUND) == ({queued}, set())


@pytest.mark.clause("wait/shutdown-cancelled")
def test_future_cancelled_by_shutdown_stays_not_done(futures, make_executor):
    executor = make_executor(max_workers=1)
    with busy_worker(executor):
        queued = executor.submit(int)
        executor.shutdown(wait=False, cancel_futures=True)
    executor.shutdown(wait=True)
    assert queued.cancelled()
    assert futures.wait([queued], timeout=0) == (set(), {queued})


# --- timeouts ------------------------------------------------------------

@pytest.mark.clause("wait/timeout")
def test_timeout_returns_what_completed_so_far(futures):
    done, pending = finished(futures), futures.Future()
    result, elapsed = timed(futures.wait, [done, pending], timeout=TINY)
    assert result == ({done}, {pending})
    assert elapsed >= TINY / 2, "returned before the timeout"


@pytest.mark.clause("wait/timeout-nonpositive")
@pytest.mark.parametrize("timeout", [0, -1])
def test_nonpositive_timeout_reports_the_current_state(futures, timeout):
    done, pending = finished(futures), futures.Future()
    assert prompt_wait(futures, [done, pending], timeout=timeout) == ({done}, {pending})


@pytest.mark.clause("wait/timeout-leaves-nothing")
@pytest.mark.parametrize("make", [pending, cancelled], ids=["pending", "cancelled-not-notified"])
def test_wait_timing_out_again_and_again_does_not_grow_the_future(futures, make):
    future = make(futures)
    assert bytes_kept_per_call(lambda: futures.wait([future], timeout=0)) < 8


# --- the futures given ---------------------------------------------------

@pytest.mark.clause("wait/duplicates", checks_old=True)
def test_duplicate_futures_are_counted_once(futures):
    done = finished(futures)
    if futures.predates("wait/duplicates"):
        result, elapsed = timed(futures.wait, [done, done], timeout=TINY)
        assert elapsed >= TINY / 2, "3.8 waits for the second copy until the timeout"
    else:
        result = prompt_wait(futures, [done, done])
    assert result == ({done}, set())


@pytest.mark.clause("wait/any-iterable")
def test_accepts_a_generator(futures):
    done, pending = finished(futures), futures.Future()
    result = futures.wait((future for future in [done, pending]), timeout=0)
    assert result == ({done}, {pending})


@pytest.mark.clause("wait/mixed-sources")
def test_waits_on_futures_from_different_executors_and_none(futures, make_executor):
    fs = [make_executor(max_workers=1).submit(int) for _ in range(2)] + [finished(futures)]
    assert prompt_wait(futures, fs) == (set(fs), set())


@pytest.mark.clause("wait/invalid-return-when")
def test_unknown_return_when_raises_value_error(futures):
    with pytest.raises(ValueError):
        futures.wait([futures.Future()], timeout=0, return_when="NEVER")


@pytest.mark.clause("wait/invalid-return-when-unchecked")
@pytest.mark.parametrize("complete", [0, 2], ids=["no-futures", "all-complete"])
def test_unknown_return_when_is_accepted_without_blocking(futures, complete):
    fs = [finished(futures) for _ in range(complete)]
    assert prompt_wait(futures, fs, return_when="NEVER") == (set(fs), set())


NAN = float("nan")


@pytest.mark.clause("wait/nan-timeout", checks_old=True)
def test_wait_with_a_nan_timeout_refuses_to_block(futures):
    future = futures.Future()
    if futures.predates("wait/nan-timeout"):
        assert futures.wait([future], timeout=NAN) == (set(), {future})
    else:
        with pytest.raises(ValueError):
            futures.wait([future], timeout=NAN)


@pytest.mark.clause("wait/nan-timeout", checks_old=True)
def test_wait_with_a_nan_timeout_returns_when_already_met(futures):
    done = finished(futures)
    assert futures.wait([done, futures.Future()], timeout=NAN, return_when=futures.FIRST_COMPLETED).done == {done}


def refused_wait(futures, future, timeout, error):
    """A call of wait() on *future* that must raise *error*. (Caught here
    rather than by pytest.raises, which keeps some bytes of its own per use
    and would make any call look as if it left something behind.)"""
    def call():
        try:
            futures.wait([future], timeout=timeout)
        except error:
            return
        raise AssertionError("wait() took timeout=%r" % timeout)

    return call


@pytest.mark.clause("wait/raising-wait-keeps-waiter")
def test_a_wait_that_raises_leaves_the_futures_larger(futures):
    future = futures.Future()
    assert bytes_kept_per_call(refused_wait(futures, future, float("inf"), OverflowError), times=200) >= 8


@pytest.mark.clause("wait/raising-wait-keeps-waiter")
@pytest.mark.clause("wait/nan-timeout", checks_old=True)
def test_a_wait_that_refuses_a_nan_timeout_leaves_the_futures_larger(futures):
    future = futures.Future()
    if futures.predates("wait/nan-timeout"):
        # Before the refusal, such a wait returned at once, and a wait that
        # returns takes its bookkeeping back.
        assert bytes_kept_per_call(lambda: futures.wait([future], timeout=NAN), times=200) < 8
        return
    assert bytes_kept_per_call(refused_wait(futures, future, NAN, ValueError), times=200) >= 8
