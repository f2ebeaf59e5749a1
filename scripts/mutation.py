"""Mutation testing of reference/: _base.py, thread.py, chain.py and _compat.py.

    nice -n 19 python3 scripts/mutation.py                 # the mutants whose verdicts no longer hold
    python3 scripts/mutation.py --files chain.py --workers 2
    python3 scripts/mutation.py --list                     # the mutants a run starts from
    python3 scripts/mutation.py --summary                  # counts from the results so far
    python3 scripts/mutation.py --survivors                # rows for docs/mutation-survivors.md

Each mutant is the module with one small change (scripts/mutation_parts/
operators.py says which, and how a mutant is named). Every worker has its
own copy of the project under a scratch directory; it writes a mutant
into its copy's reference/, runs the tests there in a fresh interpreter
and puts the file back. So the tests that start interpreters of their
own (PYTHONPATH) and the interleavings explorer (which reads
reference/*.py from disk) see the mutant as well as the in-process tests
do.

Which tests, per mutant: for _base.py, thread.py and _compat.py, the clause tests
(spec_tests/test_*.py) on the reference alone, and every scenario of the
interleavings explorer; for chain.py, which only test_chain.py imports,
test_chain.py on both implementations' futures. Of those, only the tests
that run one of the mutant's lines: the unmutated run (the baseline) is
made under coverage with one context per test, which says which tests run
which line; a test that never reaches the changed lines behaves as it did
there. A mutant whose lines run outside any test (at import, or in an
interpreter a test starts, whose lines carry no test's context) gets
every test. Not -x: every failing test is wanted, since the annotated
reference shows them all. The suite's own --spec-results file says which
clauses each failing test names.

The results (scripts/mutation_parts/results.py) are appended as each
mutant ends, so a stopped run goes on where it was. A run reuses every
earlier verdict that still holds (results.py states the rule: the
mutant's function unchanged, and its killing test, or for a survivor the
tests selected for it, unchanged) and runs the rest: after an edit to one
function, that function's mutants and those whose tests changed.
--fresh runs every mutant; --rerun-survivors every survivor, against all
its tests. When only the explorer catches a mutant, the trace of its
shortest failing schedule is kept too. Needs pytest and pytest-timeout,
and coverage to select the tests (without it every mutant gets every
test): by default the script makes .venv-mutation/ with them, and runs
the tests there.
"""

import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.mutation_parts import results, sources  # noqa: E402
from scripts.mutation_parts.operators import mutants as make_mutants  # noqa: E402

FILES = ('chain.py', 'thread.py', '_base.py', '_compat.py')
RESULTS = ROOT / 'docs' / 'mutation' / 'results.jsonl.gz'
SURVIVORS = ROOT / 'docs' / 'mutation-survivors.md'
VENV = ROOT / '.venv-mutation'
PLUGIN_DIR = ROOT / 'scripts' / 'mutation_parts'
COVERAGE_DATA = '.coverage-baseline'
COVERAGE_RC = 'coverage-baseline.ini'
# Run by the Python of the tests (which has coverage): the baseline's
# contexts per line of each reference module, as JSON.
DUMP_CONTEXTS = """
import json, os, sys, coverage
data = coverage.CoverageData(sys.argv[1])
data.read()
print(json.dumps({os.path.basename(name): data.contexts_by_lineno(name) for name in data.measured_files()
                  if os.path.basename(os.path.dirname(name)) == 'reference'}))
"""
SCENARIO_TEST = 'tests/interleavings/test_scenarios.py::test_every_schedule_keeps_the_invariant'
# What a copy leaves out: it needs reference/, spec_tests/, tests/, SPEC.md, tox.ini.
SKIP = shutil.ignore_patterns('.git', '.tox', '.venv*', 'report', 'docs', '__pycache__',
                              '.pytest_cache', '.benchmarks', '*.pyc')


