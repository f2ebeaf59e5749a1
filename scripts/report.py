#!/usr/bin/env python3
"""Cross-version conformance report: every SPEC.md clause on every CPython.

Runs the spec suite on each CPython 3.8+ this machine has, each in a virtual
environment of its own (.venv-report/<version>, made once with pytest and
pytest-timeout, then reused), two interpreters at a time, and shows one
matrix: a row per clause in SPEC.md order, a column per Python version, and
in each cell the outcome of the clause there for each implementation
(stdlib, reference, and any --impl), as one of:

  holds  every test of the clause that ran there passed;
  old    the stdlib of that Python predates the clause (it is older than the
         clause's `since`) and the clause's tests found the old behaviour
         SPEC.md describes: they were strict expected failures, or passed
         asserting the old behaviour (the clause is in the test's
         "predated" record);
  FAILS  a test of the clause failed or errored, or passed where the old
         behaviour was expected (xpassed), or is an expected failure that
         SPEC.md's version data does not explain;
  n/a    no test of the clause ran there (it has none, or all were skipped).

A test that names several clauses and is an expected failure because
another of them is predated says nothing about this one: it is left out.

"What changed" lists, for each version after the oldest, the clauses whose
stdlib cell differs from the previous version's: the version steps the runs
found, not ones typed in by hand.

    python3 scripts/report.py                    # run all, print the table, write
                                                 # report/report.html and report/report.json
    python3 scripts/report.py --versions 3.9,3.12 --markdown report/report.md
    python3 scripts/report.py --from-results report/results   # re-render, run nothing

Each run's results are kept in report/results/<version>.json (the suite's
--spec-results document plus a "run" entry) and its output in
report/results/<version>.log. The exit status is 1 when a cell FAILS or a
run went wrong (pytest did not exit 0, or left no results).
"""

import argparse
import concurrent.futures
import html
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts import pythons  # noqa: E402  (needs ROOT on sys.path)
from spec_tests import clauses as clause_data  # noqa: E402

HOLDS, OLD, FAILS, NA = "holds", "old", "FAILS", "n/a"
STATUSES = (HOLDS, OLD, FAILS, NA)
DESCRIPTIONS = {
    HOLDS: "every test of the clause passed",
    OLD: "the stdlib predates the clause and shows the old behaviour SPEC.md expects there",
    FAILS: "a test failed, errored, or passed where the old behaviour was expected",
    NA: "no test of the clause ran",
}
BAD_OUTCOMES = ("failed", "error", "xpassed")
DEFAULT_IMPLS = ("stdlib", "reference")
STALE_SECTION = "Not in SPEC.md (clauses only the results name)"

VENVS = ROOT / ".venv-report"
REPORT_DIR = ROOT / "report"
RUN_TIMEOUT = 1800  # seconds for one version's whole suite; per test, pytest-timeout rules


# -- discovery ---------------------------------------------------------------

def parse_versions(text):
    """'3.9,3.12' -> {(3, 9), (3, 12)}; None or '' -> None (no restriction)."""
    if not text:
        return None
    try:
        return {tuple(int(part) for part in item.strip().split(".")[:2])
                for item in text.split(",") if item.strip()}
    except ValueError:
        raise SystemExit("--versions wants minor versions like 3.9,3.12, not %r" % text)


def minor(version):
    """(3, 10, 13) or '3.10.13' -> '3.10'."""
    if isinstance(version, str):
        version = version.split(".")
    return "%s.%s" % tuple(version[:2])


def version_key(text):
    return tuple(int(part) for part in text.split("."))


def discover(extra=(), wanted=None):
    """[(version, path)] of the CPythons 3.8+ to run, oldest first."""
    found = pythons.find(list(extra))
    if wanted is not None:
        missing = wanted - {version[:2] for version, _ in found}
        for version in sorted(missing):
            progress("no CPython %d.%d found; skipping it" % version)
        found = [(version, path) for version, path in found if version[:2] in wanted]
    return found


# -- running -----------------------------------------------------------------

_print_lock = threading.Lock()


def progress(message):
    with _print_lock:
        print("report: " + message, file=sys.stderr, flush=True)


def venv_python(venv):
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _venv_ready(python, version):
    """True when *python* runs the right version and has pytest and pytest-timeout."""
    check = "import sys, pytest, pytest_timeout; print(*sys.version_info[:3])"
    try:
        output = subprocess.run([str(python), "-c", check], capture_output=True, text=True,
                                timeout=120, stdin=subprocess.DEVNULL).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return False
    return output == [str(part) for part in version]


