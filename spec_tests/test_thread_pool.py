"""ThreadPoolExecutor's own contract: the constructor's checks, how many
worker threads the pool starts, reuses and names, the initializer and the
broken pool a failing one leaves, garbage collection of a forgotten pool,
and the pool at interpreter exit and across fork() (those run in a fresh
interpreter through ``run_python``)."""

import gc
import logging
import os
import re
import sys
import threading
import weakref
from collections import Counter

import pytest

from spec_tests.support import BOUND, TINY

INIT_FAILURE = "A thread initializer failed, the thread pool is not usable anymore"

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def hold_workers(executor, count, release):
    """Submit *count* calls that must all run at once (they meet this thread
    at a barrier), then keep their workers busy until *release* is set.
    Return the threads they run on."""
    barrier = threading.Barrier(count + 1)
    threads = []

    def hold():
        threads.append(threading.current_thread())
        barrier.wait(BOUND)
        release.wait(BOUND)

    for _ in range(count):
        executor.submit(hold)
    barrier.wait(BOUND)
    return threads


def count_pool_threads(executor, busy, release):
    """Keep *busy* calls running at once, submit one call more, and return
    how many threads the pool has started by then."""
    before = set(threading.enumerate())
    hold_workers(executor, busy, release)
    executor.submit(int)
    return len(set(threading.enumerate()) - before)


def usable_cpus():
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def report_cpus(monkeypatch, count):
    """Make every os function that counts CPUs answer *count*."""
    monkeypatch.setattr(os, "cpu_count", lambda: count)
    if hasattr(os, "process_cpu_count"):
        monkeypatch.setattr(os, "process_cpu_count", lambda: count)
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(count)))


# Constructor checks

@pytest.mark.clause("ThreadPoolExecutor/max-workers-positive")
@pytest.mark.parametrize("max_workers", [0, -1])
def test_max_workers_below_one_is_a_value_error(futures, max_workers):
    with pytest.raises(ValueError):
        futures.ThreadPoolExecutor(max_workers=max_workers)


@pytest.mark.clause("ThreadPoolExecutor/max-workers-positive-message")
def test_max_workers_error_message(futures):
    with pytest.raises(ValueError) as caught:
        futures.ThreadPoolExecutor(max_workers=0)
    assert str(caught.value) == "max_workers must be greater than 0"


@pytest.mark.clause("ThreadPoolExecutor/initializer-not-callable")
def test_non_callable_initializer_is_a_type_error(futures):
    with pytest.raises(TypeError):
        futures.ThreadPoolExecutor(initializer=42)


@pytest.mark.clause("ThreadPoolExecutor/initializer-not-callable-message")
def test_non_callable_initializer_error_message(futures):
    with pytest.raises(TypeError) as caught:
        futures.ThreadPoolExecutor(initializer="not callable")
    assert str(caught.value) == "initializer must be a callable"


# How many threads, which ones, and their names

@pytest.mark.clause("ThreadPoolExecutor/max-workers-limit")
def test_no_more_threads_than_max_workers(futures, make_executor, release):
    executor = make_executor(max_workers=3)
    assert count_pool_threads(executor, 3, release) == 3


@pytest.mark.clause("ThreadPoolExecutor/max-workers-limit")
def test_call_beyond_the_limit_waits_for_a_busy_worker(futures, make_executor, release):
    executor = make_executor(max_workers=3)
    busy = hold_workers(executor, 3, release)
    extra = executor.submit(threading.current_thread)
    assert not extra.running()
    release.set()
    assert extra.result(BOUND) in busy


@pytest.mark.clause("ThreadPoolExecutor/default-max-workers")
def test_default_max_workers_is_cpus_plus_four(futures, make_executor, release, monkeypatch):
    report_cpus(monkeypatch, 3)
    executor = make_executor()
    assert count_pool_threads(executor, 7, release) == 7


