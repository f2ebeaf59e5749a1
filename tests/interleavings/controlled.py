"""A controlled ``threading``: real threads that run one at a time, in an
order a scheduler chooses, switching only at synchronization points.

Each controlled thread is carried by a real OS thread (on PyPy, by a
greenlet: see ``_GreenletCarriers``), but only the one holding the baton
runs; every other one sleeps on its own baton. When the running thread
reaches a synchronization point it hands the baton to the thread the
scheduler's *chooser* picks, possibly itself. Code between two
synchronization points therefore runs atomically, and a run is fully
determined by the choices made: record them and the run can be replayed.

Where the switch points are, and why:

* Before an operation that observes or waits: ``Lock.acquire``,
  ``Event.wait``, ``Thread.join``. Who gets a lock first, and what a
  thread sees when it looks, are decided here.
* After an operation that publishes: ``Lock.release``, ``Event.set``,
  ``Event.clear``, ``Thread.start``. What the thread does right after
  (plain writes, say) may then happen after others have run.
* Not before a ``release``: nobody can take a held lock, so running others
  just before it is the same as running them just after.

Plain reads and writes are never switch points: a race between two
unsynchronized accesses with no synchronization point between them is out
of reach (as in loom and CHESS, which assume such code is race-free).

What a thread does from one scheduling decision to the next is a
*transition* (``Transition``), which records the objects it touched and
whether it changed them (``Run.touch``): the primitives here touch
themselves, and the explorer's seam makes the reference's shared fields
touch (see explorer.py). Two transitions that touch nothing in common, or
only read it, may run in either order with the same result; the explorer's
reduction (reduction.py) runs one order of them. Objects are named by
``Run.new_key``: the same in every schedule where their maker does the
same.

Blocking is modelled, not performed: an operation that cannot proceed
(acquiring a held lock, waiting on an event not set) is simply not offered
to the chooser until it can. A timed wait or acquire is offered a second
outcome, TIMEOUT, while it could not otherwise proceed: "this timed wait
may time out here". When nothing can be offered and some thread is
unfinished, the run fails (a deadlock, or a thread left blocked at the
end); so does a run longer than its step bound.

A ``Run`` owns one module object, ``run.module``, with the subset of
``threading`` the reference uses: Lock, Event, Thread,
current_thread, main_thread, get_ident, TIMEOUT_MAX, ``_shutdown`` and (on
Python 3.9+, as in the real module) ``_register_atexit``, whose hooks are
recorded and run by ``Run.interpreter_exit()``.
"""

import collections
import itertools
import linecache
import sys
import threading as _real
import traceback
import types

GO = 'go'
TIMEOUT = 'timeout'
# The key of the count that numbers and hashes new threads: making a thread
# changes it.
THREAD_SERIALS = 'thread serials'
NOWHERE = (None, None, None)  # where a step with no source line happened

# Frames of these files are skipped when a step says where it happened.
HARNESS_FILES = {__file__}


class Abort(BaseException):
    """Raised at every synchronization point of a run that has failed, so
    that its threads unwind and end."""


Failure = collections.namedtuple('Failure', 'kind message details')
Failure.__doc__ = """Why a run failed: *kind* is one of 'deadlock', 'blocked
at end', 'step bound', 'exception' (uncaught, in a controlled thread),
'hang' (no synchronization point for a minute of wall time) and
'invariant' (the scenario's check, after the run)."""

Step = collections.namedtuple('Step', 'number tid thread op target outcome where choice preempted '
                                       'transition')
Step.__doc__ = """One executed operation, as the trace shows it. *where* is
(filename, line, function) of the innermost frame outside the harness;
*choice* the index of the choice point that picked it, if there was one;
*preempted*, if it preempted a thread, (tid, what that thread was about
to do, where), e.g. (1, 'acquire', where) or (1, 'after release', where);
*transition* the index of the transition it belongs to."""


