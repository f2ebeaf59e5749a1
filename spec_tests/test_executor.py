"""Executor.submit, Executor.shutdown and the executor as a context manager,
checked on ThreadPoolExecutor: what submit returns and runs, where results
and exceptions land, and how shutdown (plain, from inside the pool, or by
leaving a ``with`` block) treats running, queued and new work."""

import sys
import threading
import warnings

import pytest

from spec_tests.support import BOUND, busy_worker, in_thread


def close_in_thread(close, watched):
    """Start close() (a shutdown, leaving a with block) in a thread of its
    own; its InThread's result() is which of the *watched* futures were
    done when close() returned."""
    def run():
        close()
        return [future.done() for future in watched]
    return in_thread(run, name="closing")


def raising(error):
    def fail():
        raise error
    return fail


class CustomBaseException(BaseException):
    pass


def executor_running_a_gate(make_executor, make_gate):
    """A one-worker executor whose worker has entered a Gate (opened by the
    test, or when it ends). Return the executor, the gate, and the future of
    the gated call, whose result is "done"."""
    executor = make_executor(max_workers=1)
    gate = make_gate()
    running = executor.submit(gate, "done")
    assert gate.entered.wait(BOUND)
    return executor, gate, running


# --- submit -----------------------------------------------------------------

@pytest.mark.clause("Executor/abstract")
def test_the_base_executor_submit_is_not_implemented(futures):
    with pytest.raises(NotImplementedError):
        futures.Executor().submit(print)


@pytest.mark.clause("Executor/abstract")
def test_the_base_executor_map_submits_through_submit(futures):
    with pytest.raises(NotImplementedError):
        futures.Executor().map(print, [1])


@pytest.mark.clause("Executor.submit/returns-future")
def test_submit_returns_a_future(futures, make_executor):
    future = make_executor(max_workers=1).submit(int)
    assert isinstance(future, futures.Future)


@pytest.mark.clause("Executor.submit/asynchronous")
def test_submit_returns_before_the_call_finishes(futures, make_executor, make_gate):
    task = make_gate()
    future = make_executor(max_workers=1).submit(task)
    assert task.entered.wait(BOUND)
    assert not future.done()


@pytest.mark.clause("Executor.submit/asynchronous")
def test_submit_runs_the_call_in_another_thread(futures, make_executor):
    future = make_executor(max_workers=1).submit(threading.current_thread)
    assert future.result(BOUND) is not threading.current_thread()


@pytest.mark.clause("Executor.submit/call")
def test_submit_result_is_fn_called_with_args_and_kwargs(futures, make_executor):
    future = make_executor(max_workers=1).submit(
        lambda *args, **kwargs: (args, kwargs), 1, 2, key="value")
    assert future.result(BOUND) == ((1, 2), {"key": "value"})


@pytest.mark.clause("Executor.submit/call")
def test_submit_calls_fn_exactly_once(futures, make_executor):
    executor = make_executor(max_workers=1)
    calls = []
    executor.submit(calls.append, "call")
    executor.shutdown(wait=True)
    assert calls == ["call"]


@pytest.mark.clause("Executor.submit/exception")
def test_submit_stores_the_exception_raised_by_fn(futures, make_executor):
    error = ValueError("boom")
    future = make_executor(max_workers=1).submit(raising(error))
    assert future.exception(BOUND) is error


@pytest.mark.clause("Executor.submit/exception")
def test_result_reraises_the_exception_raised_by_fn(futures, make_executor):
    error = ValueError("boom")
    future = make_executor(max_workers=1).submit(raising(error))
    with pytest.raises(ValueError) as caught:
        future.result(BOUND)
    assert caught.value is error


@pytest.mark.clause("Executor.submit/base-exception")
@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit, CustomBaseException])
def test_submit_stores_a_base_exception_raised_by_fn(futures, make_executor, exc_type):
    error = exc_type("stop")
    future = make_executor(max_workers=1).submit(raising(error))
    assert future.exception(BOUND) is error


@pytest.mark.clause("Executor.submit/base-exception")
@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit, CustomBaseException])
def test_pool_keeps_working_after_a_base_exception(futures, make_executor, exc_type):
    executor = make_executor(max_workers=1)
    executor.submit(raising(exc_type("stop"))).exception(BOUND)
    assert executor.submit(str, "next").result(BOUND) == "next"


