"""Which clauses the executor profile leaves out, and why.

The profile checks the clauses its tests name (each test says which with
``@pytest.mark.clause``). These are about the threads of this process, so
they describe ThreadPoolExecutor, not the Executor contract: marked
thread-pool-only here, they are listed under the matrix, never run.
"""

THREAD_POOL_ONLY = {
    "ThreadPoolExecutor/": "every clause of the section: worker threads of this process "
                           "(count, names, initializer, exit hooks, fork)",
    "Future.add_done_callback/worker-thread": "the callback runs in the worker thread",
    "Future.add_done_callback/base-exception-in-worker": "what a worker thread does with an escaping BaseException",
    "Executor.shutdown/from-worker-wait": "shutdown(wait=True) on one of the pool's own threads",
    "Executor.shutdown/from-worker-wait-message": "threading's own message for it",
    "Executor.map/chunksize-ignored": "a thread pool ignores chunksize; a process pool uses it",
    "wait/pool-notifies-cancelled": "a thread pool's worker notifying a cancelled queued future",
    "bad-input/thread_name_prefix-type": "thread names",
    "bad-input/initargs-type": "the initializer runs in a worker thread",
}


def thread_pool_only(clause_id):
    """The reason *clause_id* is left out of the profile, or None."""
    for key, reason in THREAD_POOL_ONLY.items():
        if clause_id == key or (key.endswith("/") and clause_id.startswith(key)):
            return reason
    return None
