"""The reference keeps the project's rules: built on threading alone,
reached through the module, and smaller than the stdlib it mirrors."""

import ast
import pathlib

REFERENCE = pathlib.Path(__file__).resolve().parent.parent.parent / "reference"
FORBIDDEN = {"concurrent", "queue", "_queue", "asyncio", "multiprocessing", "_thread"}
# Code lines (no blanks, comments or docstrings) of CPython 3.15's
# concurrent/futures/_base.py (380) and thread.py (181).
STDLIB_CODE_LINES = 561


def _modules():
    return sorted(REFERENCE.glob("*.py"))


def _imported(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_reference_imports_no_other_concurrency_module():
    found = {(path.name, name) for path in _modules()
             for name in _imported(ast.parse(path.read_text(encoding="utf-8")))
             if name.split(".")[0] in FORBIDDEN}
    assert found == set()


def test_reference_reaches_threading_through_the_module():
    """So that a test can substitute a controlled threading module."""
    found = [path.name for path in _modules()
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and node.module == "threading"]
    assert found == []


def code_lines(path):
    """Lines of *path* that are neither blank, comments nor docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and number not in docstrings)


def test_base_and_thread_are_smaller_than_the_stdlib_pair():
    assert code_lines(REFERENCE / "_base.py") + code_lines(REFERENCE / "thread.py") < STDLIB_CODE_LINES
