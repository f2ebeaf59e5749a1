"""Run scenarios on the reference under the controlled threading layer and
explore their schedules.

The seam
--------
``load_reference(run)`` executes FRESH copies of reference/__init__.py,
_base.py and thread.py (and any other reference module they import) as a
throwaway package that is never put in ``sys.modules``. What the source
does is unchanged; what its imports resolve to differs, and two kinds of
statement are compiled differently, on the same lines:

* each import statement, as an assignment from the loader's resolver
  (``_ImportsThroughSeam``): ``import threading`` runs as ``threading =
  __seam_import__('threading')``, ``from ._base import Future`` as
  ``Future = __seam_import__('._base').Future``;
* inside functions, each read and assignment of a module variable that
  functions change (``_interpreter_exiting``, ``_workers``), as the same
  with a note to the run (``_SharedVariablesThroughSeam``).

The resolver gives:

* ``threading``: the run's controlled module (the reference imports it at
  module top and reaches every primitive through it);
* ``os``: the real module, except that ``register_at_fork`` records the
  hook on the run instead of the process (a fresh copy per run would
  otherwise pile up hooks, and the modules they keep alive, forever);
* ``collections``: the real module, except that a deque is a
  ``_LookedAtDeque``, whose looks and appends are switch points;
* ``._base``, ``.thread``...: the other fresh copies;
* everything else: the module a plain import gives.

(A private ``__builtins__`` whose ``__import__`` does the same would need
no compiling, but PyPy ignores a module's own ``__builtins__``: its copies
would run on the real ``threading``.)

After loading, ``_instrument`` sets these on the fresh objects, none
changing what the reference does:

* ``_base.LOGGER`` becomes a private logger whose records the run keeps
  (scenarios check them; nothing reaches the shared 'concurrent.futures'
  logger);
* ``Future.__hash__`` becomes the future's creation order. wait() and
  as_completed() put futures in sets; iterating a set of objects hashed by
  address visits them in an order that changes from run to run, which
  would make schedules impossible to replay. Any order is one a real run
  can show; this picks one and keeps it;
* ``Future._state`` and the waiter's ``settled`` and ``pending`` become
  properties whose accesses are switch points (see their docstrings);
* every class of the copies gets ``__getattribute__`` and ``__setattr__``
  that tell the run which fields each transition read and wrote, and a
  list or set stored in a field becomes a watched one (``_Fields``,
  ``_watched``): the reduction (reduction.py) orders two transitions only
  if they touch the same thing. The scenario's own fields are watched the
  same way.

A name the seam wraps that the reference no longer has is a SeamError, not
a quietly smaller check. Every run gets its own copies, so module state
(the exit hook's registry of workers, the global lock, thread-name
counters) starts afresh. Unpatched copies are compiled under the real file
names, so traces and tracebacks point at reference/ lines. A seeded bug
(see Patch) is a patch of a copy's code; its code gets a '<seeded ...>'
file name.

Exploring
---------
``explore`` runs one schedule of each class of equivalent schedules
(reduction.Search: dynamic partial-order reduction with sleep sets), with
no preemption bound unless the scenario or the caller sets one. Each run
replays a path of choices and then goes on as the search says, never
preempting unless a thread asleep there must not go. With
``reduction=False`` it walks every schedule within a preemption bound
instead, depth first, as it did before the reduction (CHESS's preemption
bounding: a switch away from a thread that could have gone on costs one;
switches at blocking points are free). ``random_walk`` makes every choice
at random, from a seed. Failures are shrunk (``shrink``) and the shortest
is reported as a trace with a replay command. A run is checked by its
scenario's invariants after every thread has ended (see scenarios.py).
"""

import ast
import collections
import gc
import importlib
import io
import itertools
import linecache
import logging
import math
import os
import pathlib
import random
import sys
import time
import tokenize
import traceback
import types
import weakref

from tests.interleavings import controlled
from tests.interleavings import reduction as reduction_

REPO = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = REPO / 'reference'
controlled.HARNESS_FILES.add(__file__)


# --- the seam -------------------------------------------------------------

Patch = collections.namedtuple('Patch', 'module old new')
Patch.__doc__ = """Replace the lines of code *old* (which must occur exactly
once) by *new* in reference/<module>.py, e.g. Patch('_base', 'a = 1', 'a =
2'). Only code is compared: comments, blank lines and comment-only lines of
reference/ are passed over (and dropped from the lines replaced), so
rewording a comment there never breaks a patch; *old* and *new* have none
of their own."""

_code_cache = {}


def _compiled(module, patches, tag):
    """The code of reference/<module>.py with *patches* applied (cached)."""
    key = (module, tuple(patches), tag)
    if key not in _code_cache:
        path = REFERENCE / (module + '.py')
        source = path.read_text(encoding='utf-8')
        mine = [patch for patch in patches if patch.module == module]
        for patch in mine:
            source = _patched(source, patch, tag)
        filename = str(path)
        if mine:  # not the file on disk: a name coverage and linecache won't read from disk
            filename = '<seeded %s: reference/%s.py>' % (tag, module)
            lines = source.splitlines(True)
            linecache.cache[filename] = (len(source), None, lines, filename)
        tree = _ImportsThroughSeam().visit(ast.parse(source, filename))
        tree = _SharedVariablesThroughSeam(tree).visit(tree)
        _code_cache[key] = (compile(tree, filename, 'exec', dont_inherit=True), filename)
    return _code_cache[key]


