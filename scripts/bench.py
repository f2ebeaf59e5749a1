"""Side-by-side benchmark of two concurrent.futures implementations.

    python3 scripts/bench.py                      # concurrent.futures vs reference
    python3 scripts/bench.py --json bench.json --markdown bench.md --chart bench.png
    python3 scripts/bench.py --quick              # tiny sizes, 2 rounds (for the tests)
    python3 scripts/bench.py --impl concurrent.futures --impl mypkg.futures

Method. Everything runs in one process, on one Python, so both
implementations see the same interpreter, the same machine and the same
noise. Each metric is measured in several rounds; in every round each
implementation takes one sample, in alternating order (baseline first in
even rounds, candidate first in odd ones), so that a slow patch of the
machine or a warming cache falls on both. The table shows, per
implementation, the median of its samples, and as the ratio the median of
the per-round ratios (each round's pair is measured side by side, so its
ratio is the least disturbed number we have):

    ratio = candidate / baseline  for what is better higher (throughput)
    ratio = baseline / candidate  for what is better lower (time, memory)

so a ratio above 1 always means the candidate (by default ``reference``)
is better. Timed sections run with the garbage collector disabled, as
timeit does; memory is traced with tracemalloc. Memory is deterministic to
a few per cent, so the expensive memory metrics (a million-item map under
tracemalloc, several times slower than without it) take a single round,
and the million-future wait() and as_completed() take 3 rounds. A metric
that an implementation does not support (map's buffersize before CPython
3.14) is reported as n/a.

Sizes are fixed per metric (see METRICS); --quick divides them by 100.
Per-future times of wait() and as_completed() at 10k, 100k and 1M show
how the cost grows with n. They start with cold CPU caches (64 MiB of
memory written first), as a million futures never fit in them. Even so,
the hardware makes any pass over a million objects dearer per object than
over ten thousand (cache and TLB misses: a million futures take hundreds
of megabytes). So the floor is measured too: a bare set() of the same
futures, which both functions build first. It is a yardstick, not a
comparison (no ratio), and a table after the main one shows the growth
from 10k to 1M of wait(), as_completed() and the floor: an algorithm
linear in n grows no faster than the floor.

The default run takes 1 to 2.5 minutes on a 2-core machine; the total time
is printed. Only the standard library is needed; --chart uses matplotlib
when it is importable and is skipped (with a note) when it is not.
"""

import argparse
import collections
import contextlib
import gc
import importlib
import inspect
import json
import pathlib
import platform
import statistics
import sys
import threading
import time
import tracemalloc

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ALIASES = {"stdlib": "concurrent.futures", "reference": "reference"}
DEFAULT_IMPLS = ("stdlib", "reference")
WORKERS = 4
BUFFERSIZE = 1000
ROUNDS = 5
QUICK_ROUNDS = 2
QUICK_DIVISOR = 100
CACHE_FLUSH_BYTES = 64 << 20  # more than the last-level cache of common CPUs


class Implementation:
    """One implementation under comparison: a module with the
    concurrent.futures API, and its fixtures (data that several metrics
    share, dropped when the last of them is done)."""

    def __init__(self, name):
        self.label = name
        self.module_name = ALIASES.get(name, name)
        self.module = importlib.import_module(self.module_name)
        self.Future = self.module.Future
        self.ThreadPoolExecutor = self.module.ThreadPoolExecutor
        self.wait = self.module.wait
        self.as_completed = self.module.as_completed
        self.has_buffersize = "buffersize" in inspect.signature(self.ThreadPoolExecutor.map).parameters
        self.fixtures = {}


class NotSupported(Exception):
    """The implementation lacks what the metric measures: reported as n/a."""


# ---------------------------------------------------------------- helpers

