"""ThreadPoolExecutor: run calls on a pool of worker threads.

Mirrors CPython's Lib/concurrent/futures/thread.py, written afresh on plain
``threading`` primitives. Where it is simpler, and why:

* The work queue is our own: a deque and a lock, plus a list of parked
  (idle) workers. put() hands an item straight to a parked worker, which
  also tells submit() whether a new thread is needed: no idle-count
  semaphore, no wake-up sentinel passed from worker to worker.
* Closing the queue is the one way a worker is told to stop, whoever
  decides it: shutdown(), the executor being garbage-collected, or the
  interpreter exiting. Workers finish what is queued, then exit.
* There is no worker "context" object: prepare_context(), the hook
  through which a subclass takes settings of its own, hands each worker
  just the initializer and its arguments.
"""

import collections
import itertools
import os
import threading
import weakref

from . import _base, _compat

# Every worker thread, with the queue it serves, so that the interpreter's
# exit can finish their work. Weak keys: a worker that ended drops out.
_workers = weakref.WeakKeyDictionary()
_interpreter_exiting = False
# Held by submit() and by the exit hook, so that no work is queued and no
# worker starts unseen by the exit hook.
_global_lock = threading.Lock()


def _python_exit():
    """At interpreter exit: refuse new work, let workers drain, join them."""
    global _interpreter_exiting
    with _global_lock:
        _interpreter_exiting = True
        items = list(_workers.items())
    for _, work_queue in items:
        work_queue.close()
    for thread, _ in items:
        thread.join()


_compat.register_exit_hook(_python_exit)


def _after_fork_in_child():
    # The child has only the thread that forked: the parent's workers and
    # whatever state their locks were in do not exist here.
    global _global_lock
    _global_lock = threading.Lock()
    _workers.clear()


if hasattr(os, 'register_at_fork'):  # pragma: no branch (Windows lacks it)
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _WorkItem:
    """A call and the future that receives its outcome."""

    __slots__ = ('future', 'fn', 'args', 'kwargs')

    def __init__(self, future, fn, args, kwargs):
        self.future = future
        self.fn = fn
        self.args = args
        self.kwargs = kwargs

    def run(self):
        if not self.future.set_running_or_notify_cancel():
            return  # cancelled before it started
        try:
            result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:
            self.future.set_exception(exc)
            # The traceback holds this frame: drop self to avoid a cycle.
            self = None
        else:
            self.future.set_result(result)


class _Parked:
    """An idle worker's place in the queue: it sleeps on the gate (a Lock
    it holds) until put() or close() leaves an item and releases it."""

    __slots__ = ('gate', 'item')

    def __init__(self):
        self.gate = threading.Lock()
        self.gate.acquire()
        self.item = None


