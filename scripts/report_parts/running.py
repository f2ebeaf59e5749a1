"""Running the suite: one virtual environment per interpreter
(.venv-report/<name>, made once with pytest and pytest-timeout, then
reused), one run of the clause tests per column, *jobs* at a time,
longest first, with live progress on a Board.

A column is an interpreter with its own stdlib, or with the concurrent.futures
of a CPython source tree (a Tree: the suite's --stdlib-from); such a run
tests the stdlib alone, the only implementation a tree changes, in the
interpreter's venv.

Each run's results are kept in <results dir>/<column>.json (the suite's
--spec-results document plus a "run" entry) and its output in <column>.log."""

import collections
import concurrent.futures
import json
import os
import pathlib
import subprocess
import tempfile
import threading
import time

from scripts.report_parts import columns
from scripts.report_parts.discovery import longest_first
from scripts.report_parts.matrix import describe_run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
VENVS = ROOT / ".venv-report"
RUN_TIMEOUT = 1800  # seconds for one interpreter's whole run; per test, pytest-timeout rules
# The report needs the clause tests only, which are all spec_tests/ holds (the
# project's own tests, tests/, name no clause; scripts/test-all runs them).
SUITE = ["spec_tests"]
PLUGIN = "scripts.report_parts.pytest_progress"
_PROBE = "import platform, sys, pytest, pytest_timeout; print(platform.python_implementation(), *sys.version_info[:3])"
TREE_RUNS_STDLIB_ONLY = "not run: a source tree's column runs the stdlib alone"

# A CPython source tree whose concurrent.futures some runs test: its path
# (absolute) and the name its columns get (3.15+<name>).
Tree = collections.namedtuple("Tree", "path name")
# One run of the suite: its column name, interpreter, implementations, Tree or None.
Run = collections.namedtuple("Run", "name interpreter impls tree")


def plan(interpreters, impls, tree=None, tree_only=False):
    """The runs, longest first: each interpreter with its own stdlib
    (unless *tree_only*), and with *tree*'s when one is given."""
    runs = [] if tree_only else [Run(each.name, each, list(impls), None) for each in interpreters]
    if tree is not None:
        runs += [Run(columns.column_name(each.name, tree.name), each, ["stdlib"], tree) for each in interpreters]
    order = [each.name for each in longest_first(interpreters)]
    return sorted(runs, key=lambda run: (order.index(run.interpreter.name), run.tree is not None))


def venv_python(venv):
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _venv_ready(python, interpreter):
    """True when *python* is *interpreter*'s kind and version and has pytest and pytest-timeout."""
    try:
        output = subprocess.run([str(python), "-c", _PROBE], capture_output=True, text=True,
                                timeout=120, stdin=subprocess.DEVNULL).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return False
    return output == [interpreter.implementation] + [str(part) for part in interpreter.version]


def venv_steps(interpreter, venv):
    """The commands that make *venv* for *interpreter* (3.6 needs an older pip first)."""
    python = str(venv_python(venv))
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    steps = [[interpreter.path, "-m", "venv", "--clear", str(venv)]]
    if tuple(interpreter.version[:2]) == (3, 6):
        steps.append(pip + ["-U", "pip<22"])
    return steps + [pip + ["pytest", "pytest-timeout"]]


def ensure_venv(interpreter, log, board, column=None):
    """Make (or reuse) .venv-report/<name> for *interpreter*, telling the
    board's line of *column* (default: the interpreter's); return its python."""
    venv = VENVS / interpreter.name
    if not _venv_ready(venv_python(venv), interpreter):
        board.update(column or interpreter.name, phase="making %s" % venv.relative_to(ROOT))
        for step in venv_steps(interpreter, venv):
            subprocess.run(step, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           check=True, timeout=RUN_TIMEOUT)
    return venv_python(venv)


def suite_command(python, impls, results, pytest_args=(), tree=None):
    """The pytest command line of one run (with *tree*'s stdlib, if given)."""
    command = [str(python), "-m", "pytest"] + SUITE + ["-p", "no:cacheprovider", "-p", PLUGIN, "-q",
                                                       "--spec-results", str(results)]
    for impl in impls:
        command += ["--impl", impl]
    if tree is not None:
        command += ["--stdlib-from", str(tree.path)]
    return command + list(pytest_args)


