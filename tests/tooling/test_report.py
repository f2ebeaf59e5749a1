"""scripts/report.py, the cross-interpreter conformance report, on recorded
results (tests/tooling/data/report/): how a cell is decided, what
changed, which rows differ, the terminal, --diff, Markdown, HTML and JSON
renderings, and the run's parts that need no suite run (venv steps, order,
the command line, the progress plugin and board). Nothing here runs the suite."""

import html
import io
import json
import pathlib
import re
import subprocess
import sys

import pytest

from scripts import pythons, report
from scripts.report_parts import changes, columns, discovery, matrix as matrix_part, progress, running, words
from scripts.report_parts.html import render_html
from scripts.report_parts.markdown import render_markdown
from scripts.report_parts.spec import spec_layout, upstream_links
from scripts.report_parts.statuses import CSS_CLASSES, FAILS as F, HOLDS as H, NA as N, NOT_RUN as X, OLD as O
from scripts.report_parts.statuses import STATUSES
from scripts.report_parts.text import render_diff, render_text

DATA = pathlib.Path(__file__).resolve().parent / "data" / "report"
SPEC = DATA / "spec.md"
RESULTS = DATA / "results"
NAMES = ["3.7", "3.8", "3.9", "3.10", "pypy3.9"]

# clause -> one (stdlib, reference) pair per interpreter of NAMES
EXPECTED_CELLS = {
    "Future/pending": [(H, X), (H, H), (H, H), (H, H), (H, H)],
    "Future/repr": [(H, X), (H, H), (H, F), (F, H), (F, F)],
    "wait/duplicates": [(O, X), (O, H), (H, H), (H, H), (H, H)],
    "Executor.submit/fn-positional-only": [(O, X), (O, H), (H, H), (H, F), (H, H)],
    "Executor.map/buffersize": [(O, X), (O, H), (O, H), (F, H), (O, H)],
    "ThreadPoolExecutor/fork-from-worker": [(H, X), (N, N), (H, H), (H, H), (H, H)],
    "TimeoutError/builtin": [(N, X), (N, N), (N, N), (N, N), (N, N)],
    "Gone/clause": [(H, X), (H, H), (N, N), (N, N), (N, N)],
}
FUTURE_DOCS = "https://docs.python.org/3/library/concurrent.futures.html#future-objects"
DIFFERING = ["Future/repr", "wait/duplicates", "Executor.submit/fn-positional-only", "Executor.map/buffersize",
             "ThreadPoolExecutor/fork-from-worker", "Gone/clause"]


def load_documents(directory):
    return report.load_results(directory)


@pytest.fixture(scope="module")
def matrix():
    return matrix_part.aggregate(SPEC.read_text(encoding="utf-8"), load_documents(RESULTS))


def _record(outcome, clauses=("A/x",), predated=()):
    return {"nodeid": "t", "impl": "stdlib", "clauses": list(clauses), "predated": list(predated),
            "outcome": outcome}


@pytest.mark.parametrize("records, status", [
    pytest.param([_record("passed"), _record("passed")], H, id="all-passed"),
    pytest.param([_record("passed"), _record("skipped")], H, id="passed-and-skipped"),
    pytest.param([_record("xfailed", predated=["A/x"])], O, id="xfailed-predated"),
    pytest.param([_record("passed", predated=["A/x"]), _record("xfailed", predated=["A/x"])], O,
                 id="passed-asserting-old-and-xfailed"),
    pytest.param([_record("passed"), _record("failed")], F, id="one-failed"),
    pytest.param([_record("error")], F, id="error"),
    pytest.param([_record("xpassed", predated=["A/x"])], F, id="xpassed"),
    pytest.param([_record("xfailed")], F, id="xfailed-not-owed-to-spec-versions"),
    pytest.param([_record("skipped"), _record("skipped")], N, id="all-skipped"),
    pytest.param([], N, id="no-test"),
    # an expected failure because another clause it names is predated: no evidence for A/x
    pytest.param([_record("xfailed", ["A/x", "B/y"], ["B/y"])], N, id="xfailed-for-another-clause"),
    pytest.param([_record("xfailed", ["A/x", "B/y"], ["B/y"]), _record("passed")], H,
                 id="xfailed-for-another-clause-and-passed"),
])
def test_a_cell_follows_the_outcomes_of_the_clause_tests(records, status):
    assert matrix_part.cell_status("A/x", records) == status