class Transition:
    """What one thread did between two scheduling decisions: the reduction's
    unit (see reduction.py).

    *tid* ran, with *outcome*, starting with the operation *op* on
    *target* (a key, see Run.key), as chosen among *options* ((tid,
    outcome) pairs, all the run offered at that moment); *timed* says
    that operation could have timed out; *point* is the index of the
    choice point that chose it, or None when it was the only option.
    *accesses* maps each key the transition touched to 'r' (it only
    looked) or 'w' (it changed the object, or may have: see Run.touch).
    """

    __slots__ = ('tid', 'outcome', 'op', 'target', 'options', 'timed', 'point', 'accesses')

    def __init__(self, tid, outcome, op, target, options, timed, point):
        self.tid = tid
        self.outcome = outcome
        self.op = op
        self.target = target
        self.options = options
        self.timed = timed
        self.point = point
        self.accesses = {}

    def __repr__(self):
        return '<T%d %s %s %s>' % (self.tid, self.op, self.target, self.outcome)


class ChoicePoint:
    """A moment where more than one thread (or outcome) could go next.

    *options* are (tid, outcome) pairs in a fixed order (by tid, GO before
    TIMEOUT); *default* the index taken when nobody says otherwise (the
    running thread goes on if it can); *costs* 1 for an option that
    preempts a running thread that could have gone on, else 0; *step* is
    the index in the run's transitions of the one it chooses.
    """

    __slots__ = ('index', 'options', 'default', 'costs', 'preemptions_before', 'chosen', 'step')

    def __init__(self, index, options, default, costs, preemptions_before, step):
        self.index = index
        self.options = options
        self.default = default
        self.costs = costs
        self.preemptions_before = preemptions_before
        self.chosen = None
        self.step = step


def default_chooser(point):
    """Never preempt; when the running thread blocks, take the lowest tid."""
    return point.default


class _Op:
    """What a thread will do when it is next chosen."""

    __slots__ = ('kind', 'target', 'ready', 'may_time_out', 'where', 'hidden')

    def __init__(self, kind, target, ready, may_time_out, where, hidden=False):
        self.kind = kind
        self.target = target
        self.ready = ready  # None: always ready
        self.may_time_out = may_time_out  # None: untimed
        self.where = where
        self.hidden = hidden  # the resumption after a publishing op: no trace line

    def outcomes(self):
        if self.ready is None or self.ready():
            return (GO,)
        if self.may_time_out is not None and self.may_time_out():
            return (TIMEOUT,)
        return ()


class _ThreadCarriers:
    """Each controlled thread on an OS thread of its own, asleep on a held
    real lock (its baton) until another thread releases it."""

    def baton(self):
        lock = _real.Lock()
        lock.acquire()
        return lock

    def current(self):
        """The key of the carrier running the caller."""
        return _real.get_ident()

    def start(self, baton, name, body):
        """Start a carrier running body(); it returns at once."""
        carrier = _real.Thread(target=body, name=name, daemon=True)
        carrier.start()
        return carrier

    def drive(self, done, timeout):
        """Let the carriers run; True once *done* is set, False if it is
        not set within *timeout* seconds."""
        return done.wait(timeout)


class _GreenletCarriers:
    """Each controlled thread on a greenlet of the controller's OS thread.

    For PyPy, where a hand-off between two OS threads costs 30-170 µs
    (3 µs on CPython), which made the explorer 20 times slower there; a
    greenlet switch costs a few. (PyPy ships greenlet; on CPython it is a
    package from PyPI, and the OS threads are fast enough.)

    A baton release queues its greenlet; ``drive()``, on the controller,
    switches to each queued greenlet in turn, and a greenlet comes back to
    it when it waits on its baton or ends. One runs at a time by
    construction; a real blocking call would stop them all, which
    pytest-timeout then reports."""

    def __init__(self):
        self._controller = greenlet.getcurrent()
        self._queued = collections.deque()

    def baton(self):
        return _GreenletBaton(self._queued, self._controller)

    def current(self):
        return greenlet.getcurrent()

    def start(self, baton, name, body):
        baton.greenlet = greenlet.greenlet(body, parent=self._controller)
        return self

    def drive(self, done, timeout):
        self._run_queued()
        return done.is_set()

    def join(self, timeout):
        """A carrier's join: run what is still queued (threads unwinding)."""
        self._run_queued()

    def _run_queued(self):
        while self._queued:
            self._queued.popleft().switch()


