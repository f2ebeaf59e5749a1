"""What the oldest supported Pythons lack, in one place.

The reference runs on Python 3.8 and newer with the behaviour of the newest
CPython. Each name here is the newest Python's own facility where it
exists, and a stand-in with the same effect on the Pythons without it; the
rest of the package uses these names and never asks for a version.
"""

import os
import sys
import threading
import types


def _alias_record(cls, item):
    """Future[int] on Python 3.8, which has no types.GenericAlias: a plain
    record of the two attributes an alias carries."""
    return types.SimpleNamespace(__origin__=cls, __args__=item if isinstance(item, tuple) else (item,))


# What Future[int] makes (Python 3.9+: the standard generic alias).
GenericAlias = getattr(types, 'GenericAlias', _alias_record)


def register_exit_hook(hook):
    """Run *hook* at interpreter exit before the non-daemon threads are
    joined, and so before any atexit handler."""
    if hasattr(threading, '_register_atexit'):  # Python 3.9+
        threading._register_atexit(hook)
        return
    # Python 3.8 has no such registry, but the interpreter joins non-daemon
    # threads by calling threading._shutdown(), before atexit handlers: run
    # the hook first there. (Without it, non-daemon workers would never be
    # told to stop, and the interpreter would wait for them forever.)
    join_threads = threading._shutdown

    def shutdown():
        hook()
        join_threads()

    threading._shutdown = shutdown


def usable_cpu_count():
    """CPUs this process may run on (os.process_cpu_count(), Python 3.13+),
    or None if unknown. Like Python 3.13+, a count given with
    ``-X cpu_count=N`` or ``PYTHON_CPU_COUNT=N`` stands for the real one."""
    if hasattr(os, 'process_cpu_count'):
        return os.process_cpu_count()
    given = _given_cpu_count()
    if given is not None:
        return given
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()  # pragma: can't happen on Linux


def _given_cpu_count():
    """The count of -X cpu_count, else of PYTHON_CPU_COUNT (unless -E or -I
    ignore the environment); None for neither, or for 'default'."""
    value = sys._xoptions.get('cpu_count')
    if value is None and not sys.flags.ignore_environment:
        value = os.environ.get('PYTHON_CPU_COUNT')
    if value is None or value == 'default':
        return None
    return int(value)