def _patched(source, patch, tag):
    """*source* with *patch* applied (see Patch)."""
    wanted = [line.rstrip() for line in patch.old.splitlines() if line.strip()]
    code = code_lines(source)
    texts = [text for _, text in code]
    found = [at for at in range(len(texts) - len(wanted) + 1) if texts[at:at + len(wanted)] == wanted]
    if len(found) != 1:
        raise ValueError('seeded bug %s: %r occurs %d times in the code of reference/%s.py, not once'
                         % (tag, patch.old, len(found), patch.module))
    first, last = code[found[0]][0], code[found[0] + len(wanted) - 1][0]
    lines = source.splitlines(True)
    return ''.join(lines[:first - 1]) + patch.new.rstrip('\n') + '\n' + ''.join(lines[last:])


def code_lines(source):
    """[(line number, its code)] for each line of *source* that has code:
    without its comment and trailing blanks."""
    comments = {token.start[0]: token.start[1]
                for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT}
    lines = []
    for number, line in enumerate(source.splitlines(), 1):
        text = line[:comments.get(number, len(line))].rstrip()
        if text.strip():
            lines.append((number, text))
    return lines


class _ImportsThroughSeam(ast.NodeTransformer):
    """Compiles each import statement as assignments, one a name, from the
    resolver load_reference() puts in the copy's globals, on the same line:

        import threading               threading = __seam_import__('threading')
        from . import _base            _base = __seam_import__('._base')
        from ._base import Future, TO  Future = __seam_import__('._base').Future
                                       TO = __seam_import__('._base').TO

    ``from __future__`` imports stay: they are instructions to the compiler.
    """

    def visit_Import(self, node):
        if any('.' in alias.name and not alias.asname for alias in node.names):
            raise _unsupported(node)
        return [_assign(node, alias, alias.name) for alias in node.names]

    def visit_ImportFrom(self, node):
        if node.module == '__future__':
            return node
        if node.level > 1 or node.names[0].name == '*':
            raise _unsupported(node)
        if node.module is None:  # from . import _base: modules of the package
            return [_assign(node, alias, '.' + alias.name) for alias in node.names]
        module = '.' * node.level + node.module
        return [_assign(node, alias, module, alias.name) for alias in node.names]


# Methods by which a function changes a module variable's value in place.
_IN_PLACE = frozenset(['append', 'appendleft', 'add', 'clear', 'discard', 'extend', 'insert',
                       'pop', 'popitem', 'popleft', 'remove', 'setdefault', 'update'])


class _SharedVariablesThroughSeam(ast.NodeTransformer):
    """Makes the module variables that functions change visible to the
    run: those a function declares ``global``, and those whose value a
    function changes in place (``_workers[thread] = queue``,
    ``_workers.clear()``). Inside functions, each read of one is compiled
    as a call of the module's ``__seam_read__`` (which returns it and
    touches it), and each statement that assigns one is followed, on the
    same line, by a call of ``__seam_wrote__``:

        if _interpreter_exiting:       if __seam_read__('_interpreter_exiting'):
        _interpreter_exiting = True    _interpreter_exiting = True; __seam_wrote__('_interpreter_exiting')

    Module-level code, which runs once as the copy loads, stays as it is.
    """

    def __init__(self, tree):
        assigned = {target.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                    for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                    if isinstance(target, ast.Name)}
        declared, in_place = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                declared.update(node.names)
            elif isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
                in_place.add(getattr(node.value, 'id', None))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in _IN_PLACE):
                in_place.add(getattr(node.func.value, 'id', None))
        self.shared = declared | (in_place & assigned)
        self.in_function = False

    def visit_FunctionDef(self, node):
        outer, self.in_function = self.in_function, True
        local = {arg.arg for arg in ast.walk(node.args) if isinstance(arg, ast.arg)}
        if local & self.shared:
            raise _unsupported(node, 'a parameter named as a module variable that functions change')
        self.generic_visit(node)
        self.in_function = outer
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Name(self, node):
        if self.in_function and node.id in self.shared and isinstance(node.ctx, ast.Load):
            return _call(node, '__seam_read__', node.id)
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        if not self.in_function:
            return node
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        stored = [name.id for target in targets for name in ast.walk(target)
                  if isinstance(name, ast.Name) and name.id in self.shared]
        return [node] + [ast.copy_location(ast.Expr(_call(node, '__seam_wrote__', name)), node)
                         for name in stored]

    visit_AugAssign = visit_AnnAssign = visit_Assign


def _call(node, function, argument):
    """``function('argument')``, where *node* was."""
    call = ast.Call(ast.Name(function, ast.Load()), [ast.Constant(argument)], [])
    return ast.fix_missing_locations(ast.copy_location(call, node))


def _assign(node, alias, module, attribute=None):
    """``alias = __seam_import__(module)[.attribute]``, where *node* was."""
    value = ast.Call(ast.Name('__seam_import__', ast.Load()), [ast.Constant(module)], [])
    if attribute is not None:
        value = ast.Attribute(value, attribute, ast.Load())
    assign = ast.Assign([ast.Name(alias.asname or alias.name, ast.Store())], value)
    return ast.fix_missing_locations(ast.copy_location(assign, node))