@contextlib.contextmanager
def gc_disabled():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then watch.seconds; no gc inside."""

    def __enter__(self):
        self._gc = gc_disabled()
        self._gc.__enter__()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.perf_counter() - self._start
        self._gc.__exit__(*exc_info)


@contextlib.contextmanager
def traced_peak():
    """Trace memory allocations; yields a dict whose 'peak' (bytes above
    the start) and 'current' are filled in at the end. Started afresh each
    time, since tracemalloc.reset_peak() is 3.9+."""
    outcome = {}
    with gc_disabled():
        tracemalloc.start()
        try:
            yield outcome
            outcome["current"], outcome["peak"] = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()


def identity(x):
    return x


@contextlib.contextmanager
def started_pool(impl):
    """A pool with all WORKERS threads already running (so that thread
    start-up stays out of what is measured), shut down on exit."""
    executor = impl.ThreadPoolExecutor(WORKERS)
    try:
        barrier = threading.Barrier(WORKERS + 1, timeout=30)
        for _ in range(WORKERS):
            executor.submit(barrier.wait)
        barrier.wait()
        yield executor
    finally:
        executor.shutdown(wait=True)


def gated_futures(executor, n):
    """Submit n trivial calls behind WORKERS blockers; return the futures
    (all pending) and the gate that lets the workers run them."""
    gate = threading.Event()
    for _ in range(WORKERS):
        executor.submit(gate.wait)
    return [executor.submit(identity, i) for i in range(n)], gate


def evict_caches():
    """Write CACHE_FLUSH_BYTES of fresh memory, so that what a measurement
    touches next comes from RAM: small sizes then get no warm-cache head
    start over large ones (whose data cannot fit in the caches)."""
    flush = bytearray(CACHE_FLUSH_BYTES)  # zero-filled: every byte written
    del flush


def finished_futures(impl, n):
    """n finished futures: the first n of a list kept per implementation,
    grown as larger sizes are asked for (so the 10k, 100k and 1M metrics
    of wait() and as_completed() share the same futures)."""
    futures = impl.fixtures.setdefault("finished", [])
    with gc_disabled():
        while len(futures) < n:
            future = impl.Future()
            future.set_result(None)
            futures.append(future)
    return futures[:n]


# ---------------------------------------------------------------- metrics
# Each takes (implementation, n) and returns one sample in the metric's unit.

def submit_result_throughput(impl, n):
    """Submit n trivial calls, then take every result."""
    with started_pool(impl) as executor:
        with Stopwatch() as watch:
            futures = [executor.submit(identity, i) for i in range(n)]
            for future in futures:
                future.result()
    return n / watch.seconds


def map_throughput(impl, n):
    """map() a trivial function over range(n) and consume the results."""
    with started_pool(impl) as executor:
        with Stopwatch() as watch:
            for _ in executor.map(identity, range(n)):
                pass
    return n / watch.seconds


def map_buffersize_throughput(impl, n):
    if not impl.has_buffersize:
        raise NotSupported("map() has no buffersize")
    with started_pool(impl) as executor:
        with Stopwatch() as watch:
            for _ in executor.map(identity, range(n), buffersize=BUFFERSIZE):
                pass
    return n / watch.seconds


def callback_dispatch(impl, n):
    """On n futures made by hand: add one callback each, then set_result()
    each (which runs the callback). Making the futures is not timed."""
    with gc_disabled():
        futures = [impl.Future() for _ in range(n)]
    calls = []
    with Stopwatch() as watch:
        for future in futures:
            future.add_done_callback(calls.append)
        for future in futures:
            future.set_result(None)
    assert len(calls) == n
    return watch.seconds * 1e9 / n


def future_creation(impl, n):
    """Future() n times, the futures kept (their freeing is not timed)."""
    Future = impl.Future
    with Stopwatch() as watch:
        futures = [Future() for _ in range(n)]
    del futures
    return watch.seconds * 1e9 / n


def pending_future_memory(impl, n):
    """Bytes still allocated per future after making n of them."""
    futures = [None] * n  # allocated before tracing starts
    Future = impl.Future
    with traced_peak() as memory:
        for i in range(n):
            futures[i] = Future()
    return memory["current"] / n


def wait_finished(impl, n):
    """wait() (ALL_COMPLETED) on n futures that are all finished already."""
    futures = finished_futures(impl, n)
    evict_caches()
    with Stopwatch() as watch:
        done, not_done = impl.wait(futures)
    assert not not_done
    return watch.seconds * 1e9 / n


def as_completed_finished(impl, n):
    """Iterate as_completed() over n futures that are all finished already."""
    futures = finished_futures(impl, n)
    evict_caches()
    with Stopwatch() as watch:
        for _ in impl.as_completed(futures):
            pass
    return watch.seconds * 1e9 / n


def set_floor(impl, n):
    """set() over the same n finished futures: the least work any wait()
    or as_completed() does (both first drop duplicates from their input),
    so the floor their per-future cost stands on at each size."""
    futures = finished_futures(impl, n)
    evict_caches()
    with Stopwatch() as watch:
        set(futures)
    return watch.seconds * 1e9 / n


def wait_pending(impl, n):
    """wait() on n pending futures while the pool completes them: from
    opening the gate to wait() returning."""
    with started_pool(impl) as executor:
        futures, gate = gated_futures(executor, n)
        with Stopwatch() as watch:
            gate.set()
            done, not_done = impl.wait(futures)
    assert not not_done
    return watch.seconds * 1e9 / n


def as_completed_pending(impl, n):
    """as_completed() over n pending futures while the pool completes them."""
    with started_pool(impl) as executor:
        futures, gate = gated_futures(executor, n)
        with Stopwatch() as watch:
            gate.set()
            for _ in impl.as_completed(futures):
                pass
    return watch.seconds * 1e9 / n


def round_trip_latency(impl, n):
    """Mean time of submit() then result() on an idle pool, n trips one
    after the other. The mean, not the median: on an otherwise idle machine
    a trip takes either ~15 or ~35 us (whether the thread it wakes must
    wait for its CPU to leave an idle state), and the median jumps between
    the two modes as their shares cross one half."""
    with started_pool(impl) as executor:
        with Stopwatch() as watch:
            for i in range(n):
                executor.submit(identity, i).result()
    return watch.seconds * 1e6 / n


def map_peak_memory(impl, n):
    """Traced peak while map() (submitting everything at once) is consumed."""
    with started_pool(impl) as executor:
        with traced_peak() as memory:
            for _ in executor.map(identity, range(n)):
                pass
    return memory["peak"] / 1e6


def map_buffersize_peak_memory(impl, n):
    """Traced peak while map(buffersize=BUFFERSIZE) is consumed: with a
    bounded buffer it should not depend on n."""
    if not impl.has_buffersize:
        raise NotSupported("map() has no buffersize")
    with started_pool(impl) as executor:
        with traced_peak() as memory:
            for _ in executor.map(identity, range(n), buffersize=BUFFERSIZE):
                pass
    return memory["peak"] / 1e6


def size_label(n):
    for factor, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= factor and n % factor == 0:
            return "%d%s" % (n // factor, suffix)
    return str(n)


Metric = collections.namedtuple("Metric", "name title function n unit better rounds fixture compared")


def _metric(name, title, function, n, unit, better, rounds=None, fixture=None, compared=True):
    """compared=False: a yardstick, measured on both sides but given no
    ratio (it does not measure the implementations)."""
    assert better in ("higher", "lower")
    return Metric(name, title, function, n, unit, better, rounds, fixture, compared)


def _at_each_size(name, title, function, compared=True):
    """The metric over 10k, 100k and 1M of the shared finished futures
    (the million in 3 rounds only: it takes seconds per round)."""
    return [_metric("%s_%s" % (name, size_label(n)), title, function, n, "ns/future", "lower",
                    rounds=3 if n == 1_000_000 else None, fixture="finished", compared=compared)
            for n in (10_000, 100_000, 1_000_000)]


# The registry, in running order. Metrics sharing a fixture are adjacent
# (it is dropped when the next metric does not use it).
METRICS = [
    _metric("submit_result", "submit + result throughput", submit_result_throughput,
            100_000, "tasks/s", "higher"),
    _metric("map", "map throughput", map_throughput, 100_000, "items/s", "higher"),
    _metric("map_buffersize", "map(buffersize=%d) throughput" % BUFFERSIZE,
            map_buffersize_throughput, 100_000, "items/s", "higher"),
    _metric("callback_dispatch", "callback dispatch (add + set_result)", callback_dispatch,
            100_000, "ns/future", "lower"),
    _metric("future_creation", "Future() creation", future_creation, 100_000, "ns/future", "lower"),
    _metric("pending_future_memory", "memory per pending Future", pending_future_memory,
            10_000, "bytes/future", "lower"),
    *_at_each_size("wait_finished", "wait(), finished futures", wait_finished),
    *_at_each_size("as_completed_finished", "as_completed(), finished futures", as_completed_finished),
    *_at_each_size("set_floor", "set(), finished futures (the floor)", set_floor, compared=False),
    _metric("wait_pending", "wait(), pending futures completed by the pool", wait_pending,
            20_000, "ns/future", "lower"),
    _metric("as_completed_pending", "as_completed(), pending futures completed by the pool",
            as_completed_pending, 20_000, "ns/future", "lower"),
    _metric("round_trip_latency", "single-task round trip (mean)", round_trip_latency,
            2_000, "us", "lower"),
    _metric("map_peak_memory", "map peak memory", map_peak_memory,
            1_000_000, "MB", "lower", rounds=1),
    _metric("map_buffersize_peak_memory_100k", "map(buffersize=%d) peak memory" % BUFFERSIZE,
            map_buffersize_peak_memory, 100_000, "MB", "lower", rounds=1),
    _metric("map_buffersize_peak_memory_1M", "map(buffersize=%d) peak memory" % BUFFERSIZE,
            map_buffersize_peak_memory, 1_000_000, "MB", "lower", rounds=1),
]


# ---------------------------------------------------------------- running

def sample(metric, impl, n):
    """One sample, or None if the implementation does not support it."""
    try:
        return metric.function(impl, n)
    except NotSupported:
        return None


def measure(metric, baseline, candidate, n, rounds):
    """Run *rounds* alternating rounds; return the metric's result record."""
    samples = {baseline: [], candidate: []}
    ratios = []
    for round_number in range(rounds):
        order = (baseline, candidate) if round_number % 2 == 0 else (candidate, baseline)
        got = {impl: sample(metric, impl, n) for impl in order}
        for impl in order:
            samples[impl].append(got[impl])
        if metric.compared and got[baseline] is not None and got[candidate] is not None:
            ratio = got[candidate] / got[baseline]
            ratios.append(ratio if metric.better == "higher" else 1 / ratio)

    def median(values):
        values = [value for value in values if value is not None]
        return statistics.median(values) if values else None

    return {
        "name": metric.name,
        "title": metric.title,
        "n": n,
        "unit": metric.unit,
        "better": metric.better,
        "compared": metric.compared,
        "rounds": rounds,
        "baseline": median(samples[baseline]),
        "candidate": median(samples[candidate]),
        "ratio": median(ratios),
        "samples": {"baseline": samples[baseline], "candidate": samples[candidate]},
    }


