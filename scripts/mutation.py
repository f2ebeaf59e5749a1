"""Mutation testing of reference/_base.py, thread.py and chain.py.

    nice -n 19 python3 scripts/mutation.py                 # every mutant not yet run
    python3 scripts/mutation.py --files chain.py --workers 2
    python3 scripts/mutation.py --list                     # the mutants not run yet
    python3 scripts/mutation.py --summary                  # counts from the results so far

Each mutant is the module with one small change (scripts/mutation_parts/
operators.py says which). Every worker has its own copy of the project
under a scratch directory; it writes a mutant into its copy's reference/,
runs the tests there in a fresh interpreter and puts the file back. So the
tests that start interpreters of their own (PYTHONPATH) and the
interleavings explorer (which reads reference/*.py from disk) see the
mutant as well as the in-process tests do.

Which tests, per mutant: for _base.py and thread.py, the clause tests
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

The results are JSON lines, gzipped, appended as each mutant ends
(docs/mutation/results.jsonl.gz): a rerun skips the mutants already there
(--rerun-survivors runs the survivors again, after tests were added).
A mutant's id is a hash of its whole source, so a change to reference/
makes new mutants of the changed module and leaves old results unused.
When only the explorer catches a mutant, the trace of its shortest failing
schedule is kept too. Needs pytest and pytest-timeout, and coverage to
select the tests (without it every mutant gets every test): by default
the script makes .venv-mutation/ with them, and runs the tests there.
"""

import argparse
import collections
import concurrent.futures
import gzip
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

from scripts.mutation_parts.operators import mutants as make_mutants  # noqa: E402

FILES = ('chain.py', 'thread.py', '_base.py')
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
# What a copy leaves out: it needs reference/, spec_tests/, SPEC.md, tox.ini.
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
        results, stream, skip, select = (self.dir / name for name in
                                         ('results.json', 'stream.txt', 'skip.txt', 'select.txt'))
        for path in (results, stream, skip, select):
            if path.exists():
                path.unlink()
        if only is not None:
            select.write_text('\n'.join(sorted(only)) + '\n')
        command = [self.python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'stream_plugin',
                   '--tb=short', '--timeout=%s' % test_timeout, '--spec-results=%s' % results]
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
                cut = self._wait(process, results, started, limit)
                if results.exists():
                    try:
                        records.update((test['nodeid'], test) for test in json.loads(results.read_text())['tests'])
                    except ValueError:  # killed as it wrote them
                        pass
                    results.unlink()
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
        subprocess.run([self.python, '-m', 'coverage', 'combine', '--rcfile=%s' % (self.dir / COVERAGE_RC)],
                       cwd=str(self.dir), stdout=subprocess.DEVNULL, check=True)
        done = subprocess.run([self.python, '-c', DUMP_CONTEXTS, str(self.dir / COVERAGE_DATA)],
                              stdout=subprocess.PIPE, universal_newlines=True, check=True)
        return {module: {int(line): contexts for line, contexts in lines.items()}
                for module, lines in json.loads(done.stdout).items()}

    def _wait(self, process, results, started, limit):
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
            if written is None and results.exists():
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

    def test(self, mutant, original, clauses_of, tests_by_line):
        """Run the tests with *mutant* in place; return its result record."""
        path = self.dir / 'reference' / mutant.file
        path.write_text(mutant.source)
        try:
            seconds, cut, records, failed = self.run_tests(mutant.file, covering_tests(tests_by_line, mutant))
            record = mutant.record()
            record.update(status='killed' if failed else 'survived', seconds=round(seconds, 1),
                          tests_run=len(records), failed=[], clauses=[], explorer={})
            if cut:
                record['cut_short'] = True
            clauses = set()
            for nodeid in failed:
                test = records.get(nodeid) or {}
                names = test.get('clauses') or clauses_of.get(nodeid, [])
                why = (test.get('message') or ('hung (ended by the watchdog)' if nodeid not in records else ''))
                record['failed'].append({'test': nodeid, 'clauses': names, 'why': why.split('\n')[0][:160]})
                clauses.update(names)
            record['clauses'] = sorted(clauses)
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


