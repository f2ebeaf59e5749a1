"""scripts/mutation.py and scripts/annotate.py: the mutation operators, the
tests the baseline finds for each line (a project in miniature,
tests/tooling/data/mutation/toy/), one real mutant run (chain.py, a second
or two), and the annotated reference made from a small recorded result
set (tests/tooling/data/mutation/results.jsonl).

The recorded results name their mutants by file, operator and change; the
test gives each the id of the same mutant of today's reference/, so that
an edit elsewhere in a module does not make the recording stale."""

import ast
import html
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import types

import pytest

from scripts import annotate, mutation
from scripts.mutation_parts import operators
from scripts.report_parts.spec import spec_layout

# The operators write changed expressions with ast.unparse (3.9+).
pytestmark = pytest.mark.skipif(sys.version_info < (3, 9), reason="needs ast.unparse (Python 3.9+)")

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
DATA = pathlib.Path(__file__).resolve().parent / "data" / "mutation"
MODULES = ("_base.py", "thread.py", "chain.py")


def _mutants(module):
    return operators.mutants(module, (ROOT / "reference" / module).read_text())


@pytest.mark.parametrize("module", MODULES)
def test_every_mutant_compiles_and_changes_one_place(module):
    source = (ROOT / "reference" / module).read_text()
    made = _mutants(module)
    assert len({m.id for m in made}) == len(made) > 50
    lines = source.count("\n")
    for mutant in made:
        assert mutant.source != source
        ast.parse(mutant.source)  # a SyntaxError fails the test
        assert 1 <= mutant.line <= mutant.end_line <= lines
        assert mutant.operator in operators.OPERATORS and mutant.description


def test_the_concurrency_operators_reach_the_locks():
    made = _mutants("_base.py")
    kinds = {m.operator for m in made}
    assert kinds == set(operators.OPERATORS)
    changes = {(m.operator, m.description) for m in made}
    # The seeded bug "state after release", made by an operator.
    assert ("moved-out-of-lock", "moved past the release: self._state = FINISHED") in changes
    unwrapped = [m for m in made if m.operator == "lock-unwrapped"]
    assert all("if True:" in m.source for m in unwrapped)
    # Lines keep their numbers: an unwrapped lock changes one line only.
    original = (ROOT / "reference" / "_base.py").read_text().splitlines()
    for mutant in unwrapped:
        changed = [n for n, (a, b) in enumerate(zip(original, mutant.source.splitlines()), 1) if a != b]
        assert changed == [mutant.line]


def test_with_of_two_locks_drops_each_alone():
    made = [m for m in _mutants("thread.py") if m.operator == "lock-unwrapped"
            and "self._shutdown_lock, _global_lock" in m.description]
    assert sorted(m.description.split(":")[0] for m in made) == [
        "unlocked", "without _global_lock", "without self._shutdown_lock"]


# --- a real run ---------------------------------------------------------------

def test_a_mutant_run_records_its_killing_tests_and_resumes(tmp_path, capsys):
    """The mutant that drops pipeline()'s check for no functions: only the
    clause chain.pipeline/empty notices. A second run finds it done."""
    pytest.importorskip("pytest_timeout")  # the runs of the mutants use it
    if sys.implementation.name != "cpython":
        # Seen in CI on PyPy 3.11 under load: a chain/releases-references test
        # of the baseline found the step still alive after gc.collect().
        pytest.skip("mutation runs are made on CPython; PyPy frees objects only when its "
                    "collector runs, which the baseline's reference tests cannot time")
    (target,) = [m for m in _mutants("chain.py") if m.description.startswith("removed: raise ValueError(")]
    results = tmp_path / "results.jsonl"
    argv = ["--files", "chain.py", "--only", target.id, "--results", str(results),
            "--scratch", str(tmp_path / "scratch"), "--python", sys.executable, "--workers", "1"]
    assert mutation.main(argv) == 0
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r.get("kind") for r in records] == ["baseline", None]
    record = records[1]
    assert (record["id"], record["file"], record["line"], record["operator"]) == (
        target.id, "chain.py", target.line, "statement-removed")
    assert record["status"] == "killed" and record["clauses"] == ["chain.pipeline/empty"]
    assert record["failed"] and all(f["clauses"] == ["chain.pipeline/empty"] for f in record["failed"])
    assert {f["test"].rsplit("[", 1)[1] for f in record["failed"]} == {"stdlib]", "reference]"}
    capsys.readouterr()
    assert mutation.main(argv) == 0
    assert "nothing to run" in capsys.readouterr().out
    assert len(results.read_text().splitlines()) == 2


