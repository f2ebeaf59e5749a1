"""Executor factories for ``--executor spec_tests.executors.profiles:NAME``.

A factory takes ``max_workers`` and returns a fresh executor. Optional
attributes the plugin reads:

- ``session``: a context-manager function entered once per test session
  (a dask cluster is started and torn down there);
- ``capacity``: how many calls really run at once whatever ``max_workers``
  says (a dask cluster has a fixed number of worker threads);
- ``follows_cpython``: the executor is the running CPython's own, so a
  clause newer than this CPython is expected to fail (strictly), as in the
  main suite;
- ``launcher``: the executors only exist inside a job this launcher starts
  (an MPI job): the plugin runs the tests in there (launch.py).
"""

import contextlib
import os
import shutil
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

class MPIJob:
    """An MPI job on this machine whose rank 0 is the test process.

    ``mpiexec.gforker -n 3 python -m mpi4py.futures -m pytest ...``: rank 0
    runs pytest, the client; ranks 1 and 2 are the static pool that every
    MPIPoolExecutor made in there shares (no spawning: mpi4py's documented
    way for MPIs that cannot spawn). gforker, MPICH's fork launcher, starts
    the ranks as its own children in its own session: no proxy daemon, no
    control port. The ranks talk over UCX's shared-memory transports only
    (self, sm), so the job opens no socket, not even on loopback.
    """

    ranks = 3
    env = {"MPIR_CVAR_CH4_NETMOD": "ucx", "UCX_TLS": "self,sm"}
    shm_prefixes = ("mpich_", "ucx_")  # the shared-memory segments MPICH and UCX name so

    def command(self, python):
        """The command before ``-m pytest ...``, for the venv of *python*
        (the mpich wheel puts mpiexec.gforker beside it)."""
        beside = os.path.join(os.path.dirname(python), "mpiexec.gforker")
        mpiexec = beside if os.path.exists(beside) else shutil.which("mpiexec.gforker")
        if mpiexec is None:
            raise LookupError("no mpiexec.gforker beside %s nor on PATH: pip install mpi4py mpich" % python)
        return [mpiexec, "-n", str(self.ranks), python, "-m", "mpi4py.futures"]

    def inside(self):
        """Whether this process is already a rank of an MPI job (started
        by hand): the tests then run right here."""
        return any(name in os.environ for name in ("PMI_RANK", "PMI_FD", "OMPI_COMM_WORLD_SIZE"))


MPI_JOB = MPIJob()


@contextlib.contextmanager
def _mpi_pool():
    """The session: this process must be rank 0 of MPI_JOB, with its workers."""
    from mpi4py import MPI
    from mpi4py.futures import MPIPoolExecutor
    size = MPI.COMM_WORLD.Get_size()
    if size != MPI_JOB.ranks:
        raise RuntimeError("the mpi4py profile runs as rank 0 of %d ranks (python -m mpi4py.futures), "
                           "not of %d" % (MPI_JOB.ranks, size))
    with MPIPoolExecutor() as probe:
        assert probe.num_workers == MPI_JOB.ranks - 1, "the shared pool has %d workers" % probe.num_workers
    yield


@_tag(launcher=MPI_JOB, session=_mpi_pool, capacity=MPI_JOB.ranks - 1)
def mpi4py_pool(max_workers):
    from mpi4py.futures import MPIPoolExecutor
    return MPIPoolExecutor(max_workers)


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
    "mpi4py": ("mpi4py_pool", (3, 8)),
}


def supported(name):
    return sys.version_info[:2] >= PROFILES[name][1]
