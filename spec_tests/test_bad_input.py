"""Wrong calls: a table of bad arguments to every public parameter, each
held to the exception type the newest CPython raises (every CPython from
3.8 raises the same type; only messages differ), and the executor still
usable afterwards. Then the bad arguments that are *not* rejected, and
what becomes of them.

Covered elsewhere, so not repeated here: max_workers below 1 and a
non-callable initializer (test_thread_pool.py), an unknown return_when and
zero or negative timeouts of result(), exception() and wait()
(test_wait.py, test_future.py), and a bad buffersize (test_map.py).
"""

import contextlib
import logging
import threading

import pytest

from spec_tests.support import BOUND, finished


@pytest.fixture
def executor(make_executor):
    return make_executor(max_workers=2)


def echo(value):
    return value


INF = float("inf")

# Each bad call, by name: a function of (futures, executor, release).
BAD_CALLS = {
    "max_workers=str": lambda futures, executor, release: futures.ThreadPoolExecutor(max_workers="4"),
    "max_workers=bytes": lambda futures, executor, release: futures.ThreadPoolExecutor(max_workers=b"4"),
    "max_workers=list": lambda futures, executor, release: futures.ThreadPoolExecutor(max_workers=[4]),
    "map-timeout=str": lambda futures, executor, release: executor.map(echo, [1], timeout="1"),
    "as_completed-timeout=str":
        lambda futures, executor, release: next(futures.as_completed([finished(futures, 1)], timeout="1")),
    "result-timeout=str": lambda futures, executor, release: futures.Future().result(timeout="1"),
    "exception-timeout=str": lambda futures, executor, release: futures.Future().exception(timeout="1"),
    "wait-timeout=str": lambda futures, executor, release: futures.wait([futures.Future()], timeout="1"),
    "result-timeout=inf": lambda futures, executor, release: futures.Future().result(timeout=INF),
    "result-timeout=1e300": lambda futures, executor, release: futures.Future().result(timeout=1e300),
    "exception-timeout=inf": lambda futures, executor, release: futures.Future().exception(timeout=INF),
    "wait-timeout=inf": lambda futures, executor, release: futures.wait([futures.Future()], timeout=INF),
    "as_completed-timeout=inf":
        lambda futures, executor, release: next(futures.as_completed([futures.Future()], timeout=INF)),
    "map-timeout=inf": lambda futures, executor, release: next(executor.map(release.wait, [BOUND], timeout=INF)),
    "result-timeout=-inf": lambda futures, executor, release: futures.Future().result(timeout=-INF),
    "as_completed-timeout=-inf":
        lambda futures, executor, release: next(futures.as_completed([futures.Future()], timeout=-INF)),
    "map-timeout=-inf": lambda futures, executor, release: next(executor.map(release.wait, [BOUND], timeout=-INF)),
    "map-timeout=0": lambda futures, executor, release: next(executor.map(release.wait, [BOUND], timeout=0)),
    "map-timeout=-1": lambda futures, executor, release: next(executor.map(release.wait, [BOUND], timeout=-1)),
    "as_completed-timeout=0": lambda futures, executor, release: next(futures.as_completed([futures.Future()], timeout=0)),
    "as_completed-timeout=-1":
        lambda futures, executor, release: next(futures.as_completed([futures.Future()], timeout=-1)),
    "wait-fs=int": lambda futures, executor, release: futures.wait(5),
    "wait-fs=None": lambda futures, executor, release: futures.wait(None),
    "as_completed-fs=int": lambda futures, executor, release: next(futures.as_completed(5)),
    "map-iterable=int": lambda futures, executor, release: executor.map(echo, 5),
    "map-second-iterable=None": lambda futures, executor, release: executor.map(pow, [2], None),
    "wait-fs-item=int": lambda futures, executor, release: futures.wait([5]),
    "wait-fs-item=int-no-timeout": lambda futures, executor, release: futures.wait([5], timeout=0),
    "as_completed-fs-item=int": lambda futures, executor, release: next(futures.as_completed([5])),
    "submit-fn=int": lambda futures, executor, release: executor.submit(5).result(BOUND),
    "submit-fn=None": lambda futures, executor, release: executor.submit(None).result(BOUND),
    "map-fn=int": lambda futures, executor, release: next(executor.map(5, [1])),
    "set_exception-str": lambda futures, executor, release: set_exception_then_result(futures, "not an exception"),
}


def set_exception_then_result(futures, exception):
    future = futures.Future()
    future.set_exception(exception)
    return future.result()


