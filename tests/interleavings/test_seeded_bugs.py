"""The checker can fail: known concurrency bugs, seeded into a copy of the
reference (a patch of the fresh copy's code; reference/ is untouched), are
each found by exploring the scenario they break, with a trace, and the
reported schedule replays to the same failure.

Every bug here is a plausible slip that shows only in some
interleavings; the test prints the shortest failing schedule found. A
patch names lines of code only, never comments (see explorer.Patch), so
that rewording a comment in reference/ cannot break it.
``python -m tests.interleavings explore <scenario> --bug <name>``
shows one.
"""

import collections
import io
import textwrap
import tokenize

import pytest

from tests.interleavings import explorer
from tests.interleavings.explorer import Patch
from tests.interleavings.scenarios import SCENARIOS

SeededBug = collections.namedtuple('SeededBug', 'name scenario description patches')

BUGS = {bug.name: bug for bug in [
    SeededBug(
        'cancel-checks-outside-lock', 'cancel-vs-pickup',
        'cancel() looks at the state before taking the lock: the worker can '
        'start the call in between, and cancel() still returns True',
        [Patch('_base', '''\
        with self._lock:
            if self._state in (RUNNING, FINISHED):
                return False
            if self._state in _CANCELLED_STATES:''', '''\
        if self._state in (RUNNING, FINISHED):
            return False
        with self._lock:
            if self._state in _CANCELLED_STATES:''')]),
    SeededBug(
        'cancel-without-lock', 'cancel-vs-pickup',
        'cancel() looks at the state and changes it without the lock: the '
        'worker can take the call up in between, and cancel() overwrites its '
        'state and returns True',
        [Patch('_base', '''\
        with self._lock:
            if self._state in (RUNNING, FINISHED):
                return False
            if self._state in _CANCELLED_STATES:
                return True
            self._state = CANCELLED''', '''\
        if True:
            if self._state in (RUNNING, FINISHED):
                return False
            if self._state in _CANCELLED_STATES:
                return True
            self._state = CANCELLED''')]),
    SeededBug(
        'set-running-checks-outside-lock', 'cancel-vs-pickup',
        'set_running_or_notify_cancel() sees PENDING before taking the lock: '
        'a cancel() in between is overwritten and the call runs',
        [Patch('_base', '''\
        with self._lock:
            if self._state == PENDING:
                self._state = RUNNING
                return True
            if self._state == CANCELLED:''', '''\
        if self._state == PENDING:
            with self._lock:
                self._state = RUNNING
                return True
        with self._lock:
            if self._state == CANCELLED:''')]),
    SeededBug(
        'put-ignores-parked-worker', 'submit-result',
        'put() queues the item and reports the parked worker, but never wakes '
        'it: the second call waits forever',
        [Patch('thread', '''\
            if not self._parked:
                self._items.append(item)
                return False''', '''\
            if True:
                self._items.append(item)
                return bool(self._parked)''')]),
    SeededBug(
        'get-parks-without-looking-again', 'submit-result',
        'get() parks on the strength of its lock-free look at the queue: an '
        'item put() in between is queued with nobody to take it',
        [Patch('thread', '''\
                idle, closed = not self._items, self._closed''', '''\
                idle, closed = True, self._closed''')]),
    SeededBug(
        'get-pops-after-looking', 'shutdown-cancel-vs-running',
        'get() looks at the queue under its lock and then pops: a drain() '
        '(or a busy worker), which pops without the lock, can take the item '
        'in between, and the worker dies of an IndexError',
        [Patch('thread', '''\
                if idle and not closed:
                    self._parked.append(parked)
            if idle:
                break''', '''\
                if idle and not closed:
                    self._parked.append(parked)
                if not idle:
                    item = self._items.popleft()
            if idle:
                break
            return item''')]),
    SeededBug(
        'put-without-lock', 'submit-result',
        'put() looks for a parked worker without the lock: a worker can park '
        'between that look and the append, and the item waits with nobody '
        'to take it (a lost wake-up)',
        [Patch('thread', '''\
        with self._lock:
            if not self._parked:
                self._items.append(item)
                return False
            parked = self._parked.popleft()''', '''\
        if not self._parked:
            self._items.append(item)
            return False
        parked = self._parked.popleft()''')]),
    SeededBug(
        'submit-starts-worker-after-unlock', 'two-submitters',
        'submit() queues its item under the locks but decides whether to start '
        'a worker after releasing them: two submitters can both count no '
        'worker and start one each, past max_workers',
        [Patch('thread', '''\
            if not self._work_queue.put(item) and len(self._threads) < self._max_workers:
                self._start_worker()''', '''\
            handed_over = self._work_queue.put(item)
        if not handed_over and len(self._threads) < self._max_workers:
            self._start_worker()''')]),
    SeededBug(
        'close-without-lock', 'submit-result',
        'close() marks the queue closed and takes the parked workers without '
        'the lock: a worker that saw the queue open parks on the old list '
        'after close() woke everyone on it, and shutdown(wait=True) waits forever',
        [Patch('thread', '''\
        with self._lock:
            self._closed = True
            parked, self._parked = self._parked, nobody''', '''\
        if True:
            self._closed = True
            parked, self._parked = self._parked, nobody''')]),
    SeededBug(
        'notify-before-state', 'as-completed-vs-timeout',
        '_finish() tells wait()/as_completed() before setting FINISHED: '
        'as_completed() can yield a future that is not done',
        [Patch('_base', '''\
            self._state = FINISHED
            self._notify_waiters()''', '''\
            self._notify_waiters()
            self._state = FINISHED''')]),
    SeededBug(
        'state-after-release', 'submit-result',
        '_finish() sets FINISHED after releasing the lock: a thread woken in '
        'result() can get the lock first and find the future unfinished',
        [Patch('_base', '''\
            self._state = FINISHED
            self._notify_waiters()
            callbacks = self._take_callbacks()
        self._run_callbacks(callbacks)''', '''\
            self._notify_waiters()
            callbacks = self._take_callbacks()
        self._state = FINISHED
        self._run_callbacks(callbacks)''')]),
    SeededBug(
        'result-checks-before-lock', 'submit-result',
        'result() decides to wait before taking the lock: a completion in '
        'between is missed and it waits forever (a lost wake-up)',
        [Patch('_base', '''\
        with self._lock:
            if self._state in (PENDING, RUNNING):
                _refuse_nan(timeout)''', '''\
        unfinished = self._state in (PENDING, RUNNING)
        with self._lock:
            if unfinished:
                _refuse_nan(timeout)''')]),
    SeededBug(
        'close-flag-after-unlock', 'collect-vs-waiting-worker',
        'close() takes the parked workers under the lock but marks the queue '
        'closed after releasing it: a worker parking in between sleeps forever',
        [Patch('thread', '''\
            self._closed = True
            parked, self._parked = self._parked, nobody''', '''\
            parked, self._parked = self._parked, nobody
        self._closed = True''')]),
]}