def test_the_matrix_cell_by_cell(matrix):
    assert matrix_part.names(matrix) == NAMES
    assert matrix["implementations"] == ["stdlib", "reference"]
    got = {row["id"]: [(row["cells"][name]["stdlib"], row["cells"][name]["reference"]) for name in NAMES]
           for row in matrix["rows"]}
    assert got == EXPECTED_CELLS
    assert matrix["fails"] == 6


def test_interpreters_are_named_from_the_document():
    assert matrix_part.document_name({"python": "3.9.16", "implementation": "PyPy"}) == "pypy3.9"
    assert matrix_part.document_name({"python": "3.9.18"}) == "3.9"  # old documents: CPython


def test_not_run_says_why_in_the_legend(matrix):
    assert matrix["legend"][X] == "the implementation was not run on that interpreter: needs Python 3.8+"
    assert {python["name"]: python["not_run"] for python in matrix["pythons"]}["3.7"] == {
        "reference": "not run: needs Python 3.8+"}


def test_rows_that_differ_somewhere(matrix):
    assert [row["id"] for row in matrix["rows"] if row["differs"]] == DIFFERING
    rows = {row["id"]: row for row in matrix["rows"]}
    assert rows["Future/pending"]["differs"] == []  # "not run" on 3.7 is no difference
    assert rows["wait/duplicates"]["differs"] == ["stdlib"]
    assert (matrix["differing"], matrix["same_everywhere"], matrix["holds_everywhere"]) == (6, 2, 1)


def test_rows_keep_spec_order_and_stale_clauses_come_last(matrix):
    assert [row["id"] for row in matrix["rows"]] == list(EXPECTED_CELLS)
    stale = matrix["rows"][-1]
    assert (stale["section"], stale["anchor"], stale["kind"]) == (matrix_part.STALE_SECTION, None, None)


def test_rows_carry_the_spec_fields(matrix):
    rows = {row["id"]: row for row in matrix["rows"]}
    row = rows["wait/duplicates"]
    assert (row["section"], row["anchor"], row["kind"], row["since"], row["before"], row["upstream"]) == (
        "Waiting: `wait()`", "waitduplicates", "observed", "3.9", "waits until the timeout.",
        ["bpo-20369", "gh-88110"])
    assert row["text"] == "A future given twice counts once."  # the fields are not prose
    assert rows["Future/repr"]["cpython_only"] == "repr"


def test_upstream_links():
    assert upstream_links(["bpo-32672", "gh-88110", "other-1"]) == [
        ("bpo-32672", "https://bugs.python.org/issue32672"),
        ("gh-88110", "https://github.com/python/cpython/issues/88110"), ("other-1", None)]


def test_what_changed_steps_cpythons_and_compares_each_pypy(matrix):
    steps = {(change["previous"], change["name"], change["kind"]): [(s["id"], s["from"], s["to"])
                                                                    for s in change["clauses"]]
             for change in matrix["changes"]}
    assert steps == {
        ("3.7", "3.8", "step"): [("ThreadPoolExecutor/fork-from-worker", H, N)],
        ("3.8", "3.9", "step"): [("wait/duplicates", O, H), ("Executor.submit/fn-positional-only", O, H),
                                 ("ThreadPoolExecutor/fork-from-worker", N, H), ("Gone/clause", H, N)],
        ("3.9", "3.10", "step"): [("Future/repr", H, F), ("Executor.map/buffersize", O, F)],
        ("3.9", "pypy3.9", "pypy"): [("Future/repr", H, F)],
    }


def test_what_changed_needs_the_stdlib(matrix):
    assert changes.what_changed(dict(matrix, implementations=["reference"])) == []


def test_a_change_in_words(matrix):
    row = words.row_by_id(matrix)["wait/duplicates"]
    assert words.change_line(row, "3.8", O, "3.9", H) == (
        "3.8 (old): waits until the timeout.  \u2192  3.9 (holds): A future given twice counts once.")
    assert words.links(row)[-1] == ("docs", row["docs"])


def _document(python, tests, implementation="CPython", **extra):
    return dict({"python": python, "implementation": implementation, "implementations": ["stdlib"],
                 "tests": tests}, **extra)


def test_clauses_whose_tests_were_left_out_are_not_run_and_no_change():
    documents = [_document("3.7.16", [], not_run_clauses={"Future/pending": "not run: needs Python 3.8+"}),
                 _document("3.8.18", [_record("passed", ["Future/pending"])])]
    left_out = matrix_part.aggregate(SPEC.read_text(encoding="utf-8"), documents)
    row = words.row_by_id(left_out)["Future/pending"]
    assert (row["cells"]["3.7"], row["cells"]["3.8"]) == ({"stdlib": X}, {"stdlib": H})
    assert [change["clauses"] for change in left_out["changes"]] == [[]]


