"""Dynamic partial-order reduction: one schedule per class of equivalent
schedules.

Two schedules are equivalent when one can be turned into the other by
swapping adjacent transitions of different threads that are independent
(see ``dependent``): every thread then does the same things and sees the
same values, and the run ends in the same state, so checking one of them
checks them all. The search (``Search``) runs one schedule, finds in it
the *races* (two dependent transitions of different threads with nothing
ordering them in between) and, for each race, makes sure that some
schedule where the second comes first will be run. It follows Source-DPOR
with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, "Optimal Dynamic
Partial Order Reduction", POPL 2014; sleep sets from Godefroid, and the
stateless search of Flanagan and Godefroid, POPL 2005), written for this
harness:

* A transition is what one thread does from one scheduling decision to
  the next (controlled.Transition), with the keys it touched, each read
  ('r') or changed ('w'): controlled primitives (a Lock's acquire and
  release change it; an Event's set, clear and a wait that registers
  change it, a wait that finds it set and a wake-up read it; a thread's
  start and end change it, its first step and a join read it), a
  reference deque (looks read it, appends and pops change it), and the
  reference's shared fields: a future's state, a waiter's fields, any
  other instance attribute of a reference class or of the scenario, the
  lists and sets they hold, the module variables functions change, the
  log (see explorer.py).
* Two transitions are dependent when they are of the same thread, or
  touch a common key and one of them changes it. Independent transitions
  commute: neither changes what the other reads or writes, so neither
  can enable, disable or alter the other.
* Sleep sets: a thread whose transition at a choice point was explored
  already sleeps in the other branches there, until a dependent
  transition runs; a schedule that would run a sleeping thread is
  equivalent to one explored, and is cut short. So no class is run twice
  to its end.
* Blocking: a race whose second transition was enabled by the first (a
  release letting a blocked acquire go, a set waking a waiter, an exit
  letting a join go) cannot be reversed as such, unless that wait could
  have timed out, which the reversed schedule then does. For a lock, the
  race that matters is between the two acquires: an acquire that another
  thread's critical section made wait also races with that section's
  acquire (the lock hand-over), so the other order is tried. At a
  deadlock, the transitions the stuck threads wait to make race too
  (controlled.Run.blocked): another order may let one of them through.

Soundness rests on the keys being complete: whatever a transition does to
data another thread uses must be a touch (see explorer.py, which makes the
reference's fields, deques and module variables touch). Local variables
and objects no other thread can reach need none.

There is no preemption bound here. Cutting the search at a bound is not
sound as such: the only schedules of a class within the bound may be ones
the reduction skips, as equivalent to one that needs more preemptions.
Bounded POR (Coons, Musuvathi, McKinley, OOPSLA 2013) adds backtrack
points to make up for it; the explorer does without, since every scenario
finishes unbounded, and with a bound walks every schedule within it.
"""

import bisect

from tests.interleavings import controlled

GO = controlled.GO
# First operations of a transition that wait for another thread's.
BLOCKING = frozenset(['acquire', 'wake', 'join', 'begin'])


def dependent(one, other):
    """True if two transitions' accesses ({key: 'r' or 'w'}) conflict: a
    key in both, changed by at least one."""
    if len(other) < len(one):
        one, other = other, one
    for key, mode in one.items():
        theirs = other.get(key)
        if theirs is not None and (mode == 'w' or theirs == 'w'):
            return True
    return False


class Node:
    """A choice point on the path of the current schedule: the *options*
    offered, the thread *tid* taken, the threads still to try there
    (*backtrack*), those tried (*done*, with their transition's accesses)
    and those asleep (*sleep*, the same), and *step*, the index of the
    transition it chose."""

    __slots__ = ('options', 'tid', 'backtrack', 'done', 'sleep', 'step')

    def __init__(self, point, tid, sleep):
        self.options = point.options
        self.tid = tid
        self.backtrack = {tid}
        self.done = {tid: None}
        self.sleep = sleep
        self.step = point.step

    def option(self, tid):
        """The index of *tid*'s option here."""
        for index, (option, _) in enumerate(self.options):
            if option == tid:
                return index
        raise KeyError(tid)


