"""The implementations under test and what each is expected to do here.

An implementation is a module with the ``concurrent.futures`` API and a
``.thread`` submodule: ``stdlib`` (the running CPython's), ``reference``
(this project) or any importable module. What it is expected to do is the
clause's newest behaviour, or its ``before`` where ``predates()`` says so.

``stdlib`` may also be taken from a CPython source tree (TreeStdlib, the
suite's --stdlib-from): to see which clauses a change to CPython flips.
"""

import importlib
import importlib.util
import os
import pathlib
import platform
import shutil
import sys
import tempfile

from spec_tests import clauses as clause_data

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLAUSES = clause_data.load()
BUILTIN_IMPLEMENTATIONS = {"stdlib": "concurrent.futures", "reference": "reference"}
REFERENCE_OLDEST = (3, 8)  # the reference is written in 3.8 syntax


class Implementation:
    """One implementation under test, seen through its public API only."""

    def __init__(self, name):
        self.name = name
        self.module_name = BUILTIN_IMPLEMENTATIONS.get(name, name)
        self.module = importlib.import_module(self.module_name)
        self.thread = importlib.import_module(self.module_name + ".thread")
        self.BrokenThreadPool = getattr(self.thread, "BrokenThreadPool", None)  # 3.7+

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.module, attr)

    def predates(self, clause_id):
        return predates(self.name, clause_id)

    def __repr__(self):
        return "<implementation %s>" % self.name


def predates(impl_name, clause_id):
    """True when the old behaviour of the clause is what *impl_name* shows
    here: it is the stdlib of a CPython older than the clause (by the full
    version: 3.14.9 predates a clause since 3.14.10), or the clause rests on
    a CPython-only mechanism (reference counting) and this Python is not
    CPython, whichever implementation runs on it. A stdlib taken from a
    source tree (--stdlib-from) counts as the running CPython's."""
    clause = CLAUSES[clause_id]
    if clause.cpython_only and platform.python_implementation() != "CPython":
        return True
    return impl_name == "stdlib" and clause.predates(sys.version_info[:3])


def futures_package(tree):
    """The concurrent/futures package of *tree*: a CPython source tree
    (tree/Lib/concurrent/futures) or any directory holding
    concurrent/futures/; ValueError when it has none."""
    tree = pathlib.Path(tree)
    for candidate in (tree / "Lib" / "concurrent" / "futures", tree / "concurrent" / "futures"):
        if (candidate / "__init__.py").is_file():
            return candidate.resolve()
    raise ValueError("%s holds no concurrent/futures package (looked in %s and %s)"
                     % (tree, tree / "Lib", tree))


class TreeStdlib:
    """The concurrent.futures package of a source tree, made the one that
    ``import concurrent.futures`` gives, in this process and in the Pythons
    it starts (through $PYTHONPATH).

    Only that package is taken, copied into a scratch directory as
    scratch/concurrent/futures: the rest of a newer tree's Lib would not
    run on this interpreter. The scratch ``concurrent`` package finds its
    other submodules (3.14's concurrent.interpreters, which
    InterpreterPoolExecutor imports) in the running interpreter's own
    ``concurrent`` directory, after the copy. Expectations stay the running interpreter's
    (predates() reads sys.version_info), so a behaviour the tree changes
    shows as a failing clause, not as a newer version."""

    def __init__(self, tree):
        self.tree = pathlib.Path(tree).resolve()
        self.package = futures_package(self.tree)
        # the tree's name: its directory's, or the checkout's when given its Lib
        self.name = (self.tree.parent if self.tree.name == "Lib" else self.tree).name
        self.scratch = None
        self._pythonpath = None

    def install(self):
        """Copy the package, put it first on sys.path and $PYTHONPATH, and
        drop the concurrent modules already imported; return self."""
        running = list(importlib.util.find_spec("concurrent").submodule_search_locations)  # before the swap
        self.scratch = tempfile.mkdtemp(prefix="futures-spec-stdlib-")
        concurrent = pathlib.Path(self.scratch) / "concurrent"
        shutil.copytree(str(self.package), str(concurrent / "futures"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        (concurrent / "__init__.py").write_text(
            '"""concurrent.futures of %s (--stdlib-from); the other submodules are this Python\'s."""\n'
            "__path__.extend(%r)\n" % (self.tree, running), encoding="utf-8")
        for name in [name for name in sys.modules if name == "concurrent" or name.startswith("concurrent.")]:
            del sys.modules[name]
        sys.path.insert(0, self.scratch)
        self._pythonpath = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [self.scratch, self._pythonpath]))
        importlib.invalidate_caches()
        try:
            imported = pathlib.Path(importlib.import_module("concurrent.futures").__file__).resolve()
        except Exception as exc:  # a tree newer than this Python's syntax or modules
            self.remove()
            raise ValueError("the concurrent.futures of %s does not import on this Python: %r" % (self.tree, exc))
        if pathlib.Path(self.scratch).resolve() not in imported.parents:
            self.remove()
            raise ValueError("concurrent.futures still comes from %s, not from %s" % (imported, self.scratch))
        return self

    def record(self):
        """What the results document says of where stdlib came from."""
        return {"tree": str(self.tree), "package": str(self.package), "name": self.name}

    def remove(self):
        """Undo install() as far as this process allows (modules already
        imported stay) and delete the copy."""
        if self.scratch is None:
            return
        if self.scratch in sys.path:
            sys.path.remove(self.scratch)
        if self._pythonpath is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = self._pythonpath
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch = None
