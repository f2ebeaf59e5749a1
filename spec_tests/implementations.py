"""The implementations under test and what each is expected to do here.

An implementation is a module with the ``concurrent.futures`` API and a
``.thread`` submodule: ``stdlib`` (the running CPython's), ``reference``
(this project) or any importable module. What it is expected to do is the
clause's newest behaviour, or its ``before`` where ``predates()`` says so.
"""

import importlib
import pathlib
import platform
import sys

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
    CPython, whichever implementation runs on it."""
    clause = CLAUSES[clause_id]
    if clause.cpython_only and platform.python_implementation() != "CPython":
        return True
    return impl_name == "stdlib" and clause.predates(sys.version_info[:3])
