"""--stdlib-from: the concurrent.futures of a CPython source tree tested as
the stdlib, by the suite and in the report's columns.

The tree is built here, at test time: a copy of the running interpreter's
own concurrent/futures package with one behaviour changed (cancelling an
already cancelled future returns False), never CPython code kept in the
repository. The suite runs one test, on the running stdlib and on the tree
at once, so that the report's matrix shows the clause flipping."""

import concurrent.futures
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from scripts.report_parts import matrix as matrix_part
from scripts.report_parts.statuses import FAILS, HOLDS, NOT_RUN
from scripts.report_parts.text import render_diff
from spec_tests import clauses

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
CLAUSE = "Future.cancel/cancelled"
SELECTION = "test_cancel_cancelled_future_returns_true_again"
ORIGINAL = "            if self._state in [CANCELLED, CANCELLED_AND_NOTIFIED]:\n                return True\n"


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A 'CPython checkout' whose Lib/concurrent/futures cancels differently."""
    checkout = tmp_path_factory.mktemp("trees") / "cpython"
    package = checkout / "Lib" / "concurrent" / "futures"
    shutil.copytree(str(pathlib.Path(concurrent.futures.__file__).parent), str(package),
                    ignore=shutil.ignore_patterns("__pycache__"))
    base = package / "_base.py"
    source = base.read_text(encoding="utf-8")
    assert source.count(ORIGINAL) == 1, "this stdlib's Future.cancel reads otherwise: change another line"
    base.write_text(source.replace(ORIGINAL, ORIGINAL.replace("return True", "return False")), encoding="utf-8")
    return checkout


def _suite(results, *options):
    """Start the suite on this interpreter's stdlib, on one test."""
    return subprocess.Popen([sys.executable, "-m", "pytest", "spec_tests", "-q", "-p", "no:cacheprovider",
                             "-k", SELECTION, "--impl", "stdlib", "--spec-results", str(results)] + list(options),
                            cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, universal_newlines=True)


@pytest.fixture(scope="module")
def documents(tree, tmp_path_factory):
    """The results of the running stdlib and of the tree's, as the report's
    runs of them save them (a tree's column names its tree)."""
    out = tmp_path_factory.mktemp("results")
    runs = [(_suite(out / "own.json"), out / "own.json"),
            (_suite(out / "tree.json", "--stdlib-from", str(tree)), out / "tree.json")]
    for process, results in runs:
        output, _ = process.communicate(timeout=120)
        assert results.exists(), output
    return [json.loads(results.read_text(encoding="utf-8")) for _, results in runs]


def test_the_results_say_where_the_stdlib_came_from(documents, tree):
    own, from_tree = documents
    assert "stdlib_from" not in own
    assert from_tree["stdlib_from"] == {"tree": str(tree.resolve()), "name": "cpython",
                                        "package": str((tree / "Lib" / "concurrent" / "futures").resolve())}
    assert from_tree["python"] == own["python"]  # the tree is tested with this interpreter's expectations


def test_the_trees_column_shows_the_clause_it_changes_flip(documents):
    matrix = matrix_part.aggregate(clauses.SPEC_PATH.read_text(encoding="utf-8"), documents)
    own = matrix_part.document_name(documents[0])
    assert matrix_part.names(matrix) == [own, own + "+cpython"]
    row = {row["id"]: row for row in matrix["rows"]}[CLAUSE]
    assert row["cells"] == {own: {"stdlib": HOLDS}, own + "+cpython": {"stdlib": FAILS}}
    others = [row["id"] for row in matrix["rows"] if row["id"] != CLAUSE
              and NOT_RUN not in row["cells"][own].values() and row["cells"][own] != row["cells"][own + "+cpython"]]
    assert others == []  # the one test ran no other clause differently
    (step,) = matrix["changes"]
    assert (step["kind"], step["previous"], step["name"]) == ("tree", own, own + "+cpython")
    assert step["clauses"] == [{"id": CLAUSE, "from": HOLDS, "to": FAILS}]
    assert render_diff(matrix, own, own + "+cpython").startswith(
        "1 clause(s) differ between %s and %s+cpython:\n\n%s [stdlib]  holds -> FAILS" % (own, own, CLAUSE))


@pytest.mark.parametrize("package, problem", [
    (None, "holds no concurrent/futures package"),
    ("def broken(:\n", "does not import on this Python: SyntaxError"),
], ids=["no-package", "package-that-does-not-import"])
def test_a_tree_the_suite_cannot_use_is_refused(tmp_path, package, problem):
    if package is not None:
        (tmp_path / "concurrent" / "futures").mkdir(parents=True)
        (tmp_path / "concurrent" / "futures" / "__init__.py").write_text(package)
    process = _suite(tmp_path / "results.json", "--stdlib-from", str(tmp_path))
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 4  # pytest's usage error
    assert "--stdlib-from: " in output and problem in output