@pytest.mark.parametrize("name, error", [
    pytest.param("max_workers=str", TypeError, marks=pytest.mark.clause("bad-input/max_workers-type")),
    pytest.param("max_workers=bytes", TypeError, marks=pytest.mark.clause("bad-input/max_workers-type")),
    pytest.param("max_workers=list", TypeError, marks=pytest.mark.clause("bad-input/max_workers-type")),
    pytest.param("map-timeout=str", TypeError, marks=pytest.mark.clause("bad-input/timeout-type")),
    pytest.param("as_completed-timeout=str", TypeError, marks=pytest.mark.clause("bad-input/timeout-type")),
    pytest.param("result-timeout=str", TypeError, marks=pytest.mark.clause("bad-input/timeout-type")),
    pytest.param("exception-timeout=str", TypeError, marks=pytest.mark.clause("bad-input/timeout-type")),
    pytest.param("wait-timeout=str", TypeError, marks=pytest.mark.clause("bad-input/timeout-type")),
    pytest.param("result-timeout=inf", OverflowError, marks=pytest.mark.clause("bad-input/timeout-overflow")),
    pytest.param("result-timeout=1e300", OverflowError, marks=pytest.mark.clause("bad-input/timeout-overflow")),
    pytest.param("exception-timeout=inf", OverflowError, marks=pytest.mark.clause("bad-input/timeout-overflow")),
    pytest.param("wait-timeout=inf", OverflowError, marks=pytest.mark.clause("bad-input/timeout-overflow")),
    pytest.param("as_completed-timeout=inf", OverflowError, marks=pytest.mark.clause("bad-input/timeout-overflow")),
    pytest.param("map-timeout=inf", OverflowError, marks=pytest.mark.clause("bad-input/timeout-overflow")),
    pytest.param("result-timeout=-inf", TimeoutError, marks=pytest.mark.clause("bad-input/timeout-overflow")),
    pytest.param("as_completed-timeout=-inf", TimeoutError, marks=pytest.mark.clause("bad-input/timeout-overflow")),
    pytest.param("map-timeout=-inf", TimeoutError, marks=pytest.mark.clause("bad-input/timeout-overflow")),
    pytest.param("map-timeout=0", TimeoutError, marks=pytest.mark.clause("bad-input/timeout-nonpositive")),
    pytest.param("map-timeout=-1", TimeoutError, marks=pytest.mark.clause("bad-input/timeout-nonpositive")),
    pytest.param("as_completed-timeout=0", TimeoutError, marks=pytest.mark.clause("bad-input/timeout-nonpositive")),
    pytest.param("as_completed-timeout=-1", TimeoutError, marks=pytest.mark.clause("bad-input/timeout-nonpositive")),
    pytest.param("wait-fs=int", TypeError, marks=pytest.mark.clause("bad-input/not-iterable")),
    pytest.param("wait-fs=None", TypeError, marks=pytest.mark.clause("bad-input/not-iterable")),
    pytest.param("as_completed-fs=int", TypeError, marks=pytest.mark.clause("bad-input/not-iterable")),
    pytest.param("map-iterable=int", TypeError, marks=pytest.mark.clause("bad-input/not-iterable")),
    pytest.param("map-second-iterable=None", TypeError, marks=pytest.mark.clause("bad-input/not-iterable")),
    pytest.param("wait-fs-item=int", AttributeError, marks=pytest.mark.clause("bad-input/not-a-future")),
    pytest.param("wait-fs-item=int-no-timeout", AttributeError, marks=pytest.mark.clause("bad-input/not-a-future")),
    pytest.param("as_completed-fs-item=int", AttributeError, marks=pytest.mark.clause("bad-input/not-a-future")),
    pytest.param("submit-fn=int", TypeError, marks=pytest.mark.clause("bad-input/fn-not-callable")),
    pytest.param("submit-fn=None", TypeError, marks=pytest.mark.clause("bad-input/fn-not-callable")),
    pytest.param("map-fn=int", TypeError, marks=pytest.mark.clause("bad-input/fn-not-callable")),
    pytest.param("set_exception-str", TypeError, marks=pytest.mark.clause("bad-input/set_exception-type")),
])
def test_bad_call_raises(futures, executor, release, name, error):
    """The error is checked by type; TimeoutError stands for the module's
    (the builtin from 3.11, an own class before: each module's is used)."""
    if error is TimeoutError:
        error = futures.TimeoutError
    with pytest.raises(error):
        BAD_CALLS[name](futures, executor, release)


# Bad calls that involve the executor; it keeps working after each.
ON_THE_EXECUTOR = ["map-timeout=str", "map-timeout=0", "map-iterable=int", "map-second-iterable=None",
                   "submit-fn=int", "map-fn=int"]


@pytest.mark.clause("bad-input/executor-usable-after")
@pytest.mark.parametrize("name", ON_THE_EXECUTOR)
def test_executor_still_runs_calls_after_a_bad_call(futures, executor, release, name):
    with contextlib.suppress(Exception):
        BAD_CALLS[name](futures, executor, release)
    assert executor.submit(echo, 7).result(BOUND) == 7


@pytest.mark.clause("bad-input/executor-usable-after")
def test_executor_still_runs_calls_after_a_non_callable_callback(futures, executor, release):
    # The call waits on the release, so the callback is added to a pending future
    # and runs in the worker when the call returns.
    future = executor.submit(release.wait, BOUND)
    future.add_done_callback(5)
    release.set()
    assert future.result(BOUND) is True
    assert executor.submit(echo, 7).result(BOUND) == 7


# --- bad arguments that are not rejected -------------------------------------