def test_a_skipped_cell_says_why_in_words():
    skipped = dict(_record("skipped", ["Future/pending"]), message="Skipped: needs os.fork")
    documents = [_document("3.9.18", [_record("passed", ["Future/pending"])]),
                 _document("3.9.16", [skipped], implementation="PyPy")]
    row = words.row_by_id(matrix_part.aggregate(SPEC.read_text(encoding="utf-8"), documents))["Future/pending"]
    assert words.change_line(row, "3.9", H, "pypy3.9", N).endswith(
        "pypy3.9 (n/a): no test ran (Skipped: needs os.fork).")


def test_differences_between_two_interpreters(matrix):
    found = [(row["id"], impls) for row, impls in changes.differences(matrix, "3.7", "3.9")]
    assert found == [("wait/duplicates", ["stdlib"]), ("Executor.submit/fn-positional-only", ["stdlib"]),
                     ("Gone/clause", ["stdlib"])]  # reference: not run on 3.7, not compared


def test_pythons_and_run_problems(matrix):
    pythons_ = {python["name"]: python for python in matrix["pythons"]}
    assert [python["label"] for python in matrix["pythons"]] == ["3.7.16", "3.8.18", "3.9.18", "3.10.13",
                                                                "PyPy 3.9.16"]
    assert pythons_["3.8"]["summary"] == "13 passed, 2 skipped, 4 xfailed (pytest exit 0)"
    assert pythons_["3.10"]["interpreter"] is None  # a bare --spec-results document
    assert changes.run_problems(matrix) == [
        "3.9.18: tests/tooling/test_report.py::test_broken failed (outside the matrix)"]
    assert changes.exit_status(matrix) == 1


def test_an_unexplained_exit_status_or_a_run_error_is_a_problem(matrix):
    broken = [dict(matrix["pythons"][1], pytest_exit=2),
              dict(matrix["pythons"][2], error="timed out after 1800 s", other_failures=[])]
    assert changes.run_problems(dict(matrix, pythons=broken)) == [
        "3.8.18: pytest exited with status 2", "3.9.18: timed out after 1800 s"]


def test_evidence_keeps_outcomes_and_messages(matrix):
    evidence = matrix["evidence"]
    index = [test[0] for test in evidence["tests"]].index("spec_tests/test_future.py::test_repr[stdlib]")
    assert evidence["outcomes"]["3.10"][index] == "failed"
    assert evidence["messages"]["3.10"][str(index)].startswith("AssertionError: assert '<Future at 0x7f")
    assert all(test[2] for test in evidence["tests"])  # tests naming no clause are left out


def test_the_layout_ignores_fenced_code():
    text = ("## One\n```\n## Not a heading\n### `Fake/clause`\n```\n### `Real/clause`\nProse.\n"
            "- kind: observed\n- docs: https://docs/#x\n")
    assert spec_layout(text) == {"Real/clause": ("One", "realclause")}


def test_the_terminal_table_shows_the_differing_rows(matrix):
    text = render_text(matrix, colour=False, width=160)
    lines = text.splitlines()
    assert lines[0].split() == ["clause"] + NAMES
    assert "Executor.submit" in lines and "  /pending" not in text
    assert re.search(r"^  /fn-positional-only +S:ol R:nr  S:ol R:ok  S:ok R:ok  S:ok R:XX  S:ok R:ok$", text, re.M)
    assert re.search(r"^  /fork-from-worker +S:ok R:nr  S:-- R:--  S:ok R:ok", text, re.M)
    assert "(6 of 8 clauses shown: those that differ somewhere; 2 read the same everywhere, " \
           "--all shows them)" in lines
    assert "  3.9 -> 3.10: Executor.map/buffersize  old -> FAILS" in lines
    assert "  pypy3.9 vs 3.9: Future/repr  holds -> FAILS" in lines
    assert "      3.8 (old): waits until the timeout.  \u2192  3.9 (holds): A future given twice counts once." in lines
    assert "  Future/repr on 3.10 (stdlib)" in lines
    assert "\x1b[" not in text


def test_the_terminal_table_shows_all_rows_on_request(matrix):
    text = render_text(matrix, colour=False, width=160, all_rows=True)
    assert "  /pending" in text and "clauses shown" not in text


def test_the_terminal_table_fits_and_colours(matrix):
    text = render_text(matrix, colour=True, width=75, all_rows=True)
    assert "\x1b[1;31mXX\x1b[0m" in text and "\x1b[32mok\x1b[0m" in text
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    rows = [line for line in plain.splitlines() if "S:" in line and "R:" in line]
    assert len(rows) == len(EXPECTED_CELLS) and all(len(line) <= 75 for line in rows)
    assert "  /fn-positional-..." in plain  # clipped to fit