class _GreenletBaton:
    """A baton of _GreenletCarriers: release() queues the greenlet for the
    controller's loop; acquire() goes back to that loop until released."""

    def __init__(self, queued, controller):
        self._queued = queued
        self._controller = controller
        self._released = False
        self.greenlet = None  # set when its carrier starts

    def release(self):
        self._released = True
        self._queued.append(self.greenlet)

    def acquire(self):
        while not self._released:
            self._controller.switch()
        self._released = False


if sys.implementation.name == 'pypy':
    import greenlet
    CARRIERS = _GreenletCarriers
else:
    CARRIERS = _ThreadCarriers


class _ThreadState:
    """The scheduler's record of one controlled thread."""

    def __init__(self, tid, thread, body, baton):
        self.tid = tid
        self.thread = thread
        self.body = body  # what the thread runs
        self.baton = baton  # held; released to let this thread run
        self.pending = None  # the _Op it waits to perform
        self.outcome = None
        self.finished = False
        self.carrier = None  # the real thread
        self.made = 0  # objects it has made (see Run.new_key)

    @property
    def name(self):
        return self.thread.name


def caller_location():
    """(filename, line, function) of the innermost frame outside the
    harness (this module and the explorer)."""
    frame = sys._getframe(1)
    while frame.f_code.co_filename in HARNESS_FILES:
        frame = frame.f_back
    code = frame.f_code
    return code.co_filename, frame.f_lineno, getattr(code, 'co_qualname', code.co_name)


