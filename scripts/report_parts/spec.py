"""What the report takes from SPEC.md, as spec_tests/clauses.py (the one
parser of SPEC.md) reads it: each clause as a JSON-ready dict, where each
sits (section, GitHub anchor), and links for the upstream issues it names."""

import re

from spec_tests import clauses as clause_data

UPSTREAM_URLS = {"bpo": "https://bugs.python.org/issue%s",
                 "gh": "https://github.com/python/cpython/issues/%s"}
_ISSUE = re.compile(r"\b(bpo|gh)-(\d+)\b")


def clause_info(spec_text):
    """{clause id: dict(kind, since, since_releases, before, upcoming, docs,
    text, upstream, cpython_only, section, anchor)} for the clauses of a
    SPEC.md text, in its order. since is the field as written ('3.14.10,
    3.15.2'; '3.6' when absent), since_releases its versions as tuples."""
    return {clause_id: {
        "kind": clause.kind, "since": clause.since_text, "since_releases": clause.since_releases,
        "before": clause.before, "upcoming": clause.upcoming, "docs": clause.docs, "text": clause.text,
        "upstream": list(clause.upstream), "cpython_only": clause.cpython_only or None,
        "section": clause.section, "anchor": clause.anchor,
    } for clause_id, clause in clause_data.parse(spec_text).items()}


def spec_layout(text):
    """{clause id: (section title, anchor)} for the clauses of a SPEC.md text."""
    return {clause_id: (clause.section, clause.anchor) for clause_id, clause in clause_data.parse(text).items()}


def upstream_url(issue):
    """'gh-88110' -> its URL; None for an id of no known tracker."""
    tracker, _, number = issue.partition("-")
    return UPSTREAM_URLS[tracker] % number if tracker in UPSTREAM_URLS and number.isdigit() else None


def upstream_links(ids):
    """['bpo-32672', 'gh-88110'] -> [(id, url)]; an id of no known tracker gets url None."""
    return [(issue, upstream_url(issue)) for issue in ids]


def link_issues(text, link):
    """*text* with each bpo-N and gh-N in it replaced by link(issue, url)."""
    return _ISSUE.sub(lambda found: link(found.group(0), upstream_url(found.group(0))), text)
