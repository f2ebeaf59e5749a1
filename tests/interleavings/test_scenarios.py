"""Every schedule of every scenario keeps the scenario's invariant on the
reference (one schedule of each class of equivalent ones is run, with no
preemption bound: see reduction.py); and the machinery that says so is
itself checked: it finds a deadlock, models timeouts as choices, explores
each schedule once, replays what it reports, and fails loudly when the
reference no longer has a name it wraps.

With FUTURES_SPEC_SCHEDULES=sample, each scenario runs a short seeded
sample of schedules instead (explorer.sampling). The counts of runs are
printed (even under capture).
"""

import ast
import random
import sys
import types

import pytest

from tests.interleavings import controlled, explorer
from tests.interleavings.scenarios import SCENARIOS, Scenario


@pytest.mark.timeout(600)
@pytest.mark.parametrize('name', list(SCENARIOS))
def test_every_schedule_keeps_the_invariant(name, capsys):
    scenario = SCENARIOS[name]
    if explorer.sampling():
        report = explorer.random_walk(scenario, explorer.SAMPLE_RUNS, explorer.SAMPLE_SEED)
    else:
        report = explorer.explore(scenario)
    with capsys.disabled():
        sys.stdout.write('\n  %s (Python %d.%d)' % ((report.summary(),) + sys.version_info[:2]))
    assert report.runs > 1
    if scenario.known_failure:
        # A sample may miss the schedule that shows it; it must show nothing else.
        assert report.failures or report.mode == 'random', (
            'no longer fails, update the scenario: %s' % scenario.known_failure)
        assert set(report.kinds) <= {'invariant'}, 'fails otherwise too: %s' % (
            explorer.format_failure(report.shortest))
    else:
        assert report.passed, explorer.format_failure(report.shortest)


# --- the machinery --------------------------------------------------------

class OppositeLockOrder(Scenario):
    """Two threads take two locks in opposite orders."""

    name = 'opposite-lock-order'

    def body(self):
        first, second = self.threading.Lock(), self.threading.Lock()
        other = self.ctx.spawn(self.both, second, first)
        self.both(first, second)
        other.join()

    def both(self, outer, inner):
        with outer:
            with inner:
                pass


def test_a_deadlock_is_found_with_its_trace():
    report = explorer.explore(OppositeLockOrder)
    assert report.failures and report.shortest.failure.kind == 'deadlock'
    text = explorer.format_failure(report.shortest)
    assert 'waits to acquire Lock#' in text and 'replay: ' in text
    assert report.shortest.preemptions == 1  # shrunk to the one switch it needs
    assert explorer.explore(OppositeLockOrder, bound=0).passed


class TimedWait(Scenario):
    """Event.wait(timeout) against a thread that sets the event."""

    name = 'timed-wait'
    results = set()  # what wait() returned, over all runs

    def body(self):
        event = self.threading.Event()
        setter = self.ctx.spawn(event.set)
        self.results.add(event.wait(5))
        setter.join()


def test_a_timed_wait_may_time_out_at_each_point():
    TimedWait.results.clear()  # other tests explore it too
    report = explorer.explore(TimedWait)
    assert report.passed and TimedWait.results == {True, False}


class Spin(Scenario):
    """Never ends."""

    name = 'spin'
    max_steps = 50

    def body(self):
        lock = self.threading.Lock()
        while True:
            with lock:
                pass


def test_the_step_bound_ends_a_run_that_never_ends():
    outcome = explorer.replay(Spin, '-')
    assert outcome.failure.kind == 'step bound' and 50 <= outcome.steps <= 51  # + a release


def test_a_thread_left_blocked_fails_the_run():
    class LeavesAWorker(Scenario):
        name = 'leaves-a-worker'

        def body(self):
            self.executor = self.ref.ThreadPoolExecutor(max_workers=1)  # never shut down
            self.executor.submit(self.call, 1).result()

    outcome = explorer.replay(LeavesAWorker, '-')
    assert outcome.failure.kind == 'blocked at end'
    assert 'ThreadPoolExecutor-0_0: waits to acquire Lock#' in outcome.failure.details


def test_each_schedule_is_explored_once_and_bounds_nest(monkeypatch):
    """Without the reduction, no two runs take the same choices, and a
    bound's schedules include the smaller bound's."""
    runs = []
    original = explorer.run_scenario

    def recording(scenario, chooser, bug=None):
        outcome = original(scenario, chooser, bug)
        runs.append(tuple(p.options[p.chosen] for p in outcome.points))
        return outcome

    monkeypatch.setattr(explorer, 'run_scenario', recording)
    seen = []
    for bound in (0, 1, 2):
        del runs[:]
        explorer.explore(SCENARIOS['cancel-vs-pickup'], bound=bound, reduction=False)
        assert len(set(runs)) == len(runs)
        seen.append(set(runs))
    assert seen[0] < seen[1] < seen[2]