def _unsupported(node, what=None):
    what = what or ('an import other than "import m", "import a.b as m", "from [.]m import names" '
                    'and "from . import m"')
    return SyntaxError('reference/ line %d: the seam does not compile %s' % (node.lineno, what))


class _OsForCopies:
    """os, except that fork hooks are recorded on the run, not registered."""

    def __init__(self, hooks):
        self._hooks = hooks

    def register_at_fork(self, **hooks):
        self._hooks.append(hooks)

    def __getattr__(self, name):
        return getattr(os, name)


class _CollectionsForCopies:
    """collections, except that a deque is a _LookedAtDeque of the run."""

    def __init__(self, run):
        self._run = run

    def deque(self, *args):
        return _LookedAtDeque(self._run, *args)

    def __getattr__(self, name):
        return getattr(collections, name)


class _LookedAtDeque(collections.deque):
    """A deque whose every look at its size (a truth test, len()) is
    followed by a switch point, and whose every append is preceded by one.
    The work queue looks at its deques and then acts on what it saw, some
    of it without a lock: a thread that has looked may act after others
    have run, as on a real machine. And a thread that has fetched a deque
    from an attribute (``self._parked.append``) may append to it after
    another thread has put a new deque in its place.

    Every use of it is a touch of the deque (see controlled.Run.touch):
    looks and iteration read it, the other methods the reference calls
    change it. Any other method fails the run: a reference that starts
    calling one needs it watched here first (see _unwatched)."""

    def __init__(self, run, *args):
        super().__init__(*args)
        self._run = run
        self._label = run.label('deque') + controlled._created_as()
        self._key = run.new_key()

    def __len__(self):
        size = super().__len__()
        self._run.touch(self._key, 'r')
        self._run.published('look at', self)
        return size

    def __bool__(self):  # a truth test of a deque does not call __len__ before 3.11
        return len(self) > 0

    def __iter__(self):
        self._run.touch(self._key, 'r')
        return super().__iter__()

    def append(self, item):
        self._run.step('append to', self)
        self._run.touch(self._key, 'w')
        super().append(item)

    def popleft(self):
        self._run.touch(self._key, 'w')
        return super().popleft()



def _unwatched(name):
    def method(self, *args, **kwargs):
        raise NotImplementedError('the explorer does not watch deque.%s: add it to '
                                  'explorer._LookedAtDeque' % name)
    method.__name__ = name
    return method


for _name in dir(collections.deque):
    if not _name.startswith('__') and _name not in vars(_LookedAtDeque) and _name != 'maxlen':
        setattr(_LookedAtDeque, _name, _unwatched(_name))
for _name in ('__getitem__', '__setitem__', '__delitem__', '__contains__', '__reversed__', '__iadd__'):
    setattr(_LookedAtDeque, _name, _unwatched(_name))
del _name


def load_reference(run, patches=(), tag='', logger=None):
    """Fresh copies of the reference package, whose ``threading`` is
    ``run.module``. Returns the package (its __init__ already executed)."""
    package = types.ModuleType('reference')
    package.__path__ = []
    package.__package__ = 'reference'
    os_copy = _OsForCopies(run.fork_hooks)
    collections_copy = _CollectionsForCopies(run)

    def load(name):
        if name not in package.__dict__:
            module = types.ModuleType('reference.' + name)
            _exec_into(module, name)
            setattr(package, name, module)
        return getattr(package, name)

    def seam_import(name):
        """The module an import of *name* ('threading', '._base') finds."""
        if name == 'threading':
            return run.module
        if name == 'os':
            return os_copy
        if name == 'collections':
            return collections_copy
        if name.startswith('.'):
            return load(name[1:])
        return importlib.import_module(name)

    def _exec_into(module, name):
        code, filename = _compiled(name, patches, tag)
        variables = module.__dict__

        def read(variable):
            """Touch a module variable that functions change; return it."""
            value = variables[variable]
            run.touch((module.__name__, variable), 'w' if type(value) in _CONTAINERS else 'r')
            return value

        def wrote(variable):
            run.touch((module.__name__, variable), 'w')

        variables.update(__seam_import__=seam_import, __seam_read__=read, __seam_wrote__=wrote,
                         __file__=filename, __package__='reference')
        exec(code, variables)

    _exec_into(package, '__init__')
    _instrument(run, package, logger)
    return package


class SeamError(Exception):
    """The reference no longer has a name the explorer wraps: the explorer
    would check less without saying so."""


def _require(module, name, *fields):
    """*module*.*name*, a class whose __init__ sets each of *fields*; a
    SeamError naming what is missing otherwise."""
    cls = getattr(module, name, None)
    if cls is None:
        raise SeamError('the explorer wraps %s.%s, which no longer exists: '
                        'rename it in tests/interleavings/explorer.py too' % (module.__name__, name))
    init = getattr(cls.__init__, '__code__', None)
    missing = [field for field in fields if init is None or field not in init.co_names]
    if missing:
        raise SeamError('the explorer wraps %s.%s, which %s.__init__ no longer sets: '
                        'rename it in tests/interleavings/explorer.py too'
                        % (module.__name__, ' and '.join(missing), name))
    return cls


