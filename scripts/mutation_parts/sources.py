"""Fingerprints of source code: what a mutant's verdict depends on.

A fingerprint is a short hash of normalised source: the text ``ast.unparse``
gives (no comments, one layout), with docstrings left out. A reworded
comment or docstring, or an edit elsewhere in the file, keeps it; a change
to the code changes it. (``ast.unparse`` writes the same text on CPython
3.11 and later; 3.9 and 3.10 parenthesise tuple targets otherwise, so a
verdict made under one of them is rerun under the other, never wrongly
reused.)

* ``functions(tree)`` names each function (def) of a module by its
  qualified name, as Python does (``Future.cancel``,
  ``Executor.map.<locals>.result_iterator``), and ``fingerprint(node)``
  gives a function's fingerprint.
* ``TestSources(root).fingerprint(nodeid)`` gives a test's: the source of
  its function and of every definition it reaches by name, transitively,
  in its own file, in the conftest.py files above it, and in the project
  modules its file imports from (a module imported whole counts whole,
  with the project modules it imports in turn), but for the code under
  test (reference/), whose changes the mutants' own fingerprints follow.
  A fixture or helper reached otherwise (an autouse fixture, a hook, a
  module that an imported helper uses) is not part of it.
"""

import ast
import copy
import hashlib
import pathlib

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPES = FUNCTIONS + (ast.ClassDef, ast.Module)


def digest(text):
    return hashlib.sha1(text.encode('utf-8')).hexdigest()[:12]


def normalised(node):
    """The source of *node* as ast.unparse writes it, without docstrings."""
    node = copy.deepcopy(node)
    for inner in ast.walk(node):
        body = getattr(inner, 'body', None)
        if isinstance(inner, SCOPES) and body and is_docstring(body[0]):
            inner.body = body[1:] or [ast.Pass()]
    return ast.unparse(node)


def fingerprint(node):
    return digest(normalised(node))


def is_docstring(statement):
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str))


def functions(tree):
    """[(qualified name, def node)] for every function in *tree*, outer
    before inner. A name defined twice in one scope (under two branches of
    an ``if``) gets ``#2`` for its second definition, and so on."""
    found, seen = [], {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, FUNCTIONS):
                name = prefix + child.name
                seen[name] = seen.get(name, 0) + 1
                found.append((name if seen[name] == 1 else '%s#%d' % (name, seen[name]), child))
                visit(child, name + '.<locals>.')
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + '.')
            else:
                visit(child, prefix)

    visit(tree, '')
    return found


# --- tests ------------------------------------------------------------------

class TestSources:
    """The fingerprints of the tests under *root*, by pytest node id; the
    modules under the directories *under_test* are none of theirs."""

    def __init__(self, root, under_test=('reference',)):
        self.root = pathlib.Path(root)
        self.under_test = under_test
        self._trees = {}
        self._namespaces = {}
        self._fingerprints = {}

    def fingerprint(self, nodeid):
        """The test's fingerprint, or None when its file or function is gone."""
        base = nodeid.split('[', 1)[0]  # the parameters are the function's
        if base not in self._fingerprints:
            self._fingerprints[base] = self._fingerprint(base)
        return self._fingerprints[base]

    def _fingerprint(self, base):
        path, *names = base.split('::')
        tree = self._tree(path)
        if tree is None or not names:
            return None
        node = _defined(tree, names[0])  # a test function, or the class of a method
        if node is None or (len(names) > 1 and _defined(node, names[1]) is None):
            return None
        namespace = self._namespace(path)
        texts, todo, seen = {normalised(node)}, _names(node), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for text, names_used in namespace.get(name, ()):
                texts.add(text)
                todo |= names_used
        return digest('\n'.join(sorted(texts)))

    def _tree(self, path):
        """The parsed module at *path*, or None: there is none, or it is under test."""
        if path not in self._trees:
            file = self.root / path
            tested = pathlib.PurePosixPath(path).parts[0] in self.under_test
            self._trees[path] = ast.parse(file.read_text(encoding='utf-8')) if file.is_file() and not tested else None
        return self._trees[path]

    def _namespace(self, path):
        """{name: [(normalised source, names it uses)]}: what the tests of
        *path* may reach by name (several definitions of one name all count)."""
        if path in self._namespaces:
            return self._namespaces[path]
        namespace = {}

        def add(name, node):
            namespace.setdefault(name, []).append((normalised(node), _names(node)))

        for directory in reversed(pathlib.PurePosixPath(path).parents):  # the conftest.py files above it
            conftest = self._tree(str(directory / 'conftest.py'))
            for name, node in _definitions(conftest):
                add(name, node)
        for statement in self._tree(path).body:
            if isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                module = statement.module.replace('.', '/')
                for alias in statement.names:  # a module of a package, whole
                    texts = self._whole('%s/%s.py' % (module, alias.name), set())
                    if texts:
                        namespace.setdefault(alias.asname or alias.name, []).append(('\n'.join(texts), set()))
                for name, node in _definitions(self._tree(module + '.py')):
                    add(name, node)
        for name, node in _definitions(self._tree(path)):
            add(name, node)
        self._namespaces[path] = namespace
        return namespace

    def _whole(self, path, seen):
        """The normalised source of the module at *path* (nothing if there
        is none) and of the project modules it imports, transitively."""
        tree = self._tree(path)
        if tree is None or path in seen:
            return []
        seen.add(path)
        texts = [normalised(tree)]
        for statement in tree.body:
            if isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                module = statement.module.replace('.', '/')
                for imported in [module + '.py'] + ['%s/%s.py' % (module, a.name) for a in statement.names]:
                    texts += self._whole(imported, seen)
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    texts += self._whole(alias.name.replace('.', '/') + '.py', seen)
        return texts


def _definitions(tree):
    """(name, node) for what the top level of *tree* defines: functions,
    classes and assigned names, also under an ``if`` or ``try``."""
    if tree is None:
        return
    statements = list(tree.body)
    while statements:
        statement = statements.pop(0)
        if isinstance(statement, FUNCTIONS + (ast.ClassDef,)):
            yield statement.name, statement
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        yield name.id, statement
        elif isinstance(statement, (ast.If, ast.Try)):
            statements[:0] = (statement.body + statement.orelse + getattr(statement, 'finalbody', [])
                              + [s for handler in getattr(statement, 'handlers', []) for s in handler.body])


def _defined(scope, name):
    for statement in scope.body:
        if isinstance(statement, FUNCTIONS + (ast.ClassDef,)) and statement.name == name:
            return statement
    return None


def _names(node):
    """The names *node* uses: variables, and the parameters of its
    functions (pytest fills them with the fixtures of those names)."""
    names = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            names.add(inner.id)
        elif isinstance(inner, ast.arg):
            names.add(inner.arg)
    return names
