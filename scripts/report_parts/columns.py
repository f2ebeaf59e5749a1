"""Column names. A column is an interpreter (scripts/pythons.py's name:
'3.9', 'pypy3.9') or an interpreter running the concurrent.futures of a
CPython source tree as its stdlib (the suite's --stdlib-from): the
interpreter's name, '+', the tree's name ('3.15+main'). A tree's column
comes right after its interpreter's."""

from scripts import pythons


def column_name(interpreter, tree=""):
    """('3.15', 'main') -> '3.15+main'; ('3.15', '') -> '3.15'."""
    return "%s+%s" % (interpreter, tree) if tree else interpreter


def split(name):
    """'3.15+main' -> ('3.15', 'main'); '3.15' -> ('3.15', '')."""
    interpreter, _, tree = name.partition("+")
    return interpreter, tree


def sort_key(name):
    """CPythons by version, then PyPys (pythons.sort_key), each followed
    by its trees' columns; ValueError for a name that is neither."""
    interpreter, tree = split(name)
    return pythons.sort_key(interpreter), tree


def wanted(name, names):
    """True when column *name* is among *names* (None: every column), by
    its own name or its interpreter's: '--versions 3.15' keeps '3.15+main'."""
    return names is None or name in names or split(name)[0] in names
