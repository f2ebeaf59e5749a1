"""The executor matrix: clauses x executors, from the profile's results
documents (spec_tests/executors/plugin.py --executor-results, one per
profile and Python, plus a "run" entry scripts/executors.py adds).

A column is one profile on one Python ("loky 3.11"); a row is a clause the
profile's tests name, in SPEC.md order. Cells use the version report's
statuses (scripts/report_parts/statuses.py): holds, old (the executor of
an older CPython, which SPEC.md expects there, strictly), FAILS, n/a, and
not run (the profile needs a newer Python, or its run went wrong before
any test). Standard library only: this file renders, it runs nothing.
"""

import html
import pathlib

from scripts.report_parts import spec as spec_part
from scripts.report_parts.matrix import cell_status
from scripts.report_parts.statuses import CODES, CSS_CLASSES, DESCRIPTIONS, FAILS, GLYPHS, HOLDS, NOT_RUN, STATUSES
from spec_tests.executors.profiles import PROFILES
from spec_tests.executors.scope import THREAD_POOL_ONLY

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Short column codes for the terminal, in the matrix's column order.
SHORT = {"stdlib-thread": "thr", "reference-thread": "ref", "process-fork": "fork",
         "process-spawn": "spwn", "process-forkserver": "fsrv", "interpreter": "intp",
         "loky": "loky", "loky-reusable": "lkyR", "dask-processes": "dskP", "dask-threads": "dskT",
         "mpi4py": "mpi"}


def column_key(column):
    return (list(PROFILES).index(column["profile"]) if column["profile"] in PROFILES else 99,
            tuple(int(part) for part in column["python"].split(".")))


def build(documents, spec_text):
    """{"columns": [...], "rows": [...], "left_out": {...}} from results
    documents (each with "profile" and "python" in its "run" entry)."""
    info = spec_part.clause_info(spec_text)
    columns, records = [], {}
    for document in documents:
        run = document.get("run", {})
        column = {"id": "%s@%s" % (run["profile"], run["python"]), "profile": run["profile"],
                  "python": run["python"], "full_python": document.get("python", run["python"]),
                  "libraries": document.get("libraries", {}), "seconds": document.get("seconds"),
                  "wall_seconds": run.get("wall_seconds"), "error": run.get("error"), "date": run.get("date"),
                  "not_run": run.get("not_run"), "leftover": run.get("leftover", [])}
        columns.append(column)
        for record in document.get("tests", []):
            for clause_id in record["clauses"]:
                records.setdefault(clause_id, {}).setdefault(column["id"], []).append(record)
    columns.sort(key=column_key)
    order = list(info)
    rows = []
    for clause_id in sorted(records, key=lambda c: order.index(c) if c in order else len(order)):
        cells, evidence = {}, {}
        for column in columns:
            ran = records[clause_id].get(column["id"])
            if column["not_run"] or (ran is None and column["error"]):
                cells[column["id"]] = NOT_RUN
                continue
            cells[column["id"]] = cell_status(clause_id, ran or [])
            evidence[column["id"]] = [
                {"test": r["nodeid"].split("::")[-1], "outcome": r["outcome"],
                 "message": r.get("message", "")} for r in ran or []]
        clause = info.get(clause_id, {})
        rows.append({"id": clause_id, "section": clause.get("section", "Not in SPEC.md"),
                     "anchor": clause.get("anchor", ""),
                     "kind": clause.get("kind", "?"), "text": clause.get("text", ""),
                     "docs": clause.get("docs", ""), "cells": cells, "evidence": evidence})
    return {"columns": columns, "rows": rows, "left_out": dict(THREAD_POOL_ONLY)}


def _span(dates):
    """When the runs were made: a day, or the first and the last (sorted)."""
    if not dates:
        return "an unknown date"
    return dates[0] if len(dates) == 1 else "%s to %s" % (dates[0], dates[-1])


def failing(matrix):
    """[(clause id, column id, messages)] for every cell that FAILS."""
    found = []
    for row in matrix["rows"]:
        for column_id, status in row["cells"].items():
            if status == FAILS:
                messages = [e["message"].splitlines()[0] for e in row["evidence"][column_id]
                            if e["outcome"] in ("failed", "error", "xpassed") and e["message"]]
                found.append((row["id"], column_id, messages))
    return found


# The clauses a thread pool cannot prove, by their id's start: asyncio takes
# only concurrent.futures.Future instances, which the reference's futures are
# not (SPEC.md, "asyncio"), so the stdlib thread pool alone proves those tests.
CANNOT_PROVE = {"reference-thread": ("asyncio.",)}


def must_hold(matrix, profiles=("stdlib-thread", "reference-thread")):
    """The (clause, column) cells of the thread pools that do not hold or
    hold-as-old: these prove the tests, so any is a failure of the run
    (but for the clauses of CANNOT_PROVE)."""
    bad = []
    for row in matrix["rows"]:
        for column in matrix["columns"]:
            if (column["profile"] in profiles and row["cells"][column["id"]] not in (HOLDS, "old", "n/a")
                    and not row["id"].startswith(CANNOT_PROVE.get(column["profile"], ()))):
                bad.append((row["id"], column["id"]))
    return bad


