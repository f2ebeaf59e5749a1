"""wait(): the (done, not_done) result, the three return_when modes, timeouts,
cancelled futures (complete for wait() only once notified), duplicates, any
iterable, and futures completed by other threads (SPEC.md section "wait").

A wait() that is expected to block runs in a background thread so that the
test can complete its futures; one that must return at once runs there too,
so that an implementation that blocks fails within BOUND seconds instead of
hanging the suite.
"""

import threading
import time

import pytest

from spec_tests.support import (BOUND, TINY, bytes_kept_per_call, cancel_and_notify, cancelled_and_notified,
                                failed, finished, running)


def timed(call, *args, **kwargs):
    """Return call's result and how many seconds it took."""
    start = time.monotonic()
    result = call(*args, **kwargs)
    return result, time.monotonic() - start


class BackgroundWait:
    """futures.wait(fs, **kwargs) in a daemon thread; result() joins it.
    Afterwards, elapsed is how many seconds the call took."""

    def __init__(self, futures, fs, **kwargs):
        self._outcome = []
        self.elapsed = None
        self._thread = threading.Thread(
            target=self._run, args=(futures.wait, fs, kwargs), name="waiter", daemon=True)

    def _run(self, wait, fs, kwargs):
        try:
            outcome, self.elapsed = timed(wait, fs, **kwargs)
        except BaseException as exc:
            outcome = exc
        self._outcome.append(outcome)

    def start(self):
        self._thread.start()

    def result(self):
        self._thread.join(BOUND)
        assert not self._thread.is_alive(), "wait() did not return within %s seconds" % BOUND
        outcome, = self._outcome
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def assert_waited_for_the_timeout(waiting, pending):
    """The wait lasted its whole timeout and left *pending* not done. (Which
    set holds the other future depends on whether its completion landed
    before the timeout: it may not on a loaded machine.)"""
    assert pending in waiting.result().not_done
    assert waiting.elapsed >= TINY / 2, "returned before the timeout"


def prompt_wait(futures, fs, **kwargs):
    """futures.wait(fs, **kwargs), which must return within BOUND seconds."""
    waiting = BackgroundWait(futures, fs, **kwargs)
    waiting.start()
    return waiting.result()


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

@pytest.mark.clause("wait/all-completed")
def test_all_completed_returns_when_every_future_completes(futures, timing):
    succeeding, failing = futures.Future(), futures.Future()
    waiting = BackgroundWait(futures, [succeeding, failing])

    def complete():
        succeeding.set_result(None)
        failing.set_exception(ValueError("failed"))

    timing.run(waiting.start, complete)
    assert waiting.result() == ({succeeding, failing}, set())


@pytest.mark.clause("wait/all-completed")
def test_all_completed_keeps_waiting_while_one_is_pending(futures, timing):
    completing, pending = futures.Future(), futures.Future()
    waiting = BackgroundWait(futures, [completing, pending], timeout=TINY)
    timing.run(waiting.start, lambda: completing.set_result(None))
    assert_waited_for_the_timeout(waiting, pending)


@pytest.mark.clause("wait/first-completed")
def test_first_completed_returns_when_one_future_completes(futures, timing):
    completing, pending = futures.Future(), futures.Future()
    waiting = BackgroundWait(futures, [completing, pending], return_when=futures.FIRST_COMPLETED)
    timing.run(waiting.start, lambda: completing.set_result(None))
    assert waiting.result() == ({completing}, {pending})


@pytest.mark.clause("wait/first-exception")
def test_first_exception_returns_when_one_future_fails(futures, timing):
    failing, pending = futures.Future(), futures.Future()
    waiting = BackgroundWait(futures, [failing, pending], return_when=futures.FIRST_EXCEPTION)
    timing.run(waiting.start, lambda: failing.set_exception(ValueError("failed")))
    assert waiting.result() == ({failing}, {pending})


@pytest.mark.clause("wait/first-exception-else-all")
def test_first_exception_keeps_waiting_past_results(futures, timing):
    succeeding, pending = futures.Future(), futures.Future()
    waiting = BackgroundWait(futures, [succeeding, pending], timeout=TINY,
                             return_when=futures.FIRST_EXCEPTION)
    timing.run(waiting.start, lambda: succeeding.set_result(None))
    assert_waited_for_the_timeout(waiting, pending)


@pytest.mark.clause("wait/first-exception-else-all")
def test_first_exception_returns_when_all_succeed(futures, timing):
    first, second = futures.Future(), futures.Future()
    waiting = BackgroundWait(futures, [first, second], return_when=futures.FIRST_EXCEPTION)

    def complete():
        first.set_result(None)
        second.set_result(None)

    timing.run(waiting.start, complete)
    assert waiting.result() == ({first, second}, set())


@pytest.mark.clause("wait/first-exception-ignores-cancel")
def test_first_exception_keeps_waiting_past_a_cancellation(futures, timing):
    cancelled, pending = futures.Future(), futures.Future()
    waiting = BackgroundWait(futures, [cancelled, pending], timeout=TINY,
                             return_when=futures.FIRST_EXCEPTION)
    timing.run(waiting.start, lambda: cancel_and_notify(cancelled))
    assert_waited_for_the_timeout(waiting, pending)


# --- cancelled futures ---------------------------------------------------

@pytest.mark.clause("wait/cancel-alone")
def test_cancel_alone_leaves_the_future_not_done(futures, timing):
    future = futures.Future()
    waiting = BackgroundWait(futures, [future], timeout=TINY, return_when=futures.FIRST_COMPLETED)
    timing.run(waiting.start, future.cancel)
    assert waiting.result() == (set(), {future})


@pytest.mark.clause("wait/cancel-notified")
def test_notified_cancellation_is_done(futures, timing):
    future = futures.Future()
    waiting = BackgroundWait(futures, [future])
    timing.run(waiting.start, lambda: cancel_and_notify(future))
    assert waiting.result() == ({future}, set())


@pytest.mark.clause("wait/pool-notifies-cancelled")
def test_pool_worker_makes_a_cancelled_queued_future_done(futures, make_executor):
    executor = make_executor(max_workers=1)
    release = threading.Event()
    try:
        executor.submit(release.wait, BOUND)  # occupies the only worker
        queued = executor.submit(int)
        assert queued.cancel()
    finally:
        release.set()
    assert futures.wait([queued], timeout=BOUND) == ({queued}, set())


@pytest.mark.clause("wait/shutdown-cancelled")
def test_future_cancelled_by_shutdown_stays_not_done(futures, make_executor):
    executor = make_executor(max_workers=1)
    release = threading.Event()
    try:
        executor.submit(release.wait, BOUND)
        queued = executor.submit(int)
        executor.shutdown(wait=False, cancel_futures=True)
    finally:
        release.set()
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
@pytest.mark.parametrize("cancel_first", [False, True], ids=["pending", "cancelled-not-notified"])
def test_wait_timing_out_again_and_again_does_not_grow_the_future(futures, cancel_first):
    future = futures.Future()
    if cancel_first:
        future.cancel()
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