@pytest.mark.clause("ThreadPoolExecutor/default-max-workers")
def test_default_max_workers_is_at_most_32(futures, make_executor, release, monkeypatch):
    report_cpus(monkeypatch, 64)
    executor = make_executor()
    assert count_pool_threads(executor, 32, release) == 32


@pytest.mark.clause("ThreadPoolExecutor/default-max-workers")
def test_default_max_workers_on_this_machine(futures, make_executor, release):
    if usable_cpus() != os.cpu_count():
        pytest.skip("this process may not use every CPU (see default-max-workers-affinity)")
    expected = min(32, usable_cpus() + 4)
    executor = make_executor()
    assert count_pool_threads(executor, expected, release) == expected


@pytest.mark.clause("ThreadPoolExecutor/default-max-workers-affinity")
def test_default_max_workers_follows_cpu_affinity(futures, run_python):
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        pytest.skip("needs sched_setaffinity and two CPUs or more")
    result = run_python("""
        import os, threading
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        barrier = threading.Barrier(6)
        release = threading.Event()
        before = set(threading.enumerate())
        executor = cf.ThreadPoolExecutor()
        for _ in range(5):  # one CPU: 5 workers, all busy at once
            executor.submit(lambda: (barrier.wait(10), release.wait(10)))
        barrier.wait(10)
        executor.submit(int)
        print(len(set(threading.enumerate()) - before))
        release.set()
    """)
    assert (result.returncode, result.stdout) == (0, "5\n"), result.stderr


@pytest.mark.clause("ThreadPoolExecutor/default-max-workers-unknown-cpus")
def test_default_max_workers_when_the_cpu_count_is_unknown(futures, make_executor, release, monkeypatch):
    report_cpus(monkeypatch, None)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # as where there is none
    executor = make_executor()
    assert count_pool_threads(executor, 5, release) == 5


@pytest.mark.clause("ThreadPoolExecutor/thread-names")
def test_worker_names_are_prefix_and_number(futures, make_executor, release):
    executor = make_executor(max_workers=2, thread_name_prefix="spec")
    threads = hold_workers(executor, 2, release)
    assert sorted(thread.name for thread in threads) == ["spec_0", "spec_1"]


@pytest.mark.clause("ThreadPoolExecutor/default-thread-names")
def test_default_names_number_each_executor(futures, make_executor):
    names = [make_executor().submit(lambda: threading.current_thread().name).result(BOUND)
             for _ in range(2)]
    matches = [re.fullmatch(r"ThreadPoolExecutor-(\d+)_0", name) for name in names]
    assert all(matches), names
    first, second = (int(match.group(1)) for match in matches)
    assert second > first


@pytest.mark.clause("ThreadPoolExecutor/lazy-workers")
def test_constructing_starts_no_thread(futures, make_executor):
    before = set(threading.enumerate())
    make_executor(max_workers=4)
    assert set(threading.enumerate()) - before == set()


@pytest.mark.clause("ThreadPoolExecutor/lazy-workers")
def test_first_submit_starts_one_thread(futures, make_executor):
    executor = make_executor(max_workers=4)
    before = set(threading.enumerate())
    worker = executor.submit(threading.current_thread).result(BOUND)
    assert set(threading.enumerate()) - before == {worker}


@pytest.mark.clause("ThreadPoolExecutor/thread-start-failure")
def test_submit_that_cannot_start_a_thread_leaves_shutdown_working(futures, make_executor, monkeypatch):
    executor = make_executor(max_workers=1)

    def refuse(thread):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        executor.submit(int)
    monkeypatch.undo()
    executor.shutdown(wait=True)


@pytest.mark.clause("ThreadPoolExecutor/reuse-idle-workers")
def test_calls_in_sequence_reuse_the_idle_worker(futures, make_executor):
    executor = make_executor(max_workers=10)
    threads = {executor.submit(threading.current_thread).result(BOUND) for _ in range(10)}
    # A pool that never reuses starts ten threads. One that does may start a
    # second when a submit overtakes the worker on its way back to idle.
    assert len(threads) <= 2