def selection(file):
    """(pytest arguments, implementations, seconds per test) for the mutants
    of *file*. The limit per test only matters for a mutant that makes a
    test hang, and each such test costs it: the chain tests take
    milliseconds each, the others at most a fraction of a second (the
    explorer's scenarios set their own limit)."""
    if file == 'chain.py':
        return ['spec_tests/test_chain.py'], ['stdlib', 'reference'], 1
    tests = sorted(str(path.relative_to(ROOT)) for path in (ROOT / 'spec_tests').glob('test_*.py'))
    return tests + [SCENARIO_TEST], ['reference'], 3


def ensure_venv():
    python = VENV / 'bin' / 'python'
    if not python.exists():
        subprocess.run([sys.executable, '-m', 'venv', str(VENV)], check=True)
        subprocess.run([str(python), '-m', 'pip', 'install', '-q', 'pytest', 'pytest-timeout', 'coverage'],
                       check=True)
    return str(python)


class Worker:
    """A copy of the project (of *root*) in which one mutant at a time is tested."""

    def __init__(self, python, directory, test_timeout, mutant_timeout, root=ROOT):
        self.python = python
        self.dir = pathlib.Path(directory)
        self.test_timeout = test_timeout
        self.mutant_timeout = mutant_timeout
        self.process = None  # the pytest running now, if any
        self.stopped = False
        if self.dir.exists():
            shutil.rmtree(str(self.dir))
        shutil.copytree(str(root), str(self.dir), ignore=SKIP)

    def env(self):
        env = dict(os.environ)
        env.update(PYTHONPATH=os.pathsep.join([str(self.dir), str(PLUGIN_DIR)]),
                   PYTHONDONTWRITEBYTECODE='1',  # a mutant never meets a stale .pyc
                   MUTATION_STREAM=str(self.dir / 'stream.txt'), MUTATION_SKIP=str(self.dir / 'skip.txt'),
                   MUTATION_SELECT=str(self.dir / 'select.txt'),
                   MUTATION_GRACE='1')
        env.pop('FUTURES_SPEC_IMPL', None)
        for name in [name for name in env if name.startswith('COVERAGE')]:
            del env[name]  # under tox's coverage, a copy's files must not be measured
        return env

    def run_tests(self, file, only=None, measure=False):
        """Run the tests of *file*'s mutants here (*only* these node ids,
        if given; under coverage if *measure*, as the baseline is, with no
        time limit but the tests' own). Returns (seconds, cut short?,
        {nodeid: record}, [failed nodeids]). A record is the one
        --spec-results wrote, or for a test the suite's conftest does not
        see (the explorer's, under tests/), the one stream_plugin's lines
        make: {nodeid, outcome, message, clauses: []}.

        A test that hangs past the watchdog of stream_plugin ends the
        process; it counts as failed, and pytest is started again on the
        tests not yet run, until all have run or the mutant's time is up."""
        tests, impls, test_timeout = selection(file)
        test_timeout = self.test_timeout or test_timeout
        report, stream, skip, select = (self.dir / name for name in
                                        ('results.json', 'stream.txt', 'skip.txt', 'select.txt'))
        for path in (report, stream, skip, select):
            if path.exists():
                path.unlink()
        if only is not None:
            select.write_text('\n'.join(sorted(only)) + '\n')
        command = [self.python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'stream_plugin',
                   '--tb=short', '--timeout=%s' % test_timeout, '--spec-results=%s' % report]
        if measure:
            command[1:3] = ['-m', 'coverage', 'run', '--rcfile=%s' % self._coverage_rc(), '-m', 'pytest']
        # (Each option and its value one word: pytest 8 takes a separate value
        # for a path when it looks for conftest.py files, before it knows the
        # conftest's options.)
        command += ['--impl=%s' % impl for impl in impls] + tests
        started = time.monotonic()
        limit = None if measure else self.mutant_timeout
        records, failed, cut = {}, set(), False
        with open(str(self.dir / 'pytest.log'), 'w') as log:
            while not self.stopped:
                process = self.process = subprocess.Popen(
                    command, cwd=str(self.dir), env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True)
                cut = self._wait(process, report, started, limit)
                if report.exists():
                    try:
                        records.update((test['nodeid'], test) for test in json.loads(report.read_text())['tests'])
                    except ValueError:  # killed as it wrote them
                        pass
                    report.unlink()
                    break
                lines = read_stream(stream)
                done = {nodeid for kind, _, nodeid, _ in lines if kind == 'done'}
                stuck = [nodeid for kind, _, nodeid, _ in lines if kind in ('hung', 'start') and nodeid not in done]
                if cut or not stuck:  # out of time, or it died outside any test
                    cut = True
                    break
                failed.update(stuck)  # hung, or it ended the interpreter
                skip.write_text('\n'.join(sorted(done | set(stuck))) + '\n')
        seconds = time.monotonic() - started
        lines = read_stream(stream)
        for nodeid, test in streamed_records(lines).items():
            records.setdefault(nodeid, test)
        failed.update(nodeid for nodeid, test in records.items()
                      if test['outcome'] not in ('passed', 'skipped', 'xfailed'))
        failed.update(nodeid for kind, _, nodeid, _ in lines if kind in ('failed', 'hung'))
        if cut and not failed:
            failed.add('<the run was cut short: %s>' % ('time limit' if time.monotonic() - started
                                                       > self.mutant_timeout else 'it ended outside a test'))
        return seconds, cut, records, sorted(failed)

    def _coverage_rc(self):
        """A coverage configuration of the copy's own: lines (not branches)
        of reference/, into COVERAGE_DATA, in the interpreters the tests
        start as well (coverage 7.10+). Their lines have no test's context,
        so a mutant of a line that only a started interpreter runs, like
        the default worker count a test checks in a child with a narrower
        CPU affinity, gets every test rather than those of this process.

        The core is ctrace, a tracer, on every Python: the contexts need
        one. Coverage's sys.monitoring core (its default from Python 3.14)
        disables each line's event once it has recorded it, for speed, so
        it reports a line once per process, in the context of the first
        test to run it, and every later test that runs the line is lost.
        (Where the C tracer is missing, coverage falls back to its Python
        tracer, which keeps contexts too.)"""
        rc = self.dir / COVERAGE_RC
        for old in self.dir.glob(COVERAGE_DATA + '*'):
            old.unlink()
        rc.write_text('[run]\ncore = ctrace\nsource = reference\ndata_file = %s\nparallel = true\npatch = subprocess\n'
                      % (self.dir / COVERAGE_DATA))
        return rc

    def tests_by_line(self):
        """{module: {line: [node ids of the tests that ran it, '' for
        outside any test]}} from the baseline's coverage data."""
        # In the copy's environment: under tox's coverage, COVERAGE_FILE would
        # send combine to the outer run's data.
        subprocess.run([self.python, '-m', 'coverage', 'combine', '--rcfile=%s' % (self.dir / COVERAGE_RC)],
                       cwd=str(self.dir), env=self.env(), stdout=subprocess.DEVNULL, check=True)
        done = subprocess.run([self.python, '-c', DUMP_CONTEXTS, str(self.dir / COVERAGE_DATA)], env=self.env(),
                              stdout=subprocess.PIPE, universal_newlines=True, check=True)
        return {module: {int(line): contexts for line, contexts in lines.items()}
                for module, lines in json.loads(done.stdout).items()}

    def _wait(self, process, report, started, limit):
        """Wait for pytest; kill it at the time *limit* (None: none), or a
        few seconds after it wrote its results (a mutant may hang the
        interpreter's exit). True if killed before it wrote them."""
        written = None
        while True:
            try:
                process.wait(1)
                return False
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if written is None and report.exists():
                written = now
            if (limit is not None and now - started > limit) or (written is not None and now - written > 5):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return written is None

    def stop(self):
        """End the pytest this worker runs, with everything it started."""
        self.stopped = True
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)

    def explore(self, scenario):
        """The explorer's report (with the shortest failing schedule's trace)."""
        try:
            done = subprocess.run([self.python, '-m', 'tests.interleavings', 'explore', scenario],
                                  cwd=str(self.dir), env=self.env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                                  stdin=subprocess.DEVNULL)
            return done.stdout.replace(str(self.dir) + os.sep, '')[-8000:]  # paths as in the project
        except subprocess.TimeoutExpired:
            return '(the explorer took over 300 s)'

    def test(self, mutant, original, baseline, survived=None):
        """Run the tests with *mutant* in place; return its result record.
        *survived*: the mutant's earlier record, when it survived tests
        that are the same today; only the other tests run, and a survivor's
        new record lists both."""
        path = self.dir / 'reference' / mutant.file
        path.write_text(mutant.source)
        try:
            only, selected = baseline.selection(mutant)
            kept = {} if survived is None else results.unchanged(survived, baseline.fingerprint)
            if kept:
                only = selected = {nodeid for nodeid in selected if nodeid not in kept}
            seconds, cut, records, failed = self.run_tests(mutant.file, only)
            record = mutant.record()
            record.update(status='killed' if failed else 'survived', seconds=round(seconds, 1),
                          tests_run=len(records), failed=[], clauses=[], explorer={},
                          date=time.strftime('%Y-%m-%d'), python=baseline.python)
            if cut:
                record['cut_short'] = True
            clauses = set()
            for nodeid in failed:
                test = records.get(nodeid) or {}
                names = test.get('clauses') or baseline.clauses.get(nodeid, [])
                why = (test.get('message') or ('hung (ended by the watchdog)' if nodeid not in records else ''))
                record['failed'].append({'test': nodeid, 'clauses': names, 'why': why.split('\n')[0][:160],
                                         'source': baseline.fingerprint(nodeid)})
                clauses.update(names)
            record['clauses'] = sorted(clauses)
            if not results.killing_tests(record):  # its verdict stands on every test it ran
                record['selected'] = dict(kept, **{nodeid: baseline.fingerprint(nodeid) for nodeid in selected})
            scenarios = [_scenario(nodeid) for nodeid in failed]
            if failed and all(scenarios):  # only the explorer caught it: keep its trace
                record['explorer'] = {name: self.explore(name) for name in scenarios}
            return record
        finally:
            path.write_text(original)


