"""pytest plugin of the executor profile: ``--executor MODULE:CALLABLE``.

Loaded by spec_tests/conftest.py (``pytest_plugins``), so
``pytest spec_tests/executors --executor ...`` needs no ``-p``. (pytest takes
options only from plugins and conftests loaded before it parses the command
line: spec_tests/conftest.py is one for any path under spec_tests/, while
spec_tests/executors/conftest.py, under ``pytest spec_tests``, is loaded
only during collection, too late for ``--executor``.) Without an
executor selected, ``pytest spec_tests`` does not even collect the profile's
directory (and naming the directory or a file of it is a usage error saying
what to give), so this module must (and does) import harmlessly on every
Python the main suite runs on, and costs it nothing.
"""

import importlib
import json
import os
import platform
import sys
import time

import pytest

from spec_tests.support import outcome_of

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = "FUTURES_SPEC_EXECUTOR"
PYTEST_MAJOR = int(pytest.__version__.split(".")[0])
TEST_TIMEOUT = 30  # seconds per test (pytest-timeout), tighter than the suite's 60
LIBRARIES = ("loky", "distributed", "dask", "mpi4py", "pytest")  # versions recorded when loaded
_RECORDS = {}  # nodeid -> what --executor-results writes


def pytest_addoption(parser):
    group = parser.getgroup("futures-spec")
    group.addoption(
        "--executor", metavar="MODULE:CALLABLE", default=None,
        help="run the executor profile (spec_tests/executors) against the executors "
             "CALLABLE(max_workers) returns (also read from $%s)" % ENV)
    group.addoption(
        "--executor-results", metavar="PATH", default=None,
        help="write each profile test's outcome and clauses to PATH as JSON")


def selected(config):
    return config.getoption("--executor", default=None) or os.environ.get(ENV) or None


USAGE = ("the executor profile needs an executor: add --executor MODULE:CALLABLE "
         "(e.g. --executor concurrent.futures:ThreadPoolExecutor) or set $%s" % ENV)


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_workers(n): the test needs n calls running at once")
    if not selected(config) and not config.option.help and _asks_for_the_profile(config):
        raise pytest.UsageError(USAGE)


def _in_profile(path):
    """Whether *path* is the profile's directory or inside it."""
    path = os.path.abspath(str(path))
    return path == HERE or path.startswith(HERE + os.sep)


def _asks_for_the_profile(config):
    """Whether a command-line path names the profile's directory or a file
    in it (``pytest spec_tests`` does not: it just skips the directory)."""
    start = str(config.invocation_params.dir)
    return any(_in_profile(os.path.join(start, arg.split("::")[0])) for arg in config.args)


def _ignored(path, config):
    return True if not selected(config) and _in_profile(path) else None


if PYTEST_MAJOR >= 7:
    def pytest_ignore_collect(collection_path, config):
        return _ignored(collection_path, config)
else:
    def pytest_ignore_collect(path, config):
        return _ignored(path, config)


def load_factory(spec):
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise pytest.UsageError("--executor wants MODULE:CALLABLE, got %r" % spec)
    factory = getattr(importlib.import_module(module_name), attribute)
    if not callable(factory):
        raise pytest.UsageError("--executor %s is not callable" % spec)
    return factory


def follows_cpython(factory):
    """Whether the factory's executors are the running CPython's own: said
    by ``follows_cpython``, else so for anything of concurrent.futures
    itself (``--executor concurrent.futures:ThreadPoolExecutor``)."""
    default = (getattr(factory, "__module__", None) or "").startswith("concurrent.futures")
    return getattr(factory, "follows_cpython", default)


def pytest_cmdline_main(config):
    """A factory with a ``launcher`` makes executors that only exist inside
    a launched job (an MPI job): start it with this run's arguments, where
    the tests run; wait; check that it left nothing behind (launch.py).
    The run's exit status is the job's, or 1 when something was left."""
    spec = selected(config)
    if not spec or config.option.help or config.option.version:
        return None
    launcher = getattr(load_factory(spec), "launcher", None)
    from spec_tests.executors import launch
    if launcher is None or launch.launched() or launcher.inside():
        return None
    try:
        code, left = launch.run(launcher, config.invocation_params.args, str(config.invocation_params.dir))
    except LookupError as exc:  # the launcher is not installed
        raise pytest.UsageError(str(exc))
    if left:
        print("%s left behind: %s" % (spec, ", ".join(left)), file=sys.stderr)
        _note_left_behind(config, left)
        return code or 1
    return code