class Argument:
    """Something a call is given, whose freeing a weak reference can see."""


def freed_soon(freed):
    """Wait for *freed* (set by a weak reference's callback), collecting
    garbage as it waits: without reference counting (PyPy) nothing is
    freed between collections."""
    for _ in range(100):
        gc.collect()
        if freed.wait(BOUND / 100):
            return True
    return False


@pytest.mark.clause("ThreadPoolExecutor/idle-worker-keeps-no-call")
def test_idle_worker_keeps_no_reference_to_its_last_call(futures, make_executor):
    executor = make_executor(max_workers=1)
    argument, freed = Argument(), threading.Event()
    _watch = weakref.ref(argument, lambda _: freed.set())
    executor.submit(id, argument).result(BOUND)
    del argument
    assert freed_soon(freed)


@pytest.mark.clause("ThreadPoolExecutor/non-daemon-workers", checks_old=True)
def test_workers_are_not_daemon_threads(futures, make_executor):
    worker = make_executor().submit(threading.current_thread).result(BOUND)
    assert worker.daemon is futures.predates("ThreadPoolExecutor/non-daemon-workers")


# The initializer

@pytest.mark.clause("ThreadPoolExecutor/initializer-per-worker")
def test_initializer_runs_once_per_worker_with_initargs(futures, make_executor, release):
    calls = []

    def initializer(*args):
        calls.append((threading.current_thread(), args))

    executor = make_executor(max_workers=2, initializer=initializer, initargs=("spec", 1))
    workers = hold_workers(executor, 2, release)
    release.set()
    for _ in range(4):
        executor.submit(int).result(BOUND)
    assert Counter(calls) == Counter((worker, ("spec", 1)) for worker in workers)


@pytest.mark.clause("ThreadPoolExecutor/initializer-per-worker")
def test_initializer_runs_in_the_worker_before_its_first_call(futures, make_executor):
    local = threading.local()
    executor = make_executor(max_workers=1, initializer=setattr, initargs=(local, "ready", True))
    assert executor.submit(getattr, local, "ready", False).result(BOUND) is True


class InitializerFailure(Exception):
    pass


def failing_pool(make_executor, release):
    """A one-worker pool whose initializer raises once *release* is set."""
    def initializer():
        release.wait(BOUND)
        raise InitializerFailure("initializer failed")
    return make_executor(max_workers=1, initializer=initializer)


@pytest.mark.clause("ThreadPoolExecutor/initializer-failure-worker-exits")
def test_worker_whose_initializer_failed_ends(futures, make_executor):
    workers = []

    def initializer():
        workers.append(threading.current_thread())
        raise InitializerFailure("initializer failed")

    executor = make_executor(max_workers=1, initializer=initializer)
    executor.submit(int).exception(BOUND)
    workers[0].join(BOUND)
    assert not workers[0].is_alive()


@pytest.mark.clause("ThreadPoolExecutor/initializer-failure-pending")
def test_failed_initializer_breaks_every_pending_future(futures, make_executor, release):
    executor = failing_pool(make_executor, release)
    pending = [executor.submit(int) for _ in range(3)]
    release.set()
    errors = [future.exception(BOUND) for future in pending]
    assert all(isinstance(error, futures.BrokenThreadPool) for error in errors), errors


@pytest.mark.clause("ThreadPoolExecutor/initializer-failure-submit")
def test_submit_to_a_broken_pool_raises(futures, make_executor, release):
    executor = failing_pool(make_executor, release)
    first = executor.submit(int)
    release.set()
    first.exception(BOUND)
    with pytest.raises(futures.BrokenThreadPool):
        executor.submit(int)


@pytest.mark.clause("ThreadPoolExecutor/initializer-failure-message")
def test_broken_pool_error_message(futures, make_executor, release):
    executor = failing_pool(make_executor, release)
    future = executor.submit(int)
    release.set()
    assert str(future.exception(BOUND)) == INIT_FAILURE


