#!/usr/bin/env python3
"""Cross-interpreter conformance report: every SPEC.md clause on every Python.

Runs the clause tests on each CPython 3.6+ and PyPy 3.9+ this machine has
(scripts/pythons.py finds them), each in a virtual environment of its own
(.venv-report/<name>), two at a time, longest first, with a live progress
line per interpreter; then shows the matrix: a row per clause, a column per
interpreter, in each cell the clause's status for each implementation
(holds, old, FAILS, n/a, not run: see scripts/report_parts/matrix.py).
The terminal shows only the rows that differ somewhere (--all: every row),
and what changed from each CPython to the next and for each PyPy against
its CPython, in words.

    python3 scripts/report.py                        # run all, print, write report/report.{html,json}
    python3 scripts/report.py --versions 3.7,3.13,pypy3.9 --markdown report/report.md
    python3 scripts/report.py --markdown docs/report.md      # the page to commit (--all: every clause)
    python3 scripts/report.py --from-results report/results   # re-render, run nothing
    python3 scripts/report.py --from-results report/results --diff 3.8 3.13
    python3 scripts/report.py --pytest-args "-x --timeout 60"  # passed to every run
    python3 scripts/report.py --stdlib-from ~/cpython --versions 3.15 --diff 3.15 3.15+cpython

--stdlib-from DIR adds, for each interpreter run, a column that tests the
concurrent.futures package of the CPython source tree DIR (DIR/Lib, or any
directory holding concurrent/futures/) as its stdlib, named 3.15+<DIR's
name> (--stdlib-name NAME: 3.15+NAME). It runs the stdlib alone, with the
interpreter's expectations, so the clauses the tree changes show as FAILS
and in "what changed" (3.15+cpython vs 3.15). --tree-only leaves out the
interpreter's own column.

Results are kept in report/results/<column>.json (the suite's --spec-results
document plus a "run" entry), output in report/results/<column>.log. The exit
status is 1 when a cell FAILS or a run went wrong.
"""

import argparse
import json
import os
import pathlib
import re
import shlex
import shutil
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.report_parts import changes, columns, discovery, matrix as matrix_part, progress, running  # noqa: E402
from scripts.report_parts.html import render_html  # noqa: E402
from scripts.report_parts.markdown import render_markdown  # noqa: E402
from scripts.report_parts.text import render_diff, render_text  # noqa: E402
from spec_tests import clauses as clause_data  # noqa: E402

REPORT_DIR = ROOT / "report"
DEFAULT_IMPLS = ("stdlib", "reference")


def say(message):
    print("report: " + message, file=sys.stderr, flush=True)


def load_results(directory):
    """The results documents saved in *directory* (<name>.json)."""
    documents = [json.loads(path.read_text(encoding="utf-8"))
                 for path in sorted(pathlib.Path(directory).glob("*.json"))]
    if not documents:
        raise SystemExit("no results (*.json) in %s" % directory)
    return documents


def source_tree(args):
    """The running.Tree of --stdlib-from (None without it); SystemExit when
    the directory holds no concurrent/futures package."""
    if not args.stdlib_from:
        return None
    from spec_tests.implementations import TreeStdlib  # the suite's rule for a tree and its name
    try:
        tree = TreeStdlib(args.stdlib_from)
    except ValueError as exc:
        raise SystemExit("--stdlib-from: %s" % exc)
    return running.Tree(tree.tree, args.stdlib_name or tree.name)


def run(args, wanted):
    """Run the suite on the interpreters found; return their documents (None: none found)."""
    found = discovery.discover(args.python, wanted, say=say)
    if not found:
        return None
    impls = args.impl or list(DEFAULT_IMPLS)
    runs = running.plan(found, impls, source_tree(args), args.tree_only)
    board = progress.Board([each.name for each in runs]).start()
    started = time.monotonic()
    try:
        documents = running.run_all(runs, pathlib.Path(args.results_dir), args.jobs, board,
                                    shlex.split(args.pytest_args), impls)
    finally:
        board.stop()
    say("all %d runs on %d interpreters took %d s" % (len(runs), len(found), time.monotonic() - started))
    return documents


def _write(path, text):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    say("wrote %s" % path)


def _href_to(target, page):
    """A relative link from the page at *page* to the file *target*."""
    return pathlib.Path(os.path.relpath(str(pathlib.Path(target).resolve()),
                                        str(pathlib.Path(page).resolve().parent))).as_posix()


