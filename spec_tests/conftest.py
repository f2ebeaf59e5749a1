"""The fixtures the clause tests share. The suite's machinery (which
implementations run, clause markers, version expectations, the results
file) is the plugin in spec_tests/plugin.py, loaded here."""

import functools
import os
import subprocess
import sys
import textwrap
import threading

import pytest

from spec_tests.implementations import REFERENCE_OLDEST, ROOT, Implementation
from spec_tests.support import Gate

pytest_plugins = ["spec_tests.plugin"]
pytest_plugins.append("spec_tests.executors.plugin")  # the executor profile: --executor (spec_tests/executors)

# Before 3.8 the module that imports the reference itself (its chaining)
# cannot even be collected.
collect_ignore = [] if sys.version_info[:2] >= REFERENCE_OLDEST else ["test_chain.py"]


@pytest.fixture
def futures(request):
    """The implementation under test (parametrized by the plugin)."""
    return Implementation(request.param)


class Relay:
    """Carries failures out of callbacks and worker threads into the test.

    A Future swallows an exception raised by a callback (it only logs it),
    and a worker turns an assertion error into a future's exception that
    nobody may look at. Wrap such code with ``relay(fn)``: the first
    failure is re-raised when the test ends.
    """

    def __init__(self):
        self.errors = []

    def __call__(self, fn):
        @functools.wraps(fn)
        def relayed(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except BaseException as exc:
                self.errors.append(exc)
                raise
        return relayed

    def check(self):
        if self.errors:
            raise self.errors[0]


@pytest.fixture
def relay():
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
def gate(make_executor):
    """Make Gates (tasks that block until opened); all are opened when the
    test ends, before the executors shut down."""
    made = []

    def make():
        made.append(Gate())
        return made[-1]

    yield make
    for each in made:
        each.open()


TIMINGS = ("attached-before-completion", "attached-after-completion", "completed-by-other-thread")


class Timing:
    """When something is attached to a future relative to its completion."""

    def __init__(self, name):
        self.name = name

    def run(self, attach, complete):
        """Run attach() (add a callback, start waiting...) and complete()
        (set_result, cancel...) in this timing. A failure in the completing
        thread is re-raised here."""
        if self.name == "attached-after-completion":
            complete()
            attach()
            return
        attach()
        if self.name == "attached-before-completion":
            complete()
            return
        failures = []

        def completer():
            try:
                complete()
            except BaseException as exc:
                failures.append(exc)

        thread = threading.Thread(target=completer, name="completer")
        thread.start()
        thread.join()
        if failures:
            raise failures[0]


@pytest.fixture(params=TIMINGS)
def timing(request):
    return Timing(request.param)


@pytest.fixture
def run_python(futures):
    """Run a program in a fresh interpreter with ``cf`` bound to the
    implementation under test (and ``cf_thread`` to its thread module).
    Returns the CompletedProcess (text output)."""

    def run(source, timeout=60):
        prelude = ("import importlib\n"
                   "cf = importlib.import_module(%r)\n"
                   "cf_thread = importlib.import_module(%r)\n"
                   % (futures.module_name, futures.module_name + ".thread"))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(source)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
            timeout=timeout, env=env, stdin=subprocess.DEVNULL)

    return run
