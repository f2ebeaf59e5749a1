"""The mutation operators: each makes small changes to a module's source.

A mutant is the module's whole source with one change, made as a text
edit at the place Python's ``ast`` gives for the node, so everything else
(comments, layout, and the line numbers of every line the change does not
move) stays as it was. Only code inside functions is changed: module and
class bodies hold names, docstrings and constants whose loss breaks every
import at once, which says nothing about any one clause.

The classic operators:

* ``statement-removed``: a simple statement becomes ``pass``.
* ``condition-negated``: the test of an ``if``, ``while`` or ``x if c
  else y`` gets a ``not`` (a comparison or a ``not`` is left to the next two).
* ``comparison-flipped``: ``==`` and ``!=``, ``in`` and ``not in``, ``is`` and
  ``is not`` swap; ``<`` becomes ``<=`` or ``>=``, and so on.
* ``not-removed``: ``not x`` becomes ``x``.
* ``boolean-flipped``: ``and`` and ``or`` swap.
* ``constant-changed``: ``True`` and ``False`` swap; a number n becomes n+1
  and n-1. (Strings are left alone: they are messages and names.)
* ``state-changed``: a state name (``PENDING`` ... ``FINISHED``), a set of
  states (``_DONE_STATES`` ...) or a ``return_when`` value becomes each
  other one of its kind.
* ``arithmetic-flipped``: ``+`` and ``-`` swap, ``+=`` and ``-=`` too.

And the ones shaped like concurrency bugs:

* ``lock-unwrapped``: ``with lock:`` becomes ``if True:``, so its body runs
  without the lock (each lock alone, for ``with a, b:``).
* ``moved-out-of-lock``: a statement of a ``with`` block moves to just after
  it, past the release (a state change or a notify made too late).
* ``statements-swapped``: two adjacent simple statements trade places
  (unless the second is a return, raise, break or continue: that would
  only remove the first; nor two assignments without calls that do not
  touch what the other writes: those commute).
"""

import ast
import collections
import hashlib

from scripts.mutation_parts import sources

STATE_GROUPS = (
    ('PENDING', 'RUNNING', 'CANCELLED', 'CANCELLED_AND_NOTIFIED', 'FINISHED'),
    ('_CANCELLED_STATES', '_DONE_STATES', '_SETTLED_STATES'),
    ('FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED', '_AS_COMPLETED'),
)
COMPARISONS = {
    ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn], ast.NotIn: [ast.In],
    ast.Is: [ast.IsNot], ast.IsNot: [ast.Is],
    ast.Lt: [ast.LtE, ast.GtE], ast.LtE: [ast.Lt, ast.Gt],
    ast.Gt: [ast.GtE, ast.LtE], ast.GtE: [ast.Gt, ast.Lt],
}
SIMPLE_STATEMENTS = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return,
                     ast.Raise, ast.Delete, ast.Assert, ast.Break, ast.Continue)
JUMPS = (ast.Return, ast.Raise, ast.Break, ast.Continue)
OPERATORS = ('statement-removed', 'condition-negated', 'comparison-flipped', 'not-removed',
             'boolean-flipped', 'constant-changed', 'state-changed', 'arithmetic-flipped',
             'lock-unwrapped', 'moved-out-of-lock', 'statements-swapped')