def _follow(process, progress_file, name, board, deadline):
    """Wait for *process*, feeding the board from the plugin's progress
    file; kill it past *deadline* (TimeoutExpired) or if this goes wrong."""
    seen, counts, total = 0, collections.Counter(), None
    try:
        while True:
            finished = process.poll() is not None
            seen, total = _read_progress(progress_file, seen, counts, total)
            board.update(name, done=sum(counts.values()), total=total, failures=counts["failed"])
            if finished:
                return process.returncode
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(process.args, RUN_TIMEOUT)
            time.sleep(0.5)
    finally:
        if process.poll() is None:  # past the deadline, or this went wrong: leave no run behind
            process.kill()
            process.wait()


def _read_progress(progress_file, seen, counts, total):
    """Count the progress lines after the first *seen* into *counts*;
    return (lines seen, total)."""
    if not progress_file.exists():
        return seen, total
    lines = progress_file.read_text(encoding="utf-8").splitlines()
    for line in lines[seen:]:
        kind, _, value = line.partition(" ")
        if kind == "total":
            total = int(value)
        else:
            counts[value] += 1
    return len(lines), total


def _mark_tree(document, run, impls):
    """Make a tree run's document say so: where its stdlib came from, under
    the column's tree name, and why the other implementations did not run."""
    if run.tree is not None:
        document["stdlib_from"] = dict(document.get("stdlib_from", {"tree": str(run.tree.path)}),
                                       name=run.tree.name)
        document.setdefault("not_run", {}).update({impl: TREE_RUNS_STDLIB_ONLY for impl in impls
                                                   if impl not in run.impls})
    return document


def run_one(run, results_dir, board, venv_lock, pytest_args=(), impls=()):
    """Do one Run of the clause tests; save and return its results document
    (with a "run" entry: interpreter, pytest exit, seconds, log, error).
    *venv_lock* guards the interpreter's venv, which its runs share; *impls*
    are the report's implementations (a tree's run says why it left some out)."""
    interpreter = run.interpreter
    log_path = results_dir / (run.name + ".log")
    entry = {"interpreter": interpreter.path, "pytest_exit": None, "seconds": None, "log": str(log_path)}
    document = {"python": "%d.%d.%d" % tuple(interpreter.version[:3]),
                "implementation": interpreter.implementation, "implementations": list(run.impls), "tests": []}
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log, tempfile.TemporaryDirectory(prefix="report-") as scratch:
        results, progress_file = pathlib.Path(scratch) / "results.json", pathlib.Path(scratch) / "progress"
        try:
            with venv_lock:
                python = ensure_venv(interpreter, log, board, run.name)
            board.update(run.name, phase="running")
            log.flush()
            env = dict(os.environ, REPORT_PROGRESS_FILE=str(progress_file))
            process = subprocess.Popen(suite_command(python, run.impls, results, pytest_args, run.tree),
                                       cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, env=env)
            entry["pytest_exit"] = _follow(process, progress_file, run.name, board, started + RUN_TIMEOUT)
            if results.exists():
                document = json.loads(results.read_text(encoding="utf-8"))
            else:
                entry["error"] = "pytest left no results (exit status %d)" % entry["pytest_exit"]
        except subprocess.TimeoutExpired as timeout:
            entry["error"] = "timed out after %d s: %s" % (timeout.timeout, " ".join(map(str, timeout.cmd)))
        except (OSError, subprocess.CalledProcessError) as exc:
            entry["error"] = "could not run: %s" % exc
    entry["seconds"] = round(time.monotonic() - started, 1)
    document["run"] = entry
    _mark_tree(document, run, impls)
    (results_dir / (run.name + ".json")).write_text(json.dumps(document, indent=1), encoding="utf-8")
    return document


def run_all(runs, results_dir, jobs, board, pytest_args=(), impls=()):
    """Do every Run, *jobs* at a time, in the order given (plan's); return
    their documents. *impls*: the report's implementations."""
    results_dir.mkdir(parents=True, exist_ok=True)
    venv_locks = {run.interpreter.name: threading.Lock() for run in runs}

    def one(run):
        document = run_one(run, results_dir, board, venv_locks[run.interpreter.name], pytest_args, impls)
        board.update(run.name, phase="finished: " + describe_run(document))
        return document

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, runs))
