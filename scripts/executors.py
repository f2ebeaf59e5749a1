#!/usr/bin/env python3
"""The executor matrix: the executor profile (spec_tests/executors) run on
every executor it ships, on the Pythons you pick, then clauses x executors.

    python3 scripts/executors.py                          # 3.11 and 3.14 (when found), every profile
    python3 scripts/executors.py --pythons 3.14 --profiles stdlib-thread,interpreter
    python3 scripts/executors.py --from-results report/executors   # re-render, run nothing
    python3 scripts/executors.py --docs docs/executors.md  # also the dated page in docs/

Each Python gets a virtual environment of its own, .venv-executors/<name>,
with pytest and pytest-timeout, plus loky, distributed, mpi4py and mpich
(MPI from PyPI) when a profile needs them (reference/ never does). Each profile runs in its
own pytest process, one after another (lean on a small machine), in a
session of its own: once it ends, a process of that session still alive was
left behind, which is reported (and ended). Results go to
report/executors/<python>-<profile>.json (the plugin's --executor-results
document plus a "run" entry) and .log; the matrix to the terminal,
report/executors.html and report/executors.json.

Exit status 1 when the stdlib or reference thread pool does not hold every
clause (they prove the tests), a run went wrong, or something was left
behind; the other executors' differences are the matrix's findings.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import executors_matrix, pythons  # noqa: E402
from spec_tests.executors import launch  # noqa: E402
from spec_tests.executors.profiles import PROFILES  # noqa: E402

VENVS = ROOT / ".venv-executors"
RESULTS = ROOT / "report" / "executors"
RUN_TIMEOUT = 900  # seconds for one profile's whole run; per test, pytest-timeout rules
DEFAULT_PYTHONS = ("3.11", "3.14")
# What each profile needs besides pytest, by distribution name (the mpich
# wheel brings the MPI library and mpiexec.gforker into the venv's bin/).
NEEDS = {"loky": ["loky"], "loky-reusable": ["loky"],
         "dask-processes": ["distributed"], "dask-threads": ["distributed"],
         "mpi4py": ["mpi4py", "mpich"]}


def version(name):
    return tuple(int(part) for part in name.split("."))


def requirements(profiles):
    packages = ["pytest", "pytest-timeout"]
    for profile in profiles:
        packages += [p for p in NEEDS.get(profile, []) if p not in packages]
    return packages


def ensure_venv(interpreter, packages):
    """.venv-executors/<name> with *packages*, made or topped up; its python."""
    venv = VENVS / interpreter.name
    python = venv / "bin" / "python"
    # installed distributions, not modules: mpich has no module to import
    probe = "import importlib.metadata as m; [m.distribution(name) for name in %r]" % (packages,)
    if python.exists() and subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0:
        return python
    if not python.exists():
        subprocess.run([interpreter.path, "-m", "venv", str(venv)], check=True)
    print("== installing %s into %s" % (" ".join(packages), venv.relative_to(ROOT)), flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
                   + packages, check=True)
    return python


def session_processes(session_id):
    """PIDs of the processes still alive in session *session_id* (Linux /proc)."""
    alive = []
    for entry in pathlib.Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":  # state, ppid, pgrp, session
            alive.append(int(entry.name))
    return alive


def run_profile(python, name, profile, results_dir, pytest_args):
    """Run one profile; return its results document with a "run" entry."""
    stem = "%s-%s" % (name, profile)
    json_path, log_path = results_dir / (stem + ".json"), results_dir / (stem + ".log")
    if json_path.exists():
        json_path.unlink()
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider",
               "--executor", "spec_tests.executors.profiles:" + PROFILES[profile][0],
               "--executor-results", str(json_path), "-q", "spec_tests/executors"] + pytest_args
    # Bytecode goes to a cache of our own, never beside the sources, and is
    # written: an interpreter whose stdlib ships without .pyc files (3.14
    # here) otherwise compiles it anew in every worker process it starts.
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(VENVS / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.monotonic()
    error, leftover = None, []
    with open(log_path, "w") as log:
        child = subprocess.Popen(command, cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = child.wait(RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            code, error = None, "the run took over %d s and was stopped" % RUN_TIMEOUT
    if code is None:
        child.kill()
        child.wait()
    if os.name == "posix":
        # multiprocessing's resource tracker, for one, ends a moment after the
        # process it serves, once it reads the end of its pipe: hence a grace.
        # What is still there was left behind, and is ended: this run's session.
        leftover = ["process %d" % pid for pid in launch.end(launch.lingering(
            lambda: session_processes(child.pid)))]
    if code not in (0, 1, None):
        error = "pytest exit %d (see %s)" % (code, log_path.relative_to(ROOT))
    try:
        document = json.loads(json_path.read_text())
    except (OSError, ValueError):
        document = {"tests": []}
        error = error or "no results (see %s)" % log_path.relative_to(ROOT)
    leftover += document.pop("left_behind", [])  # what a launched job left (launch.py)
    document["run"] = {"profile": profile, "python": name, "pytest_exit": code, "error": error,
                       "leftover": leftover, "wall_seconds": round(time.monotonic() - started, 1),
                       "date": time.strftime("%Y-%m-%d")}
    json_path.write_text(json.dumps(document, indent=1))
    return document


def machine():
    """This machine in words, for the docs: system, architecture, cores, and
    how busy it was (the timings depend on it: the machine may be shared)."""
    uname = os.uname() if hasattr(os, "uname") else None
    system = "%s %s" % (uname.sysname, uname.machine) if uname else sys.platform
    words = "%s with %d cores" % (system, os.cpu_count() or 1)
    if hasattr(os, "getloadavg"):
        words += " (load average %.1f as the run ended)" % os.getloadavg()[0]
    return words


def not_run(profile, name, why):
    return {"tests": [], "run": {"profile": profile, "python": name, "not_run": why}}


def run_all(args):
    found = {interpreter.name: interpreter for interpreter in pythons.find()}
    wanted = args.pythons.split(",") if args.pythons else [n for n in DEFAULT_PYTHONS if n in found]
    profiles = args.profiles.split(",") if args.profiles else list(PROFILES)
    unknown = [p for p in profiles if p not in PROFILES]
    if unknown:
        sys.exit("unknown profiles %s; known: %s" % (unknown, ", ".join(PROFILES)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    documents, installing = [], 0.0
    for name in wanted:
        if name not in found:
            sys.exit("no Python %s here (found: %s)" % (name, ", ".join(found)))
        runnable = [p for p in profiles if version(name) >= PROFILES[p][1]]
        documents += [not_run(p, name, "needs Python %d.%d+" % PROFILES[p][1])
                      for p in profiles if p not in runnable]
        if not runnable:
            continue
        started = time.monotonic()
        python = ensure_venv(found[name], requirements(runnable))
        installing += time.monotonic() - started
        for profile in runnable:
            print("== %s on %s ..." % (profile, name), end=" ", flush=True)
            document = run_profile(python, name, profile, RESULTS, args.pytest_args.split())
            counts = {}
            for record in document["tests"]:
                counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
            print("%s in %.1f s%s" % (", ".join("%d %s" % (n, o) for o, n in sorted(counts.items())) or "no tests",
                                      document["run"]["wall_seconds"],
                                      "; " + document["run"]["error"] if document["run"]["error"] else ""),
                  flush=True)
            documents.append(document)
    return documents, installing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pythons", help="comma-separated names (3.11,3.14); default: %s when found"
                        % ",".join(DEFAULT_PYTHONS))
    parser.add_argument("--profiles", help="comma-separated profiles; default: all of " + ", ".join(PROFILES))
    parser.add_argument("--from-results", metavar="DIR", help="render the documents in DIR, run nothing")
    parser.add_argument("--pytest-args", default="", help="more arguments for every pytest run")
    parser.add_argument("--html", default=str(ROOT / "report" / "executors.html"))
    parser.add_argument("--docs", metavar="PATH", help="also write the matrix as Markdown, dated, with "
                        "the versions of everything (docs/executors.md)")
    args = parser.parse_args(argv)
    started, timing = time.monotonic(), None
    if args.from_results:
        documents = [json.loads(path.read_text()) for path in sorted(pathlib.Path(args.from_results).glob("*.json"))]
        if not documents:
            raise SystemExit("no results (*.json) in %s" % args.from_results)
    else:
        documents, installing = run_all(args)
        timing = {"total": time.monotonic() - started, "installs": installing}
        for document in documents:  # profiles not run there get a document too
            if document["run"].get("not_run"):
                path = RESULTS / ("%s-%s.json" % (document["run"]["python"], document["run"]["profile"]))
                path.write_text(json.dumps(document, indent=1))
    matrix = executors_matrix.build(documents, (ROOT / "SPEC.md").read_text(encoding="utf-8"))
    print()
    print(executors_matrix.render_text(matrix), end="")
    html_path = pathlib.Path(args.html)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(executors_matrix.render_html(matrix), encoding="utf-8")
    html_path.with_suffix(".json").write_text(json.dumps(matrix, indent=1), encoding="utf-8")
    print("wrote %s and %s" % (html_path, html_path.with_suffix(".json").name))
    if args.docs:
        pathlib.Path(args.docs).write_text(executors_matrix.render_markdown(matrix, machine(), timing),
                                           encoding="utf-8")
        print("wrote %s" % args.docs)
    problems = [c for c in matrix["columns"] if c["error"] or c["leftover"]]
    unproven = executors_matrix.must_hold(matrix)
    for clause_id, column_id in unproven:
        print("a thread pool does not hold %s (%s): the tests need fixing" % (clause_id, column_id))
    return 1 if problems or unproven else 0


if __name__ == "__main__":
    sys.exit(main())
