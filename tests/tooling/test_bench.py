"""scripts/bench.py, the side-by-side benchmark: a quick run (tiny sizes)
writes JSON with every metric of GitHub issue 7. The numbers of such a run
mean nothing, so nothing here asserts on timing."""

import json
import pathlib
import platform
import subprocess
import sys

import pytest

if platform.python_implementation() == "PyPy":
    pytest.skip("scripts/bench.py measures memory with tracemalloc, which PyPy does not have",
                allow_module_level=True)

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
BENCH = ROOT / "scripts" / "bench.py"

# The metrics the issue asks for, by name in the JSON.
EXPECTED_METRICS = [
    "submit_result",
    "map",
    "map_buffersize",
    "callback_dispatch",
    "future_creation",
    "pending_future_memory",
    "wait_finished_10k",
    "wait_finished_100k",
    "wait_finished_1M",
    "as_completed_finished_10k",
    "as_completed_finished_100k",
    "as_completed_finished_1M",
    "set_floor_10k",
    "set_floor_100k",
    "set_floor_1M",
    "wait_pending",
    "as_completed_pending",
    "round_trip_latency",
    "map_peak_memory",
    "map_buffersize_peak_memory_100k",
    "map_buffersize_peak_memory_1M",
]
BUFFERSIZE_METRICS = {"map_buffersize", "map_buffersize_peak_memory_100k",
                      "map_buffersize_peak_memory_1M"}
# Yardsticks: measured on both sides, never compared.
FLOOR_METRICS = {"set_floor_10k", "set_floor_100k", "set_floor_1M"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """(the JSON document, the terminal output, the Markdown table) of one
    quick run."""
    directory = tmp_path_factory.mktemp("bench")
    completed = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", str(directory / "bench.json"),
         "--markdown", str(directory / "bench.md")],
        capture_output=True, text=True, timeout=120, cwd=str(ROOT), stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr
    return (json.loads((directory / "bench.json").read_text(encoding="utf-8")), completed.stdout,
            (directory / "bench.md").read_text(encoding="utf-8"))


def test_every_metric_is_reported_once_in_order(quick_run):
    document, _, _ = quick_run
    assert [metric["name"] for metric in document["metrics"]] == EXPECTED_METRICS


def test_the_run_is_described(quick_run):
    document, _, _ = quick_run
    assert document["python"] == "%d.%d.%d" % sys.version_info[:3]
    assert document["baseline"] == {"label": "stdlib", "module": "concurrent.futures"}
    assert document["candidate"] == {"label": "reference", "module": "reference"}
    assert document["quick"] is True
    assert document["total_seconds"] > 0


@pytest.mark.parametrize("name", EXPECTED_METRICS)
def test_a_metric_has_values_a_positive_ratio_and_its_samples(quick_run, name):
    document, _, _ = quick_run
    metric = {metric["name"]: metric for metric in document["metrics"]}[name]
    assert metric["better"] in ("higher", "lower")
    assert metric["unit"] and metric["n"] >= 1 and metric["rounds"] >= 1
    assert metric["candidate"] > 0  # the reference supports everything
    for side in ("baseline", "candidate"):
        assert len(metric["samples"][side]) == metric["rounds"]
    assert metric["compared"] is (name not in FLOOR_METRICS)
    stdlib_lacks_it = name in BUFFERSIZE_METRICS and sys.version_info < (3, 14)
    if not metric["compared"]:
        assert metric["baseline"] > 0 and metric["ratio"] is None
    elif stdlib_lacks_it:
        assert metric["baseline"] is None and metric["ratio"] is None
        assert metric["samples"]["baseline"] == [None] * metric["rounds"]
    else:
        assert metric["baseline"] > 0
        assert metric["ratio"] > 0


def test_the_table_shows_every_metric_and_the_total_time(quick_run):
    document, output, _ = quick_run
    lines = output.splitlines()
    assert any(line.split() == ["metric", "stdlib", "reference", "ratio"] for line in lines)
    titles = tuple(metric["title"] + ", n=" for metric in document["metrics"])
    assert len([line for line in lines if line.startswith(titles)]) == len(document["metrics"])
    assert "Total time" in output


def test_the_markdown_table_has_a_row_per_metric(quick_run):
    document, _, markdown = quick_run
    lines = markdown.splitlines()
    assert lines[:2] == ["| metric | stdlib | reference | ratio |", "|---|---:|---:|---:|"]
    assert len(lines) == 2 + len(document["metrics"])


def test_the_growth_with_n_is_reported_beside_the_floor(quick_run):
    document, output, _ = quick_run
    scaling = document["scaling"]
    assert scaling["sizes"] == [100, 1000, 10000]  # 10k, 100k, 1M divided by --quick's 100
    by_name = {metric["name"]: metric for metric in document["metrics"]}
    for prefix, size_names in [("wait_finished", ("10k", "100k", "1M")),
                               ("as_completed_finished", ("10k", "100k", "1M")),
                               ("set_floor", ("10k", "100k", "1M"))]:
        ns = [by_name["%s_%s" % (prefix, size)]["candidate"] for size in size_names]
        assert scaling[prefix] == {"ns": ns, "growth": ns[-1] / ns[0]}
    assert "ns per finished future as n grows" in output
    assert any(line.startswith("set() (the floor)") for line in output.splitlines())


def test_the_chart_is_drawn_or_skipped_with_a_note(tmp_path):
    """--chart needs matplotlib, which is never a dependency: with it a file
    is written, without it the run still succeeds and says why not."""
    path = tmp_path / "ratios.svg"
    completed = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--only", "future_creation", "--chart", str(path)],
        capture_output=True, text=True, timeout=120, cwd=str(ROOT), stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed; no chart written" in completed.stderr
        assert not path.exists()
    else:
        assert path.stat().st_size > 0
