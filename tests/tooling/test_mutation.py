"""scripts/mutation.py and scripts/annotate.py: the mutation operators and
the mutants' names, the reuse of verdicts, the tests the baseline finds
for each line (a project in miniature, tests/tooling/data/mutation/toy/),
two real mutant runs (chain.py, seconds each), and the annotated
reference made from a small recorded result set
(tests/tooling/data/mutation/results.jsonl).

The recorded results name their mutants by file, operator and change; the
test gives each the identity (and the function's fingerprint) of the same
mutant of today's reference/, so that an edit to the reference does not
make them stale."""

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
from scripts.mutation_parts import operators, results, sources
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
    assert len({m.id for m in made}) == len({m.key for m in made}) == len(made) > 50
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
    path = tmp_path / "results.jsonl"
    argv = ["--files", "chain.py", "--only", target.id, "--results", str(path),
            "--scratch", str(tmp_path / "scratch"), "--python", sys.executable, "--workers", "1"]
    assert mutation.main(argv) == 0
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r.get("kind") for r in records] == ["baseline", None]
    record = records[1]
    assert (record["id"], record["file"], record["function"], record["line"], record["operator"]) == (
        target.id, "chain.py", "pipeline", target.line, "statement-removed")
    assert record["status"] == "killed" and record["clauses"] == ["chain.pipeline/empty"]
    assert record["failed"] and all(f["clauses"] == ["chain.pipeline/empty"] and f["source"] for f in record["failed"])
    assert {f["test"].rsplit("[", 1)[1] for f in record["failed"]} == {"stdlib]", "reference]"}
    capsys.readouterr()
    assert mutation.main(argv) == 0  # its function and its killing tests unchanged: reused
    assert "nothing to run" in capsys.readouterr().out
    assert len(path.read_text().splitlines()) == 2


def test_a_survivor_meets_only_the_tests_new_to_it(tmp_path, capsys):
    """A survivor runs again against a test it has not passed (here: one
    taken out of its record) and no other; its new record lists them all."""
    pytest.importorskip("pytest_timeout")
    if sys.implementation.name != "cpython":
        pytest.skip("mutation runs are made on CPython (see above)")
    (target,) = [m for m in _mutants("chain.py") if m.description == "removed: self.derived = None"]
    path = tmp_path / "results.jsonl"
    argv = ["--files", "chain.py", "--only", target.id, "--results", str(path),
            "--scratch", str(tmp_path / "scratch"), "--python", sys.executable, "--workers", "1"]
    assert mutation.main(argv) == 0
    first = results.read_results(path)[target.id]
    assert first["status"] == "survived" and len(first["selected"]) == first["tests_run"] > 1
    new = sorted(first["selected"])[0]
    path.write_text(path.read_text() + json.dumps(dict(first, selected={
        nodeid: source for nodeid, source in first["selected"].items() if nodeid != new})) + "\n")
    capsys.readouterr()
    assert mutation.main(argv) == 0
    assert "1 mutants to run (1 survivors among them" in capsys.readouterr().out
    second = results.read_results(path)[target.id]
    assert second["status"] == "survived" and second["tests_run"] == 1
    assert second["selected"] == first["selected"]


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


# --- names and reuse -----------------------------------------------------------

SAMPLE = """\
class Pool:
    def submit(self, fn):
        \"\"\"Run fn.\"\"\"
        if self._closed and fn is None:  # a comment
            return 1
        return 1

    def close(self):
        self._closed = True
"""


def test_a_mutant_is_named_by_its_function_and_change():
    keys = {m.key for m in operators.mutants("m.py", SAMPLE)}
    # The same text on every Python from 3.9: the names must not drift.
    assert {"m.py Pool.submit boolean-flipped: self._closed and fn is None  ->  self._closed or fn is None #0",
            "m.py Pool.submit comparison-flipped: fn is None  ->  fn is not None #0",
            "m.py Pool.submit statement-removed: return 1  ->  pass #0",
            "m.py Pool.submit statement-removed: return 1  ->  pass #1",  # the second of two
            "m.py Pool.close constant-changed: True  ->  False #0"} <= keys