@pytest.mark.clause("ThreadPoolExecutor/initializer-failure-logged")
def test_initializer_failure_is_logged_critical(futures, make_executor, release, caplog):
    executor = failing_pool(make_executor, release)
    future = executor.submit(int)
    release.set()
    future.exception(BOUND)
    records = [(record.name, record.levelno, record.getMessage(), record.exc_info[0])
               for record in caplog.records if record.exc_info]
    assert records == [("concurrent.futures", logging.CRITICAL, "Exception in initializer:",
                        InitializerFailure)]


# Garbage collection

def forget_a_pool(futures):
    """Use a pool and drop every reference to it. Return an Event set once
    the pool is freed, the weak reference that sets it (keep it alive), and
    the worker thread the pool had started."""
    executor = futures.ThreadPoolExecutor(max_workers=2)
    worker = executor.submit(threading.current_thread).result(BOUND)
    freed = threading.Event()
    watch = weakref.ref(executor, lambda _: freed.set())
    del executor
    gc.collect()
    return freed, watch, worker


@pytest.mark.clause("ThreadPoolExecutor/collected-when-unreferenced")
def test_idle_pool_is_freed_once_unreferenced(futures):
    freed, _watch, _ = forget_a_pool(futures)
    assert freed.wait(BOUND)


@pytest.mark.clause("ThreadPoolExecutor/workers-exit-when-collected")
def test_workers_of_a_freed_pool_exit(futures):
    freed, _watch, worker = forget_a_pool(futures)
    assert freed.wait(BOUND)
    worker.join(BOUND)
    assert not worker.is_alive()


# Interpreter exit and fork (each in a fresh interpreter)

@pytest.mark.clause("ThreadPoolExecutor/exit-runs-queued-work")
def test_queued_calls_run_before_the_interpreter_exits(futures, run_python):
    result = run_python("""
        import threading
        executor = cf.ThreadPoolExecutor(max_workers=1)
        gate = threading.Event()
        executor.submit(gate.wait)
        for n in range(3):
            executor.submit(print, n, flush=True)
        print("main done", flush=True)
        gate.set()  # the last statement: the calls are still queued
    """)
    assert (result.returncode, result.stdout.splitlines()) == (0, ["main done", "0", "1", "2"])


@pytest.mark.clause("ThreadPoolExecutor/exit-without-shutdown")
def test_pool_never_shut_down_lets_the_interpreter_exit(futures, run_python):
    result = run_python("""
        import threading
        executor = cf.ThreadPoolExecutor(max_workers=2)
        both = threading.Barrier(2)
        for future in [executor.submit(both.wait, 10) for _ in range(2)]:
            future.result(10)
        print("two idle workers")
    """, timeout=30)
    assert (result.returncode, result.stdout) == (0, "two idle workers\n"), result.stderr


ATEXIT_SUBMIT = """
    import atexit
    used = cf.ThreadPoolExecutor(max_workers=1)
    used.submit(int).result(10)

    def submit_late(executor):
        try:
            future = executor.submit(str, "accepted")
        except RuntimeError as exc:
            print("RuntimeError:", exc)
        else:
            print(future.result(10))

    atexit.register(submit_late, %s)
"""


@pytest.mark.clause("ThreadPoolExecutor/exit-hook-before-atexit", checks_old=True)
def test_submit_from_an_atexit_handler(futures, run_python):
    result = run_python(ATEXIT_SUBMIT % "used")
    assert result.returncode == 0, result.stderr
    if futures.predates("ThreadPoolExecutor/exit-hook-before-atexit"):
        assert result.stdout == "accepted\n"
    else:
        assert result.stdout.startswith("RuntimeError:"), result.stdout


@pytest.mark.clause("ThreadPoolExecutor/exit-hook-message")
def test_submit_from_an_atexit_handler_message(futures, run_python):
    result = run_python(ATEXIT_SUBMIT % "cf.ThreadPoolExecutor()")
    assert result.stdout == "RuntimeError: cannot schedule new futures after interpreter shutdown\n"


