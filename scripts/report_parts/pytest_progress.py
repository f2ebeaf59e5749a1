"""A pytest plugin the report's runs load (-p scripts.report_parts.pytest_progress):
it appends "total N" once collected, then "done OUTCOME" per finished test,
to the file named by $REPORT_PROGRESS_FILE (nothing when unset). The
results JSON stays the source of truth; this only feeds the live progress.
Written for every Python the report runs, 3.6 included."""

import os

_path = os.environ.get("REPORT_PROGRESS_FILE")
_outcomes = {}


def _write(line):
    if _path:
        with open(_path, "a") as stream:
            stream.write(line + "\n")


def pytest_collection_finish(session):
    _write("total %d" % len(session.items))


def pytest_runtest_logreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "failed"
    else:
        _outcomes.setdefault(report.nodeid, "passed")
    if report.when == "teardown":
        _write("done %s" % _outcomes.pop(report.nodeid))