def test_a_test_the_suite_does_not_record_gets_its_outcome_from_the_stream():
    lines = [("start", "-", "a", ""), ("passed", "setup", "a", ""), ("failed", "call", "a", "AssertionError: x"),
             ("passed", "teardown", "a", ""), ("done", "-", "a", ""),
             ("start", "-", "b", ""), ("skipped", "setup", "b", ""), ("done", "-", "b", ""),
             ("start", "-", "c", ""), ("passed", "setup", "c", "")]  # c hung: no record
    assert mutation.streamed_records(lines) == {
        "a": {"nodeid": "a", "outcome": "failed", "message": "AssertionError: x", "clauses": []},
        "b": {"nodeid": "b", "outcome": "skipped", "message": "", "clauses": []}}


def test_a_mutant_gets_the_tests_that_run_its_lines_or_else_every_test():
    by_line = {"thread.py": {10: ["a"], 11: ["b"], 12: ["c"], 20: ["", "d"]}}

    def lines(first, last):
        return types.SimpleNamespace(file="thread.py", line=first, end_line=last)

    assert mutation.covering_tests(by_line, lines(10, 11)) == {"a", "b"}
    assert mutation.covering_tests(by_line, lines(20, 20)) is None  # ran outside any test too
    assert mutation.covering_tests(by_line, lines(30, 31)) is None  # ran in no measured test
    assert mutation.covering_tests(None, lines(10, 10)) is None  # no coverage data


def test_a_verdict_carries_over_to_the_same_change_under_a_new_id():
    records = {"old": {"id": "old", "file": "thread.py", "operator": "statement-removed", "change": "removed: x = 1"}}
    verdicts = {"old": ("equivalent", "x is never read")}
    assert mutation.carried_verdicts(records, verdicts) == {
        ("thread.py", "statement-removed", "removed: x = 1"): ("equivalent", "x is never read")}
    records["twin"] = dict(records["old"], id="twin")  # the same change in two places: no carrying
    assert mutation.carried_verdicts(records, verdicts) == {}


# --- the tests the baseline finds for each line -------------------------------

TOY = DATA / "toy"
TOY_SELECTION = {  # the tests that run each function of the toy module, by hand
    "shared": {"test_shared[stdlib]", "test_shared[reference]", "test_first[stdlib]", "test_first[reference]"},
    "first_only": {"test_first[stdlib]", "test_first[reference]"},
    "in_a_thread": {"test_thread[stdlib]", "test_thread[reference]"},
    "in_a_child": None,  # run in an interpreter a test starts only: every test
    "at_import": None,  # run at import, before any test: every test
    "never": None,  # run by no test: every test
}


def _toy(root):
    for source, target in (("module.py", "reference/chain.py"), ("toy_tests.py", "spec_tests/test_chain.py"),
                           ("toy_conftest.py", "spec_tests/conftest.py")):
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(str(TOY / source), str(root / target))
    return root


def test_a_mutant_gets_every_test_that_runs_its_lines_on_every_python(tmp_path):
    """The baseline finds, for each line, every test that runs it: the
    selection of the toy's mutants is the one written above, which is what
    Python 3.11 finds, on every Python. (On 3.14+ coverage's sys.monitoring
    core would give each line only the first test that runs it: here the
    stdlib half of each pair.)"""
    pytest.importorskip("coverage")
    pytest.importorskip("pytest_timeout")
    worker = mutation.Worker(sys.executable, tmp_path / "worker", None, 60, root=_toy(tmp_path / "toy"))
    seconds, cut, records, failed = worker.run_tests("chain.py", measure=True)
    assert len(records) == 8 and not failed and not cut
    by_line = worker.tests_by_line()
    source = (TOY / "module.py").read_text()
    functions = {node.name: node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}
    assert set(functions) == set(TOY_SELECTION)
    for mutant in operators.mutants("chain.py", source):
        (name,) = [name for name, node in functions.items() if node.lineno <= mutant.line <= node.end_lineno]
        selected = mutation.covering_tests(by_line, mutant)
        names = None if selected is None else {nodeid.split("::")[1] for nodeid in selected}
        assert names == TOY_SELECTION[name], (name, mutant.description)