@pytest.mark.parametrize('name', list(SCENARIOS))
def test_a_random_schedule_replays_exactly(name):
    scenario = SCENARIOS[name]
    outcomes = [explorer.run_once(scenario, explorer.RandomChooser(random.Random(7)))
                for _ in range(2)]
    assert outcomes[0].trace == outcomes[1].trace  # the same seed, the same run
    again = explorer.replay(scenario, outcomes[0].schedule)
    assert again.diverged is None
    assert again.trace == outcomes[0].trace


def test_the_seam_runs_fresh_unchanged_copies():
    """Each run gets its own copy of the reference, compiled from the real
    files, with the controlled threading; nothing leaks to the process."""
    import os
    import reference
    import reference._base
    modules = dict(sys.modules)
    runs = [controlled.Run() for _ in range(2)]
    copies = [explorer.load_reference(run) for run in runs]
    assert dict(sys.modules) == modules
    assert copies[0].Future is not copies[1].Future is not reference.Future
    assert copies[0]._base.threading is runs[0].module
    assert copies[0].thread.threading is runs[0].module
    assert reference._base.threading.Lock is not runs[0].module.Lock
    code = copies[0].Future.cancel.__code__
    assert code.co_filename == os.path.join(str(explorer.REFERENCE), '_base.py')
    assert code.co_code == reference.Future.cancel.__code__.co_code
    if hasattr(os, 'register_at_fork'):
        assert len(runs[0].fork_hooks) == 1  # recorded on the run, not the process
    if sys.version_info >= (3, 9):
        assert [hook.__name__ for hook, _, _ in runs[0].atexit_hooks] == ['_python_exit']
    else:
        assert runs[0].module._shutdown.__name__ == 'shutdown'  # the reference's wrapper


def test_the_seam_compiles_imports_as_assignments_on_their_lines():
    source = ('from __future__ import annotations\n'
              'import threading\n'
              'from ._base import (A,\n'
              '                    B as C)\n'
              'from . import thread\n')
    tree = explorer._ImportsThroughSeam().visit(ast.parse(source))
    assert [(type(stmt).__name__, stmt.lineno) for stmt in tree.body] == [
        ('ImportFrom', 1), ('Assign', 2), ('Assign', 3), ('Assign', 3), ('Assign', 5)]
    namespace = {'__seam_import__': lambda name: types.SimpleNamespace(name=name, A=1, B=2)}
    exec(compile(tree, '<test>', 'exec'), namespace)
    assert (namespace['threading'].name, namespace['A'], namespace['C']) == ('threading', 1, 2)
    assert namespace['thread'].name == '.thread'
    for unsupported in ('import os.path', 'from .. import x', 'from os import *'):
        with pytest.raises(SyntaxError, match='the seam does not compile'):
            explorer._ImportsThroughSeam().visit(ast.parse(unsupported))


@pytest.mark.parametrize('old, new, missing', [
    ('        self._state = PENDING', '        self._status = PENDING', '_base._state'),
    ('        self.settled = []', '        self.done = []', '_base.settled'),
    ("LOGGER = logging.getLogger('concurrent.futures')", "LOG = logging.getLogger('concurrent.futures')",
     '_base.LOGGER')])
def test_a_name_the_seam_wraps_must_exist(old, new, missing):
    """The explorer wraps private names of the reference; one renamed
    there fails every run, naming it, rather than going unwatched."""
    renamed = explorer.Patch('_base', old, new)
    with pytest.raises(explorer.SeamError, match=missing.replace('.', r'\.')):
        explorer.load_reference(controlled.Run(), [renamed], 'renamed')


class Forgetful(Scenario):
    """Starts one more thread in every other run: not the same run twice."""

    name = 'forgetful'
    runs = [0]

    def body(self):
        self.runs[0] += 1
        lock = self.threading.Lock()
        others = [self.ctx.spawn(self.take, lock) for _ in range(1 + self.runs[0] % 2)]
        self.take(lock)
        for other in others:
            other.join()

    @staticmethod
    def take(lock):
        with lock:
            pass


def test_a_scenario_that_does_not_repeat_itself_is_reported():
    """The reduction replays a path only where it meets the options it
    met before."""
    with pytest.raises(explorer.NondeterministicScenario):
        explorer.explore(Forgetful)