@pytest.mark.clause("Executor.submit/cancel-before-start")
def test_call_cancelled_while_queued_never_runs(futures, make_executor):
    executor = make_executor(max_workers=1)
    calls = []
    with busy_worker(executor):
        queued = executor.submit(calls.append, "queued")
        assert queued.cancel()
    executor.shutdown(wait=True)
    assert calls == []


@pytest.mark.clause("Executor.submit/fn-positional-only", checks_old=True)
def test_submit_takes_fn_only_positionally(futures, make_executor):
    executor = make_executor(max_workers=1)
    if futures.predates("Executor.submit/fn-positional-only"):
        # Only 3.8 warns of what 3.9 forbids; 3.6 and 3.7 accept it silently.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            future = executor.submit(fn=str)
        assert future.result(BOUND) == ""
        warned = [w.category for w in caught if issubclass(w.category, DeprecationWarning)]
        assert warned == ([DeprecationWarning] if sys.version_info[:2] == (3, 8) else [])
    else:
        with pytest.raises(TypeError):
            executor.submit(fn=str)


@pytest.mark.clause("Executor.submit/fn-keyword")
def test_submit_passes_keywords_named_fn_and_self_to_the_call(futures, make_executor):
    future = make_executor(max_workers=1).submit(dict, fn=1, self=2)
    assert future.result(BOUND) == {"fn": 1, "self": 2}


@pytest.mark.clause("Executor.submit/after-shutdown")
def test_submit_after_shutdown_raises_runtime_error(futures, make_executor):
    executor = make_executor(max_workers=1)
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.submit(int)


@pytest.mark.clause("Executor.submit/after-shutdown")
def test_running_task_cannot_submit_after_shutdown(futures, make_executor):
    executor = make_executor(max_workers=1)
    shut_down = threading.Event()

    def submit_more():
        shut_down.wait(BOUND)
        executor.submit(int)

    future = executor.submit(submit_more)
    executor.shutdown(wait=False)
    shut_down.set()
    assert isinstance(future.exception(BOUND), RuntimeError)


@pytest.mark.clause("Executor.submit/after-shutdown-message")
def test_submit_after_shutdown_message(futures, make_executor):
    executor = make_executor(max_workers=1)
    executor.shutdown()
    with pytest.raises(RuntimeError, match=r"^cannot schedule new futures after shutdown$"):
        executor.submit(int)


# --- shutdown ---------------------------------------------------------------

def waits_for_the_running_call(make_executor, make_gate, shut_down):
    """True if shut_down(executor), in a thread of its own, does not return
    while a call runs, and returns once the call is done."""
    executor, task, running = executor_running_a_gate(make_executor, make_gate)
    closing = close_in_thread(lambda: shut_down(executor), [running])
    if not closing.still_running():
        return False
    task.open()
    return closing.result() == [True]


@pytest.mark.clause("Executor.shutdown/wait")
def test_shutdown_with_wait_waits_for_the_running_call(futures, make_executor, make_gate):
    assert waits_for_the_running_call(make_executor, make_gate, lambda executor: executor.shutdown(wait=True))


@pytest.mark.clause("Executor.shutdown/wait-default")
def test_shutdown_without_arguments_waits_for_the_running_call(futures, make_executor, make_gate):
    assert waits_for_the_running_call(make_executor, make_gate, lambda executor: executor.shutdown())


@pytest.mark.clause("Executor.shutdown/wait")
def test_shutdown_with_wait_runs_the_queued_calls_first(futures, make_executor, make_gate):
    executor, task, _ = executor_running_a_gate(make_executor, make_gate)
    queued = executor.submit(str, "queued")
    closing = close_in_thread(lambda: executor.shutdown(wait=True), [queued])
    assert closing.still_running()
    task.open()
    assert closing.result() == [True]
    assert queued.result() == "queued"


@pytest.mark.clause("Executor.shutdown/no-wait")
def test_shutdown_without_wait_returns_while_a_call_runs(futures, make_executor, make_gate):
    executor, task, running = executor_running_a_gate(make_executor, make_gate)
    closing = close_in_thread(lambda: executor.shutdown(wait=False), [running])
    assert closing.result() == [False]


@pytest.mark.clause("Executor.shutdown/no-wait-finishes")
def test_running_call_finishes_after_shutdown_without_wait(futures, make_executor, make_gate):
    executor, task, running = executor_running_a_gate(make_executor, make_gate)
    executor.shutdown(wait=False)
    task.open()
    assert running.result(BOUND) == "done"