class Run:
    """One execution of a scenario under a chooser.

    ``execute(main)`` runs *main* as the controlled MainThread and returns
    once every controlled thread has ended or the run has failed; then
    ``failure`` is None or a Failure, ``trace`` lists the executed steps,
    ``points`` the choice points met (with the option chosen),
    ``transitions`` every step of every thread with what it touched,
    ``blocked`` (at a deadlock) the transitions the stuck threads wait to
    make, with their outcome None.
    A chooser that returns None instead of an index cuts the run short
    there (``cut`` is then True, ``failure`` None).
    """

    def __init__(self, chooser=default_chooser, max_steps=3000):
        self.chooser = chooser
        self.max_steps = max_steps
        self.threads = []
        self.trace = []
        self.points = []
        self.transitions = []
        self.blocked = []  # at a deadlock: what each stuck thread waited to do
        self.failed_tid = None  # the thread whose uncaught exception failed the run
        self.cut = False
        self._accesses = None  # the running transition's
        self._made_outside = 0  # objects made outside any controlled thread
        self.preemptions = 0
        self.failure = None
        self.aborted = False
        self.over = False  # the run has ended: primitives run free
        self.atexit_hooks = []
        self.fork_hooks = []
        self._by_ident = {}  # the key of a carrier -> _ThreadState
        self._current = None
        self._labels = collections.Counter()
        self._done = _real.Event()
        self._meta = _real.Lock()  # guards the few fields threads touch while aborting
        self._serials = itertools.count()  # creation order of controlled threads
        self._carriers = CARRIERS()
        self.module = _make_module(self)

    # --- the controller's side -------------------------------------------

    def execute(self, main, wall_timeout=60.0):
        """Run *main* () as MainThread; return when the run is over."""
        state = self._add_thread(self.module._main_thread, main)
        state.thread._started = True
        state.pending = _Op('begin', state.thread, None, None, NOWHERE)
        self._start_carrier(state)
        self._reschedule(None)
        if not self._carriers.drive(self._done, wall_timeout):
            self._fail('hang', 'no synchronization point reached in %ss: a thread '
                       'loops, or blocks on something this layer does not control'
                       % wall_timeout)
        self.over = True
        self._accesses = None
        for state in list(self.threads):
            state.carrier.join(5.0)  # gives up on a thread stuck for good

    def fail(self, kind, message, details=''):
        """Record a failure found outside the run (an invariant)."""
        if self.failure is None:
            self.failure = Failure(kind, message, details)

    # --- the threads' side: called by the primitives ---------------------

    def step(self, kind, target, ready=None, may_time_out=None):
        """Let the scheduler decide when the calling thread performs *kind*
        on *target*; return GO or TIMEOUT once it may. *ready* says whether
        it can proceed now; *may_time_out* whether a timed wait could end
        now (None: untimed)."""
        me = self._me()
        if me is None:
            return self._free_step(kind, ready, may_time_out)
        me.pending = _Op(kind, target, ready, may_time_out, caller_location())
        self._reschedule(me)
        return me.outcome

    def published(self, kind, target):
        """Record *kind*, which has just taken effect, then offer a switch."""
        me = self._me()
        if me is None:
            return
        if self.aborted:
            raise Abort()
        where = caller_location()
        self._record(me, kind, target, GO, where)
        me.pending = _Op('after ' + kind, target, None, None, where, hidden=True)
        self._reschedule(me)

    def record(self, kind, target):
        """Record *kind*, which has just taken effect, with no switch."""
        me = self._me()
        if me is not None and not self.aborted:
            self._record(me, kind, target, GO, caller_location())

    def note(self, text):
        """Put *text* in the trace (a scenario's own event), with no switch."""
        me = self._me()
        if me is not None and not self.aborted:
            self._record(me, 'note', _Note(text), GO, caller_location())

    def label(self, kind):
        """A short name for a new primitive, for traces: 'Lock#3'."""
        self._labels[kind] += 1
        return '%s#%d' % (kind, self._labels[kind])

    def new_key(self):
        """The key of a new object, by which transitions name what they
        touch: the tid of the thread making it and how many objects that
        thread had made, (1, 4). Equivalent schedules give every object the
        same key, since each thread does the same in them (a counter over
        the whole run would number objects in the order the schedule made
        them). (-1, n) for objects made outside the controlled threads."""
        state = self._me()
        if state is None:
            self._made_outside += 1
            return (-1, self._made_outside)
        state.made += 1
        return (state.tid, state.made)

    def touch(self, key, mode):
        """Note that the running transition looked at (*mode* 'r') or
        changed ('w') the object or field named *key*."""
        accesses = self._accesses
        if accesses is not None and (mode == 'w' or key not in accesses):
            accesses[key] = mode

    def current_state(self):
        return self._me() or self._current

    def start_thread(self, thread):
        """Make *thread* (a controlled Thread) runnable; its 'begin' step
        comes when the chooser picks it."""
        state = self._add_thread(thread, thread.run)
        state.pending = _Op('begin', thread, None, None, caller_location())
        self._start_carrier(state)
        return state

    def interpreter_exit(self):
        """Do what the interpreter does at exit before atexit handlers: run
        the threading exit hooks (newest first), join non-daemon threads."""
        if hasattr(self.module, '_register_atexit'):
            for hook, args, kwargs in reversed(self.atexit_hooks):
                hook(*args, **kwargs)
            self.join_non_daemon_threads()
        else:  # Python 3.8: the reference wraps _shutdown instead
            self.module._shutdown()

    def join_non_daemon_threads(self):
        me = self.current_state()
        for state in list(self.threads):
            if state is not me and state.tid != 0 and not state.thread.daemon:
                state.thread.join()

    # --- scheduling ------------------------------------------------------

    def _me(self):
        if self.over:
            return None
        return self._by_ident.get(self._carriers.current())

    def _free_step(self, kind, ready, may_time_out):
        """An operation outside the run (after it, or from a foreign
        thread, e.g. a garbage collector's weakref callback): no choice."""
        if ready is None or ready():
            return GO
        if may_time_out is not None:
            return TIMEOUT
        raise RuntimeError('controlled %s would block outside its run' % kind)

    def _reschedule(self, me):
        """Choose who goes next and hand over; return when *me* (the
        calling thread, None for the controller) is chosen again."""
        if self.aborted:
            if me is None or me.finished:
                return
            raise Abort()
        chosen = self._choose(me)
        if chosen is me:
            return
        if chosen is not None:
            chosen.baton.release()
        if me is None or me.finished:
            return
        if chosen is None:  # the run failed here
            raise Abort()
        me.baton.acquire()
        if self.aborted:
            raise Abort()

    def _choose(self, me):
        """Pick the next (thread, outcome); None if the run ends here."""
        options = [(state, outcome) for state in self.threads if state.pending is not None
                   for outcome in state.pending.outcomes()]
        self._accesses = None
        if not options:
            self._end_or_fail()
            return None
        if len(self.trace) >= self.max_steps:
            self._fail('step bound', 'more than %d steps' % self.max_steps)
            return None
        index, point = 0, None
        if len(options) > 1:
            point = self._choice_point(me, options)
            index = point.chosen
            if index is None:
                self._fail(None, 'cut short by the chooser')
                return None
            self.preemptions += point.costs[index]
        state, outcome = options[index]
        op, state.pending, state.outcome = state.pending, None, outcome
        self._current = state
        transition = Transition(state.tid, outcome, op.kind, getattr(op.target, '_key', None),
                                tuple((other.tid, other_outcome) for other, other_outcome in options),
                                op.may_time_out is not None, point.index if point else None)
        self.transitions.append(transition)
        self._accesses = transition.accesses
        if not op.hidden:
            preempted = None
            if point is not None and point.costs[index]:
                preempted = (me.tid, me.pending.kind, me.pending.where)
            self._record(state, op.kind, op.target, outcome, op.where,
                         point.index if point else None, preempted)
        return state

    def _choice_point(self, me, options):
        can_go_on = me is not None and (me, GO) in options
        costs = tuple(int(can_go_on and state is not me) for state, _ in options)
        if can_go_on:
            default = options.index((me, GO))
        else:
            default = next((i for i, (_, outcome) in enumerate(options) if outcome == GO), 0)
        point = ChoicePoint(len(self.points),
                            tuple((state.tid, outcome) for state, outcome in options),
                            default, costs, self.preemptions, len(self.transitions))
        point.chosen = self.chooser(point)
        self.points.append(point)
        return point

    def _end_or_fail(self):
        stuck = [state for state in self.threads if not state.finished]
        if not stuck:
            self._done.set()
            return
        lines = ['%s: %s' % (state.name, _describe_block(state)) for state in stuck]
        for state in stuck:
            op = state.pending
            if op is not None:  # a transition it would make: a reduction may reorder it before others
                blocked = Transition(state.tid, None, op.kind, getattr(op.target, '_key', None), (),
                                     op.may_time_out is not None, None)
                blocked.accesses[blocked.target] = 'w' if op.kind == 'acquire' else 'r'
                self.blocked.append(blocked)
        if self.threads[0].finished:
            self._fail('blocked at end', 'MainThread ended with threads still blocked',
                       '\n'.join(lines))
        else:
            self._fail('deadlock', 'every unfinished thread is blocked', '\n'.join(lines))

    def _fail(self, kind, message, details=''):
        """Fail the run (*kind* None: cut it short, no failure) and wake
        every thread, which then unwinds (Abort)."""
        with self._meta:
            if self.aborted:
                return
            self.aborted = True
            self._accesses = None
            if kind is None:
                self.cut = True
            elif self.failure is None:
                self.failure = Failure(kind, message, details)
        for state in self.threads:
            if state is not self._current and not state.finished:
                state.baton.release()
        if all(state.finished for state in self.threads):
            self._done.set()

    def _record(self, state, kind, target, outcome, where, choice=None, preempted=None):
        self.trace.append(Step(len(self.trace) + 1, state.tid, state.name, kind,
                               _label_of(target), outcome, where, choice, preempted,
                               len(self.transitions) - 1))

    # --- threads ---------------------------------------------------------

    def _add_thread(self, thread, body):
        state = _ThreadState(len(self.threads), thread, body, self._carriers.baton())
        thread._state = state
        self.threads.append(state)
        return state

    def _start_carrier(self, state):
        state.carrier = self._carriers.start(state.baton, 'controlled:%s' % state.name,
                                             lambda: self._carry(state))

    def _carry(self, state):
        """The real thread's body: wait to be chosen, run, hand over."""
        self._by_ident[self._carriers.current()] = state
        try:
            state.baton.acquire()
            if not self.aborted:
                self.touch(state.thread._key, 'r')  # begin: after start()
                state.body()
        except Abort:
            pass
        except BaseException as exc:
            details = ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            self.failed_tid = state.tid
            self._fail('exception', 'uncaught %s in %s: %s' % (type(exc).__name__, state.name, exc),
                       details)
        finally:
            self._exit(state)

    def _exit(self, state):
        with self._meta:
            state.finished = True
            state.pending = None
            aborted = self.aborted
        if aborted:
            if all(other.finished for other in self.threads):
                self._done.set()
            return
        self.touch(state.thread._key, 'w')  # join() sees it
        self._record(state, 'exit', state.thread, GO, NOWHERE)
        self._reschedule(state)


