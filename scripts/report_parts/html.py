"""The HTML rendering: one self-contained page (page.html, with page.css and
page.js inlined; nothing fetched) that opens with what changed, in words,
then a summary and the matrix, whose script filters the rows (by default to
those that differ somewhere) and opens each cell's evidence. Without
JavaScript the page shows the complete table."""

import html
import json
import pathlib
import re
import string

from scripts.report_parts import changes as changes_part
from scripts.report_parts import spec as spec_part
from scripts.report_parts import words
from scripts.report_parts.markdown import sections, spec_link
from scripts.report_parts.statuses import CSS_CLASSES, GLYPHS, STATUSES, impl_letters

HERE = pathlib.Path(__file__).resolve().parent
TITLE = "futures-spec: concurrent.futures across Python interpreters"
KINDS = ("documented", "observed", "detail", "cpython-only")


def esc(text):
    return html.escape(str(text), quote=True)


def badge(status, text=None, impl=None):
    """A status as a coloured glyph that says itself in its text and title."""
    attributes = ' data-impl="%s"' % esc(impl) if impl else ""
    return '<span class="st %s" title="%s"%s>%s</span>' % (
        CSS_CLASSES[status], esc(status if impl is None else "%s: %s" % (impl, status)), attributes,
        esc(text if text is not None else GLYPHS[status]))