def open_results(path, mode):
    """A results file: JSON lines, gzipped when its name ends in .gz (each
    append adds a gzip member; readers see one stream of lines)."""
    if str(path).endswith('.gz'):
        return gzip.open(str(path), mode, encoding='utf-8')
    return open(str(path), mode, encoding='utf-8')


def read_results(path):
    """The records in a results file, the last one per mutant id."""
    records = collections.OrderedDict()
    if path.exists():
        for line in open_results(path, 'rt').read().splitlines():
            if line.strip():
                record = json.loads(line)
                records[record.get('id') or 'baseline %s' % record.get('file')] = record
    return records


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


def carried_verdicts(records, verdicts):
    """{(file, operator, change): (verdict, why)} of the survivors judged
    so far: a mutant made again after an edit elsewhere in its module has a
    new id (its source differs) but is the same change."""
    def key(record):
        return record.get('file'), record.get('operator'), record.get('change')

    made = collections.Counter(key(record) for record in records.values() if 'id' in record)
    carried = {}
    for mutant_id, verdict in verdicts.items():
        record = records.get(mutant_id)
        if record is not None and made[key(record)] == 1:  # a change made twice is ambiguous
            carried[key(record)] = verdict
    return carried


def all_mutants(files):
    return [mutant for file in files
            for mutant in make_mutants(file, (ROOT / 'reference' / file).read_text())]


def baseline(worker, file, results_path, lock, measure):
    """Run the unmutated tests once: they must all pass, and their records
    give the clauses of the tests a cut-short run names. Returns those
    clauses, and the tests that run each line (None unless *measure*)."""
    seconds, cut, records, failed = worker.run_tests(file, measure=measure)
    if failed or cut or not records:
        log = worker.dir / 'pytest.log'
        raise SystemExit('the unmutated tests for %s fail (%s): see %s, which ends:\n%s'
                         % (file, ', '.join(failed[:5]), log, '\n'.join(log.read_text().splitlines()[-5:])))
    record = {'kind': 'baseline', 'file': file, 'seconds': round(seconds, 1), 'tests_run': len(records),
              'python': sys.version.split()[0], 'date': time.strftime('%Y-%m-%d')}
    _append(results_path, record, lock)
    print('baseline %s: %d tests pass in %.1f s%s' % (file, len(records), seconds,
                                                      ' (under coverage)' if measure else ''), flush=True)
    return {nodeid: test['clauses'] for nodeid, test in records.items()}, (
        worker.tests_by_line() if measure else None)


def _append(path, record, lock):
    with lock:
        with open_results(path, 'at') as out:
            out.write(json.dumps(record, sort_keys=True) + '\n')


