"""The suite's machinery: implementations under test, clause markers,
version expectations, and helpers that carry failures out of other threads.

Every test that takes the ``futures`` fixture runs once per implementation:
``stdlib`` (concurrent.futures of the running CPython), ``reference`` (this
project) and any module named with ``--impl``. A test names the clauses it
checks with ``@pytest.mark.clause("Future.cancel/pending", ...)``.

Version expectations are data: when the running CPython is older than a
clause's ``since``, the stdlib run of its tests is a strict expected failure
(it must fail, so the suite notices when CPython changes). A test that
asserts the old behaviour itself says ``checks_old=True`` in its marker and
asks ``futures.predates(clause_id)``.
"""

import functools
import importlib
import json
import os
import pathlib
import platform
import subprocess
import sys
import textwrap
import threading

import pytest

from spec_tests import clauses as clause_data
from spec_tests.support import Gate, outcome_of

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLAUSES = clause_data.load()
BUILTIN_IMPLEMENTATIONS = {"stdlib": "concurrent.futures", "reference": "reference"}
REFERENCE_OLDEST = (3, 8)  # the reference is written in 3.8 syntax
NEEDS_NEWER = "not run: needs Python %d.%d+" % REFERENCE_OLDEST
_RECORDS = {}  # nodeid -> what --spec-results writes for that test
_COLLECTED_CLAUSES = set()  # the clauses that collected tests name (before any deselection)

# Before 3.8 the module that imports the reference itself (its chaining)
# cannot even be collected.
collect_ignore = [] if sys.version_info[:2] >= REFERENCE_OLDEST else ["test_chain.py"]


def pytest_addoption(parser):
    group = parser.getgroup("futures-spec")
    group.addoption(
        "--impl", action="append", default=None, metavar="NAME",
        help="implementation to test: stdlib, reference, or an importable module "
             "with the concurrent.futures API (repeatable; default: stdlib and "
             "reference; also read from $FUTURES_SPEC_IMPL, comma separated)")
    group.addoption(
        "--spec-results", metavar="PATH",
        help="write each test's outcome, implementation and clauses to PATH as JSON")


def pytest_configure(config):
    config.addinivalue_line("markers", "clause(*ids, checks_old=False): the SPEC.md clauses a test checks")
    config.addinivalue_line("markers", "detail: checks a CPython-specific detail (repr, log text, defaults)")
    config.addinivalue_line("markers", "stress: a long load or race test, scaled by --stress")
    config.addinivalue_line("markers", "refcount: checks what only CPython's reference counting gives")
    names = config.getoption("--impl") or os.environ.get("FUTURES_SPEC_IMPL", "").split(",")
    names = [name for name in names if name] or list(BUILTIN_IMPLEMENTATIONS)
    # On 3.6 and 3.7 the suite runs against the stdlib alone: the reference
    # cannot even be parsed there. The results say so instead of leaving a gap.
    config.futures_not_run = {}
    if sys.version_info[:2] < REFERENCE_OLDEST and "reference" in names:
        names.remove("reference")
        config.futures_not_run["reference"] = NEEDS_NEWER
    config.futures_impls = names


class Implementation:
    """One implementation under test, seen through its public API only."""

    def __init__(self, name):
        self.name = name
        self.module_name = BUILTIN_IMPLEMENTATIONS.get(name, name)
        self.module = importlib.import_module(self.module_name)
        self.thread = importlib.import_module(self.module_name + ".thread")
        self.BrokenThreadPool = getattr(self.thread, "BrokenThreadPool", None)  # 3.7+

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.module, attr)

    def predates(self, clause_id):
        return predates(self.name, clause_id)

    def __repr__(self):
        return "<implementation %s>" % self.name