@pytest.mark.clause("bad-input/max_workers-float")
def test_float_max_workers_is_accepted(futures, make_executor):
    assert make_executor(max_workers=1.5).submit(echo, 7).result(BOUND) == 7


@pytest.mark.clause("bad-input/thread_name_prefix-type")
@pytest.mark.parametrize("prefix, name", [(123, "123_0"), (b"x", "b'x'_0")])
def test_non_string_thread_name_prefix_is_formatted_into_the_name(futures, make_executor, prefix, name):
    executor = make_executor(max_workers=1, thread_name_prefix=prefix)
    assert executor.submit(lambda: threading.current_thread().name).result(BOUND) == name


@pytest.mark.clause("bad-input/thread_name_prefix-type")
@pytest.mark.parametrize("prefix", [None, 0])
def test_false_thread_name_prefix_gives_the_default_prefix(futures, make_executor, prefix):
    executor = make_executor(max_workers=1, thread_name_prefix=prefix)
    name = executor.submit(lambda: threading.current_thread().name).result(BOUND)
    assert name.startswith("ThreadPoolExecutor-") and name.endswith("_0")


@pytest.mark.clause("bad-input/initargs-type")
@pytest.mark.parametrize("initargs", [5, None])
def test_non_iterable_initargs_break_the_pool_when_a_worker_starts(futures, make_executor, initargs):
    executor = make_executor(max_workers=1, initializer=echo, initargs=initargs)
    assert isinstance(executor.submit(echo, 7).exception(BOUND), futures.BrokenThreadPool)


@pytest.mark.clause("bad-input/initargs-type")
def test_non_iterable_initargs_without_initializer_are_ignored(futures, make_executor):
    assert make_executor(max_workers=1, initargs=5).submit(echo, 7).result(BOUND) == 7


@pytest.mark.clause("bad-input/timeout-type")
def test_map_with_a_bad_timeout_submits_nothing(futures, executor):
    calls = []
    with pytest.raises(TypeError):
        executor.map(calls.append, [1], timeout="1")
    executor.shutdown(wait=True)
    assert calls == []


@pytest.mark.clause("bad-input/timeout-type")
def test_as_completed_with_a_bad_timeout_raises_only_at_the_first_next(futures):
    iterator = futures.as_completed([finished(futures, 1)], timeout="1")
    with pytest.raises(TypeError):
        next(iterator)


@pytest.mark.clause("bad-input/timeout-type")
def test_result_and_exception_of_a_done_future_ignore_a_bad_timeout(futures):
    future = finished(futures, 7)
    assert (future.result(timeout="1"), future.exception(timeout="1")) == (7, None)


@pytest.mark.clause("bad-input/timeout-type")
def test_wait_on_done_futures_ignores_a_bad_timeout(futures):
    future = finished(futures, 1)
    assert futures.wait([future], timeout="1").done == {future}


@pytest.mark.clause("bad-input/chunksize")
@pytest.mark.parametrize("chunksize", [0, -1, "2"])
def test_thread_pool_map_accepts_any_chunksize(futures, executor, chunksize):
    assert list(executor.map(echo, range(5), chunksize=chunksize)) == list(range(5))


@pytest.mark.clause("bad-input/not-iterable")
def test_as_completed_of_a_non_iterable_raises_only_at_the_first_next(futures):
    iterator = futures.as_completed(5)
    with pytest.raises(TypeError):
        next(iterator)


@pytest.mark.clause("bad-input/fn-not-callable")
def test_submit_accepts_a_non_callable_and_the_future_gets_the_type_error(futures, executor):
    assert isinstance(executor.submit(5).exception(BOUND), TypeError)


@pytest.mark.clause("bad-input/fn-not-callable")
def test_map_of_a_non_callable_over_nothing_yields_nothing(futures, executor):
    assert list(executor.map(5, [])) == []


def type_errors_logged(caplog):
    return [(record.levelno, type(record.exc_info[1])) for record in caplog.records
            if record.name == "concurrent.futures"]


@pytest.mark.clause("bad-input/callback-not-callable")
def test_non_callable_callback_on_a_pending_future_is_logged_at_completion(futures, caplog):
    future = futures.Future()
    future.add_done_callback(5)
    future.set_result(7)
    assert (future.result(), type_errors_logged(caplog)) == (7, [(logging.ERROR, TypeError)])


@pytest.mark.clause("bad-input/callback-not-callable", "Future.add_done_callback/done-future-exception-logged")
def test_non_callable_callback_on_a_done_future_is_logged_at_once(futures, caplog):
    future = finished(futures, 7)
    future.add_done_callback(5)
    assert type_errors_logged(caplog) == [(logging.ERROR, TypeError)]


@pytest.mark.clause("bad-input/set_exception-type")
def test_set_exception_keeps_a_non_exception_as_given(futures):
    future = futures.Future()
    future.set_exception("not an exception")
    assert future.exception() == "not an exception"


@pytest.mark.clause("bad-input/timeout-overflow")
def test_wait_with_a_timeout_of_minus_infinity_returns_at_once(futures):
    future = futures.Future()
    assert futures.wait([future], timeout=-INF) == (set(), {future})