def summary(records, files):
    """Lines of counts per module: killed, survived, not yet run."""
    current = {m.id: m for m in all_mutants(files)}
    lines = []
    for file in files:
        ids = [mutant_id for mutant_id, m in current.items() if m.file == file]
        done = [records[i] for i in ids if i in records]
        killed = sum(1 for r in done if r['status'] == 'killed')
        seconds = [r['seconds'] for r in done]
        lines.append('%-10s %4d mutants: %4d killed, %3d survived, %4d not run yet%s' % (
            file, len(ids), killed, len(done) - killed, len(ids) - len(done),
            ('; %.1f s per mutant (median %.1f)' % (sum(seconds) / len(seconds), sorted(seconds)[len(seconds) // 2])
             if seconds else '')))
    return lines


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
    parser.add_argument('--rerun-survivors', action='store_true',
                        help='run the mutants that survived again (after adding tests)')
    parser.add_argument('--list', action='store_true', help='print the mutants not run yet, and stop')
    parser.add_argument('--summary', action='store_true', help='print the counts so far and stop')
    parser.add_argument('--survivors', action='store_true',
                        help='print the surviving mutants as rows for docs/mutation-survivors.md (with the '
                             'verdict already given there, also to the same change under an old id), and stop')
    args = parser.parse_args(argv)
    files = [f.strip() for f in args.files.split(',') if f.strip()]
    records = read_results(args.results)
    if args.summary:
        print('\n'.join(summary(records, files)))
        return 0
    if args.survivors:
        verdicts = read_verdicts(SURVIVORS)
        carried = carried_verdicts(records, verdicts)
        for m in all_mutants(files):
            if records.get(m.id, {}).get('status') == 'survived':
                verdict, why = verdicts.get(m.id) or carried.get((m.file, m.operator, m.description), ('', ''))
                print('| `%s` | %s:%d | %s: `%s` | %s | %s |' % (
                    m.id, m.file, m.line, m.operator, m.description.replace('|', '\\|'), verdict, why))
        return 0
    todo = [m for m in all_mutants(files) if m.id not in records
            or (args.rerun_survivors and records[m.id].get('status') == 'survived')]
    if args.only:
        wanted = set(args.only.split(','))
        todo = [m for m in todo if m.id in wanted]
    if args.list:
        for m in todo:
            print('%s %s:%d %s: %s' % (m.id, m.file, m.line, m.operator, m.description))
        return 0
    todo = todo[:args.limit]
    if not todo:
        print('nothing to run: every mutant has a result in %s' % args.results)
        return 0
    args.results.parent.mkdir(parents=True, exist_ok=True)
    python = args.python or ensure_venv()
    scratch = pathlib.Path(args.scratch or tempfile.mkdtemp(prefix='futures-spec-mutation-'))
    count = max(1, min(args.workers, len(todo)))
    print('%d mutants to run on %d workers, copies under %s' % (len(todo), count, scratch), flush=True)
    workers = [Worker(python, scratch / ('worker-%d' % n), args.test_timeout, args.mutant_timeout)
               for n in range(count)]
    lock = threading.Lock()
    measure = subprocess.run([python, '-c', 'import coverage'], stderr=subprocess.DEVNULL).returncode == 0
    if not measure:
        print('no coverage in %s: every mutant gets every test of its module' % python, flush=True)
    clauses_of, tests_by_line, selections = {}, {}, set()
    for file in sorted({m.file for m in todo}, key=files.index):
        if repr(selection(file)) not in selections:  # _base.py and thread.py share theirs
            selections.add(repr(selection(file)))
            clauses, lines = baseline(workers[0], file, args.results, lock, measure)
            clauses_of.update(clauses)
            for module, module_lines in (lines or {}).items():
                if selection(module) == selection(file):  # the tests its mutants get
                    tests_by_line[module] = module_lines
    tests_by_line = tests_by_line if measure else None
    originals = {file: (ROOT / 'reference' / file).read_text() for file in files}
    idle = list(workers)
    started, done = time.monotonic(), 0

    def run(mutant):
        with lock:
            worker = idle.pop()
        try:
            return worker.test(mutant, originals[mutant.file], clauses_of, tests_by_line)
        finally:
            with lock:
                idle.append(worker)

    # Stopped (Ctrl-C, or kill PID): end the runs in flight; a rerun goes on
    # from the mutants whose results were written.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    pool = concurrent.futures.ThreadPoolExecutor(count)
    try:
        for record in (f.result() for f in concurrent.futures.as_completed(
                [pool.submit(run, m) for m in todo])):
            _append(args.results, record, lock)
            done += 1
            elapsed = time.monotonic() - started
            print('[%d/%d, %.0f s, about %.0f s left] %s:%d %s: %s -> %s (%d tests failed, %.1f s)' % (
                done, len(todo), elapsed, elapsed / done * (len(todo) - done), record['file'], record['line'],
                record['operator'], record['change'], record['status'], len(record['failed']),
                record['seconds']), flush=True)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.stop()
        print('stopped; %d mutants done in this run' % done)
        return 1
    pool.shutdown()
    print('\n'.join(summary(read_results(args.results), files)))
    shutil.rmtree(str(scratch), ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