class _Note(str):
    """A note's text, shown where the trace shows an object."""

    @property
    def _label(self):
        return str(self)


def _describe_block(state):
    op = state.pending
    if op is None:
        return 'running'
    filename, line, function = op.where
    return 'waits to %s %s at %s:%s in %s' % (
        op.kind, _label_of(op.target), filename, line, function)


def _label_of(target):
    return getattr(target, '_label', None) or repr(target)


# --- the primitives -------------------------------------------------------

class _Lock:
    """threading.Lock: any thread may release it (the reference's parking
    gate is released by the thread that hands work over)."""

    def __init__(self, run):
        self._run = run
        self._locked = False
        self._owner = None  # for deadlock reports only
        self._label = run.label('Lock') + _created_as()
        self._key = run.new_key()

    def acquire(self, blocking=True, timeout=-1):
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        if timeout < 0 and timeout != -1:
            raise ValueError('timeout value must be a non-negative number')
        if not blocking:
            self._run.step('try-acquire', self)
            return self._take() if not self._locked else self._looked()
        timed = None if timeout == -1 else self._is_held
        if self._run.step('acquire', self, self._is_free, timed) == TIMEOUT:
            return self._looked()
        return self._take()

    def release(self):
        if not self._locked:
            raise RuntimeError('release unlocked lock')
        self._locked = False
        self._owner = None
        self._run.touch(self._key, 'w')
        self._run.published('release', self)

    def locked(self):
        self._run.touch(self._key, 'r')
        return self._locked

    def _is_held(self):
        return self._locked

    def _looked(self):
        """An acquire that found the lock held (and so failed)."""
        self._run.touch(self._key, 'r')
        return False

    def _is_free(self):
        return not self._locked

    def _take(self):
        self._locked = True
        self._run.touch(self._key, 'w')
        state = self._run.current_state()
        self._owner = state.name if state else None
        return True

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()

    def __repr__(self):
        return '<controlled %s %s>' % (self._label, 'locked' if self._locked else 'unlocked')


