"""The suite's own bookkeeping: every clause has a test, every test names
a clause, and SPEC.md parses. (Tooling tests like this one check the
project, not an implementation, and name no clause.)"""

import ast
import pathlib

import pytest

from spec_tests import clauses

SPEC_TESTS = pathlib.Path(__file__).resolve().parent.parent.parent / "spec_tests"


def _clause_calls(node):
    """The clause ids named by the ``...clause(...)`` calls inside *node*."""
    for call in ast.walk(node):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "clause"):
            for arg in call.args:
                yield arg.value


def _spec_test_modules():
    """The suite's test modules and the executor profile's: a clause that
    only the profile checks (the asyncio ones) has its test there."""
    return sorted(SPEC_TESTS.glob("test_*.py")) + sorted(SPEC_TESTS.glob("executors/test_*.py"))


def _tests_and_their_clauses():
    """{(file, test name): clause ids} for every test function, counting
    module-level and class-level ``pytestmark`` marks."""
    found = {}
    for path in _spec_test_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_marks = [clause for node in tree.body if isinstance(node, ast.Assign)
                        and any(getattr(t, "id", None) == "pytestmark" for t in node.targets)
                        for clause in _clause_calls(node)]
        for node in tree.body:
            scopes = [(node, module_marks)]
            if isinstance(node, ast.ClassDef):
                class_marks = module_marks + [clause for decorator in node.decorator_list
                                              for clause in _clause_calls(decorator)]
                scopes = [(child, class_marks) for child in node.body]
            for function, inherited in scopes:
                if isinstance(function, ast.FunctionDef) and function.name.startswith("test"):
                    own = [clause for decorator in function.decorator_list
                           for clause in _clause_calls(decorator)]
                    found[(path.relative_to(SPEC_TESTS).as_posix(), function.name)] = inherited + own
    return found


def test_spec_parses_with_enough_clauses():
    assert len(clauses.load()) >= 80


def test_every_test_names_a_clause():
    unmarked = [test for test, ids in _tests_and_their_clauses().items() if not ids]
    assert unmarked == []


def test_every_named_clause_exists():
    known = clauses.load()
    unknown = {test: [c for c in ids if c not in known]
               for test, ids in _tests_and_their_clauses().items()}
    assert {test: ids for test, ids in unknown.items() if ids} == {}


def test_every_clause_has_a_test():
    named = {c for ids in _tests_and_their_clauses().values() for c in ids}
    assert sorted(set(clauses.load()) - named) == []


@pytest.mark.parametrize("text, problem", [
    ("### `A/b`\nProse.\n- docs: https://x\n", "has no kind"),
    ("### `A/b`\nProse.\n- kind: rumoured\n- docs: https://x\n", "is not one of"),
    ("### `A/b`\n- kind: detail\n- docs: x\n### `A/b`\n- kind: detail\n- docs: x\n", "defined twice"),
])
def test_a_malformed_clause_is_rejected(text, problem):
    with pytest.raises(ValueError, match=problem):
        clauses.parse(text)


def test_a_clause_reads_its_fields():
    (clause,) = clauses.parse(
        "## Section\n### `Future.x/y`\nOne sentence.\nTwo.\n- kind: observed\n"
        "- since: 3.14\n- before: returns None.\n- docs: https://docs/#x\n").values()
    assert (clause.id, clause.text, clause.kind, clause.since, clause.before, clause.docs) == (
        "Future.x/y", "One sentence. Two.", "observed", (3, 14), "returns None.", "https://docs/#x")
