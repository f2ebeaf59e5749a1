"""Reliability of the thread pool: nothing lost under load, when threads
race, or when something fails.

* Load: thousands of calls submitted from several threads at once to a
  pool of eight workers; every future ends once, every callback runs once,
  and no worker thread outlives shutdown.
* Races: each scenario is repeated hundreds of times with a tiny thread
  switch interval, one side starting a little later each round, so that
  the rounds sweep the window where the two sides meet; every wait is
  bounded, so a lost wake-up fails instead of hanging.
* Faults: an initializer failing on one worker of many, an executor dropped
  with work queued, interpreter exit under load, fork.

``FUTURES_SPEC_STRESS=1`` scales the load up a hundredfold (200,000 calls)
and the races tenfold; ``-m stress`` selects these tests.
"""

import collections
import functools
import gc
import logging
import os
import sys
import threading
import time
import weakref

import pytest

from spec_tests.support import BOUND, Gate, busy_worker, in_thread

STRESS = os.environ.get("FUTURES_SPEC_STRESS") == "1"
TASKS = 200_000 if STRESS else 2_000  # calls per load test
REPEATS = 3_000 if STRESS else 300  # rounds per race test
SUBMITTERS = 4  # threads submitting the load
WORKERS = 8
LOAD_BOUND = 600 if STRESS else 60  # seconds: an upper bound for a whole load


def stress(test):
    """Mark a load or race test: -m stress selects it; it gets time to scale."""
    test = pytest.mark.stress(test)
    if STRESS:
        test = pytest.mark.timeout(1800)(test)
    return test


class Abort(BaseException):
    """A BaseException that is neither an Exception nor KeyboardInterrupt."""


# --- helpers -----------------------------------------------------------------

class LogCounter(logging.Handler):
    """Counts the records of the concurrent.futures logger, by level."""

    def __init__(self):
        super().__init__()
        self.levels = collections.Counter()

    def emit(self, record):  # called under the handler's lock
        self.levels[record.levelno] += 1


@pytest.fixture
def future_log():
    """Count what both implementations log (they share the logger name),
    without passing thousands of tracebacks on to pytest's capture."""
    logger = logging.getLogger("concurrent.futures")
    counter = LogCounter()
    propagate = logger.propagate
    logger.addHandler(counter)
    logger.propagate = False
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.propagate = propagate


@pytest.fixture
def shaken():
    """Switch threads as often as CPython allows, for the test's duration."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def submit_load(executor, task, callback):
    """Submit task(i) for i in range(TASKS) from SUBMITTERS threads, adding
    callback to each future right after submit; return the futures by i."""
    by_index = [None] * TASKS

    def submitter(first):
        for i in range(first, TASKS, SUBMITTERS):
            future = executor.submit(task, i)
            future.add_done_callback(callback)
            by_index[i] = future

    submitters = [in_thread(functools.partial(submitter, first), name="submitter")
                  for first in range(SUBMITTERS)]
    for each in submitters:
        each.result(LOAD_BOUND)
    return by_index


def finish_load(futures, fs):
    """Wait for the load's futures; fail if any is left pending."""
    assert futures.wait(fs, timeout=LOAD_BOUND).not_done == set()


def run_load(futures, executor, task, callback):
    """submit_load(), then finish_load(); return the futures by i."""
    fs = submit_load(executor, task, callback)
    finish_load(futures, fs)
    return fs


def echo(i):
    return i


def fail_with(i):
    raise ValueError(i)


def ignore(future):
    pass


def fail(future):
    raise RuntimeError("callback failed")


def ids(fs):
    return sorted(map(id, fs))


def stagger(round_number):
    """How late (0 to 150 microseconds) one side of a race starts in this
    round. A woken thread needs some 30 to 100 microseconds to get going
    here, so without it the same side nearly always wins; with it, the
    rounds sweep across the moment the two sides meet."""
    return round_number % 301 * 0.5e-6