class Mutant:
    """One change to one file: where (1-based lines of the original), what
    kind, in words, and the whole changed source.

    Its identity says what it changes and where, in terms that an edit
    elsewhere in the file leaves alone: the function it is in (qualified
    name), the operator, the mutated code and what replaces it (both as
    ast.unparse writes them: no comments, one layout), and, for identical
    changes in one function, which occurrence it is. ``id`` is a hash of
    that; ``function_source`` is the fingerprint of the function's source
    (scripts/mutation_parts/sources.py), which says whether a verdict made
    earlier was made for the same code."""

    def __init__(self, file, line, end_line, operator, description, source,
                 function, function_source, target, replacement):
        self.file = file
        self.line = line
        self.end_line = end_line
        self.operator = operator
        self.description = description
        self.source = source
        self.function = function
        self.function_source = function_source
        self.target = target
        self.replacement = replacement
        self.occurrence = 0  # set by mutants(), which sees them all

    @property
    def change(self):
        """The identity but for the occurrence, in words."""
        return '%s %s %s: %s  ->  %s' % (self.file, self.function, self.operator, self.target, self.replacement)

    @property
    def key(self):
        """The identity in words."""
        return '%s #%d' % (self.change, self.occurrence)

    @property
    def id(self):
        return hashlib.sha1(self.key.encode('utf-8')).hexdigest()[:16]

    def record(self):
        return {'id': self.id, 'key': self.key, 'file': self.file, 'function': self.function,
                'function_source': self.function_source, 'line': self.line, 'end_line': self.end_line,
                'operator': self.operator, 'change': self.description}


def mutants(file, source):
    """Every mutant of *source* (the text of reference/*file*), in line
    order; changes that leave the text as it was, or repeat another
    mutant's text, are dropped. Identical changes in one function are
    numbered in line order."""
    made, seen = [], {source}
    for mutant in _Mutator(file, source).all():
        if mutant.source not in seen:
            seen.add(mutant.source)
            made.append(mutant)
    made.sort(key=lambda m: (m.line, OPERATORS.index(m.operator)))
    occurrences = collections.Counter()
    for mutant in made:
        mutant.occurrence = occurrences[mutant.change]
        occurrences[mutant.change] += 1
    return made