def predates(impl_name, clause_id):
    """True when the old behaviour of the clause is what *impl_name* shows
    here: it is the stdlib of a CPython older than the clause, or the clause
    rests on a CPython-only mechanism (reference counting) and this Python
    is not CPython, whichever implementation runs on it."""
    clause = CLAUSES[clause_id]
    if clause.cpython_only and platform.python_implementation() != "CPython":
        return True
    return impl_name == "stdlib" and sys.version_info[:2] < clause.since


def pytest_generate_tests(metafunc):
    if "futures" in metafunc.fixturenames:
        names = metafunc.config.futures_impls
        metafunc.parametrize("futures", names, ids=names, indirect=True)


@pytest.fixture
def futures(request):
    return Implementation(request.param)


def _clause_marks(item):
    return list(item.iter_markers("clause"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Check clause ids, mark detail tests and expected old behaviour."""
    for item in items:
        marks = _clause_marks(item)
        ids = [clause_id for mark in marks for clause_id in mark.args]
        unknown = [clause_id for clause_id in ids if clause_id not in CLAUSES]
        if unknown:
            raise pytest.UsageError("%s names unknown clauses %s" % (item.nodeid, unknown))
        if any(CLAUSES[clause_id].kind == "detail" for clause_id in ids):
            item.add_marker(pytest.mark.detail)
        for mechanism in {CLAUSES[clause_id].cpython_only for clause_id in ids} - {""}:
            item.add_marker(mechanism)
        callspec = getattr(item, "callspec", None)
        impl = callspec.params.get("futures") if callspec else None
        predated = [clause_id for clause_id in ids if impl and predates(impl, clause_id)]
        checks_old = any(mark.kwargs.get("checks_old") for mark in marks)
        if predated and not checks_old:
            reason = "; ".join("%s: %s, %s" % (c, _predated_because(CLAUSES[c]), CLAUSES[c].before)
                               for c in predated)
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
        _RECORDS[item.nodeid] = {
            "nodeid": item.nodeid, "impl": impl, "clauses": ids, "predated": predated}
        _COLLECTED_CLAUSES.update(ids)


def _predated_because(clause):
    if clause.cpython_only and platform.python_implementation() != "CPython":
        return "CPython only (%s)" % clause.cpython_only
    return "before " + ".".join(map(str, clause.since))


def pytest_runtest_logreport(report):
    """Record each test's outcome: its call's, unless a phase failed."""
    record = _RECORDS.get(report.nodeid)
    if record is None:
        return
    outcome = outcome_of(report)
    if (report.when == "call" or outcome != "passed") and record.get("outcome", "passed") == "passed":
        record["outcome"] = outcome
        if outcome in ("failed", "error"):
            record["message"] = _failure_message(report)
        elif outcome == "skipped" and isinstance(report.longrepr, tuple):
            record["message"] = report.longrepr[2]  # (path, line, "Skipped: why")
        elif outcome == "xpassed":
            record["message"] = "passed where the old behaviour was expected: " + report.wasxfail


def _failure_message(report, limit=2000):
    """What pytest said of a failure: its crash line and the end of the report."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = report.longreprtext
    if len(text) > limit:
        text = "...\n" + text[-limit:]
    return ("%s\n\n%s" % (crash.message, text)) if crash is not None else text


def _clauses_left_out():
    """{clause id: why} for the clauses that no collected test names because
    their modules were left out (collect_ignore, before 3.8)."""
    if sys.version_info[:2] >= REFERENCE_OLDEST:
        return {}
    return {clause_id: NEEDS_NEWER for clause_id in CLAUSES if clause_id not in _COLLECTED_CLAUSES}


def pytest_sessionfinish(session):
    path = session.config.getoption("--spec-results", default=None)
    if not path:
        return
    records = [record for record in _RECORDS.values() if "outcome" in record]
    document = {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "implementation": platform.python_implementation(),
        "implementations": session.config.futures_impls,
        "not_run": session.config.futures_not_run,
        "not_run_clauses": _clauses_left_out(),
        "tests": records,
    }
    pathlib.Path(path).write_text(json.dumps(document, indent=1), encoding="utf-8")


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