@pytest.mark.clause("Executor.shutdown/no-wait-finishes")
def test_queued_call_runs_after_shutdown_without_wait(futures, make_executor, make_gate):
    executor, task, _ = executor_running_a_gate(make_executor, make_gate)
    queued = executor.submit(str, "queued")
    executor.shutdown(wait=False)
    task.open()
    assert queued.result(BOUND) == "queued"


@pytest.mark.clause("Executor.shutdown/repeat")
@pytest.mark.parametrize("wait", [True, False])
def test_second_shutdown_is_harmless(futures, make_executor, wait):
    executor = make_executor(max_workers=1)
    future = executor.submit(str, "done")
    executor.shutdown(wait=wait)
    executor.shutdown(wait=wait)
    assert future.result(BOUND) == "done"


@pytest.mark.clause("Executor.shutdown/cancel-futures")
def test_shutdown_cancel_futures_cancels_the_queued_futures(futures, make_executor, make_gate):
    executor, task, _ = executor_running_a_gate(make_executor, make_gate)
    queued = [executor.submit(str, n) for n in range(3)]
    executor.shutdown(wait=False, cancel_futures=True)
    assert [future.cancelled() for future in queued] == [True, True, True]


@pytest.mark.clause("Executor.shutdown/cancel-futures")
def test_calls_cancelled_by_shutdown_never_run(futures, make_executor, make_gate):
    executor, task, _ = executor_running_a_gate(make_executor, make_gate)
    calls = []
    for n in range(3):
        executor.submit(calls.append, n)
    executor.shutdown(wait=False, cancel_futures=True)
    task.open()
    executor.shutdown(wait=True)
    assert calls == []


@pytest.mark.clause("Executor.shutdown/cancel-futures-running")
def test_shutdown_cancel_futures_waits_for_the_running_call(futures, make_executor, make_gate):
    executor, task, running = executor_running_a_gate(make_executor, make_gate)
    closing = close_in_thread(lambda: executor.shutdown(wait=True, cancel_futures=True), [running])
    assert closing.still_running()
    task.open()
    assert closing.result() == [True]
    assert running.result() == "done"


@pytest.mark.clause("Executor.shutdown/cancel-futures-running")
def test_shutdown_cancel_futures_keeps_finished_results(futures, make_executor):
    executor = make_executor(max_workers=1)
    finished = executor.submit(str, "early")
    finished.result(BOUND)
    executor.shutdown(cancel_futures=True)
    assert finished.result() == "early"


@pytest.mark.clause("Executor.shutdown/from-task")
def test_task_shutting_down_its_executor_without_wait_finishes(futures, make_executor):
    executor = make_executor(max_workers=1)

    def shut_down():
        executor.shutdown(wait=False)
        return "done"

    assert executor.submit(shut_down).result(BOUND) == "done"


@pytest.mark.clause("Executor.shutdown/from-task")
def test_calls_queued_behind_a_shutting_down_task_still_run(futures, make_executor, make_gate):
    executor, task, _ = executor_running_a_gate(make_executor, make_gate)
    executor.submit(executor.shutdown, wait=False)
    queued = executor.submit(str, "queued")
    task.open()
    assert queued.result(BOUND) == "queued"


@pytest.mark.clause("Executor.shutdown/from-worker-wait")
def test_shutdown_with_wait_inside_a_task_raises_runtime_error(futures, make_executor):
    executor = make_executor(max_workers=1)
    future = executor.submit(executor.shutdown, wait=True)
    assert isinstance(future.exception(BOUND), RuntimeError)


@pytest.mark.clause("Executor.shutdown/from-worker-wait")
def test_shutdown_with_wait_inside_a_task_still_shuts_down(futures, make_executor):
    executor = make_executor(max_workers=1)
    executor.submit(executor.shutdown, wait=True).exception(BOUND)
    with pytest.raises(RuntimeError):
        executor.submit(int)


@pytest.mark.clause("Executor.shutdown/from-worker-wait-message")
def test_shutdown_with_wait_inside_a_task_message(futures, make_executor):
    executor = make_executor(max_workers=1)
    error = executor.submit(executor.shutdown, wait=True).exception(BOUND)
    assert str(error) == "cannot join current thread"


def finish_with_callback(timing, gate, future, callback):
    """Add *callback* to the *future* of a call held by *gate*, and let the
    call finish (open the gate, wait for the future), in this timing."""
    def complete():
        gate.open()
        future.result(BOUND)

    timing.run(lambda: future.add_done_callback(callback), complete)