def _edited(source, function, line):
    """*source* with *line* added at the end of *function*'s body, and a
    line at the top of the module (every line below moves)."""
    tree = ast.parse(source)
    (node,) = [node for name, node in sources.functions(tree) if name == function]
    lines = source.splitlines(True)
    indent = lines[node.body[-1].lineno - 1][:node.body[-1].col_offset]
    lines.insert(node.end_lineno, indent + line + "\n")
    return "# moved\n" + "".join(lines)


def test_an_edit_to_one_function_renames_none_and_changes_that_function_only():
    source = (ROOT / "reference" / "_base.py").read_text()
    before = {m.id: m for m in operators.mutants("_base.py", source)}
    after = {m.id: m for m in operators.mutants("_base.py", _edited(source, "Future.cancelled", "x = 0"))}
    edited = {i for i, m in after.items() if m.function == "Future.cancelled"}
    assert edited and set(before) <= set(after)  # no mutant renamed; the new line's mutants added
    for mutant_id, mutant in after.items():
        if mutant_id in before:
            assert mutant.line in (before[mutant_id].line + 1, before[mutant_id].line + 2)  # moved
            assert (mutant.function_source == before[mutant_id].function_source) == (mutant_id not in edited)
    reworded = re.sub(r"(?m)^(\s*)# ", r"\1#  ", source)  # every comment line: nothing changes
    assert reworded != source
    assert {m.id: m.function_source for m in operators.mutants("_base.py", reworded)} == {
        i: m.function_source for i, m in before.items()}


def _verdict(mutant, status, failed=(), selected=None):
    record = dict(mutant.record(), status=status, seconds=1.0,
                  failed=[{"test": test, "clauses": [], "why": "", "source": source} for test, source in failed])
    if selected is not None:
        record["selected"] = selected
    return record


def test_a_verdict_is_reused_while_its_function_and_its_tests_are_unchanged():
    mutant = operators.mutants("m.py", SAMPLE)[0]
    fingerprints = {"t.py::a": "A", "t.py::b": "B", "t.py::new": "N"}

    def decide(record):
        return results.decide(mutant, record, fingerprints.get)

    killed = _verdict(mutant, "killed", [("t.py::a", "A"), ("t.py::b", "B")])
    assert decide(killed) == results.REUSE
    assert decide(None) == results.RUN
    assert decide(dict(killed, function_source="else")) == results.RUN  # its function changed
    assert decide(_verdict(mutant, "killed", [("t.py::a", "A"), ("t.py::b", "b")])) == results.REUSE  # one stands
    assert decide(_verdict(mutant, "killed", [("t.py::a", "a")])) == results.RUN  # its killing test changed
    assert decide(_verdict(mutant, "killed", [("t.py::gone", "G")])) == results.RUN  # ... or went
    timed_out = _verdict(mutant, "killed", [("<the run was cut short: time limit>", None)],
                         selected={"t.py::a": "A", "t.py::b": "B"})
    assert decide(timed_out) == results.REUSE  # while every test it ran is unchanged
    survived = _verdict(mutant, "survived", selected={"t.py::a": "A", "t.py::b": "B"})
    assert decide(survived) == results.CHECK  # once the baseline says which tests run its lines
    assert decide(_verdict(mutant, "survived")) == results.RUN  # a record that does not say what it ran

    def untested(*selected):
        return results.untested(survived, set(selected), fingerprints.get)

    assert untested("t.py::a", "t.py::b") == untested("t.py::a") == set()  # the same tests, or fewer
    assert untested("t.py::a", "t.py::new") == {"t.py::new"}  # a new test runs its lines: that one runs
    fingerprints["t.py::b"] = "changed"
    assert untested("t.py::a", "t.py::b") == {"t.py::b"}  # ... or a changed one
    assert results.unchanged(survived, fingerprints.get) == {"t.py::a": "A"}
    assert decide(timed_out) == results.RUN


