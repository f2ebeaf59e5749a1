"""scripts/report.py, the cross-version conformance report, on recorded
results (spec_tests/tooling/data/report/): how a cell is decided, what
changed between versions, and the terminal, Markdown, HTML and JSON
renderings. Nothing here runs the suite."""

import html
import json
import pathlib
import re

import pytest

from scripts import report

DATA = pathlib.Path(__file__).resolve().parent / "data" / "report"
SPEC = DATA / "spec.md"
RESULTS = DATA / "results"
H, O, F, N = report.HOLDS, report.OLD, report.FAILS, report.NA

# clause -> one (stdlib, reference) pair per version 3.8, 3.9, 3.10
EXPECTED_CELLS = {
    "Future/pending": [(H, H), (H, H), (H, H)],
    "Future/repr": [(H, H), (H, F), (F, H)],
    "wait/duplicates": [(O, H), (H, H), (H, H)],
    "Executor.submit/fn-positional-only": [(O, H), (H, H), (H, F)],
    "Executor.map/buffersize": [(O, H), (O, H), (F, H)],
    "ThreadPoolExecutor/fork-from-worker": [(N, N), (H, H), (H, H)],
    "TimeoutError/builtin": [(N, N), (N, N), (N, N)],
    "Gone/clause": [(H, H), (N, N), (N, N)],
}


@pytest.fixture(scope="module")
def matrix():
    return report.aggregate(SPEC.read_text(encoding="utf-8"), report.load_results(RESULTS))


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
    assert report.cell_status("A/x", records) == status


def test_the_matrix_cell_by_cell(matrix):
    versions = [python["version"] for python in matrix["pythons"]]
    assert versions == ["3.8", "3.9", "3.10"]
    assert matrix["implementations"] == ["stdlib", "reference"]
    got = {row["id"]: [(row["cells"][v]["stdlib"], row["cells"][v]["reference"]) for v in versions]
           for row in matrix["rows"]}
    assert got == EXPECTED_CELLS
    assert matrix["fails"] == 4


def test_rows_keep_spec_order_and_stale_clauses_come_last(matrix):
    assert [row["id"] for row in matrix["rows"]] == list(EXPECTED_CELLS)
    stale = matrix["rows"][-1]
    assert (stale["section"], stale["anchor"], stale["kind"]) == (report.STALE_SECTION, None, None)


def test_rows_carry_section_anchor_and_since(matrix):
    row = {row["id"]: row for row in matrix["rows"]}["wait/duplicates"]
    assert (row["section"], row["anchor"], row["kind"], row["since"]) == (
        "Waiting: `wait()`", "waitduplicates", "observed", "3.9")


def test_what_changed_is_derived_from_the_stdlib_cells(matrix):
    steps = {change["version"]: (change["previous"], [(s["id"], s["from"], s["to"]) for s in change["clauses"]])
             for change in matrix["changes"]}
    assert steps == {
        "3.9": ("3.8", [("wait/duplicates", O, H), ("Executor.submit/fn-positional-only", O, H),
                        ("ThreadPoolExecutor/fork-from-worker", N, H), ("Gone/clause", H, N)]),
        "3.10": ("3.9", [("Future/repr", H, F), ("Executor.map/buffersize", O, F)]),
    }


def test_what_changed_needs_the_stdlib(matrix):
    assert report.what_changed(dict(matrix, implementations=["reference"])) == []


def test_pythons_and_run_problems(matrix):
    pythons = {python["version"]: python for python in matrix["pythons"]}
    assert [python["python"] for python in matrix["pythons"]] == ["3.8.18", "3.9.18", "3.10.13"]
    assert pythons["3.8"]["summary"] == "13 passed, 2 skipped, 4 xfailed (pytest exit 0)"
    assert pythons["3.10"]["interpreter"] is None  # a bare --spec-results document
    # 3.9's exit status 1 is explained by its failures; 3.10 has no "run" entry
    assert report.run_problems(matrix) == [
        "3.9.18: spec_tests/tooling/test_report.py::test_broken failed (outside the matrix)",
    ]
    assert report.exit_status(matrix) == 1


def test_an_unexplained_exit_status_or_a_run_error_is_a_problem(matrix):
    broken = [dict(matrix["pythons"][0], pytest_exit=2),
              dict(matrix["pythons"][1], error="timed out after 1800 s", other_failures=[])]
    assert report.run_problems(dict(matrix, pythons=broken)) == [
        "3.8.18: pytest exited with status 2", "3.9.18: timed out after 1800 s"]


@pytest.mark.parametrize("titles, anchors", [
    (["`Future.cancel/pending`"], ["futurecancelpending"]),
    (["`Future.set_running_or_notify_cancel/logs-critical`"], ["futureset_running_or_notify_cancellogs-critical"]),
    (["Waiting: `wait()`"], ["waiting-wait"]),
    (["The futures contract", "Future", "`Future`", "Future"], ["the-futures-contract", "future", "future-1",
                                                                 "future-2"]),
])
def test_anchors_are_github_style(titles, anchors):
    seen = {}
    assert [report.github_anchor(title, seen) for title in titles] == anchors


def test_the_layout_ignores_fenced_code():
    text = "## One\n```\n## Not a heading\n### `Fake/clause`\n```\n### `Real/clause`\n"
    assert report.spec_layout(text) == {"Real/clause": ("One", "realclause")}


