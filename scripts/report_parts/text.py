"""The terminal renderings: the matrix (by default only the rows that
differ somewhere) with what changed in words, and --diff A B."""

from scripts.report_parts import changes as changes_part
from scripts.report_parts import words
from scripts.report_parts.statuses import CODES, FAILS, STATUSES, impl_letters

ANSI = {"holds": "32", "old": "36", "FAILS": "1;31", "n/a": "2", "not run": "2;35"}


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


def _labels(rows):
    """[(label, row)]: an ('API', None) line for each run of clauses sharing
    an API part, then ('  /slug', row) for each of them."""
    labels = []
    for api, members in _groups(rows):
        if api:
            labels.append((api, None))
        labels += [("  /" + row["id"].rsplit("/", 1)[1] if api else row["id"], row) for row in members]
    return labels


def _painter(colour):
    def paint(status):
        code = CODES[status]
        return "\x1b[%sm%s\x1b[0m" % (ANSI[status], code) if colour else code
    return paint


def render_text(matrix, colour=False, width=120, all_rows=False):
    """The matrix as a terminal table: clause ids grouped by their API part,
    a cell like 'S:ok R:ol' per interpreter, labels clipped so that rows fit
    *width*; only the rows that differ somewhere unless *all_rows*; then the
    legend, what changed and the runs."""
    impls = matrix["implementations"]
    letters = impl_letters(impls)
    names = [python["name"] for python in matrix["pythons"]]
    cell_width = max(sum(len(letters[impl]) + 3 for impl in impls) + len(impls) - 1,
                     max(len(name) for name in names))
    rows = [row for row in matrix["rows"] if all_rows or row["differs"]]
    labels = _labels(rows)
    label_width = min(max([len("clause")] + [len(label) for label, _ in labels]),
                      max(20, width - len(names) * (cell_width + 2)))
    paint = _painter(colour)
    lines = ["  ".join(["clause".ljust(label_width)] + [name.ljust(cell_width) for name in names]).rstrip()]
    for label, row in labels:
        if row is None:  # an API line: nothing beside it, so never clipped
            lines.append(label)
            continue
        cells = [" ".join("%s:%s" % (letters[impl], paint(row["cells"][name][impl])) for impl in impls)
                 + " " * (cell_width - sum(len(letters[impl]) + 3 for impl in impls) - len(impls) + 1)
                 for name in names]
        lines.append("  ".join([_clip(label, label_width).ljust(label_width)] + cells).rstrip())
    if not all_rows:
        lines.append("(%d of %d clauses shown: those that differ somewhere; %d read the same everywhere, "
                     "--all shows them)" % (len(rows), len(matrix["rows"]), len(matrix["rows"]) - len(rows)))
    lines.append("")
    lines.append("  ".join("%s %s" % (paint(status), status) for status in STATUSES)
                 + "   " + ", ".join("%s %s" % (letter, impl) for impl, letter in letters.items()))
    lines += _changes(matrix) + _runs(matrix)
    return "\n".join(lines) + "\n"


def _changes(matrix):
    if not matrix["changes"]:
        return []
    by_id = words.row_by_id(matrix)
    lines = ["", "What changed (stdlib cells, each CPython from the one before; each PyPy against its CPython; "
                 "each source tree against its interpreter):"]
    for change in matrix["changes"]:
        title = changes_part.step_title(change)
        if not change["clauses"]:
            lines.append("  %s: nothing" % title)
        for step in change["clauses"]:
            lines.append("  %s: %s  %s -> %s" % (title, step["id"], step["from"], step["to"]))
            lines.append("      " + words.change_line(by_id[step["id"]], change["previous"], step["from"],
                                                      change["name"], step["to"]))
    return lines


def _runs(matrix):
    lines = ["", "Interpreters:"]
    width = max([8] + [len(python["name"]) for python in matrix["pythons"]])
    lines += ["  %s  %s  %s" % (python["name"].ljust(width), python["python"].ljust(8), python["summary"])
              for python in matrix["pythons"]]
    failing = ["  %s on %s (%s)" % (row["id"], name, impl)
               for row in matrix["rows"] for name, cell in row["cells"].items()
               for impl, status in cell.items() if status == FAILS]
    if failing:
        lines += ["", "FAILS (%d):" % len(failing)] + failing
    problems = changes_part.run_problems(matrix)
    if problems:
        lines += ["", "Run problems:"] + ["  " + problem for problem in problems]
    return lines


def render_diff(matrix, first, second):
    """The clauses whose cells differ between interpreters *first* and
    *second*, each with both sides in words, what CPython main is known
    to change next, and its links."""
    found = changes_part.differences(matrix, first, second)
    lines = ["%d clause(s) differ between %s and %s:" % (len(found), first, second)]
    for row, impls in found:
        for impl in impls:
            a, b = row["cells"][first][impl], row["cells"][second][impl]
            lines += ["", "%s [%s]  %s -> %s" % (row["id"], impl, a, b),
                      "  " + words.change_line(row, first, a, second, b, impl)]
        if row.get("upcoming"):
            lines.append("  " + words.upcoming_line(row))
        lines += ["  %s: %s" % (label, url) for label, url in words.links(row)]
    return "\n".join(lines) + "\n"
