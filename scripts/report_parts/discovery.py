"""Which interpreters the report runs: scripts/pythons.py's, optionally
restricted by --versions names (3.7,pypy3.9; a tree's column, 3.15+main,
picks its saved results)."""

from scripts import pythons
from scripts.report_parts import columns


def parse_versions(text):
    """'3.9, pypy3.9' -> {'3.9', 'pypy3.9'}; None or '' -> None (no restriction)."""
    if not text:
        return None
    wanted = set()
    for item in text.split(","):
        name = item.strip()
        if not name:
            continue
        try:
            columns.sort_key(name)
        except ValueError:
            raise SystemExit("--versions wants names like 3.7,3.12,pypy3.9,3.15+main, not %r" % text)
        wanted.add(name)
    return wanted


def discover(extra=(), wanted=None, say=print):
    """[pythons.Interpreter] to run, in pythons.sort_key order; *say* is told
    of each wanted name that has no interpreter here."""
    found = pythons.find(list(extra))
    if wanted is None:
        return found
    # A tree's column (3.15+main) runs on its interpreter (3.15).
    needed = {columns.split(name)[0] for name in wanted}
    for name in sorted(needed - {interpreter.name for interpreter in found}, key=pythons.sort_key):
        say("no interpreter %s found; skipping it" % name)
    return [interpreter for interpreter in found if interpreter.name in needed]


def longest_first(interpreters):
    """The order to run them in so that the tail is short: PyPys first (the
    slowest), then CPythons newest first."""
    return sorted(interpreters, key=lambda each: (each.implementation == "CPython",
                                                  [-part for part in each.version]))