class _WorkQueue:
    """FIFO of work items that hands each item straight to an idle worker.

    A busy worker takes its next item without the lock (deque's popleft()
    is atomic, as the collections docs promise); only put() and a worker
    about to park take it. Why: under the GIL, a thread may lose the
    interpreter while it holds a Python-level lock, and then every thread
    that wants the lock sleeps until the holder runs again, a whole switch
    interval later. A lock taken for every item makes that common on a busy
    pool (scripts/bench.py measures what it costs).

    The lock may also be taken by the executor's weakref callback, which
    runs wherever the garbage collector happens to run, even in a thread
    that holds the lock already. So nothing done under the lock may start
    a collection: no new container objects, no loop, no Python-level call.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._items = collections.deque()
        self._parked = collections.deque()
        self._closed = False

    def put(self, item):
        """Queue *item*. Return True if an idle worker took it."""
        with self._lock:
            # While a worker is parked, _items is empty: it parked finding
            # _items empty under the lock, and since then put() has handed
            # every item over instead of appending it. So FIFO order holds.
            if not self._parked:
                self._items.append(item)
                return False
            # The worker parked longest ago: idle workers take turns, so
            # none is left cold while another is woken over and over (which
            # made one-at-a-time calls slower and less steady in
            # scripts/bench.py; throughput is the same either way).
            parked = self._parked.popleft()
        parked.item = item
        parked.gate.release()
        return True

    def get(self, parked):
        """Return the next item; None once the queue is closed and empty.

        With nothing to do, the worker sleeps on *parked* (its _Parked).
        """
        while True:
            try:
                return self._items.popleft()
            except IndexError:
                pass
            with self._lock:
                # Look again, under the lock: put() may have appended an
                # item since we looked, and would not know to wake us for it.
                idle, closed = not self._items, self._closed
                if idle and not closed:
                    self._parked.append(parked)
            if idle:
                break
            # An item came: take it as above. Not with popleft() under the
            # lock, which would raise if another worker or drain(), neither
            # of which takes the lock, took the item after our look.
        if closed:
            return None
        parked.gate.acquire()
        item, parked.item = parked.item, None
        return item

    def drain(self):
        """Remove and return every queued item."""
        # One popleft() at a time, as the workers take them (no lock, no
        # swap of the deque, which a worker could be reading at that moment).
        items = []
        while True:
            try:
                items.append(self._items.popleft())
            except IndexError:
                return items

    def close(self):
        """Wake every idle worker; from now on get() never blocks."""
        nobody = collections.deque()  # made before taking the lock: see above
        with self._lock:
            self._closed = True
            parked, self._parked = self._parked, nobody
        for worker in parked:
            worker.gate.release()  # item is None: stop


def _worker(executor_ref, work_queue, initializer, initargs):
    if initializer is not None:
        try:
            initializer(*initargs)
        except BaseException:
            _base.LOGGER.critical('Exception in initializer:', exc_info=True)
            executor = executor_ref()
            if executor is not None:
                executor._initializer_failed()
            return
    parked = _Parked()
    try:
        while True:
            item = work_queue.get(parked)
            if item is None:
                _stopped(executor_ref())
                return
            item.run()
            # Drop the item (and through it the call's arguments and result)
            # before sleeping on the queue (GH-60488).
            del item
    except BaseException:
        # Only a callback gets here (run() keeps the call's own exceptions in
        # its future), raising a BaseException that the future let through.
        # As in CPython, it ends this worker; the pool does not replace it.
        _base.LOGGER.critical('Exception in worker', exc_info=True)


def _stopped(executor):
    """A worker of *executor* (None if collected) found its queue closed.
    Whoever closed it (shutdown(), or the interpreter's exit hook), the
    executor runs nothing more: a later submit() says it was shut down."""
    if executor is not None:
        executor._shutdown = True  # one atomic store; submit() reads it under its lock


class BrokenThreadPool(_base.BrokenExecutor):
    """Raised when a worker thread in a ThreadPoolExecutor failed initializing."""


class ThreadPoolExecutor(_base.Executor):
    """An executor that runs calls on up to *max_workers* threads."""

    # Numbers the executors that get the default thread name prefix.
    _counter = itertools.count().__next__

    @classmethod
    def prepare_context(cls, initializer, initargs):
        """Check the initializer; return what each worker runs first.

        The constructor calls it once, on the executor's class, with any
        keyword arguments it does not take itself, so that a subclass can
        take settings of its own. What it returns is the pool's business:
        an override hands on what the base class returns.
        """
        if initializer is not None and not callable(initializer):
            raise TypeError('initializer must be a callable')
        return initializer, initargs

    def __init__(self, max_workers=None, thread_name_prefix='', initializer=None, initargs=(),
                 **ctxkwargs):
        """Make a pool of at most *max_workers* threads (default: the
        usable CPUs + 4, at most 32), named '<thread_name_prefix>_<n>'.
        Each thread calls initializer(*initargs) before any work;
        *ctxkwargs* go to prepare_context()."""
        if max_workers is None:
            max_workers = min(32, (_compat.usable_cpu_count() or 1) + 4)
        if max_workers <= 0:
            raise ValueError('max_workers must be greater than 0')
        self._initializer, self._initargs = type(self).prepare_context(
            initializer, initargs, **ctxkwargs)
        self._max_workers = max_workers
        self._thread_name_prefix = thread_name_prefix or 'ThreadPoolExecutor-%d' % self._counter()
        self._work_queue = _WorkQueue()
        self._threads = set()
        self._broken = False  # or the message of BrokenThreadPool
        self._shutdown = False
        # Guards _broken, _shutdown and _threads against concurrent submit(),
        # shutdown() and a failing initializer.
        self._shutdown_lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        future = _base.Future()
        item = _WorkItem(future, fn, args, kwargs)
        # The global lock too: the exit hook must not close the queue, nor
        # miss a worker, between our check of _interpreter_exiting and put().
        with self._shutdown_lock, _global_lock:
            if self._broken:
                raise BrokenThreadPool(self._broken)
            if self._shutdown:
                raise RuntimeError('cannot schedule new futures after shutdown')
            if _interpreter_exiting:
                raise RuntimeError('cannot schedule new futures after interpreter shutdown')
            if not self._work_queue.put(item) and len(self._threads) < self._max_workers:
                self._start_worker()
        return future
    submit.__doc__ = _base.Executor.submit.__doc__

    def _start_worker(self):
        # When the executor is collected without shutdown, close its queue
        # so the workers finish the queued work and exit. The callback must
        # not refer to the executor, or it would never be collected.
        def on_collect(_, work_queue=self._work_queue):
            work_queue.close()

        thread = threading.Thread(
            name='%s_%d' % (self._thread_name_prefix, len(self._threads)),
            target=_worker,
            args=(weakref.ref(self, on_collect), self._work_queue,
                  self._initializer, self._initargs))
        thread.start()
        self._threads.add(thread)
        _workers[thread] = self._work_queue

    def _initializer_failed(self):
        with self._shutdown_lock:
            self._broken = ('A thread initializer failed, the thread pool '
                            'is not usable anymore')
        # No new item can arrive now; fail the ones that will never run.
        for item in self._work_queue.drain():
            item.future.set_exception(BrokenThreadPool(self._broken))

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._shutdown_lock:
            self._shutdown = True
        # submit() checks _shutdown under the lock, so no item can be queued
        # after this point: drain and close see everything there will be.
        if cancel_futures:
            for item in self._work_queue.drain():
                item.future.cancel()
        self._work_queue.close()
        if wait:
            for thread in self._threads:
                thread.join()
    shutdown.__doc__ = _base.Executor.shutdown.__doc__