class Search:
    """The state of one exploration. ``chooser()`` gives the chooser of
    the next run; ``learn(run)`` takes what the run did; it returns False
    once every class has been run."""

    def __init__(self):
        self.nodes = []  # the path: the next run replays it, then goes on

    def chooser(self):
        return _Chooser(self)

    def learn(self, run):
        """Record the run's transitions and races; choose the next branch.
        The transitions a deadlock left waiting race too: the thread may
        get its lock first in another schedule."""
        transitions = run.transitions
        for node in self.nodes:
            if node.step < len(transitions):
                node.done[node.tid] = transitions[node.step].accesses
        if transitions:
            clocks = _Clocks(transitions + run.blocked)
            for i, j in _races(clocks):
                self._backtrack(clocks, i, j)
        return self._next()

    def redundant(self, run):
        """True if the run was cut, or ran a sleeping thread after its last
        choice point (a schedule equivalent to one already run)."""
        if run.cut:
            return True
        if not self.nodes:
            return False
        last = self.nodes[-1]
        return _asleep(self._sleep_below(last), run.transitions[last.step:]) is None

    # --- backtracking ---------------------------------------------------

    def _backtrack(self, clocks, i, j):
        """Make sure a schedule where T[j]'s thread goes before T[i] runs."""
        transitions = clocks.transitions
        point = transitions[i].point
        analysis = _Reversal(clocks, i, j)
        if point is not None and any(analysis.initial(tid) for tid in self.nodes[point].backtrack):
            return
        tid = transitions[j].tid
        chosen = tid if analysis.initial(tid) else analysis.any_initial()
        # A thread that can start the reversing schedule can go before T[i]:
        # T[i] had company, and it is among it. Anything else is a mistake
        # here, which would lose classes unseen.
        if point is None or chosen not in [option for option, _ in self.nodes[point].options]:
            raise AssertionError('reduction: cannot reverse the race of %r and %r' % (
                transitions[i], transitions[j]))
        self.nodes[point].backtrack.add(chosen)

    def _next(self):
        """Point the path at the deepest untried branch; False if none."""
        while self.nodes:
            node = self.nodes[-1]
            for tid, _ in node.options:
                if tid in node.backtrack and tid not in node.done and tid not in node.sleep:
                    node.tid = tid
                    node.done[tid] = None
                    return True
            self.nodes.pop()
        return False

    # --- sleep sets -----------------------------------------------------

    def _sleep_below(self, node):
        """Who sleeps just after *node*'s transition: those asleep at it or
        tried there before, other than the thread it took."""
        sleep = dict(node.sleep)
        for tid, accesses in node.done.items():
            if tid != node.tid and accesses is not None:
                sleep[tid] = accesses
        return sleep

    def new_node(self, point, transitions):
        """The node of a choice point past the replayed path, with the
        thread to take (None: every option is asleep, cut the run)."""
        sleep = {}
        if self.nodes:
            parent = self.nodes[-1]
            sleep = _asleep(self._sleep_below(parent), transitions[parent.step:point.step])
            if sleep is None:
                return None
        tid = point.options[point.default][0]
        if tid in sleep:
            awake = [option for option, _ in point.options if option not in sleep]
            if not awake:
                return None
            tid = awake[0]
        node = Node(point, tid, sleep)
        self.nodes.append(node)
        return node


def _asleep(sleep, transitions):
    """The sleep set after *transitions* ran, starting from *sleep*; None
    if one of them was a sleeping thread's."""
    for transition in transitions:
        if transition.tid in sleep:
            return None
        if sleep:
            sleep = {tid: accesses for tid, accesses in sleep.items()
                     if not dependent(accesses, transition.accesses)}
    return sleep


class _Chooser:
    """Replays the search's path, then asks it for new nodes."""

    def __init__(self, search):
        self.search = search
        self.transitions = None  # the run's, once bound
        self.diverged = None

    def bind(self, run):
        self.transitions = run.transitions

    def __call__(self, point):
        nodes = self.search.nodes
        if point.index < len(nodes):
            node = nodes[point.index]
            if node.options != point.options or node.step != point.step:
                self.diverged = self.diverged or (point.index, node.tid, 'the options were %r, not %r'
                                                  % (point.options, node.options))
                return None  # a scenario that does not repeat itself: explore() says so
            return node.option(node.tid)
        node = self.search.new_node(point, self.transitions)
        return None if node is None else node.option(node.tid)


# --- races ----------------------------------------------------------------

class _Clocks:
    """Happens-before over one run's transitions, as vector clocks: the
    transitive closure of program order and dependence."""

    def __init__(self, transitions):
        self.transitions = transitions
        threads = 1 + max(t.tid for t in transitions)
        self.position = []  # of each transition in its thread, from 1
        self.clocks = []
        self.by_thread = [[] for _ in range(threads)]
        self.previous = []  # the index of the thread's transition before, or -1
        self.predecessors = []  # the transitions each directly depends on
        writer, readers = {}, {}
        for index, transition in enumerate(transitions):
            tid = transition.tid
            mine = self.by_thread[tid]
            before = mine[-1] if mine else -1
            mine.append(index)
            clock = list(self.clocks[before]) if before >= 0 else [0] * threads
            direct = set()
            for key, mode in transition.accesses.items():
                wrote = writer.get(key)
                if wrote is not None:
                    direct.add(wrote)
                if mode == 'w':
                    direct.update(readers.get(key, ()))
            for other in direct:
                theirs = self.clocks[other]
                for thread, value in enumerate(theirs):
                    if value > clock[thread]:
                        clock[thread] = value
            clock[tid] = len(mine)
            for key, mode in transition.accesses.items():
                if mode == 'w':
                    writer[key] = index
                    readers[key] = []
                else:
                    readers.setdefault(key, []).append(index)
            self.position.append(len(mine))
            self.clocks.append(clock)
            self.previous.append(before)
            self.predecessors.append(direct)

    def before(self, a, b):
        """True if transition a happens before (or is) transition b."""
        return self.clocks[b][self.transitions[a].tid] >= self.position[a]