def test_diff_prints_only_what_differs_in_words(matrix):
    text = render_diff(matrix, "3.8", "3.10")
    assert text.splitlines()[0] == "6 clause(s) differ between 3.8 and 3.10:"
    assert "wait/duplicates [stdlib]  old -> holds" in text
    assert "  3.8 (old): waits until the timeout.  \u2192  3.10 (holds): A future given twice counts once." in text
    assert "  bpo-20369: https://bugs.python.org/issue20369" in text
    assert "Future/pending" not in text


def _markdown_table_rows(markdown):
    return [line for line in markdown.splitlines() if line.startswith("| ") and line.count("|") == 8
            and not line.startswith("| clause |")]


def test_the_markdown_page_shows_the_rows_that_differ(matrix):
    markdown = render_markdown(matrix, spec_href="../SPEC.md")
    assert markdown.splitlines()[2] == (
        "Runs of 2026-12-02 (the newest), 5 in all: 3.7.16, 3.8.18, 3.9.18, 3.10.13, PyPy 3.9.16. "
        "8 clauses: 1 hold everywhere, 6 differ somewhere.")
    assert "| clause | since | 3.7 | 3.8 | 3.9 | 3.10 | pypy3.9 |\n|---|---|---|---|---|---|---|" in markdown
    rows = _markdown_table_rows(markdown)
    assert [re.match(r"\| \[?`([^`]+)`", row).group(1) for row in rows] == DIFFERING
    assert ("| [`Executor.map/buffersize`](../SPEC.md#executormapbuffersize) | 3.14 "
            "| S:ol R:nr | S:ol R:ok | S:ol R:ok | S:XX R:ok | S:ol R:ok |") in rows
    assert "| `Gone/clause` |  | S:ok R:nr | S:ok R:ok | S:-- R:-- | S:-- R:-- | S:-- R:-- |" in rows
    assert "## Clauses that differ somewhere (6 of 8)" in markdown and "## Every clause" not in markdown


def test_the_markdown_page_says_what_changed_in_words(matrix):
    markdown = render_markdown(matrix, spec_href="../SPEC.md")
    assert ("- **3.9 \u2192 3.10**: [`Future/repr`](../SPEC.md#futurerepr) holds \u2192 FAILS: 3.9 (holds): "
            "The repr shows the state.  \u2192  3.10 (FAILS): fails the clause's tests. ([docs](%s))"
            % FUTURE_DOCS) in markdown
    assert "- **pypy3.9 vs 3.9**: [`Future/repr`](../SPEC.md#futurerepr) holds \u2192 FAILS" in markdown
    assert ("- [`Executor.map/buffersize`](../SPEC.md#executormapbuffersize): 3.16: `buffersize` must be "
            "positive ([gh-136098](https://github.com/python/cpython/issues/136098)).") in markdown
    assert "| 3.10 | CPython | 3.10.13 | its own | 1 error, 1 failed, 13 passed, 1 xpassed |" in markdown
    assert "/opt/" not in markdown  # no path of the machine that ran it


def test_the_markdown_page_adds_every_clause_on_request(matrix):
    markdown = render_markdown(matrix, spec_href="../SPEC.md", all_rows=True)
    every = markdown.split("## Every clause", 1)[1]
    assert len(_markdown_table_rows(every)) == len(EXPECTED_CELLS)
    assert "| [`Future/pending`](../SPEC.md#futurepending) | 3.6 | S:ok R:nr |" in every


def test_the_html_page_is_self_contained_and_opens_with_the_changes(matrix):
    page = render_html(matrix, spec_href="../SPEC.md")
    assert 'href="../SPEC.md#threadpoolexecutorfork-from-worker"' in page
    assert not re.search(r"<script[^>]* src|<link(?! rel=\"icon\" href=\"data:,\")|<img|<iframe|src=|url\(|@import",
                         page, re.I)
    assert page.index('id="what-changed"') < page.index('id="summary"') < page.index('id="matrix"')
    # Each step is one line until opened, so the matrix starts on the first screen.
    assert "<details><summary><h3>3.8 \u2192 3.9 " in page
    assert "5 interpreters (3.7, 3.8, 3.9, 3.10, pypy3.9); 8 clauses (1 hold everywhere, " \
           "6 differ somewhere); 77 test runs." in page
    assert '<a href="https://bugs.python.org/issue20369">bpo-20369</a>' in page
    assert "3.8 (old): waits until the timeout." in page
    for micro in ("3.7.16", "3.8.18", "3.9.18", "3.10.13", "3.9.16"):
        assert micro in page
    assert '<span class="st fails" title="stdlib: FAILS" data-impl="stdlib">\u2717</span>' in page
    assert 'data-differs="stdlib reference"' in page
    for status in STATUSES:  # each its own glyph and words in the legend
        assert '<span class="st %s" title="%s">' % (CSS_CLASSES[status], html.escape(status)) in page
        assert html.escape(matrix["legend"][status]) in page