@pytest.mark.timeout(300)
@pytest.mark.parametrize('name', sorted(BUGS))
def test_the_explorer_finds_the_seeded_bug(name):
    bug = BUGS[name]
    scenario = SCENARIOS[bug.scenario]
    # In sample mode (explorer.sampling()) the search stops at its first failure, shrunk.
    report = explorer.explore(scenario, bug=bug, stop_after=1 if explorer.sampling() else None)
    print(report.summary())
    assert report.failures, 'the explorer missed seeded bug %s' % name
    shortest = report.shortest
    print(explorer.format_failure(shortest))
    assert any('(seeded)' in explorer.display_path(step.where[0]) for step in shortest.trace)
    assert explorer.replay_command(shortest).endswith('--bug %s' % name)
    again = explorer.replay(scenario, shortest.schedule, bug)
    assert again.diverged is None
    assert (again.failure.kind, again.steps) == (shortest.failure.kind, shortest.steps)


def test_every_seeded_bug_patches_the_reference():
    """A bug whose text no longer occurs in reference/ fails loudly."""
    for bug in BUGS.values():
        explorer.explore(SCENARIOS[bug.scenario], bug=bug, max_runs=1, shrink_failure=False)
    stale = BUGS['notify-before-state']._replace(
        name='stale', patches=[Patch('_base', 'no such text', '')])
    with pytest.raises(ValueError, match='occurs 0 times'):
        explorer.explore(SCENARIOS['submit-result'], bug=stale, max_runs=1)


def test_no_patch_quotes_a_comment():
    """Patches match code only: a comment in one would never match."""
    for bug in BUGS.values():
        for patch in bug.patches:
            for text in (patch.old, patch.new):
                tokens = tokenize.generate_tokens(io.StringIO(textwrap.dedent(text) + '\n').readline)
                comments = [token.string for token in tokens if token.type == tokenize.COMMENT]
                assert not comments, 'seeded bug %s quotes a comment: %r' % (bug.name, comments)


def test_a_patch_passes_over_comments():
    source = 'def f():\n    a = 1  # one\n    # between\n\n    b = 2\n    return a + b\n'
    patch = Patch('m', '    a = 1\n    b = 2', '    a = 2\n    b = 3')
    assert explorer._patched(source, patch, 'test') == 'def f():\n    a = 2\n    b = 3\n    return a + b\n'