# What each column code stands for (the docs' legend).
NAMES = {"stdlib-thread": "the stdlib ThreadPoolExecutor", "reference-thread": "the reference's",
         "process-fork": "ProcessPoolExecutor, fork", "process-spawn": "ProcessPoolExecutor, spawn",
         "process-forkserver": "ProcessPoolExecutor, forkserver",
         "interpreter": "InterpreterPoolExecutor (3.14+)", "loky": "loky.ProcessPoolExecutor",
         "loky-reusable": "loky.get_reusable_executor", "dask-processes": "dask, worker processes",
         "dask-threads": "dask, worker threads", "mpi4py": "mpi4py's MPIPoolExecutor in an MPI job"}
CELL = "%-4s"  # a column: four characters and a space, so 22 columns fit a 1366 px window


def table_lines(matrix, width=44):
    """The matrix as text: a header of column codes and Pythons, then a
    line per clause (its status code in each column) under its section."""
    columns = matrix["columns"]
    codes = " ".join(CELL % SHORT.get(c["profile"], c["profile"][:4]) for c in columns)
    pythons = " ".join(CELL % c["python"] for c in columns)
    lines = [("%-*s %s" % (width, "clause", codes)).rstrip(), ("%-*s %s" % (width, "", pythons)).rstrip()]
    section = None
    for row in matrix["rows"]:
        if row["section"] != section:
            section = row["section"]
            lines.append(section)
        label = "  " + row["id"]
        if len(label) > width:
            label = label[:width - 1] + "~"
        cells = " ".join(CELL % CODES[row["cells"][c["id"]]] for c in columns)
        lines.append(("%-*s %s" % (width, label, cells)).rstrip())
    return lines


def render_text(matrix):
    """The terminal table, a legend, the runs and the differences in words."""
    columns = matrix["columns"]
    lines = table_lines(matrix)
    lines.append("")
    lines.append("cells: " + ", ".join("%s %s" % (CODES[s], s) for s in STATUSES))
    lines.append("")
    lines.append("runs:")
    for column in columns:
        lines.append("  %-4s %-23s %s" % (SHORT.get(column["profile"], "?"), column["id"], _run_words(column)))
    lines.append("")
    lines.append("thread-pool-only, left out of the profile: " + ", ".join(sorted(matrix["left_out"])))
    differences = failing(matrix)
    lines.append("")
    lines.append("cells that do not hold: %d" % len(differences))
    for clause_id, column_id, messages in differences:
        lines.append("  %s  %s: %s" % (column_id, clause_id, (messages or ["(see the evidence)"])[0][:150]))
    return "\n".join(lines) + "\n"


def _versions(columns):
    """'CPython 3.11.7 and 3.14.10; dask 2026.8.0, ...': what ran, once each."""
    pythons = sorted({c["full_python"] for c in columns if not c["not_run"]},
                     key=lambda v: tuple(int(p) for p in v.split(".")))
    libraries = {}
    for column in columns:
        for name, version in column["libraries"].items():
            libraries.setdefault(name, set()).add(version)
    return "CPython %s; %s" % (" and ".join(pythons), ", ".join(
        "%s %s" % (name, " and ".join(sorted(versions))) for name, versions in sorted(libraries.items())))


def render_markdown(matrix, machine, timing=None):
    """docs/executors.md: the matrix from one machine, dated, with the
    version of everything that ran; *machine* says which machine, *timing*
    ({"total": s, "installs": s}) how long the whole run took."""
    columns = matrix["columns"]
    dates = sorted({c["date"] for c in columns if c.get("date")})
    out = ["# The executor matrix", "",
           "Which SPEC.md clauses hold on which executor: the executor profile",
           "(`spec_tests/executors`) run on every executor it ships, on one machine.",
           "Why a cell does not hold is contract text: SPEC.md, \"Other executors\"",
           "(and \"asyncio\" for the reference's column). This page is written by",
           "`python3 scripts/executors.py --docs docs/executors.md`; add",
           "`--from-results report/executors` to render the last run again.", "",
           "Run of %s on %s. %s." % (_span(dates), machine, _versions(columns))]
    if timing:
        out[-1] += " The whole run took %.0f s, installs %.0f s of it." % (timing["total"], timing["installs"])
    out += ["", "Columns: " + "; ".join("`%s` %s" % (SHORT[p], NAMES[p]) for p in PROFILES) + ".", "",
            "```text"] + table_lines(matrix) + ["```", "",
            "Cells: " + ", ".join("`%s` %s" % (CODES[s], s) for s in STATUSES) + ".", "",
            "## Runs", "", "| column | run |", "| --- | --- |"]
    out += ["| `%s %s` | %s |" % (SHORT.get(c["profile"], "?"), c["python"], _run_words(c)) for c in columns]
    out += ["", "## Left out: thread-pool-only clauses", ""]
    out += ["- `%s`%s: %s" % (k, "*" if k.endswith("/") else "", v) for k, v in sorted(matrix["left_out"].items())]
    out += ["", "## Cells that do not hold", "",
            "What the failing test said, once per executor and clause (the Pythons where it failed).", ""]
    out += ["- %s, `%s` (%s): %s" % (profile, clause_id, ", ".join(pythons), message)
            for profile, clause_id, pythons, message in _differences_by_profile(matrix)]
    return "\n".join(out) + "\n"