def test_the_html_page_without_javascript_shows_every_row(matrix):
    page = render_html(matrix)
    assert page.count('<tr class="clause"') == len(matrix["rows"])
    assert re.search(r'<tr class="clause"[^>]* hidden', page) is None
    assert '<form id="controls" hidden>' in page  # the controls appear with the script


def test_the_evidence_data_cannot_close_its_script(matrix):
    message_matrix = dict(matrix, evidence=dict(matrix["evidence"], messages={"3.8": {"0": "</script><b>"}}))
    page = render_html(message_matrix)
    assert "<\\/script><b>" in page and page.count("</script>") == 2


def test_main_renders_saved_results_without_running(tmp_path, capsys):
    outputs = {kind: tmp_path / "out" / ("report." + kind) for kind in ("html", "json", "md")}
    status = report.main(["--from-results", str(RESULTS), "--spec", str(SPEC), "--color", "never",
                          "--html", str(outputs["html"]), "--json", str(outputs["json"]),
                          "--markdown", str(outputs["md"])])
    assert status == 1
    assert "S:ol R:ok" in capsys.readouterr().out
    saved = json.loads(outputs["json"].read_text(encoding="utf-8"))
    assert {row["id"]: row["cells"]["3.10"]["stdlib"] for row in saved["rows"]}["Future/repr"] == F
    assert saved["differing"] == len([row for row in saved["rows"] if row["differs"]])
    links = [re.search(r'href="([^"#]+)#waitduplicates"', outputs["html"].read_text(encoding="utf-8")),
             re.search(r"\]\(([^)#]+)#waitduplicates\)", outputs["md"].read_text(encoding="utf-8"))]
    for link in links:  # relative to the page, pointing at the spec it was made from
        assert (outputs["html"].parent / link.group(1)).resolve() == SPEC.resolve()


def test_main_restricted_to_a_clean_interpreter_exits_zero(tmp_path, capsys):
    status = report.main(["--from-results", str(RESULTS), "--spec", str(SPEC), "--versions", "3.8",
                          "--html", "", "--json", str(tmp_path / "report.json"), "--all"])
    assert status == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["clause", "3.8"]
    assert matrix_part.names(json.loads((tmp_path / "report.json").read_text())) == ["3.8"]


def test_main_diff(capsys):
    status = report.main(["--from-results", str(RESULTS), "--spec", str(SPEC), "--html", "", "--json", "",
                          "--diff", "3.9", "pypy3.9"])
    assert status == 1
    assert capsys.readouterr().out.startswith("1 clause(s) differ between 3.9 and pypy3.9:\n\nFuture/repr [stdlib]")
    with pytest.raises(SystemExit, match="no results for 3.13"):
        report.main(["--from-results", str(RESULTS), "--spec", str(SPEC), "--html", "", "--json", "",
                     "--diff", "3.9", "3.13"])


def test_versions_option():
    assert discovery.parse_versions("3.9, 3.12,pypy3.9") == {"3.9", "3.12", "pypy3.9"}
    assert discovery.parse_versions(None) is None
    with pytest.raises(SystemExit):
        discovery.parse_versions("three")


def _interpreter(name, implementation, version):
    return pythons.Interpreter(name, implementation, version, "/opt/fake/" + name)


def test_runs_go_longest_first():
    found = [_interpreter("3.6", "CPython", (3, 6, 15)), _interpreter("3.13", "CPython", (3, 13, 0)),
             _interpreter("3.9", "CPython", (3, 9, 18)), _interpreter("pypy3.9", "PyPy", (3, 9, 16)),
             _interpreter("pypy3.11", "PyPy", (3, 11, 17))]
    assert [each.name for each in discovery.longest_first(found)] == ["pypy3.11", "pypy3.9", "3.13", "3.9", "3.6"]


