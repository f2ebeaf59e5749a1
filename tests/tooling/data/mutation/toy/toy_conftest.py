"""The toy project's conftest (its spec_tests/conftest.py): what the
mutation runner asks of the real one, the --impl values as a parameter
and the --spec-results file, with each test's outcome."""

import json
import pathlib

OUTCOMES = {}


def pytest_addoption(parser):
    parser.addoption('--impl', action='append', default=[])
    parser.addoption('--spec-results')


def pytest_generate_tests(metafunc):
    if 'impl' in metafunc.fixturenames:
        metafunc.parametrize('impl', metafunc.config.getoption('--impl'))


def pytest_runtest_logreport(report):
    if report.when == 'call' or report.outcome != 'passed':
        OUTCOMES.setdefault(report.nodeid, report.outcome)


def pytest_sessionfinish(session):
    tests = [{'nodeid': nodeid, 'outcome': outcome, 'clauses': []} for nodeid, outcome in OUTCOMES.items()]
    pathlib.Path(session.config.getoption('--spec-results')).write_text(json.dumps({'tests': tests}))
