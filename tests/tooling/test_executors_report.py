"""scripts/executors.py and its matrix builder on recorded results
(tests/tooling/data/executors/: real runs of the executor profile on
CPython 3.11, stdlib and reference thread pools, fork process pool, dask
with threads, mpi4py in an MPI job, and a profile not run there), the
profile's plugin loading itself and staying out of the main suite, and the
launcher of a profile that lives in an MPI job. Nothing here runs an
executor profile's tests."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from scripts import executors, executors_matrix
from scripts.report_parts.statuses import FAILS, HOLDS, NOT_RUN, OLD
from spec_tests.executors import launch

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
DATA = pathlib.Path(__file__).resolve().parent / "data" / "executors"
SPEC_TEXT = (ROOT / "SPEC.md").read_text(encoding="utf-8")


def _documents():
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(DATA.glob("*.json"))]


@pytest.fixture(scope="module")
def matrix():
    return executors_matrix.build(_documents(), SPEC_TEXT)


def _cell(matrix, clause_id, column_id):
    (row,) = [row for row in matrix["rows"] if row["id"] == clause_id]
    return row["cells"][column_id]


def test_columns_follow_the_profiles_order(matrix):
    assert [c["id"] for c in matrix["columns"]] == [
        "stdlib-thread@3.11", "reference-thread@3.11", "process-fork@3.11", "interpreter@3.11",
        "dask-threads@3.11", "mpi4py@3.11"]


def test_rows_are_the_named_clauses_in_spec_order(matrix):
    ids = [row["id"] for row in matrix["rows"]]
    order = list(executors_matrix.spec_part.clause_info(SPEC_TEXT))
    assert ids == sorted(ids, key=order.index)
    assert "Executor.map/order" in ids and "ThreadPoolExecutor/thread-names" not in ids


@pytest.mark.parametrize("clause_id, column_id, status", [
    ("Executor.map/order", "stdlib-thread@3.11", HOLDS),
    ("Executor.map/buffersize-lazy", "stdlib-thread@3.11", OLD),  # 3.14+: strict xfail on 3.11
    ("Executor.submit/cancel-before-start", "process-fork@3.11", FAILS),
    ("Executor.map/buffersize-lazy", "process-fork@3.11", OLD),
    ("Executor.map/after-shutdown", "dask-threads@3.11", FAILS),
    ("Executor.map/buffersize-lazy", "dask-threads@3.11", FAILS),  # not the CPython's: no "old"
    ("Executor.map/order", "interpreter@3.11", NOT_RUN),
    ("wait/shutdown-cancelled", "mpi4py@3.11", FAILS),  # mpi4py notifies, on purpose
    ("Executor.map/buffersize-lazy", "mpi4py@3.11", HOLDS),
    ("asyncio.run_in_executor/result", "mpi4py@3.11", HOLDS),
    ("asyncio.run_in_executor/result", "reference-thread@3.11", FAILS),  # asyncio refuses its futures
    ("asyncio.wrap_future/cancel-queued", "process-fork@3.11", FAILS),
    ("asyncio.wrap_future/cancel-queued", "stdlib-thread@3.11", HOLDS),
])
def test_cells(matrix, clause_id, column_id, status):
    assert _cell(matrix, clause_id, column_id) == status


def test_every_failing_cell_carries_the_tests_message(matrix):
    found = {(clause, column): messages for clause, column, messages in executors_matrix.failing(matrix)}
    assert any("could not be cancelled" in m for m in found[
        ("Executor.submit/cancel-before-start", "process-fork@3.11")])
    assert all(messages for messages in found.values())


def test_the_thread_pools_prove_the_tests(matrix):
    assert executors_matrix.must_hold(matrix) == []
    assert executors_matrix.must_hold(matrix, profiles=("process-fork",))


def test_the_reference_is_not_asked_to_prove_the_asyncio_tests(matrix, monkeypatch):
    monkeypatch.setattr(executors_matrix, "CANNOT_PROVE", {})
    unproven = executors_matrix.must_hold(matrix)
    assert unproven and all(clause_id.startswith("asyncio.") and column_id == "reference-thread@3.11"
                            for clause_id, column_id in unproven)


def test_terminal_table(matrix):
    text = executors_matrix.render_text(matrix)
    line = [l for l in text.splitlines() if l.strip().startswith("Executor.submit/cancel-before-start")][0]
    assert line.split()[1:] == ["ok", "ok", "XX", "nr", "ok", "ok"]
    assert "not run: needs Python 3.14+" in text and "thread-pool-only" in text


def test_the_terminal_table_fits_a_1366_px_window_with_22_columns(matrix):
    """22 columns (eleven profiles on two Pythons) at 5 characters, after
    the clause: 155 characters, which a 1366 px terminal shows."""
    columns = matrix["columns"] * 4
    wide = dict(matrix, columns=columns[:22])
    assert max(len(line) for line in executors_matrix.table_lines(wide)) <= 44 + 1 + 22 * 5


def test_the_docs_page_is_dated_and_names_every_version(matrix):
    page = executors_matrix.render_markdown(matrix, "Linux x86_64 with 2 cores", {"total": 106, "installs": 21})
    assert "Run of 2026-12-06 on Linux x86_64 with 2 cores" in page
    assert "mpi4py 4.1.2" in page and "MPI MPICH 5.0.2" in page and "CPython 3.11.7" in page
    assert "The whole run took 106 s, installs 21 s of it." in page
    assert "`mpi` mpi4py's MPIPoolExecutor in an MPI job" in page
    assert "- mpi4py, `wait/shutdown-cancelled` (3.11): " in page


def test_html_is_self_contained_and_escaped(matrix):
    page = executors_matrix.render_html(matrix)
    assert "http://" not in page.replace('href="http', "") and "<script" not in page
    assert "src=" not in page and "@import" not in page
    assert "&lt;Future at" in page  # a failure message, escaped
    assert page.count("<tr>") == len(matrix["rows"]) + 1


def test_from_results_renders_and_exits_by_the_thread_pools(tmp_path, capsys):
    results = tmp_path / "results"
    shutil.copytree(str(DATA), str(results))
    page = tmp_path / "executors.html"
    assert executors.main(["--from-results", str(results), "--html", str(page)]) == 0
    assert page.exists() and json.loads(page.with_suffix(".json").read_text())["rows"]
    assert "cells that do not hold" in capsys.readouterr().out
    leftover = results / "3.11-process-fork.json"
    document = json.loads(leftover.read_text())
    document["run"]["leftover"] = ["4242"]
    leftover.write_text(json.dumps(document))
    assert executors.main(["--from-results", str(results), "--html", str(page)]) == 1


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc (Linux)")
def test_session_processes_finds_this_session():
    assert os.getpid() in executors.session_processes(os.getsid(0))


def _collect(*args):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"] + list(args),
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
        env=dict(os.environ, FUTURES_SPEC_EXECUTOR=""), timeout=120)


def test_the_main_suite_collects_no_profile_test():
    run = _collect("spec_tests")
    assert run.returncode == 0 and "spec_tests/executors" not in run.stdout


def test_the_profile_needs_no_plugin_option():
    run = _collect("spec_tests/executors", "--executor", "concurrent.futures:ThreadPoolExecutor")
    assert run.returncode == 0 and "test_map_yields_in_input_order" in run.stdout


@pytest.mark.parametrize("path", ["spec_tests/executors", "spec_tests/executors/test_map.py"])
def test_the_profile_without_an_executor_says_what_to_give(path):
    run = _collect(path)
    assert run.returncode == 4  # a usage error
    (line,) = [line for line in run.stdout.splitlines() if line.strip()]
    assert "--executor MODULE:CALLABLE" in line and "FUTURES_SPEC_EXECUTOR" in line


class _Leaver:
    """A launcher whose job leaves a process behind, in a session of its
    own (as a daemon would), and a shared-memory segment, then runs pytest
    as a launched job does."""

    env = {}

    def __init__(self, segment):
        self.segment = segment
        self.shm_prefixes = (segment,)

    def command(self, python):
        leave = ("import os, runpy, subprocess, sys; "
                 "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], "
                 "start_new_session=True); "  # a stand-in daemon: run() must find and end it
                 "open(os.path.join('/dev/shm', %r), 'w').close(); "
                 "sys.argv[:] = sys.argv[2:]; "  # drop '-m spec_tests.executors.launch'
                 "runpy.run_module('spec_tests.executors.launch', run_name='__main__')" % self.segment)
        return [python, "-c", leave]


def _running(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not (os.path.isdir("/proc/self") and os.path.isdir("/dev/shm")), reason="Linux only")
def test_a_launched_job_that_leaves_something_is_caught_and_its_process_ended():
    segment = "futures-spec-test-%d" % os.getpid()
    try:
        code, left = launch.run(_Leaver(segment), ["--version"], str(ROOT), grace=1.0)
    finally:
        if os.path.exists("/dev/shm/" + segment):
            os.unlink("/dev/shm/" + segment)
    assert code == 0  # pytest --version, as rank 0 left it in the status file
    (process,) = [item for item in left if item.startswith("process ")]
    assert "/dev/shm/" + segment in left
    pid = int(process.split()[1])
    assert not launch.lingering(lambda: [pid] if _running(pid) else [], grace=5.0)


def test_a_job_that_left_no_status_is_a_failure(tmp_path):
    assert launch._status(str(tmp_path / "none"), 0) == 3
    assert launch._status(str(tmp_path / "none"), 1) == 1
    (tmp_path / "status").write_text("5\n")
    assert launch._status(str(tmp_path / "status"), 0) == 5
