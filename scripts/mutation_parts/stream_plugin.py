"""The pytest plugin each mutant's run loads (scripts/mutation.py).

A mutant may deadlock a test where pytest-timeout cannot help: once its
alarm has failed the call, a fixture's teardown that joins a stuck worker
waits forever, and so may the interpreter's exit. So this plugin:

* appends "start<TAB>-<TAB>nodeid" to $MUTATION_STREAM as a test starts,
  "outcome<TAB>phase<TAB>nodeid" for every phase as it ends (a failure
  adds "<TAB>" and the first line of its message), and
  "done<TAB>-<TAB>nodeid" when the test is over,
  so a run that has to be killed still tells what it had found, and the
  runner learns the outcome of the tests the suite's --spec-results does
  not record (those outside spec_tests/, the explorer's);
* ends the process (exit status 3) when one test, setup to teardown, runs
  past its pytest-timeout plus $MUTATION_GRACE seconds, after writing
  "hung<TAB>-<TAB>nodeid";
* leaves out the tests listed in the file $MUTATION_SKIP (one node id a
  line), so the runner can go on after a hung test with the tests not yet
  run, and, when the file $MUTATION_SELECT exists, every test it does not
  list (the tests that run a mutant's lines);
* under coverage (the runner's baseline), names each test's coverage
  context after its node id, so the runner learns which tests run which
  line; and stops the session before any test (a usage error) when
  coverage warns that its contexts would be incomplete: a core that cannot
  switch them (sys.monitoring's) records each line for the first test
  that runs it only, and so would give a mutant too few tests.

The suite's own --spec-results file, written when a session ends, stays
the source of each clause test's clauses and outcome.
"""

import os
import threading
import warnings

import pytest


def _write(kind, when, nodeid, message=None):
    path = os.environ.get('MUTATION_STREAM')
    if path:
        with open(path, 'a', encoding='utf-8') as stream:
            fields = [kind, when, nodeid] + ([' '.join(message.split())[:300]] if message is not None else [])
            stream.write('\t'.join(fields) + '\n')
            stream.flush()


def _listed(variable):
    """The node ids in the file $variable names, or None without one."""
    path = os.environ.get(variable)
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as listing:
        return set(listing.read().splitlines())


def pytest_collection_modifyitems(config, items):
    skip, select = _listed('MUTATION_SKIP') or set(), _listed('MUTATION_SELECT')

    def wanted(item):
        return item.nodeid not in skip and (select is None or item.nodeid in select)

    dropped = [item for item in items if not wanted(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if wanted(item)]


def _coverage():
    """The Coverage measuring this process, if any."""
    try:
        import coverage
    except ImportError:
        return None
    return coverage.Coverage.current()


def pytest_configure(config):
    measuring = _coverage()
    if measuring is None:
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        measuring.switch_context('')
    complaints = [str(w.message) for w in caught if w.category.__name__ == 'CoverageWarning']
    if complaints:
        raise pytest.UsageError('coverage cannot tell which test runs a line: %s' % complaints[0])


def _watchdog(nodeid):
    _write('hung', '-', nodeid)
    os._exit(3)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    marker = item.get_closest_marker('timeout')
    limit = marker.args[0] if marker and marker.args else item.config.getoption('timeout', None) or 60
    timer = threading.Timer(float(limit) + float(os.environ.get('MUTATION_GRACE', '5')),
                            _watchdog, (item.nodeid,))
    timer.daemon = True
    timer.start()
    measuring = _coverage()
    if measuring is not None:
        measuring.switch_context(item.nodeid)  # setup, call and teardown alike
    try:
        yield
    finally:
        if measuring is not None:
            measuring.switch_context('')
        timer.cancel()
        _write('done', '-', item.nodeid)


def pytest_runtest_logstart(nodeid, location):
    _write('start', '-', nodeid)


def pytest_runtest_logreport(report):
    if report.failed:
        crash = getattr(report.longrepr, 'reprcrash', None)
        lines = (crash.message if crash is not None else report.longreprtext).strip().splitlines()
        _write(report.outcome, report.when, report.nodeid, lines[0] if lines else '')
    else:
        _write(report.outcome, report.when, report.nodeid)
