"""The statuses a cell can have, their descriptions, and how each renderer
shows them: never by colour alone, each has its own code and glyph."""

HOLDS, OLD, FAILS, NA, NOT_RUN = "holds", "old", "FAILS", "n/a", "not run"
STATUSES = (HOLDS, OLD, FAILS, NA, NOT_RUN)
DESCRIPTIONS = {
    HOLDS: "every test of the clause passed",
    OLD: "the stdlib predates the clause and shows the old behaviour SPEC.md expects there",
    FAILS: "a test failed, errored, or passed where the old behaviour was expected",
    NA: "no test of the clause ran",
    NOT_RUN: "the implementation was not run on that interpreter",
}
BAD_OUTCOMES = ("failed", "error", "xpassed")
CODES = {HOLDS: "ok", OLD: "ol", FAILS: "XX", NA: "--", NOT_RUN: "nr"}  # terminal, Markdown
GLYPHS = {HOLDS: "\u2713", OLD: "\u25cb", FAILS: "\u2717", NA: "\u2013", NOT_RUN: "\u00b7"}  # HTML
CSS_CLASSES = {HOLDS: "holds", OLD: "old", FAILS: "fails", NA: "na", NOT_RUN: "notrun"}


def impl_letters(impls):
    """{impl: short label}: S for stdlib, R for reference, else an initial
    (numbered when two share one)."""
    letters = {}
    for impl in impls:
        letter = {"stdlib": "S", "reference": "R"}.get(impl, impl.rsplit(".", 1)[-1][:1].upper())
        candidate, number = letter, 1
        while candidate in letters.values():
            number += 1
            candidate = "%s%d" % (letter, number)
        letters[impl] = candidate
    return letters
