"""The Markdown rendering: a table per SPEC.md section (every clause), the
legend, what changed in words, and the interpreters."""

from scripts.report_parts import changes as changes_part
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


def _clause_table(matrix, spec_href, rows):
    letters = impl_letters(matrix["implementations"])
    names = [python["name"] for python in matrix["pythons"]]
    out = ["| clause | since | %s |" % " | ".join(names), "|---|---|" + "---|" * len(names)]
    for row in rows:
        link = spec_link(spec_href, row)
        name = "[`%s`](%s)" % (row["id"], link) if link else "`%s`" % row["id"]
        cells = [" ".join("%s:%s" % (letters[impl], CODES[row["cells"][python][impl]])
                          for impl in matrix["implementations"]) for python in names]
        out.append("| %s | %s | %s |" % (name, row["since"] or "", " | ".join(cells)))
    return out


def _changes(matrix):
    by_id = words.row_by_id(matrix)
    out = ["## What changed", ""]
    for change in matrix["changes"]:
        title = "%s vs %s" % (change["name"], change["previous"]) if change["kind"] == "pypy" \
            else "%s (from %s)" % (change["name"], change["previous"])
        if not change["clauses"]:
            out.append("- **%s**: nothing" % title)
        for step in change["clauses"]:
            row = by_id[step["id"]]
            links = ", ".join("[%s](%s)" % link for link in words.links(row))
            out.append("- **%s**: `%s` %s → %s: %s%s" % (
                title, step["id"], step["from"], step["to"],
                words.change_line(row, change["previous"], step["from"], change["name"], step["to"]),
                " (%s)" % links if links else ""))
    return out + [""]


def render_markdown(matrix, spec_href="SPEC.md"):
    """The matrix as Markdown; clause ids link to SPEC.md (*spec_href*)."""
    letters = impl_letters(matrix["implementations"])
    out = ["# Conformance across Python interpreters", ""]
    out.append("Each cell: %s. " % ", ".join("`%s` %s" % (letter, impl) for impl, letter in letters.items())
               + "; ".join("`%s` %s: %s" % (CODES[status], status, matrix["legend"][status])
                           for status in STATUSES) + ".")
    out.append("")
    out += _changes(matrix)
    for section, rows in sections(matrix["rows"]):
        out += ["## %s" % section, ""] + _clause_table(matrix, spec_href, rows) + [""]
    out += ["## Interpreters", "", "| name | python | tests |", "|---|---|---|"]
    out += ["| %s | %s | %s |" % (python["name"], python["label"], python["summary"])
            for python in matrix["pythons"]]
    problems = changes_part.run_problems(matrix)
    if problems:
        out += ["", "## Run problems", ""] + ["- %s" % problem for problem in problems]
    return "\n".join(out) + "\n"