def _use_colour(choice):
    if choice == "auto":
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return choice == "always"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__[__doc__.index("    python3 "):])  # the examples on
    add = parser.add_argument
    add("--python", action="append", default=[], metavar="PATH",
        help="an interpreter to use (preferred for its name; repeatable)")
    add("--versions", metavar="LIST", help="only these interpreters, e.g. 3.7,3.12,pypy3.9")
    add("--impl", action="append", default=None, metavar="NAME",
        help="implementation to test, passed to the suite (repeatable; default: stdlib and reference)")
    add("--jobs", type=int, default=2, help="interpreters run at a time (default 2)")
    add("--pytest-args", default="", metavar="ARGS", help="more pytest arguments for every run (one string)")
    add("--from-results", metavar="DIR", help="render saved <name>.json results from DIR; run nothing")
    add("--results-dir", default=str(REPORT_DIR / "results"), metavar="DIR",
        help="where runs save their results and logs (default report/results)")
    add("--spec", default=str(clause_data.SPEC_PATH), metavar="PATH", help="the SPEC.md giving the clauses")
    add("--stdlib-from", metavar="DIR",
        help="also test, on each interpreter, the concurrent.futures of the CPython source tree DIR "
             "as its stdlib, in a column of its own (3.15+<DIR's name>)")
    add("--stdlib-name", metavar="NAME", help="the name of --stdlib-from's columns: 3.15+NAME")
    add("--tree-only", action="store_true", help="with --stdlib-from: run only the tree's columns")
    add("--all", action="store_true",
        help="show every row, not only those that differ (the terminal table; the Markdown page adds "
             "every clause's table)")
    add("--diff", nargs=2, metavar=("A", "B"), help="print only the clauses that differ between A and B")
    add("--markdown", metavar="PATH", help="also write the report as a Markdown page (e.g. docs/report.md)")
    add("--html", default=str(REPORT_DIR / "report.html"), metavar="PATH",
        help="write the HTML page here (default report/report.html; '' for none)")
    add("--json", default=str(REPORT_DIR / "report.json"), metavar="PATH",
        help="write the matrix as JSON here (default report/report.json; '' for none)")
    add("--color", "--colour", choices=("auto", "always", "never"), default="auto",
        help="colour the terminal table (default: when stdout is a terminal)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if (args.stdlib_name or args.tree_only) and not args.stdlib_from:
        parser.error("--stdlib-name and --tree-only go with --stdlib-from")
    if args.stdlib_from and args.from_results:
        parser.error("--stdlib-from runs the suite; --from-results runs nothing")
    if args.stdlib_name and not re.match(r"^[A-Za-z0-9._-]+$", args.stdlib_name):
        parser.error("--stdlib-name wants letters, digits, '.', '_' or '-' (it names files and columns)")
    return args


def render(args, matrix):
    """Print the terminal report (or the --diff) and write the files asked for."""
    if args.diff:
        missing = [name for name in args.diff if name not in matrix_part.names(matrix)]
        if missing:
            raise SystemExit("--diff: no results for %s (have %s)"
                             % (", ".join(missing), ", ".join(matrix_part.names(matrix))))
        sys.stdout.write(render_diff(matrix, *args.diff))
    else:
        width = shutil.get_terminal_size((120, 24)).columns
        sys.stdout.write(render_text(matrix, colour=_use_colour(args.color), width=width, all_rows=args.all))
    if args.markdown:
        _write(args.markdown, render_markdown(matrix, _href_to(args.spec, args.markdown), all_rows=args.all))
    if args.html:
        _write(args.html, render_html(matrix, _href_to(args.spec, args.html)))
    if args.json:
        _write(args.json, json.dumps(matrix, indent=1) + "\n")


def main(argv=None):
    args = parse_args(argv)
    wanted = discovery.parse_versions(args.versions)
    if args.from_results:
        documents = [document for document in load_results(args.from_results)
                     if columns.wanted(matrix_part.document_name(document), wanted)]
    else:
        documents = run(args, wanted)
        if documents is None:
            say("no interpreter to run")
            return 2
    if not documents:
        say("no results to render")
        return 2
    matrix = matrix_part.aggregate(pathlib.Path(args.spec).read_text(encoding="utf-8"), documents)
    render(args, matrix)
    return changes.exit_status(matrix)


if __name__ == "__main__":
    sys.exit(main())
