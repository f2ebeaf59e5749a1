"""The matrix: from the suite's results documents (one per interpreter) and
SPEC.md to a JSON-ready dict of rows (one per clause), cells
(row["cells"][interpreter name][implementation] = a status), what changed,
and the evidence (which tests ran where, with what outcome and message).

A cell is one of:

  holds    every test of the clause that ran there passed;
  old      the stdlib of that Python predates the clause (it is older than
           its `since`) and the tests found the old behaviour SPEC.md
           describes (strict expected failures, or passes asserting it);
  FAILS    a test failed or errored, passed where the old behaviour was
           expected (xpassed), or is an expected failure SPEC.md's version
           data does not explain;
  n/a      no test of the clause ran there (none, or all skipped);
  not run  the suite did not run that implementation on that interpreter
           (the document's "not_run" says why, e.g. needs Python 3.8+; or
           the document does not list it), or left out the clause's tests
           ("not_run_clauses": the modules that import the reference,
           before 3.8).

Whether a stdlib predates a clause is the suite's verdict, recorded with
each test ("predated"), by the interpreter's full version: a column named
3.14 whose document says "python": "3.14.10" holds a clause since 3.14.10.
A row's "since_at" names, for each column whose minor version has a bugfix
release in the clause's since, that release: the words say "holds since
3.14.10" or "old, before 3.14.10" there.

A test naming several clauses that is an expected failure because another
of them is predated says nothing about this one: it is left out.
"""

from collections import Counter

from scripts import pythons
from scripts.report_parts import changes as changes_part
from scripts.report_parts import columns
from scripts.report_parts import spec as spec_part
from scripts.report_parts.statuses import BAD_OUTCOMES, DESCRIPTIONS, FAILS, HOLDS, NA, NOT_RUN, OLD
from spec_tests import clauses as clause_data

STALE_SECTION = "Not in SPEC.md (clauses only the results name)"


def version_tuple(text):
    """'3.10.13' -> (3, 10, 13)."""
    return tuple(int(part) for part in text.split("."))


def document_name(document):
    """The column name of a results document: '3.9', 'pypy3.9', or
    '3.15+main' for a stdlib from a source tree (documents without
    "implementation" are CPython's)."""
    interpreter = pythons.interpreter_name(document.get("implementation", "CPython"),
                                           version_tuple(document["python"]))
    return columns.column_name(interpreter, document.get("stdlib_from", {}).get("name", ""))


def cell_status(clause_id, records):
    """The status of one clause for one implementation on one interpreter,
    given the records of the tests that name it there (never NOT_RUN)."""
    predated = []
    for record in records:
        outcome = record["outcome"]
        is_predated = clause_id in record.get("predated", ())
        if outcome == "skipped" or (outcome == "xfailed" and not is_predated and record.get("predated")):
            continue  # nothing ran, or an expected failure owed to another clause
        if outcome in BAD_OUTCOMES or (outcome == "xfailed" and not is_predated):
            return FAILS
        predated.append(is_predated)
    if not predated:
        return NA
    return OLD if all(predated) else HOLDS


def describe_run(document):
    """'310 passed, 12 xfailed (pytest exit 0)', or with the run's error."""
    counts = Counter(record["outcome"] for record in document["tests"])
    text = ", ".join("%d %s" % (counts[outcome], outcome) for outcome in sorted(counts)) or "no tests"
    run = document.get("run", {})
    if run.get("error"):
        return "%s; %s" % (text, run["error"])
    if run.get("pytest_exit") is not None:
        text += " (pytest exit %d)" % run["pytest_exit"]
    return text


def describe_python(document):
    """The matrix's entry for one interpreter (a column)."""
    run = document.get("run", {})
    implementation = document.get("implementation", "CPython")
    label = document["python"] if implementation == "CPython" else "%s %s" % (implementation, document["python"])
    tree = document.get("stdlib_from")
    return {
        "name": document_name(document),
        "implementation": implementation,
        "python": document["python"],
        "label": label + (" with the stdlib of %s" % tree["name"] if tree else ""),
        "stdlib_from": tree,
        "date": document.get("date"),
        "interpreter": run.get("interpreter"),
        "pytest_exit": run.get("pytest_exit"),
        "seconds": run.get("seconds"),
        "error": run.get("error"),
        "tests": len(document["tests"]),
        "outcomes": dict(Counter(record["outcome"] for record in document["tests"])),
        "summary": describe_run(document),
        "not_run": dict(document.get("not_run", {})),
        "not_run_clauses": dict(document.get("not_run_clauses", {})),
        # tests outside the matrix (tooling, meta-tests) that went wrong
        "other_failures": sorted(record["nodeid"] for record in document["tests"]
                                 if not record.get("clauses") and record["outcome"] in BAD_OUTCOMES),
    }


def _by_name(documents):
    """{name: document}, names in columns.sort_key order; a later one wins."""
    by_name = {document_name(document): document for document in documents}
    return {name: by_name[name] for name in sorted(by_name, key=columns.sort_key)}


def _implementations(by_name):
    impls = []
    for document in by_name.values():
        impls += [impl for impl in list(document["implementations"]) + list(document.get("not_run", {}))
                  if impl not in impls]
    return impls