def spin(seconds):
    """Busy-wait: shifts a race (see stagger); never used to wait for anything."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def run_together(*calls, delay=0):
    """Run the calls at the same moment, each in its own thread (the last in
    this one, after `delay` seconds); return their results. A failure in any
    is re-raised here."""
    barrier = threading.Barrier(len(calls), timeout=BOUND)

    def after_barrier(call, delay=0):
        barrier.wait()
        spin(delay)
        return call()

    others = [in_thread(functools.partial(after_barrier, call), name="together") for call in calls[:-1]]
    try:
        last = after_barrier(calls[-1], delay)
    finally:
        results = [other.result() for other in others]
    return results + [last]


# --- load --------------------------------------------------------------------

@stress
@pytest.mark.clause("reliability/load-every-future-ends")
def test_every_future_under_load_finishes_with_its_own_result(futures, make_executor, future_log):
    fs = run_load(futures, make_executor(max_workers=WORKERS), echo, ignore)
    assert [future.result() for future in fs] == list(range(TASKS))
    assert future_log.levels == {}


@stress
@pytest.mark.clause("reliability/load-callbacks-once")
def test_every_callback_under_load_runs_exactly_once(futures, make_executor):
    executor = make_executor(max_workers=WORKERS)
    called = []
    fs = run_load(futures, executor, echo, called.append)
    executor.shutdown(wait=True)  # callbacks run by workers have all returned
    assert ids(called) == ids(fs)


@stress
@pytest.mark.clause("reliability/load-exceptions")
def test_every_failing_call_under_load_keeps_its_own_exception(futures, make_executor):
    fs = run_load(futures, make_executor(max_workers=WORKERS), fail_with, ignore)
    assert [future.exception().args for future in fs] == [(i,) for i in range(TASKS)]


@stress
@pytest.mark.clause("reliability/load-raising-callbacks")
def test_raising_callbacks_under_load_are_each_logged_once(futures, make_executor, future_log):
    executor = make_executor(max_workers=WORKERS)
    run_load(futures, executor, echo, fail)
    executor.shutdown(wait=True)
    assert future_log.levels == {logging.ERROR: TASKS}


@stress
@pytest.mark.clause("reliability/load-raising-callbacks")
def test_raising_callbacks_under_load_leave_every_result(futures, make_executor, future_log):
    fs = run_load(futures, make_executor(max_workers=WORKERS), echo, fail)
    assert [future.result() for future in fs] == list(range(TASKS))


BASE_EXCEPTIONS = (KeyboardInterrupt, SystemExit, Abort)


def raise_base_exception(i):
    raise BASE_EXCEPTIONS[i % len(BASE_EXCEPTIONS)](i)


@stress
@pytest.mark.clause("reliability/load-base-exceptions")
def test_base_exceptions_under_load_land_in_their_futures(futures, make_executor):
    fs = run_load(futures, make_executor(max_workers=WORKERS), raise_base_exception, ignore)
    assert [(type(future.exception()), future.exception().args) for future in fs] == [
        (BASE_EXCEPTIONS[i % len(BASE_EXCEPTIONS)], (i,)) for i in range(TASKS)]


@stress
@pytest.mark.clause("reliability/load-base-exceptions")
def test_base_exceptions_under_load_kill_no_worker(futures, make_executor):
    workers = set()

    def task(i):
        workers.add(threading.current_thread())
        raise_base_exception(i)

    run_load(futures, make_executor(max_workers=WORKERS), task, ignore)
    assert [worker for worker in workers if not worker.is_alive()] == []


@stress
@pytest.mark.clause("reliability/load-no-thread-left")
def test_no_worker_thread_outlives_shutdown_after_a_load(futures, make_executor):
    before = set(threading.enumerate())
    executor = make_executor(max_workers=WORKERS)
    submit_load(executor, echo, ignore)
    executor.shutdown(wait=True)
    assert set(threading.enumerate()) - before == set()


# --- races -------------------------------------------------------------------

@stress
@pytest.mark.clause("reliability/cancel-vs-pickup")
def test_cancel_racing_the_worker_either_wins_or_lets_the_call_run(futures, make_executor, shaken):
    executor = make_executor(max_workers=1)
    ran = set()
    for i in range(REPEATS):
        future = executor.submit(ran.add, i)
        spin(stagger(i))
        if future.cancel():
            # The worker notifies the cancellation when it dequeues the call.
            assert future in futures.wait([future], timeout=BOUND).done
            assert future.cancelled() and i not in ran
        else:
            assert future.result(timeout=BOUND) is None and i in ran


@stress
@pytest.mark.clause("reliability/submit-vs-shutdown")
@pytest.mark.parametrize("wait", [True, False], ids=["wait", "no-wait"])
def test_submit_racing_shutdown_raises_or_runs_the_call(futures, make_executor, shaken, wait):
    for round_number in range(REPEATS // 10):
        executor = make_executor(max_workers=2)
        accepted = []
        refused = threading.Event()
        started = threading.Event()

        def submit_until_refused():
            started.set()
            for i in range(1_000_000):
                try:
                    accepted.append(executor.submit(echo, i))
                except RuntimeError:
                    refused.set()
                    return

        submitter = in_thread(submit_until_refused, name="submitter")
        assert started.wait(BOUND)
        spin(stagger(round_number))
        executor.shutdown(wait=wait)
        submitter.result()
        assert refused.is_set()
        if wait:
            assert [future.done() for future in accepted] == [True] * len(accepted)
        finish_load(futures, accepted)
        assert [future.result() for future in accepted] == list(range(len(accepted)))


@stress
@pytest.mark.clause("reliability/cancel-futures-vs-running")
def test_shutdown_cancelling_futures_racing_workers_leaves_none_pending(futures, make_executor, shaken):
    for round_number in range(REPEATS // 10):
        executor = make_executor(max_workers=2)
        ran = set()
        fs = [executor.submit(ran.add, i) for i in range(8)]
        spin(stagger(round_number))
        executor.shutdown(wait=True, cancel_futures=True)
        assert [(future.done(), future.cancelled()) for future in fs] == [
            (True, i not in ran) for i in range(len(fs))]


@stress
@pytest.mark.clause("reliability/callback-vs-completion")
def test_callback_added_while_another_thread_completes_runs_once(futures, shaken):
    for i in range(REPEATS):
        future = futures.Future()
        called = []
        run_together(lambda: future.set_result(i), lambda: future.add_done_callback(called.append),
                     delay=stagger(i))
        assert called == [future]


@stress
@pytest.mark.clause("reliability/callback-vs-completion")
def test_callback_added_while_a_worker_completes_runs_once(futures, make_executor, shaken):
    executor = make_executor(max_workers=4)
    called = []
    fs = []
    for i in range(REPEATS):
        fs.append(executor.submit(echo, i))
        fs[-1].add_done_callback(called.append)
    executor.shutdown(wait=True)
    assert ids(called) == ids(fs)


@stress
@pytest.mark.clause("reliability/wait-vs-completion")
@pytest.mark.parametrize("return_when", ["FIRST_COMPLETED", "ALL_COMPLETED"])
def test_wait_racing_workers_loses_no_wake_up(futures, make_executor, shaken, return_when):
    executor = make_executor(max_workers=4)
    for _ in range(REPEATS):
        fs = {executor.submit(echo, i) for i in range(4)}
        done, not_done = futures.wait(fs, timeout=BOUND, return_when=getattr(futures, return_when))
        assert done | not_done == fs and not done & not_done
        if return_when == "FIRST_COMPLETED":
            assert done
        else:
            assert done == fs


@stress
@pytest.mark.clause("reliability/as-completed-vs-completion")
def test_as_completed_racing_workers_yields_each_future_once(futures, make_executor, shaken):
    executor = make_executor(max_workers=4)
    for _ in range(REPEATS):
        fs = [executor.submit(echo, i) for i in range(4)]
        assert ids(futures.as_completed(fs, timeout=BOUND)) == ids(fs)


def queue_half_cancelled(executor):
    """On a one-worker executor, queue four calls behind a blocking one and
    cancel every other one. Return the futures and what unblocks the worker."""
    release = threading.Event()
    executor.submit(release.wait, BOUND)
    fs = [executor.submit(echo, i) for i in range(4)]
    assert all(future.cancel() for future in fs[::2])  # queued: cannot have started
    return fs, release.set


# Each way to wait: a function of (futures, fs) returning the futures it saw done.
WAITS_FOR_ALL = {
    "wait": lambda futures, fs: futures.wait(fs, timeout=BOUND).done,
    "as_completed": lambda futures, fs: list(futures.as_completed(fs, timeout=BOUND)),
}


@stress
@pytest.mark.clause("reliability/wait-vs-worker-cancel")
@pytest.mark.parametrize("waiting", sorted(WAITS_FOR_ALL))
def test_waiting_racing_a_worker_notifying_cancellations_sees_each_once(futures, make_executor, shaken, waiting):
    executor = make_executor(max_workers=1)
    for round_number in range(REPEATS):
        fs, unblock = queue_half_cancelled(executor)
        _, seen = run_together(unblock, lambda: WAITS_FOR_ALL[waiting](futures, fs), delay=stagger(round_number))
        assert ids(seen) == ids(fs)


@stress
@pytest.mark.clause("reliability/result-vs-set-result")
def test_result_racing_set_result_returns_the_value(futures, shaken):
    for i in range(REPEATS):
        future = futures.Future()
        _, value = run_together(lambda: future.set_result(i), lambda: future.result(timeout=BOUND),
                                delay=stagger(i))
        assert value == i


@stress
@pytest.mark.clause("reliability/result-timeout-vs-set-result")
def test_result_without_waiting_racing_set_result_returns_the_value_or_times_out(futures, shaken):
    def result_now(future):
        try:
            return future.result(timeout=0)
        except futures.TimeoutError:
            return "timed out"

    for i in range(REPEATS):
        future = futures.Future()
        _, value = run_together(lambda: future.set_result(i), lambda: result_now(future),
                                delay=stagger(i))
        assert value in (i, "timed out")


# --- faults: initializer -----------------------------------------------------

def initializer_failing_on_call(number):
    """An initializer that fails on its number-th call only."""
    calls = []
    lock = threading.Lock()

    def initializer():
        with lock:
            calls.append(None)
            count = len(calls)
        if count == number:
            raise ValueError("initializer failed on call %d" % count)

    return initializer


@pytest.mark.clause("reliability/initializer-fails-on-one-thread")
def test_running_call_survives_another_worker_failing_to_initialize(futures, make_executor):
    executor = make_executor(max_workers=4, initializer=initializer_failing_on_call(2))
    with busy_worker(executor) as running:
        queued = executor.submit(echo, 1)  # starts the second worker, which fails
        assert isinstance(queued.exception(BOUND), futures.BrokenThreadPool)
    assert isinstance(running.result(BOUND), threading.Thread)  # the call returned


@pytest.mark.clause("reliability/initializer-fails-on-one-thread")
def test_queued_call_fails_when_another_worker_fails_to_initialize(futures, make_executor):
    executor = make_executor(max_workers=4, initializer=initializer_failing_on_call(2))
    with busy_worker(executor):
        queued = executor.submit(echo, 1)
        assert isinstance(queued.exception(BOUND), futures.BrokenThreadPool)


@stress
@pytest.mark.clause("reliability/initializer-failure-nothing-pending")
def test_initializer_failing_under_concurrent_submits_leaves_nothing_pending(futures, make_executor, relay):
    for _ in range(REPEATS // 30):
        executor = make_executor(max_workers=WORKERS, initializer=initializer_failing_on_call(2))
        accepted = []

        def submitter():
            for i in range(100):
                try:
                    accepted.append(executor.submit(echo, i))
                except futures.BrokenThreadPool:
                    return

        # With the first worker busy, the first submit starts the second
        # worker, whose initializer fails while the others keep submitting.
        with busy_worker(executor):
            run_together(*[relay(submitter)] * SUBMITTERS)
        finish_load(futures, accepted)
        assert {type(future.exception()) for future in accepted} <= {type(None), futures.BrokenThreadPool}


# --- faults: an executor dropped, interpreter exit, fork ---------------------

@pytest.mark.clause("reliability/dropped-executor-runs-queued-work")
def test_dropped_executor_runs_its_queued_calls(futures):
    # One worker, busy: no worker thread holds the executor while it is dropped.
    # A Gate rather than busy_worker(): a contextmanager keeps its
    # arguments, and so would keep the executor alive.
    executor = futures.ThreadPoolExecutor(max_workers=1)
    gate = Gate()
    executor.submit(gate)
    try:
        assert gate.entered.wait(BOUND)
        fs = [executor.submit(echo, i) for i in range(20)]
        collected = weakref.ref(executor)
        del executor
        gc.collect()
        assert collected() is None
    finally:
        gate.open()
    assert [future.result(BOUND) for future in fs] == list(range(20))


@pytest.mark.clause("reliability/dropped-executor-runs-queued-work")
def test_workers_of_a_dropped_executor_end_after_its_queued_calls(futures):
    executor = futures.ThreadPoolExecutor(max_workers=2)
    workers = set()

    def note_worker(i):
        workers.add(threading.current_thread())
        return i

    # Both workers wait at a gate while the executor is dropped, so neither
    # holds it for a moment (as an idle worker does) when it is collected.
    gates = [Gate(), Gate()]  # not busy_worker(): its context manager keeps the executor
    for gate in gates:
        executor.submit(gate)
    try:
        assert all(gate.entered.wait(BOUND) for gate in gates)
        fs = [executor.submit(note_worker, i) for i in range(20)]
        del executor
        gc.collect()
    finally:
        for gate in gates:
            gate.open()
    futures.wait(fs, timeout=BOUND)
    for worker in workers:
        worker.join(BOUND)
    assert workers and [worker for worker in workers if worker.is_alive()] == []


@pytest.mark.clause("reliability/exit-under-load")
def test_interpreter_exit_runs_every_queued_call_of_every_executor(run_python):
    process = run_python("""
        import sys, threading
        release = threading.Event()
        executors = [cf.ThreadPoolExecutor(max_workers=4) for _ in range(3)]
        for executor in executors:
            executor.submit(release.wait)
            for i in range(1000):
                executor.submit(sys.stdout.write, "ran\\n")
        release.set()  # the main thread ends with the calls still queued
    """)
    assert (process.returncode, process.stdout.count("ran"), process.stderr) == (0, 3000, "")


FORK_HELPERS = """
    import os, signal, threading, warnings
    warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads

    def fork_and_wait():
        \"\"\"Fork; the child runs calls on a new executor. Return its exit status.\"\"\"
        pid = os.fork()
        if pid == 0:
            status = 3
            try:
                signal.alarm(10)  # a deadlocked child dies instead of hanging
                with cf.ThreadPoolExecutor(max_workers=2) as executor:
                    if list(executor.map(abs, range(-50, 0))) == list(range(50, 0, -1)):
                        status = 0
            finally:
                os._exit(status)
        return os.waitpid(pid, 0)[1]
