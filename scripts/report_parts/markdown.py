"""The Markdown rendering: a page fit to commit (docs/report.md). It opens
with the date, the interpreters and the legend, then what changed in
words, what CPython main is known to change next, the clauses that differ
somewhere (every clause on request), and the interpreters with their
patch levels. It names no path of this machine, so two runs of the same
interpreters on one day write the same page."""

from scripts.report_parts import changes as changes_part
from scripts.report_parts import spec as spec_part
from scripts.report_parts import words
from scripts.report_parts.statuses import CODES, STATUSES, impl_letters


def sections(rows):
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


def spec_link(spec_href, row):
    return "%s#%s" % (spec_href, row["anchor"]) if row["anchor"] else None


def _clause_name(spec_href, row):
    link = spec_link(spec_href, row)
    return "[`%s`](%s)" % (row["id"], link) if link else "`%s`" % row["id"]


def _with_issue_links(text):
    return spec_part.link_issues(text, lambda issue, url: "[%s](%s)" % (issue, url) if url else issue)


def _clause_table(matrix, spec_href, rows):
    letters = impl_letters(matrix["implementations"])
    names = [python["name"] for python in matrix["pythons"]]
    out = ["| clause | since | %s |" % " | ".join(names), "|---|---|" + "---|" * len(names)]
    for row in rows:
        cells = [" ".join("%s:%s" % (letters[impl], CODES[row["cells"][python][impl]])
                          for impl in matrix["implementations"]) for python in names]
        out.append("| %s | %s | %s |" % (_clause_name(spec_href, row), row["since"] or "", " | ".join(cells)))
    return out


def _tables(matrix, spec_href, rows, level):
    """A table per SPEC.md section of *rows*, under headings of *level*."""
    out = []
    for section, members in sections(rows):
        out += ["%s %s" % ("#" * level, section), ""] + _clause_table(matrix, spec_href, members) + [""]
    return out


def _intro(matrix):
    """'Runs of 2026-12-06 (the newest), 2 in all: 3.9.18, PyPy 3.9.16. 8 clauses: ...'."""
    pythons = matrix["pythons"]
    when = " of %s (the newest)" % matrix["date"] if matrix["date"] else ""
    return ["Runs%s, %d in all: %s. %d clauses: %d hold everywhere, %d differ somewhere." % (
        when, len(pythons), ", ".join(python["label"] for python in pythons), len(matrix["rows"]),
        matrix["holds_everywhere"], matrix["differing"]), ""]


def _legend(matrix):
    letters = impl_letters(matrix["implementations"])
    return ["Each cell: %s. " % ", ".join("`%s` %s" % (letter, impl) for impl, letter in letters.items())
            + "; ".join("`%s` %s: %s" % (CODES[status], status, matrix["legend"][status]) for status in STATUSES)
            + ".", ""]


def _changes(matrix, spec_href):
    by_id = words.row_by_id(matrix)
    out = ["## What changed", "",
           "The standard library's cells: each CPython against the one before it, each PyPy against the "
           "CPython of its minor version, each source tree against its interpreter.", ""]
    for change in matrix["changes"]:
        title = changes_part.step_title(change, "\u2192")
        if not change["clauses"]:
            out.append("- **%s**: nothing" % title)
        for step in change["clauses"]:
            row = by_id[step["id"]]
            links = ", ".join("[%s](%s)" % link for link in words.links(row))
            out.append("- **%s**: %s %s → %s: %s%s" % (
                title, _clause_name(spec_href, row), step["from"], step["to"],
                words.change_line(row, change["previous"], step["from"], change["name"], step["to"]),
                " (%s)" % links if links else ""))
    return out + [""]


def _upcoming(matrix, spec_href):
    rows = [row for row in matrix["rows"] if row.get("upcoming")]
    if not rows:
        return []
    return (["## Upcoming in CPython main", "",
             "What the next CPython is known to change; no run here has shown it yet.", ""]
            + ["- %s: %s" % (_clause_name(spec_href, row), _with_issue_links(row["upcoming"])) for row in rows]
            + [""])


def _differing(matrix, spec_href):
    rows = [row for row in matrix["rows"] if row["differs"]]
    out = ["## Clauses that differ somewhere (%d of %d)" % (len(rows), len(matrix["rows"])), ""]
    if not rows:
        return out + ["Every clause reads the same on every interpreter.", ""]
    return out + _tables(matrix, spec_href, rows, 3)


def _interpreters(matrix):
    out = ["## Interpreters", "", "| column | implementation | version | stdlib | tests |", "|---|---|---|---|---|"]
    for python in matrix["pythons"]:
        tree = python.get("stdlib_from")
        out.append("| %s | %s | %s | %s | %s |" % (
            python["name"], python["implementation"], python["python"],
            "from source tree `%s`" % tree["name"] if tree else "its own", python["summary"]))
    problems = changes_part.run_problems(matrix)
    if problems:
        out += ["", "## Run problems", ""] + ["- %s" % problem for problem in problems]
    return out


def render_markdown(matrix, spec_href="SPEC.md", all_rows=False):
    """The matrix as a Markdown page; clause ids link to SPEC.md
    (*spec_href*). With *all_rows*, every clause's table follows the
    differing ones."""
    out = ["# Conformance across Python interpreters", ""] + _intro(matrix) + _legend(matrix)
    out += _changes(matrix, spec_href) + _upcoming(matrix, spec_href) + _differing(matrix, spec_href)
    if all_rows:
        out += ["## Every clause", ""] + _tables(matrix, spec_href, matrix["rows"], 3)
    out += _interpreters(matrix)
    return "\n".join(out) + "\n"
