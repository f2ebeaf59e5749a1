"""What differs: rows that differ somewhere, the version steps of the
stdlib (CPython to the next CPython, each PyPy against the CPython of its
minor version, and each source tree's column against its interpreter's),
the clauses two interpreters disagree on, and the run problems that decide
the exit status."""

from scripts.report_parts import columns
from scripts.report_parts.statuses import FAILS, HOLDS, NOT_RUN


def differing_impls(row):
    """The implementations whose cells in *row* are not all alike across the
    interpreters that ran them, or that FAIL somewhere; [] when none."""
    impls = []
    for impl in next(iter(row["cells"].values()), {}):
        seen = {cell[impl] for cell in row["cells"].values() if cell[impl] != NOT_RUN}
        if len(seen) > 1 or FAILS in seen:
            impls.append(impl)
    return impls


def holds_everywhere(row):
    """True when every cell that ran holds, for every implementation."""
    statuses = {status for cell in row["cells"].values() for status in cell.values() if status != NOT_RUN}
    return statuses == {HOLDS}


def _steps(matrix):
    """[(name, previous, kind)]: CPython to CPython ("step"), then each PyPy
    against the CPython of its minor version ("pypy"), then each tree's
    column against its interpreter's ("tree"), when that other one ran."""
    names = [python["name"] for python in matrix["pythons"]]
    interpreters = [name for name in names if not columns.split(name)[1]]
    cpythons = [name for name in interpreters if not name.startswith("pypy")]
    steps = [(name, previous, "step") for previous, name in zip(cpythons, cpythons[1:])]
    steps += [(name, name[len("pypy"):], "pypy") for name in interpreters
              if name.startswith("pypy") and name[len("pypy"):] in cpythons]
    steps += [(name, columns.split(name)[0], "tree") for name in names
              if columns.split(name)[1] and columns.split(name)[0] in interpreters]
    return steps


def what_changed(matrix, impl="stdlib"):
    """[{name, previous, kind ("step", "pypy" or "tree"), clauses: [{id, from, to}]}]:
    the clauses whose *impl* cell differs between the two interpreters (a
    cell not run on either side is no change)."""
    if impl not in matrix["implementations"]:
        return []
    changes = []
    for name, previous, kind in _steps(matrix):
        pairs = [(row, row["cells"][previous][impl], row["cells"][name][impl]) for row in matrix["rows"]]
        clauses = [{"id": row["id"], "from": before, "to": after} for row, before, after in pairs
                   if before != after and NOT_RUN not in (before, after)]
        changes.append({"name": name, "previous": previous, "kind": kind, "clauses": clauses})
    return changes


def differences(matrix, first, second):
    """[(row, [impl])]: the clauses whose cells differ between interpreters
    *first* and *second*, and for which implementations (one not run on
    either side is not compared)."""
    found = []
    for row in matrix["rows"]:
        a, b = row["cells"][first], row["cells"][second]
        impls = [impl for impl in a if NOT_RUN not in (a[impl], b[impl]) and a[impl] != b[impl]]
        if impls:
            found.append((row, impls))
    return found


def step_title(change, arrow="->"):
    """'3.8 -> 3.9' for a version step; 'pypy3.9 vs 3.9' and '3.15+main vs
    3.15' for a comparison of two builds of one version."""
    if change["kind"] == "step":
        return "%s %s %s" % (change["previous"], arrow, change["name"])
    return "%s vs %s" % (change["name"], change["previous"])


def run_problems(matrix):
    """Lines about runs that went wrong beyond what the cells show: a run that
    could not finish, tests outside the matrix that failed, and a pytest exit
    status that neither explains."""
    problems = []
    for python in matrix["pythons"]:
        failing_cells = any(status == FAILS for row in matrix["rows"]
                            for status in row["cells"][python["name"]].values())
        explained = python["pytest_exit"] == 1 and (failing_cells or python["other_failures"])
        if python["error"]:
            problems.append("%s: %s" % (python["label"], python["error"]))
        elif python["pytest_exit"] not in (None, 0) and not explained:
            problems.append("%s: pytest exited with status %d" % (python["label"], python["pytest_exit"]))
        for nodeid in python["other_failures"]:
            problems.append("%s: %s failed (outside the matrix)" % (python["label"], nodeid))
    return problems


def exit_status(matrix):
    """1 when a cell FAILS or a run went wrong, else 0."""
    return 1 if matrix["fails"] or run_problems(matrix) else 0