"""


@pytest.mark.clause("reliability/fork-while-busy")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_child_forked_while_the_pool_is_busy_can_use_a_new_executor(run_python):
    process = run_python(FORK_HELPERS + """
    executor = cf.ThreadPoolExecutor(max_workers=4)
    stop = threading.Event()
    batches_ok = []

    def keep_the_pool_busy():
        while not stop.is_set():
            batch = [executor.submit(abs, -i) for i in range(8)]
            batches_ok.append([f.result() for f in batch] == list(range(8)))

    feeder = threading.Thread(target=keep_the_pool_busy)
    feeder.start()
    statuses = [fork_and_wait() for _ in range(20)]
    stop.set()
    feeder.join()
    executor.shutdown(wait=True)
    print(statuses, all(batches_ok))
    """)
    assert (process.returncode, process.stdout, process.stderr) == (0, "%s True\n" % ([0] * 20), "")


@pytest.mark.clause("reliability/fork-from-worker")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_child_forked_from_a_worker_can_use_a_new_executor(run_python):
    process = run_python(FORK_HELPERS + """
    with cf.ThreadPoolExecutor(max_workers=2) as executor:
        print(executor.submit(fork_and_wait).result())
    """)
    assert (process.returncode, process.stdout, process.stderr) == (0, "0\n", "")