def test_venv_steps_pin_an_older_pip_on_3_6(tmp_path):
    old = running.venv_steps(_interpreter("3.6", "CPython", (3, 6, 15)), tmp_path)
    new = running.venv_steps(_interpreter("3.7", "CPython", (3, 7, 16)), tmp_path)
    assert old[1][-2:] == ["-U", "pip<22"] and old[2][-2:] == ["pytest", "pytest-timeout"]
    assert len(new) == 2 and new[1][-2:] == ["pytest", "pytest-timeout"]


def test_the_run_needs_only_the_clause_tests_and_passes_extra_arguments():
    command = running.suite_command("py", ["stdlib"], "out.json", ["-x"])
    assert command[:4] == ["py", "-m", "pytest", "spec_tests"]
    assert command[-3:] == ["--impl", "stdlib", "-x"]
    assert running.PLUGIN in command


def test_the_progress_plugin_counts_tests(tmp_path):
    tests = tmp_path / "test_some.py"
    tests.write_text("def test_a(): pass\ndef test_b(): assert False\ndef test_c(): pass\n")
    progress_file = tmp_path / "progress"
    env = {"REPORT_PROGRESS_FILE": str(progress_file), "PYTHONPATH": str(running.ROOT)}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", running.PLUGIN, "-p", "no:cacheprovider",
                    str(tests)], cwd=str(tmp_path), env=dict(__import__("os").environ, **env),
                   stdout=subprocess.DEVNULL)
    assert progress_file.read_text().splitlines() == ["total 3", "done passed", "done failed", "done passed"]


def test_the_board_prints_plain_lines_off_a_terminal():
    stream = io.StringIO()
    board = progress.Board(["3.13", "pypy3.9"], stream=stream).start()
    board.update("3.13", phase="running")
    board.update("3.13", done=1, total=4, failures=1)
    board.update("3.13", done=2, total=4, failures=1)
    board.say("hello")
    board.stop()
    lines = stream.getvalue().splitlines()
    assert re.match(r"report: 3.13 +0/\? +tests +0 failed +\d+ s  running$", lines[0])
    assert re.match(r"report: 3.13 +1/4 +tests +1 failed", lines[1])
    assert re.match(r"report: 3.13 +2/4 +tests +1 failed", lines[2])
    assert lines[3:] == ["report: hello"] and "\x1b" not in stream.getvalue()


def test_the_board_redraws_in_place_on_a_terminal():
    stream = io.StringIO()
    board = progress.Board(["3.13", "pypy3.9"], stream=stream, live=True)
    board.update("3.13", phase="running", done=3, total=9)
    board.update("pypy3.9", phase="running")
    board.stop()
    assert "\x1b[2F\x1b[J" in stream.getvalue()
    assert re.search(r"3.13 +3/9 +tests", stream.getvalue().rsplit("\x1b[J", 1)[1])


PATCH_SPEC = """## Future

### `Future/fixed`
Fixed in a bugfix release.
- kind: observed
- since: 3.14.10
- before: the old way.
- docs: https://docs/#fixed

### `Future/backported`
Backported to two branches.
- kind: observed
- since: 3.14.10, 3.15.2
- before: the old way.
- upcoming: 3.16: changes again (gh-155852).
- docs: https://docs/#backported
"""


def _run_of(python, predated=(), **extra):
    """A stdlib document of *python* where the clauses in *predated* showed
    their old behaviour and the others held, as the suite records them."""
    tests = [dict(_record("xfailed" if clause in predated else "passed", [clause],
                          [clause] if clause in predated else []), nodeid="t-" + clause)
             for clause in ("Future/fixed", "Future/backported")]
    return _document(python, tests, **extra)


def _patch_matrix(*documents):
    return matrix_part.aggregate(PATCH_SPEC, list(documents))


def _steps(matrix):
    return {(change["previous"], change["name"]): [(step["id"], step["from"], step["to"])
                                                   for step in change["clauses"]]
            for change in matrix["changes"]}


def test_a_bugfix_since_is_read_by_each_columns_installed_patch_level():
    fixed = _patch_matrix(_run_of("3.13.0", ["Future/fixed", "Future/backported"]),
                          _run_of("3.14.10"), _run_of("3.15.0", ["Future/backported"]))
    assert _steps(fixed) == {("3.13", "3.14"): [("Future/fixed", O, H), ("Future/backported", O, H)],
                             ("3.14", "3.15"): [("Future/backported", H, O)]}
    rows = words.row_by_id(fixed)
    assert (rows["Future/fixed"]["since"], rows["Future/backported"]["since"]) == ("3.14.10", "3.14.10, 3.15.2")
    assert rows["Future/fixed"]["since_at"] == {"3.14": "3.14.10"}
    assert rows["Future/backported"]["since_at"] == {"3.14": "3.14.10", "3.15": "3.15.2"}
    text = render_text(fixed, width=160)
    assert "  3.13 -> 3.14: Future/fixed  old -> holds" in text
    assert ("      3.13 (old): the old way.  \u2192  3.14 (holds since 3.14.10): Fixed in a bugfix release."
            in text.splitlines())
    assert ("      3.14 (holds since 3.14.10): Backported to two branches.  \u2192  "
            "3.15 (old, before 3.15.2): the old way." in text.splitlines())