def run(metrics, baseline, candidate, divisor, rounds, progress):
    results = []
    for index, metric in enumerate(metrics):
        n = max(1, metric.n // divisor)
        started = time.perf_counter()
        results.append(measure(metric, baseline, candidate, n, min(metric.rounds or rounds, rounds)))
        progress("%-34s %6.1fs" % (metric.name, time.perf_counter() - started))
        following = metrics[index + 1].fixture if index + 1 < len(metrics) else None
        if metric.fixture and metric.fixture != following:
            for impl in (baseline, candidate):
                impl.fixtures.pop(metric.fixture, None)
        gc.collect()
    return results


# ---------------------------------------------------------------- output

def human(value, unit):
    if value is None:
        return "n/a"
    if unit in ("tasks/s", "items/s"):
        return "%.0fk" % (value / 1e3)
    if value >= 100:
        return "%.0f" % value
    if value >= 10:
        return "%.1f" % value
    return "%.2f" % value


def table_rows(results, labels):
    """The header and one row per metric, as strings."""
    rows = [("metric", labels[0], labels[1], "ratio")]
    for r in results:
        rows.append(("%s, n=%s (%s)" % (r["title"], size_label(r["n"]), r["unit"]),
                     human(r["baseline"], r["unit"]), human(r["candidate"], r["unit"]),
                     ratio_label(r)))
    return rows


def ratio_label(result):
    if not result["compared"]:
        return "-"
    return "n/a" if result["ratio"] is None else "%.2fx" % result["ratio"]


SCALING_ROWS = (("wait_finished", "wait()"), ("as_completed_finished", "as_completed()"),
                ("set_floor", "set() (the floor)"))


def scaling(results):
    """The candidate's ns per finished future at each size (10k, 100k, 1M
    unless --quick), for wait(), as_completed() and the floor, with the
    growth from the smallest size to the largest:
    {"sizes": [n, ...], prefix: {"ns": [...], "growth": last/first}}.
    Empty unless all of those metrics ran."""
    table = {}
    for prefix, _ in SCALING_ROWS:
        runs = sorted((r for r in results if r["name"].startswith(prefix + "_")), key=lambda r: r["n"])
        if len(runs) < 2:
            return {}
        table["sizes"] = [r["n"] for r in runs]
        ns = [r["candidate"] for r in runs]
        table[prefix] = {"ns": ns, "growth": ns[-1] / ns[0]}
    return table


def scaling_table(table, label):
    sizes = [size_label(n) for n in table["sizes"]]
    cell = " %7s" * len(sizes)
    lines = ["%s, ns per finished future as n grows (cold caches):" % label,
             ("%-18s" + cell + "  %s") % tuple([""] + sizes + ["%s/%s" % (sizes[-1], sizes[0])])]
    for prefix, title in SCALING_ROWS:
        row = table[prefix]
        lines.append(("%-18s" + cell + "  %5.2fx") % tuple(
            [title] + ["%.0f" % ns for ns in row["ns"]] + [row["growth"]]))
    return "\n".join(lines)


def terminal_table(results, labels):
    rows = table_rows(results, labels)
    widths = [max(len(row[column]) for row in rows) for column in range(4)]

    def line(row):
        return "  ".join([row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])])

    return "\n".join([line(rows[0]), line(["-" * width for width in widths])] + [line(row) for row in rows[1:]])


