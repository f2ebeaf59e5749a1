"""mutants.py picks the mutants only the interleaving checks killed and
rebuilds each from today's reference/, even after the lines moved."""

import sys

import pytest

from tests.interleavings import mutants


def test_only_the_mutants_killed_by_interleaving_checks_alone_are_picked():
    def record(*tests, status='killed'):
        return {'status': status, 'failed': [{'test': test} for test in tests]}

    old = 'spec_tests/interleavings/test_scenarios.py::test_every_schedule_keeps_the_invariant[submit-result]'
    assert mutants.killed_only_here(record(old)) == [old.replace('spec_tests', 'tests', 1)]
    assert mutants.killed_only_here(record(old, 'spec_tests/test_future.py::test_cancel')) is None
    assert mutants.killed_only_here(record(old, status='survived')) is None
    assert mutants.killed_only_here(record()) is None


@pytest.mark.skipif(sys.version_info < (3, 9), reason='the mutation operators use ast.unparse (3.9+)')
def test_a_mutant_is_rebuilt_by_its_change_when_its_id_is_stale():
    sys.path.insert(0, str(mutants.REPO))
    from scripts.mutation_parts.operators import mutants as make
    source = (mutants.REPO / 'reference' / 'thread.py').read_text(encoding='utf-8')
    made = {'thread.py': make('thread.py', source)}
    mutant = next(m for m in made['thread.py'] if m.operator == 'lock-unwrapped')
    stale = dict(mutant.record(), id='0' * 16, line=mutant.line + 3)
    assert mutants.rebuild(stale, made) is mutant
    assert mutants.rebuild(dict(stale, change='no such change'), made) is None