class _Waiting:
    """One thread's stay in an Event wait."""

    __slots__ = ('woken',)

    def __init__(self):
        self.woken = False


class _Event:
    """threading.Event. As in CPython, set() wakes the threads waiting at
    that moment even if clear() follows before they run."""

    def __init__(self, run):
        self._run = run
        self._flag = False
        self._waiters = []
        self._label = run.label('Event') + _created_as()
        self._key = run.new_key()

    def is_set(self):
        self._run.touch(self._key, 'r')
        return self._flag

    def set(self):
        self._flag = True
        for waiting in self._waiters:
            waiting.woken = True
        self._waiters = []
        self._run.touch(self._key, 'w')
        self._run.published('set', self)

    def clear(self):
        self._flag = False
        self._run.touch(self._key, 'w')
        self._run.published('clear', self)

    def wait(self, timeout=None):
        self._run.step('wait', self)
        if self._flag:
            self._run.touch(self._key, 'r')
            return True
        waiting = _Waiting()
        self._waiters.append(waiting)
        self._run.touch(self._key, 'w')
        outcome = self._run.step('wake', self, lambda: waiting.woken,
                                 None if timeout is None else lambda: not waiting.woken)
        if outcome == TIMEOUT:
            self._waiters.remove(waiting)
            self._run.touch(self._key, 'w')
            return False
        self._run.touch(self._key, 'r')
        return True

    def __repr__(self):
        return '<controlled %s %s>' % (self._label, 'set' if self._flag else 'unset')


