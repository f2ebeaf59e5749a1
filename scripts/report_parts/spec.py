"""What the report reads from SPEC.md beyond spec_tests/clauses.py: where
each clause sits (section, GitHub anchor), its prose, and the fields
`upstream` and `cpython-only` (read from clauses.py when it has them)."""

import re

from spec_tests import clauses as clause_data

UPSTREAM_URLS = {"bpo": "https://bugs.python.org/issue%s",
                 "gh": "https://github.com/python/cpython/issues/%s"}
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
_FIELD = re.compile(r"^- ([a-z][a-z-]*): (.+)$")


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


def _headings(text):
    """Yield (line index, level, title) of the headings outside fenced code."""
    in_fence = False
    for index, line in enumerate(text.splitlines()):
        if line.startswith("```"):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            yield index, len(heading.group(1)), heading.group(2)


def spec_layout(text):
    """{clause id: (section title, anchor)} from the headings of a SPEC.md text."""
    layout, seen, section = {}, {}, ""
    for _, level, title in _headings(text):
        anchor = github_anchor(title, seen)
        if level == 2:
            section = title
        clause = re.match(r"^`([^`]+)`$", title)
        if level == 3 and clause:
            layout[clause.group(1)] = (section, anchor)
    return layout


def clause_fields(text):
    """{clause id: {"prose": str, field name: value}} for each clause: its
    prose lines joined (bullet fields left out) and every `- name: value`."""
    found, current = {}, None
    for line in text.splitlines():
        if line.startswith("#"):
            heading = re.match(r"^### `([^`]+)`\s*$", line)
            current = found.setdefault(heading.group(1), {"prose": ""}) if heading else None
            continue
        if current is None or not line.strip():
            continue
        field = _FIELD.match(line)
        if field:
            current[field.group(1)] = field.group(2).strip()
        else:
            current["prose"] = (current["prose"] + " " + line.strip()).strip()
    return found


def upstream_links(ids):
    """['bpo-32672', 'gh-88110'] -> [(id, url)]; an id of no known tracker gets url None."""
    links = []
    for issue in ids:
        tracker, _, number = issue.partition("-")
        url = UPSTREAM_URLS[tracker] % number if tracker in UPSTREAM_URLS and number.isdigit() else None
        links.append((issue, url))
    return links


def clause_info(spec_text):
    """{clause id: dict(kind, since, before, docs, text, upstream, cpython_only)}
    for the clauses of a SPEC.md text (clauses.py validates them)."""
    fields = clause_fields(spec_text)
    info = {}
    for clause_id, clause in clause_data.parse(spec_text).items():
        own = fields.get(clause_id, {})
        upstream = getattr(clause, "upstream", None)
        if upstream is None:
            upstream = [part.strip() for part in own.get("upstream", "").split(",") if part.strip()]
        info[clause_id] = {
            "kind": clause.kind, "since": "%d.%d" % tuple(clause.since[:2]), "before": clause.before,
            "docs": clause.docs, "text": own.get("prose", clause.text),
            "upstream": list(upstream),
            "cpython_only": getattr(clause, "cpython_only", None) or own.get("cpython-only") or None,
        }
    return info