class _Mutator:
    def __init__(self, file, source):
        self.file = file
        self.source = source
        self.lines = source.splitlines(True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.tree = ast.parse(source)
        self.docstrings = set()
        for node in ast.walk(self.tree):
            body = getattr(node, 'body', None)
            if isinstance(body, list) and body and sources.is_docstring(body[0]):
                self.docstrings.add(id(body[0]))
        # The function each node inside one belongs to (the innermost: outer
        # functions come first and inner ones write over them; a lambda
        # belongs to the function it is in), and each function's fingerprint.
        self.owner = {}
        self.fingerprints = {}
        for name, function in sources.functions(self.tree):
            self.fingerprints[name] = sources.fingerprint(function)
            self.owner.setdefault(id(function), name)  # for its body's statements-swapped
            for part in [function.args] + function.body:
                self.owner.update((id(inner), name) for inner in ast.walk(part))

    # --- text edits ----------------------------------------------------

    def offset(self, line, col):
        return self.starts[line - 1] + col

    def span(self, node):
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def text(self, node):
        start, end = self.span(node)
        return self.source[start:end]

    def replaced(self, node, text):
        start, end = self.span(node)
        return self.source[:start] + text + self.source[end:]

    def mutant(self, node, operator, description, source, target, replacement, end_line=None):
        """The Mutant changing *node* (or the lines from its first to
        *end_line*): *target* is the mutated code, normalised, and
        *replacement* what takes its place, for its identity."""
        function = self.owner[id(node)]
        return Mutant(self.file, node.lineno, end_line or node.end_lineno, operator, description, source,
                      function, self.fingerprints[function], target, replacement)

    def expression(self, node, new, operator):
        """A mutant with *node* replaced by the expression *new* (in
        parentheses, padded to the same number of lines)."""
        text = '(%s%s)' % (ast.unparse(new), '\n' * (node.end_lineno - node.lineno))
        description = '%s  ->  %s' % (_one_line(self.text(node)), ast.unparse(new))
        return self.mutant(node, operator, description, self.replaced(node, text),
                           ast.unparse(node), ast.unparse(new))

    def own_lines(self, statement):
        """True when *statement* starts its line (nothing but indentation before it)."""
        return not self.lines[statement.lineno - 1][:statement.col_offset].strip()

    # --- the operators ---------------------------------------------------

    def all(self):
        for node in ast.walk(self.tree):
            if id(node) not in self.owner:
                continue
            for method in (self.statement_removed, self.condition_negated, self.comparison_flipped,
                           self.not_removed, self.boolean_flipped, self.constant_changed,
                           self.state_changed, self.arithmetic_flipped, self.lock_unwrapped,
                           self.moved_out_of_lock, self.statements_swapped):
                yield from method(node)

    def statement_removed(self, node):
        if isinstance(node, SIMPLE_STATEMENTS) and id(node) not in self.docstrings:
            source = self.replaced(node, 'pass' + '\n' * (node.end_lineno - node.lineno))
            yield self.mutant(node, 'statement-removed', 'removed: %s' % _one_line(self.text(node)), source,
                              ast.unparse(node), 'pass')

    def condition_negated(self, node):
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            test = node.test
            if not isinstance(test, (ast.Compare, ast.Constant)) and not _is_not(test):
                yield self.expression(test, ast.UnaryOp(ast.Not(), test), 'condition-negated')

    def comparison_flipped(self, node):
        if isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                for other in COMPARISONS.get(type(op), []):
                    ops = list(node.ops)
                    ops[index] = other()
                    new = ast.Compare(node.left, ops, node.comparators)
                    yield self.expression(node, new, 'comparison-flipped')

    def not_removed(self, node):
        if _is_not(node):
            yield self.expression(node, node.operand, 'not-removed')

    def boolean_flipped(self, node):
        if isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            yield self.expression(node, ast.BoolOp(other, node.values), 'boolean-flipped')

    def constant_changed(self, node):
        if not isinstance(node, ast.Constant) or id(node) in self.docstrings:
            return
        value = node.value
        if isinstance(value, bool):
            news = [not value]
        elif isinstance(value, int):
            news = [value + 1, value - 1]
        else:
            return
        for new in news:
            text = repr(new) if new >= 0 else '(%r)' % new
            yield self.mutant(node, 'constant-changed', '%r  ->  %r' % (value, new),
                              self.replaced(node, text), repr(value), repr(new))

    def state_changed(self, node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            for group in STATE_GROUPS:
                if node.id in group:
                    for other in group:
                        if other != node.id:
                            yield self.mutant(node, 'state-changed', '%s  ->  %s' % (node.id, other),
                                              self.replaced(node, other), node.id, other)

    def arithmetic_flipped(self, node):
        swap = {ast.Add: ast.Sub, ast.Sub: ast.Add}
        if isinstance(node, ast.BinOp) and type(node.op) in swap:
            new = ast.BinOp(node.left, swap[type(node.op)](), node.right)
            yield self.expression(node, new, 'arithmetic-flipped')
        elif isinstance(node, ast.AugAssign) and type(node.op) in swap:
            symbol = '-=' if isinstance(node.op, ast.Add) else '+='
            new_text = '%s %s %s' % (self.text(node.target), symbol, self.text(node.value))
            new = ast.AugAssign(node.target, swap[type(node.op)](), node.value)
            yield self.mutant(node, 'arithmetic-flipped',
                              '%s  ->  %s' % (_one_line(self.text(node)), new_text),
                              self.replaced(node, new_text + '\n' * (node.end_lineno - node.lineno)),
                              ast.unparse(node), ast.unparse(new))

    def lock_unwrapped(self, node):
        if not isinstance(node, ast.With):
            return
        header_start = self.offset(node.lineno, node.col_offset)
        last = node.items[-1]
        last_end = last.optional_vars or last.context_expr
        colon = self.source.index(':', self.offset(last_end.end_lineno, last_end.end_col_offset))
        padding = '\n' * (last_end.end_lineno - node.lineno)
        header = self.source[header_start:colon + 1]
        choices = [('if True:', 'unlocked: ' + _one_line(header), 'if True:')]
        if len(node.items) > 1:
            for index, item in enumerate(node.items):
                others = [other for other in node.items if other is not item]
                kept = [self.source[slice(*self._item_span(other))] for other in others]
                dropped = self.source[slice(*self._item_span(item))]
                choices.append(('with %s:' % ', '.join(kept), 'without %s: %s' % (dropped, _one_line(header)),
                                _with_header(others)))
        for text, description, replacement in choices:
            source = self.source[:header_start] + text + padding + self.source[colon + 1:]
            yield self.mutant(node, 'lock-unwrapped', description, source, _with_header(node.items), replacement)

    def _item_span(self, item):
        last = item.optional_vars or item.context_expr
        return self.span(item.context_expr)[0], self.offset(last.end_lineno, last.end_col_offset)

    def moved_out_of_lock(self, node):
        if not isinstance(node, ast.With) or len(node.body) < 2:
            return
        indent = self.lines[node.lineno - 1][:node.col_offset]
        after = self.starts[node.end_lineno]  # the start of the line after the block
        for statement in node.body:
            if (not isinstance(statement, SIMPLE_STATEMENTS) or isinstance(statement, JUMPS)
                    or not self.own_lines(statement)):
                continue
            first, end = self.starts[statement.lineno - 1], self.starts[statement.end_lineno]
            lines = self.source[first:end].splitlines(True)
            cut = statement.col_offset - node.col_offset
            moved = ''.join(indent + line[cut + len(indent):] if line.strip() else line for line in lines)
            source = self.source[:first] + self.source[end:after] + moved + self.source[after:]
            yield self.mutant(statement, 'moved-out-of-lock',
                              'moved past the release: %s' % _one_line(self.text(statement)), source,
                              ast.unparse(statement), 'the same, after the with block')

    def statements_swapped(self, node):
        for field in ('body', 'orelse', 'finalbody'):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for first, second in zip(body, body[1:]):
                if isinstance(second, JUMPS):  # the same as removing the first
                    continue
                if not all(isinstance(s, SIMPLE_STATEMENTS) and self.own_lines(s) and id(s) not in self.docstrings
                           for s in (first, second)):
                    continue
                if _commute(first, second):
                    continue
                a = self.source[self.starts[first.lineno - 1]:self.starts[first.end_lineno]]
                b = self.source[self.starts[second.lineno - 1]:self.starts[second.end_lineno]]
                between = self.source[self.starts[first.end_lineno]:self.starts[second.lineno - 1]]
                start, end = self.starts[first.lineno - 1], self.starts[second.end_lineno]
                source = self.source[:start] + b + between + a + self.source[end:]
                yield self.mutant(first, 'statements-swapped',
                                  'swapped: %s  <->  %s' % (_one_line(a.strip()), _one_line(b.strip())), source,
                                  '%s; %s' % (ast.unparse(first), ast.unparse(second)),
                                  '%s; %s' % (ast.unparse(second), ast.unparse(first)), end_line=second.end_lineno)


def _commute(first, second):
    """True when two statements plainly give the same result in either
    order: no calls, and neither reads or writes what the other writes
    (``self.a = x`` and ``self.b = None``). Such a swap can only be equivalent."""
    def parts(statement):
        if any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.Delete))
               for n in ast.walk(statement)):
            return None
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, 'target', None)]
        if not isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            return None
        writes = {ast.dump(t) for t in targets}
        reads = {ast.dump(n) for n in ast.walk(statement) if isinstance(n, (ast.Name, ast.Attribute))}
        return writes, reads
    a, b = parts(first), parts(second)
    if a is None or b is None:
        return False
    return not (a[0] & (b[0] | b[1]) or b[0] & a[1])


def _with_header(items):
    return 'with %s:' % ', '.join(ast.unparse(item) for item in items)


def _is_not(node):
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)


def _one_line(text, limit=100):
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + '...'
