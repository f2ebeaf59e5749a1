"""The reduction loses no class of schedules and runs none twice: on
small scenarios, the search with it runs exactly the classes that every
schedule falls into; on every scenario, it runs each class that the
schedules within a small preemption bound fall into (reduction.class_of).
"""

import math

import pytest

from tests.interleavings import explorer, reduction
from tests.interleavings.scenarios import SCENARIOS
from tests.interleavings.test_scenarios import OppositeLockOrder, TimedWait

SMALL = ['cancel-vs-result', 'result-timeout-vs-set-result', 'callback-vs-set-result',
         'callback-order-vs-set-result']


def classes(scenario, monkeypatch, **how):
    """[class_of each run that was not cut short] of explore(scenario, **how)."""
    found = []
    original = explorer.run_scenario

    def recording(scenario, chooser, bug=None):
        outcome = original(scenario, chooser, bug)
        if not outcome.cut:
            found.append(reduction.class_of(outcome.transitions))
        return outcome

    monkeypatch.setattr(explorer, 'run_scenario', recording)
    explorer.explore(scenario, shrink_failure=False, **how)
    monkeypatch.undo()
    return found


@pytest.mark.parametrize('scenario', [SCENARIOS[name] for name in SMALL] + [OppositeLockOrder, TimedWait],
                         ids=lambda scenario: scenario.name)
def test_every_class_is_run_once(scenario, monkeypatch):
    every = set(classes(scenario, monkeypatch, bound=math.inf, reduction=False))
    reduced = classes(scenario, monkeypatch, bound=math.inf)
    assert len(reduced) == len(set(reduced)), 'a class was run twice'
    assert set(reduced) == every


@pytest.mark.parametrize('name', list(SCENARIOS))
def test_no_class_within_one_preemption_is_lost(name, monkeypatch):
    if explorer.sampling():
        pytest.skip('a sample run (FUTURES_SPEC_SCHEDULES=sample) leaves this to the full one')
    scenario = SCENARIOS[name]
    bounded = set(classes(scenario, monkeypatch, bound=1, reduction=False))
    reduced = classes(scenario, monkeypatch)
    assert len(reduced) == len(set(reduced)), 'a class was run twice'
    assert bounded <= set(reduced), '%d classes lost' % len(bounded - set(reduced))
