"""The fixtures the clause tests share (the helpers are in support.py).
The suite's machinery (which implementations run, clause markers, version
expectations, the results file) is the plugin in spec_tests/plugin.py,
loaded here."""

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from spec_tests.implementations import REFERENCE_OLDEST, ROOT, Implementation
from spec_tests.support import TIMINGS, Gate, Relay, Timing

pytest_plugins = ["spec_tests.plugin"]
pytest_plugins.append("spec_tests.executors.plugin")  # the executor profile: --executor (spec_tests/executors)

# Before 3.8 the module that imports the reference itself (its chaining)
# cannot even be collected.
collect_ignore = [] if sys.version_info[:2] >= REFERENCE_OLDEST else ["test_chain.py"]


@pytest.fixture
def futures(request):
    """The implementation under test (parametrized by the plugin)."""
    return Implementation(request.param)


@pytest.fixture
def relay():
    """A Relay; its first carried failure is re-raised when the test ends."""
    carrier = Relay()
    yield carrier
    carrier.check()


@pytest.fixture
def make_executor(futures):
    """Build ThreadPoolExecutors that are shut down (waiting) when the test ends."""
    made = []

    def make(*args, **kwargs):
        executor = futures.ThreadPoolExecutor(*args, **kwargs)
        made.append(executor)
        return executor

    yield make
    for executor in made:
        executor.shutdown(wait=True)


@pytest.fixture
def make_gate(make_executor):
    """Build Gates (tasks that block until opened); all are opened when the
    test ends, before the executors shut down."""
    made = []

    def make():
        made.append(Gate())
        return made[-1]

    yield make
    for each in made:
        each.open()


@pytest.fixture
def release(make_executor):
    """An Event that calls may wait on; set when the test ends, before the
    executors shut down."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture(params=TIMINGS)
def timing(request):
    """Each Timing in turn."""
    return Timing(request.param)


@pytest.fixture
def run_python(futures):
    """Run a program in a fresh interpreter with ``cf`` bound to the
    implementation under test (and ``cf_thread`` to its thread module).
    Returns the CompletedProcess (text output). *env* adds environment
    variables, *options* interpreter options (``["-X", "dev"]``)."""

    def run(source, timeout=60, env=None, options=()):
        prelude = ("import importlib\n"
                   "cf = importlib.import_module(%r)\n"
                   "cf_thread = importlib.import_module(%r)\n"
                   % (futures.module_name, futures.module_name + ".thread"))
        environment = dict(os.environ, **(env or {}))
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
        return subprocess.run(
            [sys.executable] + list(options) + ["-c", prelude + textwrap.dedent(source)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
            timeout=timeout, env=environment, stdin=subprocess.DEVNULL)

    return run