def read_stream(path):
    """[(kind, phase, node id, message)] from stream_plugin's file (see there)."""
    if not path.exists():
        return []
    lines = []
    for line in path.read_text(encoding='utf-8').splitlines():
        kind, phase, nodeid, *message = line.split('\t')
        lines.append((kind, phase, nodeid, message[0] if message else ''))
    return lines


def streamed_records(lines):
    """{node id: record} for the tests the stream says ended: failed if a
    phase failed (with the first failure's message), else skipped if one
    was skipped, else passed."""
    phases = {}
    for kind, _, nodeid, message in lines:
        if kind == 'done':
            phases.setdefault(nodeid, [])
        elif kind in ('passed', 'failed', 'skipped'):
            phases.setdefault(nodeid, []).append((kind, message))
    records = {}
    for kind, _, nodeid, _ in lines:
        if kind == 'done':
            outcomes = [outcome for outcome, _ in phases[nodeid]]
            outcome = next((o for o in ('failed', 'skipped') if o in outcomes), 'passed')
            message = next((m for o, m in phases[nodeid] if o == 'failed'), '')
            records[nodeid] = {'nodeid': nodeid, 'outcome': outcome, 'message': message, 'clauses': []}
    return records


def covering_tests(tests_by_line, mutant):
    """The node ids of the tests that run a line of *mutant* in the
    baseline, or None for every test: when one of its lines ran outside any
    test (at import, in a started interpreter), or none ran at all."""
    if tests_by_line is None:
        return None
    lines = tests_by_line.get(mutant.file, {})
    tests = set()
    for line in range(mutant.line, mutant.end_line + 1):
        tests.update(lines.get(line, ()))
    if not tests or '' in tests:
        return None
    return tests


