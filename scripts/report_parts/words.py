"""A difference in words: what each side of a change does, from the
clause's sentence (the new behaviour) and SPEC.md's `before` (the old);
where a bugfix release decides, which one ("holds since 3.14.10"); and
what CPython main is known to change next (the clause's `upcoming`)."""

from scripts.report_parts import spec as spec_part
from scripts.report_parts.statuses import FAILS, HOLDS, NA, NOT_RUN, OLD


def side(row, status, name=None, impl="stdlib"):
    """What interpreter *name*, whose cell is *status*, does, in a sentence."""
    if status == HOLDS:
        return row["text"] or "holds"
    if status == OLD:
        return row["before"] or "the old behaviour"
    if status == NA:
        skipped = row.get("skipped", {}).get(name, {}).get(impl)
        return "no test ran (%s)" % skipped if skipped else "no test ran"
    return {FAILS: "fails the clause's tests", NOT_RUN: "not run"}.get(status, status)


def status_label(row, name, status, impl="stdlib"):
    """*status*, or for the stdlib of a column that a bugfix release of the
    clause's since decides (row["since_at"]): 'holds since 3.14.10',
    'old, before 3.14.10'."""
    release = row.get("since_at", {}).get(name) if impl == "stdlib" else None
    if release and status == HOLDS:
        return "holds since %s" % release
    if release and status == OLD:
        return "old, before %s" % release
    return status


def change_line(row, before_name, before_status, after_name, after_status, impl="stdlib"):
    """'3.8 (old): waits until the timeout.  ->  3.9 (holds): A future given twice counts once.'"""
    return "%s (%s): %s  \u2192  %s (%s): %s" % (
        before_name, status_label(row, before_name, before_status, impl),
        _sentence(side(row, before_status, before_name, impl)),
        after_name, status_label(row, after_name, after_status, impl),
        _sentence(side(row, after_status, after_name, impl)))


def upcoming_line(row):
    """'Upcoming in CPython main (no run has shown it): <the field>', or ''."""
    return "Upcoming in CPython main (no run has shown it): %s" % row["upcoming"] if row.get("upcoming") else ""


def _sentence(text):
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def links(row):
    """[(label, url)]: the clause's upstream issues, then its docs."""
    found = [(issue, url) for issue, url in spec_part.upstream_links(row.get("upstream", ())) if url]
    if row.get("docs"):
        found.append(("docs", row["docs"]))
    return found


def row_by_id(matrix):
    return {row["id"]: row for row in matrix["rows"]}
