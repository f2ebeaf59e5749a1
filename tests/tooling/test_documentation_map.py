"""docs/documentation-map.md, the documentation of the newest release
statement by statement, against SPEC.md: every statement is pinned by
clauses that exist, contradicted by clauses that the contradictions list
names, or left out with a reason; and the counts that SPEC.md and README.md
give are the file's."""

import collections
import pathlib
import re

import pytest

from spec_tests import clauses

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
MAP = ROOT / "docs" / "documentation-map.md"
STATEMENT = re.compile(r"^- `([^`]+)` (.+) — (pinned|contradicted|left out): (.+)$")
COUNTS = re.compile(r"(\d+) statements\D+?(\d+) (?:are )?pinned\D+?(\d+) contradicted\D+?(\d+) left out")


def statements():
    """[(id, statement, status, what)] of every entry of the map."""
    found = []
    for line in MAP.read_text(encoding="utf-8").splitlines():
        if line.startswith("- `"):
            match = STATEMENT.match(line)
            assert match, "not an entry of the form '- `id` statement — status: ...': %s" % line
            found.append(match.groups())
    return found


def clause_ids(what):
    ids = re.findall(r"`([^`]+)`", what)
    assert ids and re.sub(r"`[^`]+`|[, ]", "", what) == "", "only clause ids, comma separated: %s" % what
    return ids


def tally():
    counted = collections.Counter(status for _, _, status, _ in statements())
    return (sum(counted.values()), counted["pinned"], counted["contradicted"], counted["left out"])


def test_every_statement_has_its_own_id():
    ids = [statement_id for statement_id, _, _, _ in statements()]
    assert len(ids) == len(set(ids)) > 0


@pytest.mark.parametrize("status", ["pinned", "contradicted"])
def test_every_clause_named_exists(status):
    known = clauses.load()
    named = {clause for _, _, kind, what in statements() if kind == status for clause in clause_ids(what)}
    assert sorted(named - set(known)) == []


def test_every_contradiction_is_in_the_contradictions_list():
    spec = (ROOT / "SPEC.md").read_text(encoding="utf-8")
    section = spec.split("### Where CPython contradicts its documentation", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([^`]+/[^`]+)`", section))
    named = {clause for _, _, kind, what in statements() if kind == "contradicted" for clause in clause_ids(what)}
    assert sorted(named - listed) == []


def test_every_statement_left_out_gives_a_reason():
    assert [sid for sid, _, kind, why in statements() if kind == "left out" and len(why.split()) < 2] == []


@pytest.mark.parametrize("page", ["docs/documentation-map.md", "SPEC.md", "README.md"])
def test_the_counts_given_are_the_maps(page):
    match = COUNTS.search(" ".join((ROOT / page).read_text(encoding="utf-8").split()))
    assert match, "%s gives no count of the documentation's statements" % page
    assert tuple(int(number) for number in match.groups()) == tally()