def ensure_venv(version, interpreter, log):
    """Make (or reuse) .venv-report/<minor> for *interpreter*; return its python."""
    venv = VENVS / minor(version)
    python = venv_python(venv)
    if _venv_ready(python, version):
        return python
    progress("%s: making %s (pip install pytest pytest-timeout)" % (minor(version), venv.relative_to(ROOT)))
    steps = ([interpreter, "-m", "venv", "--clear", str(venv)],
             [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              "pytest", "pytest-timeout"])
    for step in steps:
        subprocess.run(step, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                       check=True, timeout=RUN_TIMEOUT)
    return python


def run_version(version, interpreter, impls, results_dir):
    """Run the spec suite on one Python; save and return its results document.

    The document is the suite's --spec-results JSON plus a "run" entry
    (interpreter, pytest exit status, seconds, log file, error if any).
    """
    name = minor(version)
    log_path = results_dir / (name + ".log")
    run = {"interpreter": interpreter, "pytest_exit": None, "seconds": None,
           "log": str(log_path)}
    document = {"python": "%d.%d.%d" % tuple(version[:3]), "implementations": list(impls), "tests": []}
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log, \
            tempfile.TemporaryDirectory(prefix="report-") as scratch:
        results = pathlib.Path(scratch) / "results.json"
        try:
            python = ensure_venv(version, interpreter, log)
            command = [str(python), "-m", "pytest", "spec_tests", "-p", "no:cacheprovider", "-q",
                       "--spec-results", str(results)]
            for impl in impls:
                command += ["--impl", impl]
            log.flush()
            completed = subprocess.run(command, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
            run["pytest_exit"] = completed.returncode
            if results.exists():
                document = json.loads(results.read_text(encoding="utf-8"))
            else:
                run["error"] = "pytest left no results (exit status %d)" % completed.returncode
        except subprocess.TimeoutExpired as timeout:
            run["error"] = "timed out after %d s: %s" % (timeout.timeout, " ".join(map(str, timeout.cmd)))
        except (OSError, subprocess.CalledProcessError) as exc:
            run["error"] = "could not run: %s" % exc
    run["seconds"] = round(time.monotonic() - started, 1)
    document["run"] = run
    (results_dir / (name + ".json")).write_text(json.dumps(document, indent=1), encoding="utf-8")
    return document


def run_all(found, impls, results_dir, jobs):
    """Run every Python, *jobs* at a time; return their documents, oldest first."""
    results_dir.mkdir(parents=True, exist_ok=True)
    finished = 0

    def one(version, interpreter):
        nonlocal finished
        label = "%d.%d.%d" % tuple(version[:3])
        progress("%s: started (%s)" % (label, interpreter))
        document = run_version(version, interpreter, impls, results_dir)
        with _print_lock:
            finished += 1
            count = finished
        progress("%s: finished in %d s: %s [%d/%d done]"
                 % (label, document["run"]["seconds"], describe_run(document), count, len(found)))
        return document

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        documents = list(pool.map(lambda item: one(*item), found))
    return documents


def describe_run(document):
    """'310 passed, 12 xfailed (pytest exit 0)', or the run's error."""
    counts = Counter(record["outcome"] for record in document["tests"])
    text = ", ".join("%d %s" % (counts[outcome], outcome) for outcome in sorted(counts)) or "no tests"
    run = document.get("run", {})
    if run.get("error"):
        return "%s; %s" % (text, run["error"])
    if run.get("pytest_exit") is not None:
        text += " (pytest exit %d)" % run["pytest_exit"]
    return text


def load_results(directory):
    """The results documents saved in *directory* (<version>.json), oldest first."""
    documents = [json.loads(path.read_text(encoding="utf-8"))
                 for path in sorted(pathlib.Path(directory).glob("*.json"))]
    if not documents:
        raise SystemExit("no results (*.json) in %s" % directory)
    return documents


# -- aggregating -------------------------------------------------------------

def github_anchor(title, seen):
    """The anchor GitHub gives a heading: text lowercased, punctuation but
    '-' and '_' dropped, spaces made '-', repeats numbered -1, -2, ..."""
    base = re.sub(r"[^\w\- ]", "", title.replace("`", "").strip().lower()).replace(" ", "-")
    anchor = base
    while anchor in seen:
        seen[base] += 1
        anchor = "%s-%d" % (base, seen[base])
    seen[anchor] = 0
    return anchor


def spec_layout(text):
    """{clause id: (section title, anchor)} from the headings of a SPEC.md text."""
    layout = {}
    seen = {}
    section = ""
    in_fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        heading = None if in_fence else re.match(r"^(#{1,6})\s+(.+?)\s*$", line)
        if not heading:
            continue
        level, title = len(heading.group(1)), heading.group(2)
        anchor = github_anchor(title, seen)
        if level == 2:
            section = title
        clause = re.match(r"^`([^`]+)`$", title)
        if level == 3 and clause:
            layout[clause.group(1)] = (section, anchor)
    return layout


def cell_status(clause_id, records):
    """The status of one clause for one implementation on one Python, given
    the records of the tests that name it there."""
    predated = []
    for record in records:
        outcome = record["outcome"]
        is_predated = clause_id in record.get("predated", ())
        if outcome == "skipped" or (outcome == "xfailed" and not is_predated and record.get("predated")):
            continue  # nothing ran, or an expected failure owed to another clause
        if outcome in BAD_OUTCOMES or (outcome == "xfailed" and not is_predated):
            return FAILS
        predated.append(is_predated)
    if not predated:
        return NA
    return OLD if all(predated) else HOLDS


def describe_python(document):
    run = document.get("run", {})
    return {
        "version": minor(document["python"]),
        "python": document["python"],
        "interpreter": run.get("interpreter"),
        "pytest_exit": run.get("pytest_exit"),
        "seconds": run.get("seconds"),
        "error": run.get("error"),
        "outcomes": dict(Counter(record["outcome"] for record in document["tests"])),
        "summary": describe_run(document),
        # tests outside the matrix (tooling, meta-tests) that went wrong
        "other_failures": sorted(record["nodeid"] for record in document["tests"]
                                 if not record.get("clauses") and record["outcome"] in BAD_OUTCOMES),
    }


def aggregate(spec_text, documents):
    """The matrix, a JSON-ready dict: pythons, implementations, rows (one
    per clause: id, section, anchor, kind, since, text, cells[version][impl]),
    changes (see what_changed) and the count of FAILS cells."""
    spec = clause_data.parse(spec_text)
    layout = spec_layout(spec_text)
    by_version = {}
    for document in documents:
        by_version[minor(document["python"])] = document  # a later file for a version wins
    versions = sorted(by_version, key=version_key)
    impls = []
    for version in versions:
        impls += [impl for impl in by_version[version]["implementations"] if impl not in impls]

    records = {}  # (clause, impl, version) -> records of the tests naming it
    stale = []
    for version in versions:
        for record in by_version[version]["tests"]:
            for clause_id in record.get("clauses", ()):
                records.setdefault((clause_id, record["impl"], version), []).append(record)
                if clause_id not in spec and clause_id not in stale:
                    stale.append(clause_id)

    rows = []
    for clause_id in list(spec) + stale:
        clause = spec.get(clause_id)
        section, anchor = layout.get(clause_id, (STALE_SECTION, None))
        rows.append({
            "id": clause_id, "section": section, "anchor": anchor,
            "kind": clause.kind if clause else None,
            "since": "%d.%d" % clause.since if clause else None,
            "text": clause.text if clause else "",
            "cells": {version: {impl: cell_status(clause_id, records.get((clause_id, impl, version), []))
                                for impl in impls}
                      for version in versions},
        })
    matrix = {
        "pythons": [describe_python(by_version[version]) for version in versions],
        "implementations": impls,
        "oldest_since": "%d.%d" % clause_data.OLDEST,
        "legend": DESCRIPTIONS,
        "rows": rows,
    }
    matrix["changes"] = what_changed(matrix)
    matrix["fails"] = sum(1 for row in rows for cell in row["cells"].values()
                          for status in cell.values() if status == FAILS)
    return matrix


def what_changed(matrix, impl="stdlib"):
    """[{version, previous, clauses: [{id, from, to}]}] for each version after
    the oldest: the clauses whose *impl* cell differs from the previous one's."""
    if impl not in matrix["implementations"]:
        return []
    versions = [python["version"] for python in matrix["pythons"]]
    changes = []
    for previous, version in zip(versions, versions[1:]):
        steps = [{"id": row["id"], "from": row["cells"][previous][impl], "to": row["cells"][version][impl]}
                 for row in matrix["rows"]
                 if row["cells"][previous][impl] != row["cells"][version][impl]]
        changes.append({"version": version, "previous": previous, "clauses": steps})
    return changes


def run_problems(matrix):
    """Lines about runs that went wrong beyond what the cells show: a run that
    could not finish, tests outside the matrix that failed, and a pytest exit
    status that neither explains."""
    problems = []
    for python in matrix["pythons"]:
        failing_cells = any(status == FAILS for row in matrix["rows"]
                            for status in row["cells"][python["version"]].values())
        explained = python["pytest_exit"] == 1 and (failing_cells or python["other_failures"])
        if python["error"]:
            problems.append("%s: %s" % (python["python"], python["error"]))
        elif python["pytest_exit"] not in (None, 0) and not explained:
            problems.append("%s: pytest exited with status %d" % (python["python"], python["pytest_exit"]))
        for nodeid in python["other_failures"]:
            problems.append("%s: %s failed (outside the matrix)" % (python["python"], nodeid))
    return problems


def exit_status(matrix):
    return 1 if matrix["fails"] or run_problems(matrix) else 0


# -- rendering ---------------------------------------------------------------

CODES = {HOLDS: "ok", OLD: "ol", FAILS: "XX", NA: "--"}
ANSI = {HOLDS: "32", OLD: "36", FAILS: "1;31", NA: "2"}
CSS_CLASSES = {HOLDS: "holds", OLD: "old", FAILS: "fails", NA: "na"}


def impl_letters(impls):
    """{impl: short label}: S for stdlib, R for reference, else an initial
    (numbered when two share one)."""
    letters = {}
    for impl in impls:
        letter = {"stdlib": "S", "reference": "R"}.get(impl, impl.rsplit(".", 1)[-1][:1].upper())
        candidate, number = letter, 1
        while candidate in letters.values():
            number += 1
            candidate = "%s%d" % (letter, number)
        letters[impl] = candidate
    return letters


def _groups(rows):
    """Yield (api, rows) runs of consecutive rows sharing the id part before
    the last '/' ('' for an id without one)."""
    group, members = None, []
    for row in rows:
        api = row["id"].rsplit("/", 1)[0] if "/" in row["id"] else ""
        if members and api != group:
            yield group, members
            members = []
        group = api
        members.append(row)
    if members:
        yield group, members


def _clip(text, width):
    return text if len(text) <= width else text[:max(width - 3, 1)] + "..."


def _text_labels(rows):
    """[(label, row)] for the terminal table: an ('API', None) line for each run
    of clauses sharing an API part, then ('  /slug', row) for each of them."""
    labels = []
    for api, members in _groups(rows):
        if api:
            labels.append((api, None))
        labels += [("  /" + row["id"].rsplit("/", 1)[1] if api else row["id"], row) for row in members]
    return labels


def render_text(matrix, colour=False, width=120):
    """The matrix as a terminal table: clause ids grouped by their API part,
    a cell like 'S:ok R:ol' per version, clause labels clipped so that rows
    fit *width* columns; then the legend, what changed and the runs."""
    impls = matrix["implementations"]
    letters = impl_letters(impls)
    versions = [python["version"] for python in matrix["pythons"]]
    cell_width = sum(len(letters[impl]) + len(":ok") for impl in impls) + len(impls) - 1  # codes are 2 wide
    labels = _text_labels(matrix["rows"])
    label_width = min(max([len("clause")] + [len(label) for label, _ in labels]),
                      max(20, width - len(versions) * (cell_width + 2)))

    def paint(status):
        code = CODES[status]
        return "\x1b[%sm%s\x1b[0m" % (ANSI[status], code) if colour else code

    def cell(statuses):
        return " ".join("%s:%s" % (letters[impl], paint(statuses[impl])) for impl in impls)

    header = ["clause".ljust(label_width)] + [version.ljust(cell_width) for version in versions]
    lines = ["  ".join(header).rstrip()]
    for label, row in labels:
        if row is None:  # an API line: nothing beside it, so never clipped
            lines.append(label)
        else:
            cells = [cell(row["cells"][version]) for version in versions]
            lines.append("  ".join([_clip(label, label_width).ljust(label_width)] + cells))
    lines.append("")
    lines.append("  ".join("%s %s" % (paint(status), status) for status in STATUSES)
                 + "   " + ", ".join("%s %s" % (letter, impl) for impl, letter in letters.items()))
    lines += _text_changes(matrix)
    lines += _text_runs(matrix)
    return "\n".join(lines) + "\n"


def _text_changes(matrix):
    if not matrix["changes"]:
        return []
    lines = ["", "What changed (stdlib cells, from the previous version):"]
    for change in matrix["changes"]:
        if not change["clauses"]:
            lines.append("  %s: nothing" % change["version"])
        for step in change["clauses"]:
            lines.append("  %s: %s  %s -> %s" % (change["version"], step["id"], step["from"], step["to"]))
    return lines


def _text_runs(matrix):
    lines = ["", "Pythons:"]
    lines += ["  %s  %s" % (python["python"].ljust(8), python["summary"]) for python in matrix["pythons"]]
    failing = ["  %s on %s (%s)" % (row["id"], version, impl)
               for row in matrix["rows"] for version, cell in row["cells"].items()
               for impl, status in cell.items() if status == FAILS]
    if failing:
        lines += ["", "FAILS (%d):" % len(failing)] + failing
    problems = run_problems(matrix)
    if problems:
        lines += ["", "Run problems:"] + ["  " + problem for problem in problems]
    return lines


def _spec_link(spec_href, row):
    return "%s#%s" % (spec_href, row["anchor"]) if row["anchor"] else None


def _sections(rows):
    """Yield (section, rows) runs of consecutive rows of one SPEC.md section."""
    section, members = None, []
    for row in rows:
        if members and row["section"] != section:
            yield section, members
            members = []
        section = row["section"]
        members.append(row)
    if members:
        yield section, members


def _since(matrix, row):
    """The clause's since when it is newer than the oldest supported Python."""
    if row["since"] and version_key(row["since"]) > version_key(matrix["oldest_since"]):
        return row["since"]
    return ""


def render_markdown(matrix, spec_href="SPEC.md"):
    """The matrix as Markdown: a table per SPEC.md section, the legend, what
    changed and the Pythons; clause ids link to SPEC.md (*spec_href*)."""
    letters = impl_letters(matrix["implementations"])
    versions = [python["version"] for python in matrix["pythons"]]
    out = ["# Conformance across CPython versions", ""]
    out.append("Each cell: %s. "
               % ", ".join("`%s` %s" % (letter, impl) for impl, letter in letters.items())
               + "; ".join("`%s` %s: %s" % (CODES[status], status, DESCRIPTIONS[status]) for status in STATUSES)
               + ".")
    out.append("")
    for section, rows in _sections(matrix["rows"]):
        out += ["## %s" % section, "", "| clause | since | %s |" % " | ".join(versions),
                "|---|---|" + "---|" * len(versions)]
        for row in rows:
            link = _spec_link(spec_href, row)
            name = "[`%s`](%s)" % (row["id"], link) if link else "`%s`" % row["id"]
            cells = [" ".join("%s:%s" % (letters[impl], CODES[row["cells"][version][impl]])
                              for impl in matrix["implementations"]) for version in versions]
            out.append("| %s | %s | %s |" % (name, _since(matrix, row), " | ".join(cells)))
        out.append("")
    out += ["## What changed", ""]
    for change in matrix["changes"]:
        steps = ", ".join("`%s` %s → %s" % (step["id"], step["from"], step["to"]) for step in change["clauses"])
        out.append("- **%s** (from %s): %s" % (change["version"], change["previous"], steps or "nothing"))
    out += ["", "## Pythons", "", "| version | python | tests |", "|---|---|---|"]
    out += ["| %s | %s | %s |" % (python["version"], python["python"], python["summary"])
            for python in matrix["pythons"]]
    problems = run_problems(matrix)
    if problems:
        out += ["", "## Run problems", ""] + ["- %s" % problem for problem in problems]
    return "\n".join(out) + "\n"


HTML_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem 2rem; color: #1f2328; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #d0d7de; padding: .15rem .4rem; }
thead th { position: sticky; top: 0; background: #f6f8fa; z-index: 1; }
thead small { font-weight: normal; color: #59636e; }
tr.section th { text-align: left; background: #eef1f4; font-size: .95rem; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
td.since { color: #59636e; text-align: center; }
td.cell { white-space: nowrap; }
.st { display: inline-block; min-width: 3.3em; border-radius: 3px; padding: 0 .25em; margin: 1px;
      font-size: .78rem; }
td.clause code { font-size: .8rem; }
.holds { background: #dafbe1; color: #116329; }
.old { background: #ddf4ff; color: #0550ae; }
.fails { background: #ffebe9; color: #a40e26; font-weight: bold; }
.na { background: #f6f8fa; color: #8c959f; }
.summary.good { color: #116329; } .summary.bad { color: #a40e26; font-weight: bold; }
dl.legend dt { float: left; clear: left; width: 5em; } dl.legend dd { margin-left: 6em; }
"""


def _html_cell(letters, impls, statuses):
    spans = ['<span class="st %s" title="%s: %s">%s %s</span>'
             % (CSS_CLASSES[statuses[impl]], html.escape(impl), statuses[impl], letters[impl], statuses[impl])
             for impl in impls]
    return '<td class="cell">%s</td>' % "".join(spans)


def _html_clause(spec_href, row):
    name = "<code>%s</code>" % html.escape(row["id"])
    link = _spec_link(spec_href, row)
    title = html.escape("%s (%s)" % (row["text"], row["kind"]) if row["kind"] else row["text"], quote=True)
    if link:
        name = '<a href="%s" title="%s">%s</a>' % (html.escape(link, quote=True), title, name)
    return '<td class="clause" id="%s">%s</td>' % (html.escape(row["id"], quote=True), name)


def render_html(matrix, spec_href="SPEC.md"):
    """The matrix as one self-contained HTML page (inline CSS, no scripts,
    nothing fetched); clause ids link to SPEC.md (*spec_href*)."""
    letters = impl_letters(matrix["implementations"])
    impls = matrix["implementations"]
    versions = [python["version"] for python in matrix["pythons"]]
    esc = html.escape
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
           '<title>futures-spec: conformance across CPython versions</title>',
           '<style>%s</style>' % HTML_STYLE, '</head>', '<body>',
           '<h1>futures-spec: conformance across CPython versions</h1>']
    problems = run_problems(matrix)
    if matrix["fails"] or problems:
        out.append('<p class="summary bad">%d FAILS cell(s); %d run problem(s).</p>'
                   % (matrix["fails"], len(problems)))
    else:
        out.append('<p class="summary good">Every cell holds, shows the expected old behaviour, or is n/a.</p>')
    out.append('<p>%d clauses &times; %d Pythons. Each cell: %s.</p>'
               % (len(matrix["rows"]), len(versions),
                  ", ".join("<b>%s</b> %s" % (esc(letter), esc(impl)) for impl, letter in letters.items())))
    out.append('<dl class="legend">')
    for status in STATUSES:
        out.append('<dt><span class="st %s">%s</span></dt><dd>%s</dd>'
                   % (CSS_CLASSES[status], status, esc(DESCRIPTIONS[status])))
    out.append('</dl>')

    out += ['<table class="matrix">', '<thead><tr><th>clause</th><th>since</th>']
    out += ['<th>%s<br><small>%s</small></th>' % (esc(python["version"]), esc(python["python"]))
            for python in matrix["pythons"]]
    out += ['</tr></thead>', '<tbody>']
    for section, rows in _sections(matrix["rows"]):
        out.append('<tr class="section"><th colspan="%d">%s</th></tr>'
                   % (len(versions) + 2, esc(section.replace("`", ""))))
        for row in rows:
            out.append('<tr>%s<td class="since">%s</td>%s</tr>' % (
                _html_clause(spec_href, row), esc(_since(matrix, row)),
                "".join(_html_cell(letters, impls, row["cells"][version]) for version in versions)))
    out += ['</tbody>', '</table>']

    out.append('<h2 id="what-changed">What changed (stdlib, from the previous version)</h2>')
    for change in matrix["changes"]:
        out.append('<h3>%s <small>(from %s)</small></h3>' % (esc(change["version"]), esc(change["previous"])))
        if not change["clauses"]:
            out.append('<p>Nothing.</p>')
            continue
        out.append('<ul>')
        out += ['<li><a href="#%s"><code>%s</code></a>: <span class="st %s">%s</span> &rarr; '
                '<span class="st %s">%s</span></li>'
                % (esc(step["id"], quote=True), esc(step["id"]), CSS_CLASSES[step["from"]], step["from"],
                   CSS_CLASSES[step["to"]], step["to"])
                for step in change["clauses"]]
        out.append('</ul>')

    out += ['<h2 id="pythons">Pythons</h2>', '<table>',
            '<thead><tr><th>version</th><th>python</th><th>interpreter</th><th>tests</th></tr></thead>',
            '<tbody>']
    out += ['<tr><td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>'
            % (esc(python["version"]), esc(python["python"]), esc(python["interpreter"] or ""),
               esc(python["summary"]))
            for python in matrix["pythons"]]
    out += ['</tbody>', '</table>']
    if problems:
        out += ['<h2 id="problems">Run problems</h2>', '<ul>']
        out += ['<li>%s</li>' % esc(problem) for problem in problems]
        out.append('</ul>')
    out += ['</body>', '</html>']
    return "\n".join(out) + "\n"


def render_json(matrix):
    return json.dumps(matrix, indent=1) + "\n"


# -- command line ------------------------------------------------------------

def _write(path, text):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    progress("wrote %s" % path)


def _href_to(target, page):
    """A relative link from the page at *page* to the file *target*."""
    return pathlib.Path(os.path.relpath(str(pathlib.Path(target).resolve()),
                                        str(pathlib.Path(page).resolve().parent))).as_posix()


def _use_colour(choice):
    if choice == "auto":
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return choice == "always"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Cells: holds (tests passed), old (the old behaviour expected before the clause's since), "
               "FAILS, n/a (no test ran). See the module docstring.")
    parser.add_argument("--python", action="append", default=[], metavar="PATH",
                        help="an interpreter to use (preferred for its version; repeatable)")
    parser.add_argument("--versions", metavar="LIST", help="only these minor versions, e.g. 3.9,3.12")
    parser.add_argument("--impl", action="append", default=None, metavar="NAME",
                        help="implementation to test, passed to the suite (repeatable; "
                             "default: stdlib and reference)")
    parser.add_argument("--jobs", type=int, default=2, help="interpreters run at a time (default 2)")
    parser.add_argument("--from-results", metavar="DIR",
                        help="render saved <version>.json results from DIR; run nothing")
    parser.add_argument("--results-dir", default=str(REPORT_DIR / "results"), metavar="DIR",
                        help="where runs save their results and logs (default report/results)")
    parser.add_argument("--spec", default=str(clause_data.SPEC_PATH), metavar="PATH",
                        help="the SPEC.md giving the clauses (default: the project's)")
    parser.add_argument("--markdown", metavar="PATH", help="also write the report as Markdown")
    parser.add_argument("--html", default=str(REPORT_DIR / "report.html"), metavar="PATH",
                        help="write the HTML page here (default report/report.html; '' for none)")
    parser.add_argument("--json", default=str(REPORT_DIR / "report.json"), metavar="PATH",
                        help="write the matrix as JSON here (default report/report.json; '' for none)")
    parser.add_argument("--color", "--colour", choices=("auto", "always", "never"), default="auto",
                        help="colour the terminal table (default: when stdout is a terminal)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    wanted = parse_versions(args.versions)
    if args.from_results:
        documents = [document for document in load_results(args.from_results)
                     if wanted is None or version_key(minor(document["python"])) in wanted]
    else:
        found = discover(args.python, wanted)
        if not found:
            progress("no CPython 3.8+ to run")
            return 2
        started = time.monotonic()
        documents = run_all(found, args.impl or list(DEFAULT_IMPLS), pathlib.Path(args.results_dir), args.jobs)
        progress("all %d Pythons ran in %d s" % (len(found), time.monotonic() - started))
    if not documents:
        progress("no results to render")
        return 2

    matrix = aggregate(pathlib.Path(args.spec).read_text(encoding="utf-8"), documents)
    width = shutil.get_terminal_size((120, 24)).columns
    sys.stdout.write(render_text(matrix, colour=_use_colour(args.color), width=width))
    if args.markdown:
        _write(args.markdown, render_markdown(matrix, _href_to(args.spec, args.markdown)))
    if args.html:
        _write(args.html, render_html(matrix, _href_to(args.spec, args.html)))
    if args.json:
        _write(args.json, render_json(matrix))
    return exit_status(matrix)


if __name__ == "__main__":
    sys.exit(main())