def _index_records(by_name, known):
    """({(clause, impl, name): [record]}, [clause ids the results name but SPEC.md does not])."""
    records, stale = {}, []
    for name, document in by_name.items():
        for record in document["tests"]:
            for clause_id in record.get("clauses", ()):
                records.setdefault((clause_id, record["impl"], name), []).append(record)
                if clause_id not in known and clause_id not in stale:
                    stale.append(clause_id)
    return records, stale


def _cell(clause_id, impl, document, records):
    ran = impl in document["implementations"] and impl not in document.get("not_run", {})
    if not ran or clause_id in document.get("not_run_clauses", {}):
        return NOT_RUN
    return cell_status(clause_id, records)


def skip_reasons(clause_id, impls, by_name, records):
    """{name: {impl: why}} for the n/a cells whose tests were all skipped,
    with what pytest said of the skip."""
    reasons = {}
    for name in by_name:
        for impl in impls:
            found = records.get((clause_id, impl, name), [])
            said = {record.get("message") for record in found if record["outcome"] == "skipped"}
            if found and len(said) == 1 and None not in said and all(
                    record["outcome"] == "skipped" for record in found):
                reasons.setdefault(name, {})[impl] = said.pop()
    return reasons


def since_at(releases, versions):
    """{column name: '3.14.10'} for each column whose minor version has a
    bugfix release among *releases* (a clause's since, as tuples), given
    {column name: its full version}; that release decides the column."""
    found = {}
    for name, version in versions.items():
        release = clause_data.deciding_release(releases, version)
        if release is not None and len(release) == 3 and release[:2] == version[:2]:
            found[name] = clause_data.version_text(release)
    return found


def _row(clause_id, clause, cells, skipped, versions):
    """One row; *clause* is spec.clause_info's entry ({} for a clause only
    the results name)."""
    row = {"id": clause_id, "section": clause.get("section", STALE_SECTION), "anchor": clause.get("anchor"),
           "kind": clause.get("kind"), "since": clause.get("since"), "text": clause.get("text", ""),
           "before": clause.get("before", ""), "upcoming": clause.get("upcoming", ""), "docs": clause.get("docs"),
           "upstream": clause.get("upstream", []), "cpython_only": clause.get("cpython_only"),
           "since_at": since_at(clause.get("since_releases", ()), versions), "cells": cells, "skipped": skipped}
    row["differs"] = changes_part.differing_impls(row)
    return row


def _legend(by_name):
    reasons = sorted({reason.replace("not run: ", "") for document in by_name.values()
                      for reason in document.get("not_run", {}).values()})
    legend = dict(DESCRIPTIONS)
    if reasons:
        legend[NOT_RUN] += ": " + "; ".join(reasons)
    return legend


def evidence(by_name):
    """{"tests": [[nodeid, impl, [clause ids]]], "outcomes": {name: [outcome or None
    per test]}, "messages": {name: {test index: message}}}: what each test did
    on each interpreter, what the HTML page shows behind a cell."""
    index, tests = {}, []
    for document in by_name.values():
        for record in document["tests"]:
            if record.get("clauses") and record["nodeid"] not in index:
                index[record["nodeid"]] = len(tests)
                tests.append([record["nodeid"], record["impl"], list(record["clauses"])])
    outcomes, messages = {}, {}
    for name, document in by_name.items():
        outcomes[name] = [None] * len(tests)
        messages[name] = {}
        for record in document["tests"]:
            at = index.get(record["nodeid"])
            if at is not None:
                outcomes[name][at] = record["outcome"]
                if record.get("message"):
                    messages[name][str(at)] = record["message"]
    return {"tests": tests, "outcomes": outcomes, "messages": messages}


def aggregate(spec_text, documents):
    """The matrix, a JSON-ready dict: pythons (columns), implementations,
    legend, rows (SPEC.md order, then clauses only the results name), changes
    (see changes.what_changed), summary counts, evidence, and the date of
    the newest run (None when the documents give none)."""
    info = spec_part.clause_info(spec_text)
    by_name = _by_name(documents)
    impls = _implementations(by_name)
    records, stale = _index_records(by_name, info)
    versions = {name: version_tuple(document["python"]) for name, document in by_name.items()}
    rows = [_row(clause_id, info.get(clause_id, {}),
                 {name: {impl: _cell(clause_id, impl, document, records.get((clause_id, impl, name), []))
                         for impl in impls}
                  for name, document in by_name.items()},
                 skip_reasons(clause_id, impls, by_name, records), versions)
            for clause_id in list(info) + stale]
    matrix = {
        "pythons": [describe_python(document) for document in by_name.values()],
        "implementations": impls,
        "legend": _legend(by_name),
        "rows": rows,
        "evidence": evidence(by_name),
        "date": max((document["date"] for document in documents if document.get("date")), default=None),
    }
    matrix["changes"] = changes_part.what_changed(matrix)
    matrix["fails"] = sum(1 for row in rows for cell in row["cells"].values()
                          for status in cell.values() if status == FAILS)
    matrix["differing"] = sum(1 for row in rows if row["differs"])
    matrix["same_everywhere"] = len(rows) - matrix["differing"]
    matrix["holds_everywhere"] = sum(1 for row in rows if changes_part.holds_everywhere(row))
    return matrix


def names(matrix):
    """The interpreter names of the matrix's columns, in order."""
    return [python["name"] for python in matrix["pythons"]]