def test_a_tests_fingerprint_covers_what_it_reaches_by_name(tmp_path):
    files = {
        "suite/conftest.py": "import pytest\n\n@pytest.fixture\ndef pool():\n    return make()\n\n"
                             "def make():\n    return 1\n",
        "suite/helpers.py": "def check(x):\n    return x\n",
        "suite/test_a.py": "from reference import code\nfrom suite.helpers import check\n\nLIMIT = 2\n\n"
                           "def test_one(pool):\n    assert check(pool) < LIMIT\n\n"
                           "def test_two():\n    assert code.f()\n",
        "reference/code.py": "def f():\n    return 1\n",
    }

    def fingerprints(path=None, old=None, new=None):
        """Those of test_one and test_two, with *old* replaced by *new* in *path*."""
        for name, text in files.items():
            (tmp_path / name).parent.mkdir(exist_ok=True)
            (tmp_path / name).write_text(text.replace(old, new) if name == path else text)
        tests = sources.TestSources(tmp_path)
        return [tests.fingerprint("suite/test_a.py::%s[x]" % name) for name in ("test_one", "test_two")]

    one, two = fingerprints()
    assert one and two and one != two
    assert fingerprints("suite/test_a.py", "f()\n", "f()  # reworded\n") == [one, two]
    first, second = fingerprints("suite/test_a.py", "code.f()", "code.f() == 1")  # another test edited
    assert first == one and second != two
    assert fingerprints("reference/code.py", "1", "2") == [one, two]  # the code under test is not theirs
    for edit in (("suite/test_a.py", "LIMIT = 2", "LIMIT = 3"),  # a constant it names
                 ("suite/helpers.py", "return x", "return -x"),  # a helper it imports
                 ("suite/conftest.py", "return 1", "return 2")):  # a fixture it takes, and what that calls
        first, second = fingerprints(*edit)
        assert first != one and second == two, edit
    assert sources.TestSources(tmp_path).fingerprint("suite/test_a.py::test_gone") is None


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
    made = operators.mutants("chain.py", (TOY / "module.py").read_text())
    assert {m.function for m in made} == set(TOY_SELECTION)
    for mutant in made:
        selected = mutation.covering_tests(by_line, mutant)
        names = None if selected is None else {nodeid.split("::")[1] for nodeid in selected}
        assert names == TOY_SELECTION[mutant.function], mutant.key


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
def recorded(tmp_path):
    """(results file, survivors file) in tmp_path: the recorded results,
    each record given the identity of its mutant today, and a verdict for
    the first survivor."""
    current = {(m.file, m.operator, m.description): m for module in MODULES for m in _mutants(module)}
    records = []
    for line in (DATA / "results.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record.get("kind") != "baseline":
            mutant = current.get((record["file"], record["operator"], record["change"]))
            assert mutant is not None, "re-record tests/tooling/data/mutation: %s" % record["change"]
            record.update(mutant.record())
        records.append(record)
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    survivors = tmp_path / "survivors.md"
    survived = [r for r in records if r.get("status") == "survived"]
    survivors.write_text("| mutant | place | change | verdict | why |\n|---|---|---|---|---|\n" + "".join(
        "| `%s` | %s | x | equivalent | no behaviour tells it apart |\n" % (r["id"], r["file"])
        for r in survived[:1]))
    return path, survivors


@pytest.fixture
def annotated(tmp_path, recorded):
    """docs/annotated/ made from the recorded results, in tmp_path."""
    path, survivors = recorded
    out = tmp_path / "annotated"
    assert annotate.main(["--results", str(path), "--survivors", str(survivors), "--out", str(out)]) == 0
    return out, [r for r in results.read_results(path).values() if r.get("id")]


def test_summary_and_survivor_rows_count_the_recorded_results(recorded, capsys):
    path, survivors = recorded
    records = results.read_results(path)
    done = [r for r in records.values() if r.get("id")]
    assert mutation.main(["--summary", "--results", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    for module in MODULES:
        (line,) = [line for line in lines if line.startswith(module + " ")]
        killed = sum(1 for r in done if r["file"] == module and r["status"] == "killed")
        assert " %d killed" % killed in line
    rows = mutation.survivor_rows(records, list(MODULES), survivors)
    survived = [r for r in done if r["status"] == "survived"]
    assert len(rows) == len(survived) >= 1
    judged = [row for row in rows if "| equivalent | no behaviour tells it apart |" in row]
    assert len(judged) == 1 and "`%s`" % survived[0]["id"] in judged[0]
    assert "%s `%s`" % (survived[0]["file"], survived[0]["function"]) in judged[0]  # where: its function


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