def _races(clocks):
    """(i, j) for each race of the run: T[i] and T[j] of different threads,
    dependent, with no transition ordered between them, and reversible;
    plus the lock hand-overs (see the module docstring)."""
    transitions = clocks.transitions
    acquired = {}  # lock key -> index of its last successful acquire
    for j, transition in enumerate(transitions):
        tid = transition.tid
        previous = clocks.previous[j]
        others = [i for i in clocks.predecessors[j] if transitions[i].tid != tid]
        for i in others:
            if previous >= 0 and clocks.before(i, previous):
                continue
            if any(k != i and clocks.before(i, k) for k in clocks.predecessors[j]):
                continue
            if _reversible(transitions, clocks, i, j, acquired):
                yield i, j
        if transition.op in ('acquire', 'try-acquire') and transition.accesses.get(transition.target) == 'w':
            holder = acquired.get(transition.target)
            if (transition.op == 'acquire' and holder is not None and transitions[holder].tid != tid
                    and not (previous >= 0 and clocks.before(holder, previous))):
                yield holder, j
            acquired[transition.target] = j


def _reversible(transitions, clocks, i, j, acquired):
    """Can T[j]'s thread go before T[i]? Not if T[j] waited for T[i]."""
    second = transitions[j]
    if second.op not in BLOCKING or second.outcome != GO or second.timed:
        return True  # never waits, or would time out instead
    if second.target not in transitions[i].accesses:
        return True
    if clocks.previous[j] < i:  # it was waiting there when T[i] ran
        return (second.tid, GO) in transitions[i].options
    if second.op == 'acquire':  # it came later: was the lock free before T[i]?
        return acquired.get(second.target) == i
    return second.op == 'wake'


class _Reversal:
    """The schedule that reverses the race (i, j): the run up to T[i],
    then the transitions that do not happen after T[i], then T[j]'s
    thread. Its *initials* are the threads that can start it: those whose
    first transition in it follows none of another thread's there."""

    def __init__(self, clocks, i, j):
        self.clocks = clocks
        self.i = i
        self.j = j
        self.racer = clocks.transitions[j].tid

    def initial(self, tid):
        """True if *tid* can start the reversing schedule."""
        i, clocks = self.i, self.clocks
        mine = clocks.by_thread[tid] if tid < len(clocks.by_thread) else ()
        at = bisect.bisect_right(mine, i)
        if at == len(mine):
            return False
        first = mine[at]
        if tid != self.racer and clocks.before(i, first):
            return False  # it has nothing there
        transitions = clocks.transitions
        return not any(transitions[y].tid != tid and not clocks.before(i, y) and clocks.before(y, first)
                       for y in range(i + 1, first))

    def any_initial(self):
        """The lowest tid that can start it; None if none."""
        for tid in range(len(self.clocks.by_thread)):
            if self.initial(tid):
                return tid
        return None


def causes(transitions, tid):
    """The indexes of the transitions that happen before (or are) *tid*'s
    last one: all a failure there depends on."""
    last = max(index for index, transition in enumerate(transitions) if transition.tid == tid)
    clocks = _Clocks(transitions[:last + 1])
    return [index for index in range(last + 1) if clocks.before(index, last)]


def class_of(transitions):
    """What identifies a run's class of equivalent schedules: each
    thread's transitions, and for each key the order of the transitions
    that touched it, except that reads between two changes may come in any
    order. Two runs have the same class_of exactly when one's schedule can
    be turned into the other's by swapping independent neighbours."""
    threads, uses = {}, {}
    for transition in transitions:
        mine = threads.setdefault(transition.tid, [])
        mine.append((transition.op, transition.outcome, transition.target,
                     tuple(sorted(transition.accesses.items(), key=repr))))
        for key, mode in transition.accesses.items():
            uses.setdefault(key, []).append((transition.tid, len(mine), mode))
    order = []
    for key, touches in uses.items():
        groups, reads = [], set()
        for touch in touches:
            if touch[2] == 'r':
                reads.add(touch)
                continue
            if reads:
                groups.append(frozenset(reads))
                reads = set()
            groups.append(touch)
        if reads:
            groups.append(frozenset(reads))
        order.append((repr(key), tuple(groups)))
    return tuple((tid, tuple(mine)) for tid, mine in sorted(threads.items())), tuple(sorted(order))