class _Thread:
    """threading.Thread. Subclasses may override run(). The hash is the
    creation order, so sets of threads iterate the same way in every run."""

    _run = None  # set on the per-run subclass

    def __init__(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):
        assert group is None, 'group argument must be None for now'
        run = self._run
        self._serial = next(run._serials)
        self._name = name or 'Thread-%d' % self._serial
        self._target = target
        self._args = args
        self._kwargs = kwargs or {}
        current = run.current_state()
        if daemon is None:  # as in threading: like the thread that makes it
            daemon = current.thread.daemon if current else False
        self._daemonic = daemon
        self._started = False
        self._state = None
        self._label = 'Thread %s' % self._name
        self._key = run.new_key()
        run.touch(THREAD_SERIALS, 'w')

    def start(self):
        if self._started:
            raise RuntimeError('threads can only be started once')
        self._started = True
        self._run.start_thread(self)
        self._label = 'T%d %s' % (self._state.tid, self._name)
        self._run.touch(self._key, 'w')
        self._run.published('start', self)

    def run(self):
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def join(self, timeout=None):
        if not self._started:
            raise RuntimeError('cannot join thread before it is started')
        if self is self._run.module.current_thread():
            raise RuntimeError('cannot join current thread')
        state = self._state
        self._run.step('join', self, lambda: state.finished,
                       None if timeout is None else lambda: not state.finished)
        self._run.touch(self._key, 'r')

    def is_alive(self):
        self._run.touch(self._key, 'r')
        return self._started and not self._state.finished

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, name):
        self._name = str(name)

    @property
    def ident(self):
        return None if self._state is None else self._state.tid + 1

    native_id = ident

    @property
    def daemon(self):
        return self._daemonic

    @daemon.setter
    def daemon(self, daemonic):
        if self._started:
            raise RuntimeError('cannot set daemon status of active thread')
        self._daemonic = daemonic

    def __hash__(self):
        return self._serial

    def __repr__(self):
        status = 'initial'
        if self._started:
            status = 'stopped' if self._state.finished else 'started'
        return '<controlled Thread(%s, %s %s)>' % (self._name, status, self.ident)


def _created_as():
    """' self._lock@Future.__init__': what a primitive was assigned to, for
    traces. Reads the creating line; empty if it is not an assignment."""
    filename, line, function = caller_location()
    text = linecache.getline(filename, line).strip()
    target = text.split('=', 1)[0].strip() if '=' in text else ''
    if not target.replace('.', '').replace('_', '').isalnum():
        target = ''
    return ' %s@%s' % (target or '?', function)


def _make_module(run):
    """The controlled ``threading`` module of *run*."""
    module = types.ModuleType('threading', 'Controlled threading (tests.interleavings).')
    module.Lock = lambda: _Lock(run)
    module.Event = lambda: _Event(run)
    module.Thread = type('Thread', (_Thread,), {'_run': run, '__module__': 'threading'})
    module._main_thread = module.Thread(name='MainThread')
    module.main_thread = lambda: module._main_thread
    module.current_thread = lambda: _current_thread(run)
    module.get_ident = lambda: _current_thread(run).ident or _real.get_ident()
    module.TIMEOUT_MAX = _real.TIMEOUT_MAX
    module._shutdown = run.join_non_daemon_threads
    if hasattr(_real, '_register_atexit'):  # as the real module: Python 3.9+
        module._register_atexit = lambda func, *args, **kwargs: run.atexit_hooks.append(
            (func, args, kwargs))

    def __getattr__(name):
        raise AttributeError('the controlled threading layer does not model threading.%s' % name)

    module.__getattr__ = __getattr__
    return module


def _current_thread(run):
    state = run.current_state()
    return state.thread if state is not None else run.module._main_thread