def _instrument(run, package, logger):
    """What the run sets on the fresh copies (see the module docstring)."""
    base = package._base
    if not hasattr(base, 'LOGGER'):
        raise SeamError('the explorer replaces _base.LOGGER, which no longer exists')
    if logger is not None:
        base.LOGGER = logger
    future = _require(base, 'Future', '_state', '_lock')
    waiter = _require(base, '_Waiter', 'settled', 'pending', 'lock')
    future.__hash__ = _creation_order_hash(run)
    future._state = _state_with_switches(run)
    for name in ('settled', 'pending'):
        setattr(waiter, name, _waiter_field_with_switches(run, name))
    fields = _Fields(run)
    for module in (package, base, package.thread):
        for value in list(vars(module).values()):
            if (isinstance(value, type) and value.__module__ == module.__name__
                    and not issubclass(value, BaseException)):
                fields.watch(value)


# Values whose contents a thread may change after reading the attribute
# that holds them, unseen: reading such an attribute counts as changing it.
# (A list or set a field holds is a watched one, whose own uses touch it.)
_CONTAINERS = frozenset([list, dict, set, bytearray, collections.deque, collections.OrderedDict,
                         weakref.WeakKeyDictionary, weakref.WeakValueDictionary, weakref.WeakSet])


def _watched(base, changes, looks):
    """A subclass of *base* (list, set) whose every use is a touch of its
    own key: the methods named in *changes* change it, those in *looks*
    and iteration read it. A thread may keep such a container (a list of
    callbacks, a waiter's settled futures) past switch points and use it
    later, in another transition: that use must touch it, not the read of
    the field it came from. Each step of an iteration is a touch, as other
    threads may change the container between two steps."""

    def touching(name, mode):
        method = getattr(base, name)

        def touches(self, *args):
            self._run.touch(self._key, mode)
            return method(self, *args)
        touches.__name__ = name
        return touches

    def __init__(self, run, items=()):
        base.__init__(self, items)
        self._run = run
        self._key = run.new_key()

    def __iter__(self):
        touch, key = self._run.touch, self._key
        for item in base.__iter__(self):
            touch(key, 'r')
            yield item
        touch(key, 'r')

    namespace = {'__slots__': ('_run', '_key'), '__init__': __init__, '__iter__': __iter__}
    namespace.update((name, touching(name, 'w')) for name in changes)
    namespace.update((name, touching(name, 'r')) for name in looks)
    return type('Watched' + base.__name__.capitalize(), (base,), namespace)


_WATCHED = {
    list: _watched(list, ['append', 'extend', 'insert', 'remove', 'pop', 'clear', 'sort', 'reverse',
                          '__setitem__', '__delitem__', '__iadd__', '__imul__'],
                   ['__len__', '__getitem__', '__contains__', '__reversed__', 'index', 'count', 'copy',
                    '__add__', '__mul__', '__eq__', '__ne__', '__lt__', '__le__', '__gt__', '__ge__']),
    set: _watched(set, ['add', 'discard', 'remove', 'pop', 'clear', 'update', 'difference_update',
                        'intersection_update', 'symmetric_difference_update',
                        '__ior__', '__iand__', '__isub__', '__ixor__'],
                  ['__len__', '__contains__', 'copy', 'union', 'difference', 'intersection',
                   'symmetric_difference', 'issubset', 'issuperset', 'isdisjoint',
                   '__or__', '__and__', '__sub__', '__xor__', '__eq__', '__ne__',
                   '__lt__', '__le__', '__gt__', '__ge__']),
}
# What the seam itself keeps on an object: not the reference's fields.
_SEAM_FIELDS = frozenset(['_key', '_label', '_interleavings_hash'])


class _Fields:
    """Makes every read and write of an instance attribute ("field") of a
    watched class a touch of (the object's key, the field's name).

    The key is given at the object's first field write, in __init__ (see
    controlled.Run.new_key); it is kept in the object's __dict__, or for a
    class with __slots__ and so no room for it, in a table of the run that
    keeps the object alive until the run ends (the reference's slotted
    objects are work items and parked workers, whose lifetime no scenario
    checks). Reading a field that holds a list, dict, set... counts as a
    write, since the reader may then change its contents."""

    def __init__(self, run):
        self.run = run
        self.slotted = {}  # id(obj) -> (key, obj)

    def key(self, obj):
        """The key of *obj*, given now if it has none yet."""
        try:
            fields = object.__getattribute__(obj, '__dict__')
        except AttributeError:
            entry = self.slotted.get(id(obj))
            if entry is None:
                entry = self.slotted[id(obj)] = (self.run.new_key(), obj)
            return entry[0]
        if '_key' not in fields:
            fields['_key'] = self.run.new_key()
            fields['_label'] = self.run.label(type(obj).__name__.lstrip('_'))
        return fields['_key']

    def watch(self, cls):
        """Install the touches on *cls* (a class of a fresh copy)."""
        run, touch, key_of = self.run, self.run.touch, self.key
        get, put = object.__getattribute__, object.__setattr__
        # Properties (Future._state, the waiter's fields) touch by themselves,
        # at the right moment around their switch points.
        unwatched = _SEAM_FIELDS | {name for klass in cls.__mro__ for name, value in vars(klass).items()
                                    if not isinstance(value, types.MemberDescriptorType)}

        def __getattribute__(obj, name):
            value = get(obj, name)
            if name not in unwatched:
                touch((key_of(obj), name), 'w' if type(value) in _CONTAINERS else 'r')
            return value

        def __setattr__(obj, name, value):
            key = key_of(obj)  # the first write, in __init__, gives it
            watched = _WATCHED.get(type(value))
            if watched is not None:
                value = watched(run, value)
            put(obj, name, value)
            if name not in unwatched:
                touch((key, name), 'w')

        cls.__getattribute__ = __getattribute__
        cls.__setattr__ = __setattr__


