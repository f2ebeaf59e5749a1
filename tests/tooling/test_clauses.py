"""spec_tests/clauses.py, the one parser of SPEC.md: the fields (a `since`
with a bugfix release, or one per branch; `upcoming`), where a clause sits
(section, GitHub anchor), what it rejects, and predates() by the running
interpreter's full version."""

import re
import sys

import pytest

from spec_tests import clauses, implementations

DOCS = "- docs: https://docs/#x\n"


def _clause(fields, prose="Prose."):
    (clause,) = clauses.parse("## Section\n### `A/b`\n%s\n- kind: observed\n%s%s" % (prose, fields, DOCS)).values()
    return clause


def test_a_clause_reads_every_field():
    clause = _clause("- since: 3.14.10, 3.15.2\n- before: returns None.\n"
                     "- upcoming: 3.16: raises instead (gh-1, gh-2)\n- upstream: bpo-3, gh-4\n"
                     "- cpython-only: refcount\n", prose="One sentence.\nTwo.")
    assert (clause.id, clause.text, clause.kind, clause.docs) == ("A/b", "One sentence. Two.", "observed",
                                                                 "https://docs/#x")
    assert (clause.since, clause.since_releases, clause.since_text) == (
        (3, 14, 10), ((3, 14, 10), (3, 15, 2)), "3.14.10, 3.15.2")
    assert (clause.before, clause.upcoming, clause.upstream, clause.cpython_only) == (
        "returns None.", "3.16: raises instead (gh-1, gh-2)", ["bpo-3", "gh-4"], "refcount")
    assert (clause.section, clause.anchor) == ("Section", "ab")


def test_without_since_a_clause_holds_on_every_supported_python():
    clause = _clause("")
    assert (clause.since, clause.since_text, clause.upcoming) == (clauses.OLDEST, "3.6", "")
    assert not clause.predates((3, 6, 0))


@pytest.mark.parametrize("since, version, predated", [
    ("3.9", (3, 8, 18), True),
    ("3.9", (3, 9, 0), False),
    ("3.9", (3, 9), False),
    ("3.14.10", (3, 14, 9), True),
    ("3.14.10", (3, 14, 10), False),
    ("3.14.10", (3, 15, 0), False),  # a later minor version has it from its .0
    ("3.14.10", (3, 13, 12), True),
    ("3.14.10, 3.15.2", (3, 13, 0), True),
    ("3.14.10, 3.15.2", (3, 14, 9), True),
    ("3.14.10, 3.15.2", (3, 14, 10), False),
    ("3.14.10, 3.15.2", (3, 15, 0), True),  # 3.15.0 came out before the fix
    ("3.14.10, 3.15.2", (3, 15, 1), True),
    ("3.14.10, 3.15.2", (3, 15, 2), False),
    ("3.14.10, 3.15.2", (3, 16, 0), False),
])
def test_since_decides_by_the_full_version(since, version, predated):
    assert _clause("- since: %s\n" % since).predates(version) is predated


@pytest.mark.parametrize("version, release", [
    ((3, 13, 5), None), ((3, 14, 1), (3, 14, 10)), ((3, 15, 0), (3, 15, 2)), ((3, 16, 0), (3, 15, 2))])
def test_the_release_that_decides_a_version(version, release):
    assert clauses.deciding_release(((3, 14, 10), (3, 15, 2)), version) == release


@pytest.mark.parametrize("fields, problem", [
    ("- since: 3.14.10 3.15.2\n", "each release is 3.N or 3.N.M"),
    ("- since: 3.x\n", "each release is 3.N or 3.N.M"),
    ("- since: 3.15.2, 3.14.10\n", "oldest first"),
    ("- since: 3.13.5, 3.15.2\n", "no branch left out"),
    ("- sinse: 3.9\n", "unknown field 'sinse'"),
    ("- before: a\n- before: b\n", "gives before twice"),
])
def test_a_malformed_field_is_rejected_with_its_clause(fields, problem):
    with pytest.raises(ValueError, match="A/b.*" + problem):
        _clause(fields)


def test_sections_and_anchors_follow_every_heading_outside_fenced_code():
    text = ("# Title\n## Future\n```\n## Not a section\n### `Fake/clause`\n```\n"
            "### `Future/x`\nProse.\n- kind: documented\n" + DOCS +
            "## Waiting: `wait()`\n### `Future/x2`\n- kind: detail\n" + DOCS + "## Future\n")
    found = clauses.parse(text)
    assert [(clause.id, clause.section, clause.anchor) for clause in found.values()] == [
        ("Future/x", "Future", "futurex"), ("Future/x2", "Waiting: `wait()`", "futurex2")]


@pytest.mark.parametrize("titles, anchors", [
    (["`Future.cancel/pending`"], ["futurecancelpending"]),
    (["`Future.set_running_or_notify_cancel/logs-critical`"], ["futureset_running_or_notify_cancellogs-critical"]),
    (["Waiting: `wait()`"], ["waiting-wait"]),
    (["The futures contract", "Future", "`Future`", "Future"], ["the-futures-contract", "future", "future-1",
                                                                 "future-2"]),
])
def test_anchors_are_github_style(titles, anchors):
    seen = {}
    assert [clauses.github_anchor(title, seen) for title in titles] == anchors


def test_the_spec_parses_with_its_fields():
    spec = clauses.load()
    assert all(clause.anchor and clause.section for clause in spec.values())
    assert all(release[0] == 3 for clause in spec.values() for release in clause.since_releases)


def test_the_suite_asks_the_clause_about_the_running_full_version(monkeypatch):
    asked = []

    class Clause:
        cpython_only = ""

        def predates(self, version):
            asked.append(version)
            return True

    monkeypatch.setitem(implementations.CLAUSES, "A/b", Clause())
    assert implementations.predates("stdlib", "A/b") is True
    assert implementations.predates("reference", "A/b") is False  # only the stdlib has a version
    assert asked == [sys.version_info[:3]]


def test_the_table_of_contents_lists_every_section_of_spec_md_in_order():
    """Each level-2 heading after the Contents is listed there, in order,
    with the anchor GitHub gives it."""
    text = clauses.SPEC_PATH.read_text(encoding="utf-8")
    contents, rest = text.split("## Contents\n", 1)[1].split("\n## ", 1)
    seen = {}
    for line in text.splitlines():  # anchors of the headings above, as GitHub numbers repeats
        if line.startswith("#"):
            clauses.github_anchor(line.lstrip("#"), seen)
    listed = re.findall(r"^- \[([^\]]+)\]\(#([^)]+)\)", contents, re.M)
    headings = [line[3:] for line in ("## " + rest).splitlines() if line.startswith("## ")]
    assert [title for title, _ in listed] == [title.replace("`", "") for title in headings]
    assert all(anchor in seen for _, anchor in listed)