@pytest.mark.skipif(not hasattr(sys, "monitoring"), reason="coverage's sys.monitoring core needs Python 3.12+")
def test_the_plugin_refuses_a_coverage_core_that_loses_tests(tmp_path):
    pytest.importorskip("coverage")
    toy = _toy(tmp_path / "toy")
    (toy / "rc").write_text("[run]\ncore = sysmon\nsource = reference\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith("COVERAGE")}
    env["PYTHONPATH"] = os.pathsep.join([str(toy), str(mutation.PLUGIN_DIR)])
    done = subprocess.run([sys.executable, "-m", "coverage", "run", "--rcfile=rc", "-m", "pytest", "-p", "stream_plugin",
                           "-p", "no:cacheprovider", "--impl=stdlib", "spec_tests"],
                          cwd=str(toy), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    assert done.returncode == 4, done.stdout  # a usage error, before any test
    assert "coverage cannot tell which test runs a line" in done.stdout and "passed" not in done.stdout


# --- the annotated reference, from recorded results ----------------------------

@pytest.fixture
def annotated(tmp_path):
    """docs/annotated/ made from the recorded results, in tmp_path."""
    current = {(m.file, m.operator, m.description): m for module in MODULES for m in _mutants(module)}
    records = []
    for line in (DATA / "results.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record.get("kind") != "baseline":
            mutant = current.get((record["file"], record["operator"], record["change"]))
            assert mutant is not None, "re-record tests/tooling/data/mutation: %s" % record["change"]
            record.update(id=mutant.id, line=mutant.line, end_line=mutant.end_line)
        records.append(record)
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in records))
    survivors = tmp_path / "survivors.md"
    survived = [r for r in records if r.get("status") == "survived"]
    survivors.write_text("| mutant | place | change | verdict | why |\n|---|---|---|---|---|\n" + "".join(
        "| `%s` | %s:%d | x | equivalent | no behaviour tells it apart |\n" % (r["id"], r["file"], r["line"])
        for r in survived[:1]))
    out = tmp_path / "annotated"
    assert annotate.main(["--results", str(results), "--survivors", str(survivors), "--out", str(out)]) == 0
    return out, [r for r in records if r.get("id")]


def test_every_clause_link_resolves_to_a_spec_clause(annotated):
    out, records = annotated
    anchors = {anchor for _, anchor in spec_layout((ROOT / "SPEC.md").read_text()).values()}
    page = (out / "index.html").read_text()
    links = re.findall(r'href="\.\./\.\./SPEC\.md#([^"]+)"', page)
    assert links and set(links) <= anchors
    for module in MODULES:
        markdown = (out / (module + ".md")).read_text()
        assert set(re.findall(r"\(\.\./\.\./SPEC\.md#([^)]+)\)", markdown)) <= anchors
    every_clause = {c for r in records for c in r["clauses"]}
    assert {html.unescape(c) for c in re.findall(r'<a class="c" [^>]*>([^<]+)</a>', page)} == every_clause


def test_the_page_loads_nothing_from_the_network(annotated):
    page = (annotated[0] / "index.html").read_text()
    assert not re.search(r"<(script|link|img|iframe)\b|@import|url\(", page)
    assert not re.search(r'src="https?:', page)


def test_each_line_shows_what_its_mutants_found(annotated):
    out, records = annotated
    page = (out / "index.html").read_text()
    sections = re.split(r'<h2 id="([^"]+)">', page)[1:]
    rows = {}  # (module, line) -> the row's HTML
    for module, section in zip(sections[::2], sections[1::2]):
        for row, number in re.findall(r'(<tr[^>]*><td class="n" id="%s-L(\d+)">.*?</tr>)' % re.escape(module),
                                      section, re.S):
            rows[module, int(number)] = row
    for module in MODULES:  # every line of every module is on the page
        assert len([key for key in rows if key[0] == module]) == len(
            (ROOT / "reference" / module).read_text().splitlines())
    assert {r["status"] for r in records} == {"killed", "survived"}
    for record in records:
        row = rows[record["file"], record["line"]]
        for clause in record["clauses"]:
            assert ">%s</a>" % html.escape(clause) in row
        assert record["id"] in row
    explorer = [r for r in records if r.get("explorer")]
    assert explorer, "the recorded set needs a mutant only the explorer caught"
    row = rows[explorer[0]["file"], explorer[0]["line"]]
    assert 'class="explorer"' in row and '<pre class="trace">' in row
    assert '<td class="m"></td>' in rows["chain.py", 1]  # the docstring: no mutant reaches it
    assert "survived: equivalent" in page


def test_survivors_file_parses_into_verdicts(tmp_path):
    path = tmp_path / "s.md"
    path.write_text("intro\n\n| mutant | place | change | verdict | why |\n|---|---|---|---|---|\n"
                    "| `0123456789abcdef` | chain.py:10 | a -> b | equivalent | same calls |\n"
                    "| `fedcba9876543210` | thread.py:3 | x | not yet killed | test idea |\n")
    assert annotate.read_verdicts(path) == {
        "0123456789abcdef": ("equivalent", "same calls"),
        "fedcba9876543210": ("not yet killed", "test idea")}