def prose(text):
    """Escaped text with its `backquoted` parts set as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", esc(text))


def prose_with_issues(text):
    """prose(), with each bpo-N and gh-N made a link to its issue."""
    return spec_part.link_issues(prose(text), lambda issue, url: '<a href="%s">%s</a>' % (esc(url), issue)
                                 if url else issue)


def _links(row):
    return " ".join('<a href="%s">%s</a>' % (esc(url), esc(label)) for label, url in words.links(row))


def _change(change, by_id):
    title = esc(changes_part.step_title(change, "\u2192"))
    if not change["clauses"]:
        return '<h3>%s <small>(nothing changed)</small></h3>' % title
    items = []
    for step in change["clauses"]:
        row = by_id[step["id"]]
        items.append('<li><a href="#%s"><code>%s</code></a> %s &rarr; %s <span class="words">%s</span>'
                     '<span class="links">%s</span></li>' % (
                         esc(row["id"]), esc(row["id"]), badge(step["from"], GLYPHS[step["from"]] + " " +
                                                               step["from"]),
                         badge(step["to"], GLYPHS[step["to"]] + " " + step["to"]),
                         prose(words.change_line(row, change["previous"], step["from"], change["name"],
                                                 step["to"])), _links(row)))
    # One line per step until opened, so that the summary and the matrix stay
    # on the first screen; a step with a failing cell opens by itself.
    opened = " open" if any(step["to"] == "fails" for step in change["clauses"]) else ""
    return '<details%s><summary><h3>%s <small>(%d)</small></h3></summary><ul>%s</ul></details>' % (
        opened, title, len(items), "".join(items))


def _summary(matrix):
    names = ", ".join(esc(python["name"]) for python in matrix["pythons"])
    tests = sum(python["tests"] for python in matrix["pythons"])
    letters = impl_letters(matrix["implementations"])
    date = " Runs of %s." % esc(matrix["date"]) if matrix.get("date") else ""
    return ("<p>%d interpreters (%s); %d clauses (%d hold everywhere, %d differ somewhere); "
            "%s test runs.%s Each cell shows, in this order, %s.</p>" % (
                len(matrix["pythons"]), names, len(matrix["rows"]), matrix["holds_everywhere"],
                matrix["differing"], format(tests, ","), date,
                ", ".join("%s (%s)" % (esc(impl), esc(letter)) for impl, letter in letters.items())))


def _legend(matrix):
    return '<dl class="legend">%s</dl>' % "".join(
        "<dt>%s</dt><dd>%s</dd>" % (badge(status, GLYPHS[status] + " " + status), esc(matrix["legend"][status]))
        for status in STATUSES)


def _clause_cell(row, spec_href):
    link = spec_link(spec_href, row)
    details = ["<p>%s</p>" % prose(row["text"])] if row["text"] else []
    if row["before"]:
        details.append("<p><b>before %s:</b> %s</p>" % (esc(row["since"]), prose(row["before"])))
    if row.get("upcoming"):
        details.append('<p class="upcoming"><b>upcoming in CPython main</b> (no run has shown it): %s</p>'
                       % prose_with_issues(row["upcoming"]))
    facts = ["kind: %s" % esc(row["kind"])] if row["kind"] else []
    if row["cpython_only"]:
        facts.append("CPython only: %s" % esc(row["cpython_only"]))
    if link:
        facts.append('<a href="%s">SPEC.md</a>' % esc(link))
    details.append("<p>%s %s</p>" % (" &middot; ".join(facts), _links(row)))
    since = " <small>since %s</small>" % esc(row["since"]) if row["since"] else ""
    return ('<th scope="row" class="clause"><details><summary><code>%s</code>%s</summary>'
            '<div class="spec">%s</div></details></th>' % (esc(row["id"]), since, "".join(details)))


def _row(matrix, row, spec_href):
    impls = matrix["implementations"]
    cells = []
    for python in matrix["pythons"]:
        cell = row["cells"][python["name"]]
        title = "%s: %s" % (python["name"], ", ".join("%s %s" % (impl, cell[impl]) for impl in impls))
        cells.append('<td class="c" data-n="%s" data-st="%s"><button type="button" title="%s">%s</button></td>'
                     % (esc(python["name"]), esc("|".join(cell[impl] for impl in impls)), esc(title),
                        "".join(badge(cell[impl], impl=impl) for impl in impls)))
    search = " ".join([row["id"], row["text"], row["before"]]).lower()
    return ('<tr class="clause" id="%s" data-section="%s" data-kind="%s" data-cpython-only="%s" '
            'data-differs="%s" data-search="%s">%s%s</tr>' % (
                esc(row["id"]), esc(row["section"]), esc(row["kind"] or ""), esc(row["cpython_only"] or ""),
                esc(" ".join(row["differs"])), esc(search), _clause_cell(row, spec_href), "".join(cells)))


def _body(matrix, spec_href):
    lines = []
    for section, rows in sections(matrix["rows"]):
        lines.append('<tr class="section"><th colspan="%d">%s</th></tr>'
                     % (len(matrix["pythons"]) + 1, esc(section.replace("`", ""))))
        lines += [_row(matrix, row, spec_href) for row in rows]
    return "\n".join(lines)


def _pythons(matrix):
    rows = "".join("<tr><td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>" % (
        esc(python["name"]), esc(python["label"]), esc(python["interpreter"] or ""), esc(python["summary"]))
        for python in matrix["pythons"])
    return ("<table><thead><tr><th>name</th><th>python</th><th>interpreter</th><th>tests</th></tr></thead>"
            "<tbody>%s</tbody></table>" % rows)


def _problems(matrix):
    problems = changes_part.run_problems(matrix)
    if not problems:
        return ""
    return '<h3 id="problems">Run problems</h3><ul>%s</ul>' % "".join("<li>%s</li>" % esc(p) for p in problems)


def _verdict(matrix):
    problems = changes_part.run_problems(matrix)
    if matrix["fails"] or problems:
        return "bad", "%d FAILS cell(s); %d run problem(s)." % (matrix["fails"], len(problems))
    return "good", "Every cell holds, shows the expected old behaviour, is n/a, or was not run."


def _options(values):
    return "".join('<option value="%s">%s</option>' % (esc(value), esc(value)) for value in values)


def _evidence_json(matrix):
    payload = dict(matrix["evidence"], implementations=matrix["implementations"],
                   not_run={python["name"]: python["not_run"] for python in matrix["pythons"]},
                   not_run_clauses={python["name"]: python["not_run_clauses"] for python in matrix["pythons"]})
    return json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")


def render_html(matrix, spec_href="SPEC.md"):
    """The page; clause ids link to SPEC.md at *spec_href* (relative to the page)."""
    page = string.Template((HERE / "page.html").read_text(encoding="utf-8"))
    verdict_class, verdict = _verdict(matrix)
    by_id = words.row_by_id(matrix)
    names = [python["name"] for python in matrix["pythons"]]
    return page.substitute(
        title=esc(TITLE), css=(HERE / "page.css").read_text(encoding="utf-8"),
        script=(HERE / "page.js").read_text(encoding="utf-8"),
        verdict_class=verdict_class, verdict=esc(verdict),
        changes="\n".join(_change(change, by_id) for change in matrix["changes"]) or "<p>One interpreter only.</p>",
        summary=_summary(matrix), legend=_legend(matrix),
        section_options=_options(dict.fromkeys(row["section"] for row in matrix["rows"])),
        kind_options=_options(KINDS), impl_options=_options(matrix["implementations"]),
        name_options=_options(names), row_count=len(matrix["rows"]),
        head="".join('<th scope="col" data-n="%s">%s<small>%s</small></th>'
                     % (esc(p["name"]), esc(p["name"]), esc(p["python"])) for p in matrix["pythons"]),
        body=_body(matrix, spec_href), pythons=_pythons(matrix), problems=_problems(matrix),
        evidence=_evidence_json(matrix))
