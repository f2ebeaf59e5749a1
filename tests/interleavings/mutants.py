"""Do the interleaving checks still kill the mutants only they killed?

    python -m tests.interleavings.mutants                 # every such mutant
    python -m tests.interleavings.mutants --list          # which, and from which record
    python -m tests.interleavings.mutants --results PATH --workers 2

The mutation runner (scripts/mutation.py) records, for each mutant of the
reference, the tests that failed (docs/mutation/results.jsonl.gz). The
mutants that only the interleaving checks killed are the explorer's own
evidence: a change to the explorer must not let any of them survive.

Each is rebuilt from its record with the runner's operators
(scripts/mutation_parts/operators.py): by its id when reference/ has not
changed since, else by the same change (module, operator and description)
nearest the recorded line, or by the one same change in another module
when its code moved there. It is written into a copy of the project of
its own, where the pytest node ids that killed it run again, as the runner
runs them. The exit status is 1 if one survives or cannot be rebuilt.
Python 3.9+ (the operators use ast.unparse).
"""

import argparse
import concurrent.futures
import gzip
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_RESULTS = REPO / 'docs' / 'mutation' / 'results.jsonl.gz'
# The node ids of the interleaving checks, now and before they moved.
OWN_TESTS = ('tests/interleavings/', 'spec_tests/interleavings/')
SKIP = shutil.ignore_patterns('.git', '.tox', '.venv*', 'report', 'docs', '__pycache__',
                              '.pytest_cache', '*.pyc')


def records(path):
    """The last record of each mutant in the runner's results file."""
    latest = {}
    with gzip.open(str(path), 'rt', encoding='utf-8') as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                if 'id' in record:
                    latest[record['id']] = record
    return list(latest.values())


def killed_only_here(record):
    """The node ids (new path) that killed the mutant, if only interleaving
    checks did; else None."""
    failed = [entry['test'] for entry in record.get('failed', ())]
    if record.get('status') != 'killed' or not failed or not all(test.startswith(OWN_TESTS)
                                                                 for test in failed):
        return None
    return sorted({'tests/interleavings/' + test.split('interleavings/', 1)[1] for test in failed})


def rebuild(record, made):
    """The mutant of today's reference/ that *record* describes, or None.
    *made*: {module: [Mutant]} of today's sources. By id; else the same
    change nearest the recorded line in its module; else the one same
    change in another module (code that moved, as the 3.8 stand-ins did
    to _compat.py)."""
    def same_change(mutants):
        return [m for m in mutants if (m.operator, m.description) == (record['operator'], record['change'])]

    for mutant in made.get(record['file'], ()):
        if mutant.id == record['id']:
            return mutant
    same = same_change(made.get(record['file'], ()))
    if same:
        return min(same, key=lambda m: abs(m.line - record['line']))
    moved = same_change(m for module, mutants in made.items() if module != record['file'] for m in mutants)
    return moved[0] if len(moved) == 1 else None


def selected(results):
    """[(mutant or None, record, node ids)], one per mutant of today's
    reference (records of an older source may name the same one)."""
    sys.path.insert(0, str(REPO))
    from scripts.mutation_parts.operators import mutants
    made = {path.name: mutants(path.name, path.read_text(encoding='utf-8'))
            for path in sorted((REPO / 'reference').glob('*.py')) if path.name != '__init__.py'}
    chosen, seen = [], set()
    for record in records(results):
        tests = killed_only_here(record)
        if tests is None:
            continue
        mutant = rebuild(record, made)
        if mutant is not None and mutant.id in seen:
            continue
        seen.add(mutant.id if mutant else record['id'])
        chosen.append((mutant, record, tests))
    return chosen


def check(mutant, tests, python, scratch):
    """Run *tests* on a copy of the project with *mutant* in place; return
    (killed, the last lines of pytest's output)."""
    copy = pathlib.Path(tempfile.mkdtemp(prefix='mutant-%s-' % mutant.id, dir=scratch))
    shutil.rmtree(str(copy))
    shutil.copytree(str(REPO), str(copy), ignore=SKIP)
    (copy / 'reference' / mutant.file).write_text(mutant.source, encoding='utf-8')
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1', PYTHONPATH=str(copy))
    env.pop('FUTURES_SPEC_SCHEDULES', None)  # the full exploration, not a sample
    try:
        done = subprocess.run([python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--timeout=150']
                              + tests, cwd=str(copy), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=900)
        output, killed = done.stdout, done.returncode != 0
    except subprocess.TimeoutExpired:
        output, killed = 'timed out', True
    finally:
        shutil.rmtree(str(copy), ignore_errors=True)
    return killed, '\n'.join(output.strip().splitlines()[-3:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--results', type=pathlib.Path, default=DEFAULT_RESULTS)
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--python', default=sys.executable)
    parser.add_argument('--list', action='store_true', help='list the mutants and stop')
    args = parser.parse_args(argv)
    chosen = selected(args.results)
    lost = [record for mutant, record, _ in chosen if mutant is None]
    for record in lost:
        print('cannot rebuild %s %s:%s %s: %s' % (record['id'], record['file'], record['line'],
                                                 record['operator'], record['change']))
    todo = [(mutant, tests) for mutant, _, tests in chosen if mutant is not None]
    if args.list:
        for mutant, tests in todo:
            print('%s %s:%d %s: %s  <- %s' % (mutant.id, mutant.file, mutant.line, mutant.operator,
                                              mutant.description, ' '.join(t.rsplit('[', 1)[-1][:-1]
                                                                           for t in tests)))
        return 0
    scratch = tempfile.mkdtemp(prefix='futures-spec-mutants-')
    survivors = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.workers)) as pool:
            jobs = {pool.submit(check, mutant, tests, args.python, scratch): mutant for mutant, tests in todo}
            for job in concurrent.futures.as_completed(jobs):
                mutant = jobs[job]
                killed, tail = job.result()
                print('%s %s %s:%d %s: %s' % ('killed  ' if killed else 'SURVIVED', mutant.id, mutant.file,
                                              mutant.line, mutant.operator, mutant.description), flush=True)
                if not killed:
                    survivors.append(mutant)
                    print('    ' + tail.replace('\n', '\n    '))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print('%d of %d killed; %d could not be rebuilt' % (len(todo) - len(survivors), len(todo), len(lost)))
    return 1 if survivors or lost else 0


if __name__ == '__main__':
    sys.exit(main())