def test_an_older_patch_level_moves_the_step_to_the_next_version():
    older = _patch_matrix(_run_of("3.13.0", ["Future/fixed", "Future/backported"]),
                          _run_of("3.14.9", ["Future/fixed", "Future/backported"]), _run_of("3.15.2"))
    assert _steps(older) == {("3.13", "3.14"): [],
                             ("3.14", "3.15"): [("Future/fixed", O, H), ("Future/backported", O, H)]}
    row = words.row_by_id(older)["Future/backported"]
    assert words.change_line(row, "3.14", O, "3.15", H) == (
        "3.14 (old, before 3.14.10): the old way.  \u2192  3.15 (holds since 3.15.2): Backported to two branches.")
    assert words.change_line(row, "3.14", O, "3.15", H, impl="reference").startswith("3.14 (old): ")


def test_the_pages_show_a_since_with_its_patch_level():
    fixed = _patch_matrix(_run_of("3.13.0", ["Future/fixed", "Future/backported"]), _run_of("3.14.10"))
    page = render_html(fixed)
    assert "<small>since 3.14.10, 3.15.2</small>" in page and "<b>before 3.14.10:</b>" in page
    assert "3.13 (old): the old way.  \u2192  3.14 (holds since 3.14.10)" in page
    markdown = render_markdown(fixed)
    assert "| [`Future/backported`](SPEC.md#futurebackported) | 3.14.10, 3.15.2 | S:ol | S:ok |" in markdown
    assert "3.14 (holds since 3.14.10): Fixed in a bugfix release." in markdown


def test_upcoming_is_shown_in_the_details_and_claims_no_result():
    fixed = _patch_matrix(_run_of("3.13.0", ["Future/fixed", "Future/backported"]), _run_of("3.14.10"))
    row = words.row_by_id(fixed)["Future/backported"]
    assert row["upcoming"] == "3.16: changes again (gh-155852)."
    assert [python["name"] for python in fixed["pythons"]] == ["3.13", "3.14"]  # no 3.16 column
    page = render_html(fixed)
    assert ('<p class="upcoming"><b>upcoming in CPython main</b> (no run has shown it): 3.16: changes again '
            '(<a href="https://github.com/python/cpython/issues/155852">gh-155852</a>).</p>') in page
    assert ("  Upcoming in CPython main (no run has shown it): 3.16: changes again (gh-155852)."
            in render_diff(fixed, "3.13", "3.14").splitlines())
    assert ("- [`Future/backported`](SPEC.md#futurebackported): 3.16: changes again "
            "([gh-155852](https://github.com/python/cpython/issues/155852)).") in render_markdown(fixed)
    assert "3.16" not in render_text(fixed)  # the terminal table shows results only


def _tree_run(python, predated=(), name="main"):
    """A run of *python* with a source tree's stdlib, as running.run_one saves it."""
    return _run_of(python, predated, stdlib_from={"tree": "/src/" + name, "name": name},
                   not_run={"reference": running.TREE_RUNS_STDLIB_ONLY})


def test_a_source_trees_column_stands_beside_its_interpreters():
    documents = [_tree_run("3.15.2", ["Future/fixed"]), _run_of("3.15.2"), _run_of("3.14.10"),
                 dict(_run_of("3.15.2"), implementations=["stdlib", "reference"])]
    documents[-1]["tests"] = documents[-1]["tests"] + [dict(test, impl="reference") for test in documents[-1]["tests"]]
    trees = _patch_matrix(*documents)
    assert matrix_part.names(trees) == ["3.14", "3.15", "3.15+main"]
    assert _steps(trees) == {("3.14", "3.15"): [], ("3.15", "3.15+main"): [("Future/fixed", H, O)]}
    assert [change["kind"] for change in trees["changes"]] == ["step", "tree"]
    row = words.row_by_id(trees)["Future/fixed"]
    assert row["cells"]["3.15+main"] == {"stdlib": O, "reference": X}
    assert trees["legend"][X].endswith(": " + running.TREE_RUNS_STDLIB_ONLY[len("not run: "):])
    tree_column = trees["pythons"][-1]
    assert (tree_column["label"], tree_column["stdlib_from"]["tree"]) == ("3.15.2 with the stdlib of main", "/src/main")
    assert "  3.15+main vs 3.15: Future/fixed  holds -> old" in render_text(trees, width=160)
    assert "| 3.15+main | CPython | 3.15.2 | from source tree `main` |" in render_markdown(trees)