def markdown_table(results, labels):
    header, *rows = table_rows(results, labels)
    return "\n".join(["| %s |" % " | ".join(header), "|---|---:|---:|---:|"]
                     + ["| %s |" % " | ".join(row) for row in rows])


def chart(results, labels, path):
    """A bar chart of the ratios, if matplotlib is importable."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--chart: matplotlib is not installed; no chart written", file=sys.stderr)
        return False
    shown = [r for r in results if r["ratio"] is not None]
    figure, axes = plt.subplots(figsize=(9, 0.35 * len(shown) + 1.5))
    names = ["%s (n=%s)" % (r["title"], size_label(r["n"])) for r in shown][::-1]
    ratios = [r["ratio"] for r in shown][::-1]
    # Bars grow from 1 (parity), right where the candidate is better.
    axes.barh(names, [ratio - 1 for ratio in ratios], left=1,
              color=["tab:green" if ratio >= 1 else "tab:red" for ratio in ratios])
    axes.axvline(1.0, color="black", linewidth=1)
    axes.set_xscale("log")
    low, high = min(ratios + [1]), max(ratios + [1])
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low / 2 <= t <= high * 2]
    axes.set_xticks(ticks)
    axes.set_xticklabels(["%gx" % t for t in ticks])
    axes.minorticks_off()
    axes.set_xlabel("ratio (> 1: %s better than %s)" % (labels[1], labels[0]))
    axes.set_title("%s vs %s, Python %s" % (labels[1], labels[0], platform.python_version()))
    figure.tight_layout()
    figure.savefig(path)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--impl", action="append", metavar="MODULE",
                        help="implementation module, given twice: baseline then candidate "
                             "(stdlib and reference are aliases; default: stdlib reference)")
    parser.add_argument("--quick", action="store_true",
                        help="sizes / %d and %d rounds (a smoke test; the numbers mean little)"
                             % (QUICK_DIVISOR, QUICK_ROUNDS))
    parser.add_argument("--rounds", type=int, help="rounds per metric (default %d)" % ROUNDS)
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this metric (repeatable)")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument("--markdown", metavar="PATH", help="write the table as Markdown (for docs/benchmark.md)")
    parser.add_argument("--chart", metavar="PATH", help="bar chart of the ratios (PNG/SVG; needs matplotlib)")
    args = parser.parse_args(argv)

    names = args.impl or list(DEFAULT_IMPLS)
    if len(names) != 2:
        parser.error("--impl must be given exactly twice (baseline, candidate)")
    metrics = [m for m in METRICS if not args.only or m.name in args.only]
    unknown = set(args.only or ()) - {m.name for m in METRICS}
    if unknown:
        parser.error("unknown metrics: %s" % ", ".join(sorted(unknown)))
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS)
    divisor = QUICK_DIVISOR if args.quick else 1
    baseline, candidate = Implementation(names[0]), Implementation(names[1])
    labels = (baseline.label, candidate.label)

    print("Python %s (%s); %s (%s) vs %s (%s); %d rounds%s" % (
        platform.python_version(), platform.python_implementation(),
        labels[0], baseline.module_name, labels[1], candidate.module_name, rounds,
        ", quick" if args.quick else ""), flush=True)
    started = time.perf_counter()
    results = run(metrics, baseline, candidate, divisor, rounds,
                  progress=lambda message: print("  " + message, file=sys.stderr, flush=True))
    total = time.perf_counter() - started

    print()
    print(terminal_table(results, labels))
    print("\nratio > 1: %s is better (faster, or smaller). Total time %.1fs." % (labels[1], total))
    growth = scaling(results)
    if growth:
        print()
        print(scaling_table(growth, labels[1]))

    if args.json:
        document = {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "baseline": {"label": labels[0], "module": baseline.module_name},
            "candidate": {"label": labels[1], "module": candidate.module_name},
            "rounds": rounds,
            "quick": args.quick,
            "workers": WORKERS,
            "buffersize": BUFFERSIZE,
            "total_seconds": total,
            "metrics": results,
            "scaling": growth,
        }
        pathlib.Path(args.json).write_text(json.dumps(document, indent=1), encoding="utf-8")
    if args.markdown:
        pathlib.Path(args.markdown).write_text(markdown_table(results, labels) + "\n", encoding="utf-8")
    if args.chart:
        chart(results, labels, args.chart)
    return 0


if __name__ == "__main__":
    sys.exit(main())