def _scenario(nodeid):
    if nodeid.startswith(SCENARIO_TEST + '['):
        return nodeid[len(SCENARIO_TEST) + 1:-1]
    return None


def read_verdicts(path):
    """{mutant id: (verdict, why)} from the table rows of the survivors file:
    | `id` | place | change | verdict | why |"""
    verdicts = {}
    if path.exists():
        for line in path.read_text(encoding='utf-8').splitlines():
            cells = [cell.strip() for cell in line.strip().strip('|').split('|')]
            found = re.match(r'^`([0-9a-f]{16})`$', cells[0]) if len(cells) >= 5 else None
            if found:
                verdicts[found.group(1)] = (cells[3], cells[4])
    return verdicts


def all_mutants(files):
    return [mutant for file in files
            for mutant in make_mutants(file, (ROOT / 'reference' / file).read_text())]


class Baseline:
    """The unmutated run of the tests that *files*' mutants get, under
    coverage if *measure*: every test must pass. It gives the mutants' runs
    each test's clauses (for a run cut short, which has no records of its
    own) and fingerprint, and which tests run each line."""

    def __init__(self, worker, files, results_path, lock, measure, tests):
        self.python = subprocess.run([worker.python, '-c', 'import platform; print(platform.python_version())'],
                                     stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
        self.clauses = {}  # node id: the clauses it names
        self.every_test = {}  # module: the node ids of the tests its mutants get
        self.tests_by_line = {} if measure else None  # module: {line: node ids}, as covering_tests() reads
        made = {}
        for file in files:
            suite = repr(selection(file))
            if suite not in made:  # _base.py, thread.py and _compat.py share theirs
                made[suite] = self._run(worker, file, results_path, lock, measure)
            nodeids, lines = made[suite]
            self.every_test[file] = nodeids
            if measure:
                self.tests_by_line[file] = lines.get(file, {})
        # All of them now: the workers' threads only read the dictionary.
        # (*tests* is the TestSources that planned the run, so the
        # fingerprints recorded are those the reuse rule compared.)
        self._fingerprints = {nodeid: tests.fingerprint(nodeid) for nodeid in self.clauses}

    def _run(self, worker, file, results_path, lock, measure):
        seconds, cut, records, failed = worker.run_tests(file, measure=measure)
        if failed or cut or not records:
            log = worker.dir / 'pytest.log'
            raise SystemExit('the unmutated tests for %s fail (%s): see %s, which ends:\n%s'
                             % (file, ', '.join(failed[:5]), log, '\n'.join(log.read_text().splitlines()[-5:])))
        results.append(results_path, {'kind': 'baseline', 'file': file, 'seconds': round(seconds, 1),
                                      'tests_run': len(records), 'python': self.python,
                                      'date': time.strftime('%Y-%m-%d')}, lock)
        print('baseline %s: %d tests pass in %.1f s%s' % (file, len(records), seconds,
                                                          ' (under coverage)' if measure else ''), flush=True)
        self.clauses.update((nodeid, test['clauses']) for nodeid, test in records.items())
        return set(records), (worker.tests_by_line() if measure else {})

    def selection(self, mutant):
        """(the node ids to run, or None for every test; the node ids that is)."""
        only = covering_tests(self.tests_by_line, mutant)
        return only, (only if only is not None else self.every_test[mutant.file])

    def fingerprint(self, nodeid):
        return self._fingerprints.get(nodeid)


def summary(records, files):
    """Lines of counts per module: killed, survived, not run yet (no
    verdict made for the mutant's function as it is today)."""
    lines = []
    for file in files:
        mutants = all_mutants([file])
        done = [r for r in (results.made_for(records.get(m.id), m) for m in mutants) if r is not None]
        killed = sum(1 for r in done if r['status'] == 'killed')
        seconds = sorted(r['seconds'] for r in done)
        lines.append('%-10s %4d mutants: %4d killed, %3d survived, %4d not run yet%s' % (
            file, len(mutants), killed, len(done) - killed, len(mutants) - len(done),
            ('; %.1f s per mutant (median %.1f)' % (sum(seconds) / len(seconds), seconds[len(seconds) // 2])
             if seconds else '')))
    return lines


def survivor_rows(records, files, survivors=SURVIVORS):
    """The rows of the tables of *survivors* (docs/mutation-survivors.md)
    for today's survivors, with the verdicts the file already gives them."""
    verdicts = read_verdicts(survivors)
    rows = []
    for m in all_mutants(files):
        record = results.made_for(records.get(m.id), m)
        if record is not None and record['status'] == 'survived':
            verdict, why = verdicts.get(m.id, ('', ''))
            rows.append('| `%s` | %s `%s` | %s: `%s` | %s | %s |' % (
                m.id, m.file, m.function, m.operator, m.description.replace('|', '\\|'), verdict, why))
    return rows


def plan(mutants, records, args, tests):
    """(the mutants to run, those whose survival is checked against
    today's tests once the baseline has run), by the reuse rule; *tests*
    gives today's fingerprints (sources.TestSources)."""
    todo, check = [], []
    for m in mutants:
        record = records.get(m.id)
        decision = results.decide(m, record, tests.fingerprint)
        survived = decision != results.RUN and record['status'] == 'survived'
        if args.fresh or (args.rerun_survivors and survived):
            decision = results.RUN
        if decision == results.RUN:
            todo.append(m)
        elif decision == results.CHECK:
            check.append(m)
    return todo, check


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--files', default=','.join(FILES), help='comma separated (default: %(default)s)')
    parser.add_argument('--workers', type=int, default=(os.cpu_count() or 1) + 1,
                        help='copies tested at once (default: one more than the cores, since a mutant '
                             'that hangs tests spends most of its time waiting)')
    parser.add_argument('--results', type=pathlib.Path, default=RESULTS)
    parser.add_argument('--scratch', default=None, help='where the copies go (default: a temporary directory)')
    parser.add_argument('--limit', type=int, default=None, help='run at most this many mutants')
    parser.add_argument('--only', default=None, help='comma separated mutant ids')
    parser.add_argument('--test-timeout', type=float, default=None,
                        help='seconds per test (pytest-timeout; default: 1 for chain.py, 3 for the others)')
    parser.add_argument('--mutant-timeout', type=int, default=150,
                        help='seconds per mutant, all its tests; a mutant that makes test after test '
                             'hang is cut short there (its record says cut_short)')
    parser.add_argument('--python', default=None, help='the Python with pytest (default: .venv-mutation/)')
    parser.add_argument('--fresh', action='store_true', help='run every mutant, reusing no verdict')
    parser.add_argument('--rerun-survivors', action='store_true',
                        help='run the mutants that survived again, against all their tests (a run '
                             'gives each only the tests new to it)')
    parser.add_argument('--list', action='store_true',
                        help='print the mutants to run, and the survivors to check against their tests, and stop')
    parser.add_argument('--summary', action='store_true', help='print the counts so far and stop')
    parser.add_argument('--survivors', action='store_true',
                        help='print the surviving mutants as rows for docs/mutation-survivors.md (with the '
                             'verdict already given there), and stop')
    args = parser.parse_args(argv)
    files = [f.strip() for f in args.files.split(',') if f.strip()]
    records = results.read_results(args.results)
    if args.summary:
        print('\n'.join(summary(records, files)))
        return 0
    if args.survivors:
        print('\n'.join(survivor_rows(records, files)))
        return 0
    mutants = all_mutants(files)
    if args.only:
        wanted = set(args.only.split(','))
        mutants = [m for m in mutants if m.id in wanted]
    tests = sources.TestSources(ROOT)
    todo, check = plan(mutants, records, args, tests)
    if args.list:
        for word, listed in (('run', todo), ('check', check)):
            for m in listed:
                print('%-5s %s %s:%d %s %s: %s' % (word, m.id, m.file, m.line, m.function, m.operator,
                                                   m.description))
        return 0
    if not todo and not check:
        print('nothing to run: every mutant has a verdict that holds in %s' % args.results)
        return 0
    args.results.parent.mkdir(parents=True, exist_ok=True)
    python = args.python or ensure_venv()
    scratch = pathlib.Path(args.scratch or tempfile.mkdtemp(prefix='futures-spec-mutation-'))
    lock = threading.Lock()
    measure = subprocess.run([python, '-c', 'import coverage'], stderr=subprocess.DEVNULL).returncode == 0
    if not measure:
        print('no coverage in %s: every mutant gets every test of its module' % python, flush=True)
    workers = [Worker(python, scratch / 'worker-0', args.test_timeout, args.mutant_timeout)]
    baseline = Baseline(workers[0], sorted({m.file for m in todo + check}, key=files.index),
                        args.results, lock, measure, tests)
    survivors = {}  # id: the earlier record of a survivor that new or changed tests meet
    for m in check:
        if results.untested(records[m.id], baseline.selection(m)[1], baseline.fingerprint):
            survivors[m.id] = records[m.id]
            todo.append(m)
    reused = len(mutants) - len(todo)
    rerun = {m.id for m in todo}
    todo = [m for m in mutants if m.id in rerun][:args.limit]
    print('%d verdicts reused; %d mutants to run (%d survivors among them, against the tests new or changed '
          'since)' % (reused, len(todo), len({m.id for m in todo} & set(survivors))), flush=True)
    if todo:
        count = max(1, min(args.workers, len(todo)))
        print('%d workers, copies under %s' % (count, scratch), flush=True)
        workers += [Worker(python, scratch / ('worker-%d' % n), args.test_timeout, args.mutant_timeout)
                    for n in range(1, count)]
        if not run_all(todo, workers, baseline, survivors, args.results, lock, files):
            return 1
    print('\n'.join(summary(results.read_results(args.results), files)))
    shutil.rmtree(str(scratch), ignore_errors=True)
    return 0


def run_all(todo, workers, baseline, survivors, results_path, lock, files):
    """Test every mutant of *todo*, one per idle worker, appending each
    record as it ends (*survivors*: Worker.test()'s earlier records, by
    id). False if stopped (Ctrl-C, or kill PID): the runs in flight end,
    and a rerun goes on from the records written."""
    originals = {file: (ROOT / 'reference' / file).read_text() for file in files}
    idle = list(workers)
    started, done = time.monotonic(), 0

    def run(mutant):
        with lock:
            worker = idle.pop()
        try:
            return worker.test(mutant, originals[mutant.file], baseline, survivors.get(mutant.id))
        finally:
            with lock:
                idle.append(worker)

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    pool = concurrent.futures.ThreadPoolExecutor(len(workers))
    try:
        for record in (f.result() for f in concurrent.futures.as_completed(
                [pool.submit(run, m) for m in todo])):
            results.append(results_path, record, lock)
            done += 1
            elapsed = time.monotonic() - started
            print('[%d/%d, %.0f s, about %.0f s left] %s:%d %s %s: %s -> %s (%d tests failed, %.1f s)' % (
                done, len(todo), elapsed, elapsed / done * (len(todo) - done), record['file'], record['line'],
                record['function'], record['operator'], record['change'], record['status'], len(record['failed']),
                record['seconds']), flush=True)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.stop()
        print('stopped; %d mutants done in this run' % done)
        return False
    pool.shutdown()
    return True


if __name__ == '__main__':
    sys.exit(main())
