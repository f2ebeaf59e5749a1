"""The results of scripts/mutation.py, and which verdicts in them still hold.

The results are JSON lines, gzipped (docs/mutation/results.jsonl.gz),
appended as each mutant ends; the last record of a mutant id counts. A
record holds the mutant's identity (operators.Mutant.record()), its
verdict (``status``: killed or survived), what the run found (``failed``:
each failing test with its clauses and its fingerprint, ``clauses``, the
explorer's trace), and what the verdict was made for: ``function_source``,
the fingerprint of the mutant's function, and for a verdict reached
without a failing test (a survivor, or a run cut short by the time limit)
``selected``, the tests it ran with their fingerprints
(scripts/mutation_parts/sources.py says what a fingerprint covers).

The reuse rule. An earlier verdict holds, and its mutant is not run again,
when its function's fingerprint is unchanged, and

* for a mutant killed by a test: one of the tests that failed still exists
  with an unchanged fingerprint (the same test meets the same code);
* for a mutant that only the time limit ended (a busy wait): every test
  selected for it then is unchanged (the same tests run out of time);
* for a survivor: every test selected for it now (the tests that run its
  lines in today's baseline) ran for it then, with an unchanged
  fingerprint (no new or changed test meets it).

Everything else runs again: a new mutant, a changed function, a killing
test gone or changed. A survivor that new or changed tests now meet runs
against those tests only (untested() names them): it passed the others as
they are today. If it survives them too, its new record's ``selected``
holds both. The rule is PIT's (its history file) and Stryker's (its
incremental report), with functions in place of their classes and files.
What it does not see: an edit to another function, or to a fixture or
helper a test reaches only indirectly, can change a verdict too; a full
run (--fresh) checks them all.
"""

import collections
import gzip
import json

REUSE, CHECK, RUN = 'reuse', 'check', 'run'


def open_results(path, mode):
    """A results file: JSON lines, gzipped when its name ends in .gz (each
    append adds a gzip member; readers see one stream of lines)."""
    if str(path).endswith('.gz'):
        return gzip.open(str(path), mode, encoding='utf-8')
    return open(str(path), mode, encoding='utf-8')


def read_results(path):
    """The records in a results file, the last one per mutant id (a
    baseline's under "baseline <file>")."""
    records = collections.OrderedDict()
    if path.exists():
        with open_results(path, 'rt') as lines:
            for line in lines:
                if line.strip():
                    record = json.loads(line)
                    records[record.get('id') or 'baseline %s' % record.get('file')] = record
    return records


def append(path, record, lock):
    with lock:
        with open_results(path, 'at') as out:
            out.write(json.dumps(record, sort_keys=True) + '\n')


def made_for(record, mutant):
    """*record* if it is a verdict on *mutant*'s function as it is today."""
    if record is not None and record.get('function_source') == mutant.function_source:
        return record
    return None


def killing_tests(record):
    """The node ids of the tests that failed (not "<the run was cut short>")."""
    return [failure['test'] for failure in record['failed'] if not failure['test'].startswith('<')]


def decide(mutant, record, fingerprint):
    """REUSE, CHECK or RUN: what to do with *mutant*, whose last record is
    *record* (or None); *fingerprint* gives a test's fingerprint today.
    CHECK is a survivor made for today's function: its verdict holds
    unless untested() finds tests that run its lines today and that it has
    not passed as they are (which takes the baseline to tell)."""
    record = made_for(record, mutant)
    if record is None:
        return RUN
    if record['status'] == 'killed' and killing_tests(record):
        standing = [failure for failure in record['failed']
                    if failure.get('source') is not None and failure['source'] == fingerprint(failure['test'])]
        return REUSE if standing else RUN
    if 'selected' not in record:  # made before records said which tests they stood on
        return RUN
    if record['status'] == 'survived':
        return CHECK
    return REUSE if set(unchanged(record, fingerprint)) == set(record['selected']) else RUN  # timed out


def unchanged(record, fingerprint):
    """{node id: fingerprint} of the tests selected for *record* that are
    the same today (for a survivor: the tests it passed that still hold)."""
    return {nodeid: then for nodeid, then in record['selected'].items()
            if then is not None and then == fingerprint(nodeid)}


def untested(record, selected, fingerprint):
    """The node ids of *selected* that did not run for *record* as they are
    today: new tests, and tests changed since."""
    ran = unchanged(record, fingerprint)
    return {nodeid for nodeid in selected if nodeid not in ran}