@needs_fork
@pytest.mark.clause("ThreadPoolExecutor/fork-new-executor")
def test_forked_child_can_use_a_new_pool(futures, run_python):
    result = run_python("""
        import os, sys, warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        executor = cf.ThreadPoolExecutor(max_workers=2)
        executor.submit(int).result(10)
        pid = os.fork()
        if pid == 0:
            with cf.ThreadPoolExecutor(max_workers=2) as child_executor:
                answer = child_executor.submit(pow, 2, 5).result(10)
            sys.exit(0 if answer == 32 else 3)
        _, status = os.waitpid(pid, 0)
        print(os.WEXITSTATUS(status) if os.WIFEXITED(status) else "killed")
    """, timeout=30)
    assert (result.returncode, result.stdout) == (0, "0\n"), result.stderr


@needs_fork
@pytest.mark.clause("ThreadPoolExecutor/fork-from-worker", checks_old=True)
def test_child_forked_from_a_worker_exits_cleanly(futures, run_python):
    result = run_python("""
        import multiprocessing, warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads

        def fork_a_child():
            child = multiprocessing.get_context("fork").Process(target=int)
            child.start()
            child.join(10)
            return child.exitcode

        with cf.ThreadPoolExecutor(max_workers=1) as executor:
            print(executor.submit(fork_a_child).result(10))
    """, timeout=30)
    regressed = futures.predates("ThreadPoolExecutor/fork-from-worker") and sys.version_info >= (3, 9)
    assert (result.returncode, result.stdout) == (0, "1\n" if regressed else "0\n"), result.stderr


@pytest.mark.clause("ThreadPoolExecutor/is-executor")
def test_thread_pool_is_an_executor(futures):
    assert issubclass(futures.ThreadPoolExecutor, futures.Executor)


@pytest.mark.clause("ThreadPoolExecutor/positional-parameters")
def test_constructor_takes_its_four_parameters_by_position(futures, make_executor):
    seen = []
    executor = make_executor(1, "positional", seen.append, ("ready",))
    assert executor.submit(lambda: threading.current_thread().name).result(BOUND) == "positional_0"
    assert seen == ["ready"]


@pytest.mark.clause("ThreadPoolExecutor/unknown-keyword")
def test_an_unknown_keyword_is_a_type_error(futures):
    with pytest.raises(TypeError):
        futures.ThreadPoolExecutor(max_workers=1, colour="blue")


@pytest.mark.clause("ThreadPoolExecutor/prepare-context")
def test_prepare_context_gets_the_keywords_the_constructor_does_not_take(futures, make_gate):
    seen = []

    class Pool(futures.ThreadPoolExecutor):
        @classmethod
        def prepare_context(cls, initializer, initargs, **settings):
            seen.append((cls, initializer, initargs, settings))
            return super().prepare_context(initializer, initargs)

    ready = []
    gate = make_gate()
    with Pool(2, "", ready.append, ("ready",), colour="blue") as pool:
        first = pool.submit(gate, 1)
        assert gate.entered.wait(BOUND)
        assert pool.submit(int, "2").result(BOUND) == 2  # a second worker
        gate.open()
        assert first.result(BOUND) == 1
    assert seen == [(Pool, ready.append, ("ready",), {"colour": "blue"})]
    assert ready == ["ready", "ready"]


@pytest.mark.clause("ThreadPoolExecutor/thread-name-prefix")
def test_every_worker_name_begins_with_the_prefix(futures, make_executor, release):
    executor = make_executor(max_workers=2, thread_name_prefix="prefix-spec")
    threads = hold_workers(executor, 2, release)
    assert all(thread.name.startswith("prefix-spec") for thread in threads)


@pytest.mark.clause("ThreadPoolExecutor/thread-start-failure-call-runs")
def test_a_call_whose_thread_did_not_start_runs_later(futures, make_executor, monkeypatch):
    executor = make_executor(max_workers=1)
    ran = []

    def refuse(thread):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        executor.submit(ran.append, "refused")
    monkeypatch.undo()
    executor.submit(ran.append, "next").result(BOUND)  # starts the worker
    executor.shutdown(wait=True)
    assert ran == ["refused", "next"]


