"""The suite's machinery, as a pytest plugin: the implementations under
test, clause markers, version expectations and the results file.

Every test that takes the ``futures`` fixture runs once per implementation:
``stdlib`` (concurrent.futures of the running CPython), ``reference`` (this
project) and any module named with ``--impl``. A test names the clauses it
checks with ``@pytest.mark.clause("Future.cancel/pending", ...)``.

Version expectations are data: when the running CPython is older than a
clause's ``since``, the stdlib run of its tests is a strict expected failure
(it must fail, so the suite notices when CPython changes). A test that
asserts the old behaviour itself says ``checks_old=True`` in its marker and
asks ``futures.predates(clause_id)``.

``--stdlib-from DIR`` runs ``stdlib`` from the concurrent.futures package
of a CPython source tree (DIR/Lib, or any directory holding
concurrent/futures/) on the running interpreter, whose version still
decides the expectations; the results file records where it came from.
"""

import json
import os
import pathlib
import platform
import sys
import time

import pytest

from spec_tests import clauses as clause_data
from spec_tests.implementations import BUILTIN_IMPLEMENTATIONS, CLAUSES, REFERENCE_OLDEST, TreeStdlib, predates
from spec_tests.support import outcome_of

NEEDS_NEWER = "not run: needs Python %d.%d+" % REFERENCE_OLDEST
_RECORDS = {}  # nodeid -> what --spec-results writes for that test
_COLLECTED_CLAUSES = set()  # the clauses that collected tests name (before any deselection)


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
    group.addoption(
        "--stdlib-from", metavar="DIR",
        help="test as stdlib the concurrent.futures package of a CPython source tree "
             "(DIR/Lib, or a directory holding concurrent/futures/), on this interpreter "
             "and with its version's expectations")


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
    config.futures_tree = _use_tree(config.getoption("--stdlib-from"))


def _use_tree(tree):
    """Install the stdlib of *tree* (None: keep the running one). It must
    happen here, before any test module imports concurrent.futures."""
    if not tree:
        return None
    try:
        return TreeStdlib(tree).install()
    except ValueError as exc:
        raise pytest.UsageError("--stdlib-from: %s" % exc)


def pytest_unconfigure(config):
    tree = getattr(config, "futures_tree", None)
    if tree is not None:
        tree.remove()


def pytest_generate_tests(metafunc):
    if "futures" in metafunc.fixturenames:
        names = metafunc.config.futures_impls
        metafunc.parametrize("futures", names, ids=names, indirect=True)


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
    release = clause_data.deciding_release(clause.since_releases, sys.version_info) or clause.since
    return "before " + clause_data.version_text(release)


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
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "tests": records,
    }
    if session.config.futures_tree is not None:
        document["stdlib_from"] = session.config.futures_tree.record()
    pathlib.Path(path).write_text(json.dumps(document, indent=1), encoding="utf-8")