def test_an_implementation_a_document_does_not_list_was_not_run():
    documents = [_document("3.9.18", [_record("passed", ["Future/pending"])], implementations=["stdlib"]),
                 _document("3.10.13", [dict(_record("passed", ["Future/pending"]), impl="reference")],
                           implementations=["reference"])]
    row = words.row_by_id(matrix_part.aggregate(SPEC.read_text(encoding="utf-8"), documents))["Future/pending"]
    assert row["cells"] == {"3.9": {"stdlib": H, "reference": X}, "3.10": {"stdlib": X, "reference": H}}


@pytest.mark.parametrize("name, wanted, kept", [
    ("3.15+main", {"3.15"}, True), ("3.15+main", {"3.15+main"}, True), ("3.15", {"3.15+main"}, False),
    ("3.14", {"3.15"}, False), ("3.14", None, True)])
def test_versions_keep_a_trees_column_with_its_interpreter(name, wanted, kept):
    assert columns.wanted(name, wanted) is kept


def test_columns_sort_each_tree_after_its_interpreter():
    names = ["pypy3.9+main", "3.15+main", "pypy3.9", "3.9", "3.15", "3.15+gh-1"]
    assert sorted(names, key=columns.sort_key) == ["3.9", "3.15", "3.15+gh-1", "3.15+main", "pypy3.9",
                                                   "pypy3.9+main"]
    assert discovery.parse_versions("3.15+main,3.9") == {"3.15+main", "3.9"}


def test_a_trees_column_picks_its_interpreter_to_run(monkeypatch):
    found = [_interpreter("3.14", "CPython", (3, 14, 10)), _interpreter("3.15", "CPython", (3, 15, 2))]
    monkeypatch.setattr(discovery.pythons, "find", lambda extra: found)
    said = []
    assert [each.name for each in discovery.discover((), {"3.15+main", "3.99"}, say=said.append)] == ["3.15"]
    assert said == ["no interpreter 3.99 found; skipping it"]


def test_a_tree_adds_a_stdlib_run_per_interpreter(tmp_path):
    found = [_interpreter("3.14", "CPython", (3, 14, 10)), _interpreter("3.15", "CPython", (3, 15, 2))]
    tree = running.Tree(tmp_path / "cpython", "main")
    runs = running.plan(found, ["stdlib", "reference"], tree)
    assert [(run.name, run.impls, run.tree) for run in runs] == [
        ("3.15", ["stdlib", "reference"], None), ("3.15+main", ["stdlib"], tree),
        ("3.14", ["stdlib", "reference"], None), ("3.14+main", ["stdlib"], tree)]
    assert [run.name for run in running.plan(found, ["stdlib"], tree, tree_only=True)] == ["3.15+main", "3.14+main"]
    command = running.suite_command("py", ["stdlib"], "out.json", ["-x"], tree)
    assert command[-5:] == ["--impl", "stdlib", "--stdlib-from", str(tmp_path / "cpython"), "-x"]


def test_the_report_names_a_trees_columns_after_it(tmp_path):
    checkout = tmp_path.resolve() / "cpython"
    (checkout / "Lib" / "concurrent" / "futures").mkdir(parents=True)
    (checkout / "Lib" / "concurrent" / "futures" / "__init__.py").write_text("")

    def tree(*argv):
        return report.source_tree(report.parse_args(list(argv)))

    assert tree("--stdlib-from", str(checkout)) == running.Tree(checkout, "cpython")
    assert tree("--stdlib-from", str(checkout / "Lib")) == running.Tree(checkout / "Lib", "cpython")
    assert tree("--stdlib-from", str(checkout), "--stdlib-name", "gh-1") == running.Tree(checkout, "gh-1")
    with pytest.raises(SystemExit, match="holds no concurrent/futures package"):
        report.source_tree(report.parse_args(["--stdlib-from", str(tmp_path)]))
    for wrong in (["--tree-only"], ["--stdlib-from", "x", "--from-results", "y"],
                  ["--stdlib-from", "x", "--stdlib-name", "a/b"]):
        with pytest.raises(SystemExit):
            report.parse_args(wrong)