def _differences_by_profile(matrix):
    """[(profile, clause id, [Pythons], first message)] of the failing cells,
    in column order."""
    merged = {}
    for clause_id, column_id, messages in failing(matrix):
        profile, python = column_id.split("@")
        entry = merged.setdefault((profile, clause_id), [[], (messages or ["(see the evidence)"])[0][:200]])
        entry[0].append(python)
    order = [c["profile"] for c in matrix["columns"]]
    return [(profile, clause_id, pythons, message) for (profile, clause_id), (pythons, message)
            in sorted(merged.items(), key=lambda item: order.index(item[0][0]))]


def _run_words(column):
    if column["not_run"]:
        return "not run: " + column["not_run"]
    words = "Python %s" % column["full_python"]
    if column["libraries"]:
        words += ", " + ", ".join("%s %s" % item for item in sorted(column["libraries"].items()))
    if column["seconds"] is not None:
        words += ", tests %.1f s" % column["seconds"]
    if column["wall_seconds"] is not None:
        words += ", run %.1f s" % column["wall_seconds"]
    if column["error"]:
        words += "; " + column["error"]
    if column["leftover"]:
        words += "; LEFT BEHIND: %s" % ", ".join(column["leftover"])
    return words


# Twenty columns fit a 1366 px window: a glyph per cell (its status in
# words is its tooltip and the legend's), short executor names in the
# header (the full name is its tooltip, and the page lists the runs).
_STYLE = """body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:1px 4px;text-align:center}
th.clause,td.clause{text-align:left;white-space:nowrap}thead th{position:sticky;top:0;background:#f4f4f4;font-size:12px}
tr.section td{background:#eef;text-align:left;font-weight:bold}
.holds{background:#dfd}.old{background:#eee}.fails{background:#fcc}.na{color:#888}.notrun{color:#aaa}
td details{display:inline}td summary{cursor:pointer;list-style:none}
.ev{position:absolute;max-width:40em;background:#fff;border:1px solid #999;padding:.5em;text-align:left;
white-space:pre-wrap;font:12px monospace;z-index:2}"""


def _cell(row, column):
    status = row["cells"][column["id"]]
    title = "%s on %s: %s" % (row["id"], column["id"], status)
    evidence = row["evidence"].get(column["id"])
    mark = GLYPHS[status]
    if evidence and status == FAILS:
        text = "\n\n".join("%s: %s\n%s" % (e["test"], e["outcome"], e["message"]) for e in evidence)
        mark = "<details><summary>%s</summary><div class=ev>%s</div></details>" % (mark, html.escape(text))
    return '<td class="%s" title="%s">%s</td>' % (CSS_CLASSES[status], html.escape(title), mark)


def render_html(matrix, spec_href="../SPEC.md"):
    """One self-contained page: no script, style or font from the network."""
    esc = html.escape
    columns = matrix["columns"]
    out = ["<!doctype html><html lang=en><meta charset=utf-8><title>Executor matrix</title>",
           "<style>%s</style><h1>Which promises hold on which executor</h1>" % _STYLE,
           "<p>A row per SPEC.md clause the executor profile checks, a column per executor "
           "and Python (%s). %s.</p>" % (", ".join("%s %s" % (esc(SHORT[p]), esc(p)) for p in PROFILES),
                                        "; ".join("%s %s: %s" % (GLYPHS[s], s, DESCRIPTIONS[s]) for s in STATUSES)),
           "<table><thead><tr><th class=clause>clause</th>"]
    out += ['<th title="%s">%s<br>%s</th>' % (esc(c["profile"]), esc(SHORT.get(c["profile"], c["profile"])),
                                               esc(c["python"])) for c in columns]
    out.append("</tr></thead><tbody>")
    section = None
    for row in matrix["rows"]:
        if row["section"] != section:
            section = row["section"]
            out.append("<tr class=section><td colspan=%d>%s</td></tr>" % (len(columns) + 1, esc(section)))
        out.append('<tr><td class=clause><a href="%s#%s" title="%s">%s</a></td>%s</tr>' % (
            esc(spec_href), esc(row["anchor"]), esc(row["text"]), esc(row["id"]),
            "".join(_cell(row, column) for column in columns)))
    out.append("</tbody></table><h2>Runs</h2><ul>")
    out += ["<li><b>%s</b>: %s</li>" % (esc(c["id"]), esc(_run_words(c))) for c in columns]
    out.append("</ul><h2>Left out: thread-pool-only clauses</h2><ul>")
    out += ["<li><code>%s</code>%s: %s</li>" % (esc(k), "*" if k.endswith("/") else "", esc(v))
            for k, v in sorted(matrix["left_out"].items())]
    out.append("</ul></html>")
    return "\n".join(out) + "\n"
