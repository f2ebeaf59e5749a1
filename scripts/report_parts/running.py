"""Running the suite: one virtual environment per interpreter
(.venv-report/<name>, made once with pytest and pytest-timeout, then
reused), one run of the clause tests per interpreter, *jobs* at a time,
longest first, with live progress on a Board.

Each run's results are kept in <results dir>/<name>.json (the suite's
--spec-results document plus a "run" entry) and its output in <name>.log."""

import concurrent.futures
import json
import os
import pathlib
import subprocess
import tempfile
import time
from collections import Counter

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


def ensure_venv(interpreter, log, board):
    """Make (or reuse) .venv-report/<name> for *interpreter*; return its python."""
    venv = VENVS / interpreter.name
    if not _venv_ready(venv_python(venv), interpreter):
        board.update(interpreter.name, phase="making %s" % venv.relative_to(ROOT))
        for step in venv_steps(interpreter, venv):
            subprocess.run(step, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           check=True, timeout=RUN_TIMEOUT)
    return venv_python(venv)


def suite_command(python, impls, results, pytest_args=()):
    """The pytest command line of one run."""
    command = [str(python), "-m", "pytest"] + SUITE + ["-p", "no:cacheprovider", "-p", PLUGIN, "-q",
                                                       "--spec-results", str(results)]
    for impl in impls:
        command += ["--impl", impl]
    return command + list(pytest_args)


def _follow(process, progress_file, name, board, deadline):
    """Wait for *process*, feeding the board from the plugin's progress file."""
    seen, counts, total = 0, Counter(), None
    while True:
        finished = process.poll() is not None
        if progress_file.exists():
            lines = progress_file.read_text(encoding="utf-8").splitlines()
            for line in lines[seen:]:
                kind, _, value = line.partition(" ")
                if kind == "total":
                    total = int(value)
                else:
                    counts[value] += 1
            seen = len(lines)
            board.update(name, done=sum(counts.values()), total=total, failures=counts["failed"])
        if finished:
            return process.returncode
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise subprocess.TimeoutExpired(process.args, RUN_TIMEOUT)
        time.sleep(0.5)


def run_one(interpreter, impls, results_dir, board, pytest_args=()):
    """Run the clause tests on one interpreter; save and return its results
    document (with a "run" entry: interpreter, pytest exit, seconds, log, error)."""
    log_path = results_dir / (interpreter.name + ".log")
    run = {"interpreter": interpreter.path, "pytest_exit": None, "seconds": None, "log": str(log_path)}
    document = {"python": "%d.%d.%d" % tuple(interpreter.version[:3]),
                "implementation": interpreter.implementation, "implementations": list(impls), "tests": []}
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log, tempfile.TemporaryDirectory(prefix="report-") as scratch:
        results, progress_file = pathlib.Path(scratch) / "results.json", pathlib.Path(scratch) / "progress"
        try:
            python = ensure_venv(interpreter, log, board)
            board.update(interpreter.name, phase="running")
            log.flush()
            env = dict(os.environ, REPORT_PROGRESS_FILE=str(progress_file))
            process = subprocess.Popen(suite_command(python, impls, results, pytest_args), cwd=str(ROOT),
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
            run["pytest_exit"] = _follow(process, progress_file, interpreter.name, board, started + RUN_TIMEOUT)
            if results.exists():
                document = json.loads(results.read_text(encoding="utf-8"))
            else:
                run["error"] = "pytest left no results (exit status %d)" % run["pytest_exit"]
        except subprocess.TimeoutExpired as timeout:
            run["error"] = "timed out after %d s: %s" % (timeout.timeout, " ".join(map(str, timeout.cmd)))
        except (OSError, subprocess.CalledProcessError) as exc:
            run["error"] = "could not run: %s" % exc
    run["seconds"] = round(time.monotonic() - started, 1)
    document["run"] = run
    (results_dir / (interpreter.name + ".json")).write_text(json.dumps(document, indent=1), encoding="utf-8")
    return document


def run_all(interpreters, impls, results_dir, jobs, board, pytest_args=()):
    """Run every interpreter, *jobs* at a time, longest first; return their documents."""
    results_dir.mkdir(parents=True, exist_ok=True)

    def one(interpreter):
        document = run_one(interpreter, impls, results_dir, board, pytest_args)
        board.update(interpreter.name, phase="finished: " + describe_run(document))
        return document

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, longest_first(interpreters)))