def _lacks(run, lock):
    """True if a controlled thread is calling without holding *lock*."""
    me = run.current_state()
    return me is not None and lock._owner != me.name


def _waiter_field_with_switches(run, name):
    """A field of a wait()/as_completed() waiter, each access to which
    is a touch, and each access to which without the waiter's lock is a
    switch point (after a read, after a write). The reference touches
    these fields only under that lock, so the switch points add no
    schedule to its runs: they give a copy that forgets the lock its races
    (a lost decrement of `pending`, an append to a list that
    take_settled() has already swapped out)."""

    def get(waiter):
        fields = waiter.__dict__
        value = fields[name]
        run.touch((fields['_key'], name), 'w' if type(value) in _CONTAINERS else 'r')
        if _lacks(run, fields['lock']):
            run.published('look at ' + name, waiter)
        return value

    def set_(waiter, value):
        fields = waiter.__dict__
        first = name not in fields  # in __init__: no other thread knows the waiter
        fields[name] = value
        run.touch((fields['_key'], name), 'w')
        if not first and _lacks(run, fields['lock']):
            run.published('set ' + name, waiter)

    return property(get, set_)


def _state_with_switches(run):
    """A future's _state, each access to which is a touch; each change of
    which (after the first, in __init__) is preceded by a switch point,
    and each read of which without the future's lock is followed by one.
    A thread that has looked at the state and decided on the next one may
    store it after other threads have run, and one that looked without the
    lock may act on what it saw after others have changed it: under the
    future's lock no other thread can change the state meanwhile, and
    without it one can, as on a real machine."""

    def get(future):
        fields = future.__dict__
        state = fields['_state']
        run.touch((fields['_key'], '_state'), 'r')
        if _lacks(run, fields['_lock']):
            run.published('look at state', future)
        return state

    def set_(future, state):
        fields = future.__dict__
        if '_state' in fields:
            run.step('set state', future)
        fields['_state'] = state
        run.touch((fields['_key'], '_state'), 'w')

    return property(get, set_)


def _creation_order_hash(run):
    serials = iter(range(1, 1 << 62))

    def __hash__(future):
        """The future's creation order (first hashed, first numbered)."""
        fields = future.__dict__
        try:
            return fields['_interleavings_hash']
        except KeyError:
            run.touch(FUTURE_SERIALS, 'w')
            value = fields['_interleavings_hash'] = next(serials)
            return value

    return __hash__


# The key of the count that numbers futures as they are first hashed.
FUTURE_SERIALS = 'future serials'


LOG = 'log'  # the key of the reference's log


class LogCapture(logging.Handler):
    """Keeps the records of the reference copy's logger; each record is
    a change of the run's log (key LOG)."""

    def __init__(self, run):
        super().__init__(logging.DEBUG)
        self.run = run
        self.records = []

    def emit(self, record):
        self.run.touch(LOG, 'w')
        self.records.append(record)

    def logger(self):
        logger = logging.Logger('concurrent.futures')  # not in the manager: private
        logger.propagate = False
        logger.addHandler(self)
        return logger


class Context:
    """What a scenario gets: the fresh reference, the controlled threading
    module, the run, and the log records."""

    def __init__(self, run, ref, logs):
        self.run = run
        self.ref = ref
        self.threading = run.module
        self.logs = logs

    def note(self, text):
        """Show *text* in the trace at this point of the calling thread."""
        self.run.note(text)

    def spawn(self, fn, *args, name=None):
        """Start a controlled thread running fn(*args)."""
        thread = self.threading.Thread(target=fn, args=args, name=name)
        thread.start()
        return thread


# --- one run --------------------------------------------------------------

class Outcome:
    """The result of one run: its failure (or None), trace and choices."""

    def __init__(self, scenario, bug, run):
        self.scenario = scenario
        self.bug = bug
        self.failure = run.failure
        self.trace = run.trace
        self.points = run.points
        self.transitions = run.transitions
        self.blocked = run.blocked
        self.failed_tid = run.failed_tid
        self.cut = run.cut
        self.preemptions = run.preemptions
        self.diverged = None  # set by replay() when the schedule did not fit

    @property
    def failed(self):
        return self.failure is not None

    @property
    def steps(self):
        return len(self.trace)

    @property
    def deviations(self):
        """{choice index: (tid, outcome)} where the default was not taken."""
        return {point.index: point.options[point.chosen]
                for point in self.points if point.chosen != point.default}

    @property
    def schedule(self):
        return format_schedule(self.deviations)

    def key(self):
        """Shorter is better: steps, then preemptions, then deviations."""
        return (self.steps, self.preemptions, len(self.deviations))

    def promise(self):
        """key() once shrunk: a run that an exception ended counts only the
        steps that led to it, which shrink() keeps alone (causal_cut)."""
        if self.failed_tid is None:
            return self.key()
        return (len(self.causal_steps()), self.preemptions, len(self.deviations))

    def causal_steps(self):
        """The trace steps of the transitions the failure depends on."""
        wanted = set(reduction_.causes(self.transitions, self.failed_tid))
        return [step for step in self.trace if step.transition in wanted]