def test_the_terminal_table(matrix):
    text = report.render_text(matrix, colour=False, width=120)
    lines = text.splitlines()
    assert lines[0].split() == ["clause", "3.8", "3.9", "3.10"]
    assert "Executor.submit" in lines
    assert re.search(r"^  /fn-positional-only +S:ol R:ok  S:ok R:ok  S:ok R:XX$", text, re.M)
    assert re.search(r"^  /fork-from-worker +S:-- R:--  S:ok R:ok  S:ok R:ok$", text, re.M)
    assert "  3.10: Executor.map/buffersize  old -> FAILS" in lines
    assert "  Future/repr on 3.10 (stdlib)" in lines
    assert "\x1b[" not in text


def test_the_terminal_table_fits_and_colours(matrix):
    text = report.render_text(matrix, colour=True, width=53)
    assert "\x1b[1;31mXX\x1b[0m" in text and "\x1b[32mok\x1b[0m" in text
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    rows = [line for line in plain.splitlines() if "S:" in line and "R:" in line]
    assert len(rows) == len(EXPECTED_CELLS) and all(len(line) <= 53 for line in rows)
    assert "  /fn-positional-..." in plain  # clipped to fit


def test_markdown_tables_have_one_cell_per_version(matrix):
    markdown = report.render_markdown(matrix, spec_href="../SPEC.md")
    table_lines = [line for line in markdown.splitlines() if line.startswith("| ") or line.startswith("|-")]
    matrix_lines = [line for line in table_lines if line.count("|") == 6]
    assert len(matrix_lines) == 4 * 2 + len(EXPECTED_CELLS)  # 4 sections: header + separator each
    assert matrix_lines[:2] == ["| clause | since | 3.8 | 3.9 | 3.10 |", "|---|---|---|---|---|"]
    assert ("| [`Executor.map/buffersize`](../SPEC.md#executormapbuffersize) | 3.14 "
            "| S:ol R:ok | S:ol R:ok | S:XX R:ok |") in matrix_lines
    assert "| `Gone/clause` |  | S:ok R:ok | S:-- R:-- | S:-- R:-- |" in matrix_lines
    assert "- **3.10** (from 3.9): `Future/repr` holds → FAILS, `Executor.map/buffersize` old → FAILS" in markdown


def test_the_html_page_is_self_contained_and_links_the_spec(matrix):
    page = report.render_html(matrix, spec_href="../SPEC.md")
    for row in matrix["rows"][:-1]:
        assert 'href="../SPEC.md#%s"' % row["anchor"] in page
    assert 'href="../SPEC.md#threadpoolexecutorfork-from-worker"' in page
    assert not re.search(r"https?:", page)
    assert not re.search(r"<script|<link|<img|<iframe|src=|url\(|@import", page, re.I)
    assert "<style>" in page
    for micro in ("3.8.18", "3.9.18", "3.10.13"):
        assert micro in page
    assert '<span class="st fails" title="stdlib: FAILS">S FAILS</span>' in page
    assert '<span class="st old" title="stdlib: old">S old</span>' in page
    assert 'id="what-changed"' in page
    assert ('<a href="#Executor.map/buffersize"><code>Executor.map/buffersize</code></a>: '
            '<span class="st old">old</span> &rarr; <span class="st fails">FAILS</span>') in page
    for status in report.STATUSES:
        assert html.escape(report.DESCRIPTIONS[status]) in page
        assert '<dt><span class="st %s">%s</span></dt>' % (report.CSS_CLASSES[status], status) in page


def test_main_renders_saved_results_without_running(tmp_path, capsys):
    outputs = {kind: tmp_path / "out" / ("report." + kind) for kind in ("html", "json", "md")}
    status = report.main(["--from-results", str(RESULTS), "--spec", str(SPEC), "--color", "never",
                          "--html", str(outputs["html"]), "--json", str(outputs["json"]),
                          "--markdown", str(outputs["md"])])
    assert status == 1
    assert "S:ol R:ok" in capsys.readouterr().out
    saved = json.loads(outputs["json"].read_text(encoding="utf-8"))
    assert {row["id"]: row["cells"]["3.10"]["stdlib"] for row in saved["rows"]}["Future/repr"] == F
    links = [re.search(r'href="([^"#]+)#futurepending"', outputs["html"].read_text(encoding="utf-8")),
             re.search(r"\]\(([^)#]+)#futurepending\)", outputs["md"].read_text(encoding="utf-8"))]
    for link in links:  # relative to the page, pointing at the spec it was made from
        assert (outputs["html"].parent / link.group(1)).resolve() == SPEC.resolve()


def test_main_restricted_to_a_clean_version_exits_zero(tmp_path, capsys):
    status = report.main(["--from-results", str(RESULTS), "--spec", str(SPEC), "--versions", "3.8",
                          "--html", "", "--json", str(tmp_path / "report.json")])
    assert status == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["clause", "3.8"]
    assert [python["version"] for python in json.loads((tmp_path / "report.json").read_text())["pythons"]] == ["3.8"]


def test_versions_option():
    assert report.parse_versions("3.9, 3.12") == {(3, 9), (3, 12)}
    assert report.parse_versions(None) is None
    with pytest.raises(SystemExit):
        report.parse_versions("three")