CPU_COUNT_GIVEN = """
    import threading
    barrier = threading.Barrier(%(workers)d + 1)
    release = threading.Event()
    before = set(threading.enumerate())
    executor = cf.ThreadPoolExecutor()
    for _ in range(%(workers)d):  # every default worker, all busy at once
        executor.submit(lambda: (barrier.wait(10), release.wait(10)))
    barrier.wait(10)
    executor.submit(int)  # finds no idle worker, and no room for another
    print(len(set(threading.enumerate()) - before))
    release.set()
"""


@pytest.mark.detail
@pytest.mark.clause("ThreadPoolExecutor/default-max-workers-cpu-count-override")
@pytest.mark.parametrize("given", ["environment", "option"])
def test_a_given_cpu_count_sets_the_default_worker_count(futures, run_python, given):
    cpus = 11  # 15 workers: not this machine's count
    if usable_cpus() == cpus:
        pytest.skip("this machine has the very count the test gives")
    if given == "environment":
        result = run_python(CPU_COUNT_GIVEN % {"workers": cpus + 4}, env={"PYTHON_CPU_COUNT": str(cpus)})
    else:
        result = run_python(CPU_COUNT_GIVEN % {"workers": cpus + 4}, options=["-X", "cpu_count=%d" % cpus])
    assert (result.returncode, result.stdout) == (0, "%d\n" % (cpus + 4)), result.stderr


@pytest.mark.detail
@pytest.mark.clause("ThreadPoolExecutor/exit-hook-message-used-pool")
def test_submit_from_an_atexit_handler_to_a_used_pool_message(futures, run_python):
    result = run_python(ATEXIT_SUBMIT % "used")
    assert result.stdout == "RuntimeError: cannot schedule new futures after shutdown\n"


AFTER_MAIN_THREAD = """
    import threading
    used = cf.ThreadPoolExecutor(max_workers=1)
    used.submit(int).result(10)

    def submit_late():
        threading.main_thread().join(10)  # returns once the exit has begun
        for name, executor in [("new", cf.ThreadPoolExecutor(max_workers=1)), ("used", used)]:
            try:
                print(name, executor.submit(str, "ran").result(10))
            except RuntimeError:
                print(name, "RuntimeError")

    threading.Thread(target=submit_late).start()
"""


@pytest.mark.clause("ThreadPoolExecutor/submit-after-main-thread-exit", checks_old=True)
def test_submit_from_a_thread_outliving_the_main_thread(futures, run_python):
    result = run_python(AFTER_MAIN_THREAD)
    if futures.predates("ThreadPoolExecutor/submit-after-main-thread-exit"):
        expected = "new ran\nused ran\n"
    else:
        expected = "new RuntimeError\nused RuntimeError\n"
    assert (result.returncode, result.stdout) == (0, expected), result.stderr


@pytest.mark.clause("ThreadPoolExecutor/max-workers-limit")
def test_a_call_waiting_for_a_call_queued_behind_it_never_gets_it(futures, make_executor):
    executor = make_executor(max_workers=1)

    def wait_for_own_pool():
        with pytest.raises(futures.TimeoutError):
            executor.submit(str, "queued").result(timeout=TINY)
        return "gave up"

    assert executor.submit(wait_for_own_pool).result(BOUND) == "gave up"


@pytest.mark.clause("ThreadPoolExecutor/exit-runs-queued-work")
def test_exit_after_shutdown_without_wait_runs_the_queued_calls(futures, run_python):
    result = run_python("""
        executor = cf.ThreadPoolExecutor(max_workers=1)
        for word in ["first", "second"]:
            executor.submit(print, word)
        executor.shutdown(wait=False)
    """)
    assert (result.returncode, result.stdout) == (0, "first\nsecond\n"), result.stderr