def format_schedule(deviations):
    """'4:1,9:0t': at choice 4 thread 1 goes, at choice 9 thread 0 times
    out; every other choice is the default. '-' when there is none."""
    return ','.join('%d:%d%s' % (index, tid, 't' if outcome == controlled.TIMEOUT else '')
                    for index, (tid, outcome) in sorted(deviations.items())) or '-'


def parse_schedule(text):
    deviations = {}
    for token in filter(None, text.strip().replace(' ', '').split(',')):
        if token == '-':
            continue
        index, _, choice = token.partition(':')
        timeout = choice.endswith('t')
        deviations[int(index)] = (int(choice.rstrip('t')),
                                  controlled.TIMEOUT if timeout else controlled.GO)
    return deviations


def run_scenario(scenario, chooser, bug=None):
    """Run *scenario* (a class from scenarios.py) once under *chooser* on a
    fresh reference copy (with *bug*'s patches, if any); check it. A
    chooser with a ``bind`` method is given the run first (the reduction's
    reads the transitions so far). The scenario runs as a subclass whose
    fields are watched like the reference's."""
    run = controlled.Run(chooser, max_steps=scenario.max_steps)
    if hasattr(chooser, 'bind'):
        chooser.bind(run)
    logs = LogCapture(run)
    ref = load_reference(run, bug.patches if bug else (), bug.name if bug else '', logs.logger())
    watched = type(scenario.__name__, (scenario,), {})  # the scenario's fields are shared data too
    _Fields(run).watch(watched)
    instance = watched(Context(run, ref, logs))
    run.execute(instance.body)
    if run.failure is None:
        _verify(run, instance)
    return Outcome(scenario.name, bug, run)


