"""Executor factories for ``--executor spec_tests.executors.profiles:NAME``.

A factory takes ``max_workers`` and returns a fresh executor. Optional
attributes the plugin reads:

- ``session``: a context-manager function entered once per test session
  (a dask cluster is started and torn down there);
- ``capacity``: how many calls really run at once whatever ``max_workers``
  says (a dask cluster has a fixed number of worker threads);
- ``follows_cpython``: the executor is the running CPython's own, so a
  clause newer than this CPython is expected to fail (strictly), as in the
  main suite.
"""

import contextlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _tag(**attributes):
    def decorate(factory):
        for name, value in attributes.items():
            setattr(factory, name, value)
        return factory
    return decorate


@_tag(follows_cpython=True)
def stdlib_thread(max_workers):
    import concurrent.futures
    return concurrent.futures.ThreadPoolExecutor(max_workers)


def reference_thread(max_workers):
    import reference
    return reference.ThreadPoolExecutor(max_workers)


def _process(method):
    @_tag(follows_cpython=True)
    def factory(max_workers):
        import concurrent.futures
        import multiprocessing
        return concurrent.futures.ProcessPoolExecutor(
            max_workers, mp_context=multiprocessing.get_context(method))
    factory.__name__ = "process_" + method
    return factory


process_fork = _process("fork")
process_spawn = _process("spawn")
process_forkserver = _process("forkserver")


@_tag(follows_cpython=True)
def interpreter(max_workers):
    from concurrent.futures import InterpreterPoolExecutor  # 3.14+
    # A subinterpreter starts from the interpreter's startup sys.path:
    # let it import the tasks of this checkout.
    return InterpreterPoolExecutor(
        max_workers, initializer=exec,
        initargs=("import sys; sys.path.insert(0, %r)" % ROOT,))


def loky_process(max_workers):
    import loky
    return loky.ProcessPoolExecutor(max_workers)


def loky_reusable(max_workers):
    import loky
    return loky.get_reusable_executor(max_workers=max_workers)


_DASK = {}
DASK_WORKERS = 2


def _dask(processes):
    @contextlib.contextmanager
    def session():
        from spec_tests.executors import cleanup
        with cleanup.leaves_nothing_behind() as watch:
            from distributed import Client, LocalCluster
            cluster = LocalCluster(
                n_workers=DASK_WORKERS, threads_per_worker=1, processes=processes,
                host="127.0.0.1", dashboard_address=None, protocol="tcp://",
                scheduler_port=0, worker_dashboard_address=None)
            client = Client(cluster)
            watch.ports_of(cluster)
            _DASK["client"] = client
            try:
                yield
            finally:
                _DASK.clear()
                client.close()
                cluster.close()

    @_tag(session=session, capacity=DASK_WORKERS)
    def factory(max_workers):
        return _DASK["client"].get_executor()
    factory.__name__ = "dask_processes" if processes else "dask_threads"
    return factory


dask_processes = _dask(True)
dask_threads = _dask(False)

# name -> (factory, the Python it needs at least)
PROFILES = {
    "stdlib-thread": ("stdlib_thread", (3, 6)),
    "reference-thread": ("reference_thread", (3, 8)),
    "process-fork": ("process_fork", (3, 6)),
    "process-spawn": ("process_spawn", (3, 6)),
    "process-forkserver": ("process_forkserver", (3, 6)),
    "interpreter": ("interpreter", (3, 14)),
    "loky": ("loky_process", (3, 9)),
    "loky-reusable": ("loky_reusable", (3, 9)),
    "dask-processes": ("dask_processes", (3, 10)),
    "dask-threads": ("dask_threads", (3, 10)),
}


def supported(name):
    return sys.version_info[:2] >= PROFILES[name][1]