@pytest.mark.clause("Executor.shutdown/from-worker-wait")
def test_shutdown_with_wait_in_a_done_callback(futures, make_executor, make_gate, timing, relay):
    """On the worker the callback's shutdown raises; elsewhere it just waits."""
    executor = make_executor(max_workers=1)
    task = make_gate()
    future = executor.submit(lambda: task(threading.current_thread()))
    outcome = {}
    called = threading.Event()

    def callback(done):
        outcome["thread"] = threading.current_thread()
        try:
            executor.shutdown(wait=True)
            outcome["error"] = None
        except RuntimeError as exc:
            outcome["error"] = exc
        finally:
            called.set()

    finish_with_callback(timing, task, future, relay(callback))
    assert called.wait(BOUND)
    on_worker = outcome["thread"] is future.result()
    assert isinstance(outcome["error"], RuntimeError) is on_worker


@pytest.mark.clause("Executor.shutdown/from-callback")
def test_done_callback_can_shut_down_without_wait(futures, make_executor, make_gate, timing, relay):
    executor, task, future = executor_running_a_gate(make_executor, make_gate)
    shut_down = threading.Event()

    def callback(done):
        executor.shutdown(wait=False)
        shut_down.set()

    finish_with_callback(timing, task, future, relay(callback))
    assert shut_down.wait(BOUND)
    with pytest.raises(RuntimeError):
        executor.submit(int)


# --- with -------------------------------------------------------------------

@pytest.mark.clause("Executor.__enter__/returns-self")
def test_with_binds_the_executor_itself(futures, make_executor):
    executor = make_executor(max_workers=1)
    with executor as bound:
        assert bound is executor


@pytest.mark.clause("Executor.__exit__/shutdown")
def test_leaving_with_shuts_the_executor_down(futures, make_executor):
    executor = make_executor(max_workers=1)
    with executor:
        pass
    with pytest.raises(RuntimeError):
        executor.submit(int)


@pytest.mark.clause("Executor.__exit__/waits")
def test_leaving_with_waits_for_running_and_queued_calls(futures, make_executor, make_gate):
    executor, task, running = executor_running_a_gate(make_executor, make_gate)
    queued = executor.submit(str, "queued")

    def leave():
        with executor:
            pass

    closing = close_in_thread(leave, [running, queued])
    assert closing.still_running()
    task.open()
    assert closing.result() == [True, True]


@pytest.mark.clause("Executor.__exit__/waits")
def test_leaving_with_by_an_exception_still_waits(futures, make_executor, make_gate):
    executor, task, running = executor_running_a_gate(make_executor, make_gate)

    def leave_by_exception():
        with pytest.raises(ValueError):
            with executor:
                raise ValueError("body")

    closing = close_in_thread(leave_by_exception, [running])
    assert closing.still_running()
    task.open()
    assert closing.result() == [True]


@pytest.mark.clause("Executor.__exit__/propagates")
def test_with_does_not_swallow_the_body_exception(futures, make_executor):
    executor = make_executor(max_workers=1)
    error = ValueError("body")
    with pytest.raises(ValueError) as caught:
        with executor:
            raise error
    assert caught.value is error


@pytest.mark.clause("Executor.submit/running-while-executing")
def test_future_of_a_call_being_executed_is_running(futures, make_executor, make_gate):
    gate = make_gate()
    future = make_executor(max_workers=1).submit(gate, "done")
    assert gate.entered.wait(BOUND)
    assert (future.running(), future.done(), future.cancel()) == (True, False, False)
    gate.open()
    assert future.result(BOUND) == "done"


@pytest.mark.clause("Executor.shutdown/no-wait-threads-end")
def test_threads_end_by_themselves_after_shutdown_without_wait(futures, make_executor, make_gate):
    executor = make_executor(max_workers=2, thread_name_prefix="no-wait-end")
    gates = [make_gate(), make_gate()]
    for gate in gates:
        executor.submit(gate)
    for gate in gates:
        assert gate.entered.wait(BOUND)
    workers = [t for t in threading.enumerate() if t.name.startswith("no-wait-end")]
    executor.shutdown(wait=False)
    for gate in gates:
        gate.open()
    for worker in workers:
        worker.join(BOUND)
    assert len(workers) == 2 and not any(worker.is_alive() for worker in workers)


@pytest.mark.clause("Executor.shutdown/cancel-futures-keyword-only")
def test_cancel_futures_is_keyword_only(futures, make_executor):
    executor = make_executor(max_workers=1)
    with pytest.raises(TypeError):
        executor.shutdown(True, True)
    assert executor.submit(int, "3").result(BOUND) == 3  # not shut down