def _verify(run, instance):
    try:
        instance.verify()
    except AssertionError as exc:
        run.fail('invariant', str(exc) or 'assertion failed',
                 ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


class _Quiet:
    """During exploration: no automatic garbage collection (it would run
    weakref callbacks, which take controlled locks, at arbitrary points);
    the runs' garbage is collected between runs, every COLLECT_EVERY runs,
    and when the exploration ends. Objects that exist beforehand are
    frozen (gc.freeze), so those collections stay cheap on CPython; PyPy
    has no freeze and walks its whole heap in each, which made a
    collection after every run cost twice the run itself.

    A collection inside a run (a scenario's gc.collect()) may find the
    garbage of an earlier run: the weakref callbacks it sets off act on
    that run, which is over, so its primitives run free, outside any
    schedule.

    PyPy counts no references: with collection disabled it runs weakref
    callbacks only in gc.collect(). An executor a scenario drops at its end
    is collected by the collection after the run, not in it, so the run's
    trace is a step or two shorter there; its choices are the same.

    And an Abort raised where Python cannot propagate it (a weakref
    callback in a failed run, such as the executor's on_collect) is the
    expected end of that run, not something to print."""

    def __enter__(self):
        self.enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        if hasattr(gc, 'freeze'):
            gc.freeze()
        self.hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        return self

    def __exit__(self, *exc_info):
        gc.collect()
        sys.unraisablehook = self.hook
        if hasattr(gc, 'unfreeze'):
            gc.unfreeze()
        if self.enabled:
            gc.enable()

    def _unraisable(self, unraisable):
        if not isinstance(unraisable.exc_value, controlled.Abort):
            self.hook(unraisable)

    COLLECT_EVERY = 32
    _runs = itertools.count(1)

    @classmethod
    def after_run(cls):
        if next(cls._runs) % cls.COLLECT_EVERY == 0:
            gc.collect()


def sampling():
    """True when FUTURES_SPEC_SCHEDULES=sample: the tests then run each
    scenario on a short seeded sample of schedules (random_walk) instead of
    every class, for CI on the Pythons where the full exploration proves
    nothing the others do not. Unset (or 'all'): the full exploration."""
    mode = os.environ.get('FUTURES_SPEC_SCHEDULES', 'all')
    if mode not in ('all', 'sample'):
        raise ValueError("FUTURES_SPEC_SCHEDULES is 'all' (the default) or 'sample', not %r" % mode)
    return mode == 'sample'


SAMPLE_RUNS = 25  # schedules per scenario in a sample
SAMPLE_SEED = 2024


# --- choosers -------------------------------------------------------------

class ScheduleChooser:
    """Replays a schedule: *deviations* as format_schedule takes them, the
    default elsewhere. Strict: notes a choice that cannot be taken (the run
    then differs from the one recorded)."""

    def __init__(self, deviations):
        self.deviations = deviations
        self.diverged = None

    def __call__(self, point):
        wanted = self.deviations.get(point.index)
        if wanted is None:
            return point.default
        if wanted in point.options:
            return point.options.index(wanted)
        self.diverged = self.diverged or (
            point.index, wanted, 'the options were %r' % (point.options,))
        return point.default


class RandomChooser:
    """Every choice at random."""

    def __init__(self, rng):
        self.rng = rng
        self.diverged = None

    def __call__(self, point):
        return self.rng.randrange(len(point.options))


class NondeterministicScenario(Exception):
    """A run did not follow the choices it was given."""


# --- exploring ------------------------------------------------------------

class Report:
    """What an exploration found."""

    def __init__(self, scenario, bug, mode, bound):
        self.scenario = scenario
        self.bug = bug
        self.mode = mode
        self.bound = bound
        self.runs = 0
        self.cut = 0  # runs cut short: equivalent to one already run
        self.failures = 0
        self.kinds = collections.Counter()  # failing runs by Failure.kind
        self.shortest = None  # the shortest failing Outcome
        self.max_steps = 0
        self.seconds = 0.0

    def add(self, outcome):
        self.runs += 1
        self.max_steps = max(self.max_steps, outcome.steps)
        if outcome.failed:
            self.failures += 1
            self.kinds[outcome.failure.kind] += 1
            if self.shortest is None or outcome.promise() < self.shortest.promise():
                self.shortest = outcome

    @property
    def passed(self):
        return self.failures == 0

    def summary(self):
        bug = ' [seeded bug: %s]' % self.bug.name if self.bug else ''
        what = self.scenario.name + bug
        limit = 'unbounded' if self.bound is None else 'bound %d' % self.bound
        how = {'dpor': 'classes, %s' % limit, 'dfs': 'schedules, %s, no reduction' % limit,
               'random': 'random schedules'}[self.mode]
        if self.cut:
            how += ', %d cut short' % self.cut
        if self.scenario.known_failure and not self.bug:
            verdict = '%d show it, as expected: %s' % (self.failures, self.scenario.known_failure)
        else:
            verdict = 'ok' if self.passed else '%d FAILING' % self.failures
        return '%s: %d runs (%s, longest %d steps) in %.1fs: %s' % (
            what, self.runs, how, self.max_steps, self.seconds, verdict)


def explore(scenario, bound=None, bug=None, max_runs=None, stop_after=None, shrink_failure=True,
            reduction=True):
    """One schedule of each class of equivalent schedules of *scenario*
    (reduction.py), with no preemption bound. With a *bound* (None: the
    scenario's, which is none unless it says; math.inf: none) or with
    *reduction* False, every schedule within the bound instead, depth first
    (the reduction and a bound do not mix: see reduction.py); *bound* None
    then means the scenario's bound_without_reduction. Stops early after
    *max_runs* runs or *stop_after* failures."""
    if bound is None:
        bound = scenario.bound if reduction else scenario.bound_without_reduction
    bound = None if bound == math.inf else bound
    if bound is not None or not reduction:
        return _explore_every_schedule(scenario, bound, bug, max_runs, stop_after, shrink_failure)
    report = Report(scenario, bug, 'dpor', None)
    start = time.perf_counter()
    search = reduction_.Search()
    with _Quiet():
        while True:
            chooser = search.chooser()
            outcome = run_scenario(scenario, chooser, bug)
            _Quiet.after_run()
            _check_determinism(chooser, outcome)
            if search.redundant(outcome):
                report.cut += 1
            else:
                report.add(outcome)
            if (max_runs and report.runs >= max_runs) or (stop_after and report.failures >= stop_after):
                break
            if not search.learn(outcome):
                break
        _finish(report, shrink_failure)
    report.seconds = time.perf_counter() - start
    return report


def _explore_every_schedule(scenario, bound, bug, max_runs, stop_after, shrink_failure):
    """explore() without the reduction: every schedule, depth first."""
    report = Report(scenario, bug, 'dfs', bound)
    start = time.perf_counter()
    prefix = []
    with _Quiet():
        while prefix is not None:
            chooser = ScheduleChooser(dict(enumerate(prefix)))
            outcome = run_scenario(scenario, chooser, bug)
            _Quiet.after_run()
            _check_determinism(chooser, outcome)
            report.add(outcome)
            if (max_runs and report.runs >= max_runs) or (stop_after and report.failures >= stop_after):
                break
            prefix = _next_prefix(outcome.points, math.inf if bound is None else bound)
        _finish(report, shrink_failure)
    report.seconds = time.perf_counter() - start
    return report


def _next_prefix(points, bound):
    """The choices of the next schedule in depth-first order, or None."""
    for i in reversed(range(len(points))):
        point = points[i]
        order = [point.default] + [j for j in range(len(point.options)) if j != point.default]
        for j in order[order.index(point.chosen) + 1:]:
            if point.preemptions_before + point.costs[j] <= bound:
                return [p.options[p.chosen] for p in points[:i]] + [point.options[j]]
    return None


def random_walk(scenario, runs, seed, bug=None, shrink_failure=True):
    """*runs* runs of *scenario*, each choice at random (seeded)."""
    report = Report(scenario, bug, 'random', None)
    rng = random.Random(seed)
    start = time.perf_counter()
    with _Quiet():
        for _ in range(runs):
            outcome = run_scenario(scenario, RandomChooser(rng), bug)
            _Quiet.after_run()
            report.add(outcome)
        _finish(report, shrink_failure)
    report.seconds = time.perf_counter() - start
    return report


def run_once(scenario, chooser, bug=None):
    """run_scenario() on its own, with the garbage collector kept quiet."""
    with _Quiet():
        outcome = run_scenario(scenario, chooser, bug)
        _Quiet.after_run()
    return outcome


def replay(scenario, schedule, bug=None):
    """Run *scenario* once along *schedule* (a string); return the Outcome."""
    deviations = parse_schedule(schedule)
    chooser = ScheduleChooser(deviations)
    outcome = run_once(scenario, chooser, bug)
    outcome.diverged = chooser.diverged
    beyond = [index for index in deviations if index >= len(outcome.points)]
    if beyond and not outcome.diverged:
        outcome.diverged = (beyond[0], deviations[beyond[0]],
                            'the run made only %d choices' % len(outcome.points))
    return outcome


def shrink(outcome, bug=None, scenario=None):
    """A failing run as short as cutting and dropping choices can make it:
    first the causal cut of a run an exception ended (causal_cut), then
    each non-default choice dropped in turn, keeping any run that still
    fails the same way and is shorter, until none is."""
    from tests.interleavings.scenarios import SCENARIOS
    scenario = scenario or SCENARIOS[outcome.scenario]
    best = causal_cut(outcome, scenario, bug)
    tried = set()
    improved = True
    while improved:
        improved = False
        deviations = best.deviations
        for index in sorted(deviations):
            fewer = {k: v for k, v in deviations.items() if k != index}
            if format_schedule(fewer) in tried:
                continue
            tried.add(format_schedule(fewer))
            candidate = run_scenario(scenario, ScheduleChooser(fewer), bug)
            _Quiet.after_run()
            if (candidate.failed and candidate.failure.kind == best.failure.kind
                    and candidate.key() < best.key()):
                best, improved = candidate, True
                break
    return best


def causal_cut(outcome, scenario, bug=None):
    """A run that an exception ended, replayed with only the transitions
    that led to it, in the same order (reduction.causes): the others are
    independent of it, so it fails the same way, sooner. Other runs as
    they are."""
    if outcome.failed_tid is None:
        return outcome
    tids = [outcome.transitions[index].tid for index in reduction_.causes(outcome.transitions,
                                                                          outcome.failed_tid)]
    candidate = run_scenario(scenario, _InOrder(tids), bug)
    _Quiet.after_run()
    if candidate.failed and candidate.failure.kind == outcome.failure.kind and candidate.steps <= outcome.steps:
        return candidate
    return outcome


class _InOrder:
    """Runs the threads in the order *tids*, one transition each, then
    takes the defaults."""

    def __init__(self, tids):
        self.tids = tids
        self.diverged = None

    def __call__(self, point):
        if point.step < len(self.tids):
            for index, (tid, _) in enumerate(point.options):
                if tid == self.tids[point.step]:
                    return index
        return point.default


def _finish(report, shrink_failure):
    if report.shortest is not None and shrink_failure:
        report.shortest = shrink(report.shortest, report.bug, report.scenario)


def _check_determinism(chooser, outcome):
    if chooser.diverged:
        index, wanted, why = chooser.diverged
        raise NondeterministicScenario(
            '%s: at choice %d, %r was recorded but %s; a scenario must do the same thing '
            'whenever it is given the same choices' % (outcome.scenario, index, wanted, why))


# --- reporting ------------------------------------------------------------

def display_path(filename):
    if filename is None:
        return ''
    if filename.startswith('<seeded '):
        return filename.split(': ', 1)[1].rstrip('>') + '(seeded)'
    try:
        return str(pathlib.Path(filename).relative_to(REPO))
    except ValueError:
        return os.path.basename(filename)


def format_trace(outcome):
    """The steps of *outcome*, one a line: step, thread, operation, object,
    where (file:line function) and that line of source."""
    rows = []
    for step in outcome.trace:
        op = step.op if step.outcome == controlled.GO else '%s (%s)' % (step.op, step.outcome)
        filename, line, function = step.where
        where = '%s:%s %s' % (display_path(filename), line, function) if filename else ''
        source = linecache.getline(filename, line).strip() if filename else ''
        note = ''
        if step.choice is not None and step.choice in outcome.deviations:
            note = '  <- choice %d' % step.choice
            if step.preempted is not None:
                tid, kind, (filename, line, _) = step.preempted
                before = '' if kind.startswith('after ') else 'before '
                note += ', preempts T%d %s%s at %s:%s' % (tid, before, kind,
                                                           display_path(filename), line)
        rows.append(('%3d' % step.number, 'T%d %s' % (step.tid, step.thread), op,
                     step.target, where, source + note))
    widths = [max([len(row[i]) for row in rows] + [0]) for i in range(5)]
    return '\n'.join('  '.join(cell.ljust(width) for cell, width in zip(row, widths + [0])).rstrip()
                     for row in rows)


def replay_command(outcome):
    command = 'python -m tests.interleavings replay %s %s' % (
        outcome.scenario, outcome.schedule)
    if outcome.bug:
        command += ' --bug %s' % outcome.bug.name
    return command


def format_failure(outcome):
    """A failing run, readably: why, the schedule, the trace, how to replay."""
    failure = outcome.failure
    lines = ['%s%s failed: %s: %s' % (
        outcome.scenario, ' [seeded bug: %s]' % outcome.bug.name if outcome.bug else '',
        failure.kind, failure.message)]
    if failure.details:
        lines += ['    ' + line for line in failure.details.rstrip().splitlines()]
    lines += ['schedule %s: %d steps, %d preemption(s)' % (
        outcome.schedule, outcome.steps, outcome.preemptions), format_trace(outcome),
        'replay: ' + replay_command(outcome)]
    return '\n'.join(lines)