def _note_left_behind(config, left):
    """Add what the job left to its results document (scripts/executors.py
    reports it as it does a process left in the run's session)."""
    path = config.getoption("--executor-results", default=None)
    if not path or not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as source:
        document = json.load(source)
    document["left_behind"] = left
    with open(path, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1)


def pytest_collection_modifyitems(config, items):
    """Bound every profile test with pytest-timeout and note its clauses.
    An executor of the running CPython is held to this CPython's clauses:
    a clause newer than it is a strict expected failure, as in the suite."""
    spec = selected(config)
    if not spec:
        return
    factory = load_factory(spec)
    config._executor_started = time.monotonic()
    from spec_tests import clauses
    known = clauses.load()
    timeouts = config.pluginmanager.hasplugin("timeout")
    for item in items:
        if not _in_profile(item.fspath):
            continue
        ids = [c for mark in item.iter_markers("clause") for c in mark.args]
        _RECORDS[item.nodeid] = {"nodeid": item.nodeid, "clauses": ids}
        if timeouts and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT))
        if not follows_cpython(factory):
            continue
        newer = [c for c in ids if c in known and known[c].predates(sys.version_info)]
        _RECORDS[item.nodeid]["predated"] = newer
        if newer:
            item.add_marker(pytest.mark.xfail(strict=True, reason="; ".join(
                "%s: needs %s" % (c, known[c].since_text) for c in newer)))


def pytest_runtest_logreport(report):
    """Record each profile test's outcome: its call's, unless a phase failed."""
    record = _RECORDS.get(report.nodeid)
    if record is None:
        return
    outcome = outcome_of(report)
    record["duration"] = round(record.get("duration", 0) + report.duration, 3)
    if (report.when == "call" or outcome != "passed") and record.get("outcome", "passed") == "passed":
        record["outcome"] = outcome
        if outcome in ("failed", "error"):
            crash = getattr(report.longrepr, "reprcrash", None)
            record["message"] = (crash.message if crash is not None else report.longreprtext)[-1500:]
        elif outcome == "xfailed":
            record["message"] = report.wasxfail


def pytest_sessionfinish(session):
    path = session.config.getoption("--executor-results", default=None)
    if not path or not selected(session.config):
        return
    started = getattr(session.config, "_executor_started", time.monotonic())
    document = {
        "executor": selected(session.config),
        "python": "%d.%d.%d" % sys.version_info[:3],
        "implementation": platform.python_implementation(),
        "libraries": _libraries(),
        "seconds": round(time.monotonic() - started, 1),
        "tests": [record for record in _RECORDS.values() if "outcome" in record],
    }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1)


def _libraries():
    """{name: version} of the LIBRARIES loaded, and of the MPI library
    under mpi4py (its vendor's name and version)."""
    found = {name: getattr(sys.modules[name], "__version__", "?") for name in LIBRARIES if name in sys.modules}
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None:
        vendor, version = mpi.get_vendor()
        found["MPI"] = "%s %s" % (vendor, ".".join(map(str, version)))
    return found


@pytest.fixture(scope="session")
def executor_factory(request):
    spec = selected(request.config)
    factory = load_factory(spec)
    session = getattr(factory, "session", None)
    if session is None:
        yield factory
        return
    with session():
        yield factory


@pytest.fixture(scope="session")
def hub():
    from spec_tests.executors.signals import Hub
    server = Hub()
    yield server
    server.close()


class Pools:
    """Makes executors and gates for one test; at its end opens every gate,
    then shuts every executor down, waiting."""

    def __init__(self, factory, hub, test_id):
        self.factory = factory
        self.hub = hub
        self.prefix = "%s-%d" % (test_id, id(self))
        self.executors = []
        self.gates = []
        self.count = 0

    def __call__(self, max_workers=1):
        executor = self.factory(max_workers)
        self.executors.append(executor)
        return executor

    def workers(self, max_workers):
        """How many calls the executors of this factory really run at once."""
        return getattr(self.factory, "capacity", None) or max_workers

    def name(self, what):
        self.count += 1
        return "%s.%s%d" % (self.prefix, what, self.count)

    def gate(self):
        from spec_tests.executors.signals import Gate
        self.gates.append(Gate(self.hub, self.name("gate")))
        return self.gates[-1]

    def signal(self):
        return self.hub.signal(self.name("signal"))

    def counter(self):
        return self.hub.counter(self.name("counter"))

    def close(self):
        for gate in self.gates:
            gate.open()
        for executor in self.executors:
            executor.shutdown(wait=True)


@pytest.fixture
def pool(executor_factory, hub, request):
    pools = Pools(executor_factory, hub, request.node.name.replace(" ", "_"))
    yield pools
    pools.close()
