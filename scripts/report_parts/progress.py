"""Live progress of the runs: on a terminal, a line per interpreter redrawn
in place once a second (tests done of total, failures so far, elapsed);
elsewhere (CI logs) plain lines: started, each quarter done, finished."""

import sys
import threading
import time


class Board:
    """What every run is doing, shown on *stream* (live when it is a terminal)."""

    def __init__(self, names, stream=None, live=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.names = list(names)
        self.width = max([9] + [len(name) for name in self.names])  # '3.15+main' and longer line up
        self.states = {name: {"phase": "waiting", "done": 0, "total": None, "failures": 0,
                              "started": None, "quarter": 0} for name in self.names}
        self.lock = threading.Lock()
        self.drawn = 0
        self.stopped = threading.Event()
        self.ticker = None

    def say(self, message):
        """Print one message line (above the live lines)."""
        with self.lock:
            self._clear()
            self.stream.write("report: %s\n" % message)
            self._draw()

    def update(self, name, **changes):
        """Change a run's state: phase, done, total, failures."""
        with self.lock:
            state = self.states[name]
            if changes.get("phase") == "running" and state["started"] is None:
                state["started"] = time.monotonic()
            state.update(changes)
            if self.live:
                self._clear()
                self._draw()
            elif "phase" in changes:
                self.stream.write("report: %s\n" % self.line(name))
                self.stream.flush()
            else:
                self._plain(name, state)

    def line(self, name):
        """'3.13      412/1820 tests  0 failed   63 s  running'."""
        state = self.states[name]
        elapsed = "%4d s" % (time.monotonic() - state["started"]) if state["started"] else "     "
        total = "?" if state["total"] is None else str(state["total"])
        return "%-*s %5d/%-5s tests %3d failed  %s  %s" % (
            self.width, name, state["done"], total, state["failures"], elapsed, state["phase"])

    def _plain(self, name, state):
        quarter = 4 * state["done"] // state["total"] if state["total"] else 0
        if quarter > state["quarter"] and state["phase"] == "running" and quarter < 4:
            state["quarter"] = quarter
            self.stream.write("report: %s\n" % self.line(name))
            self.stream.flush()

    def _clear(self):
        if self.live and self.drawn:
            self.stream.write("\x1b[%dF\x1b[J" % self.drawn)
        self.drawn = 0

    def _draw(self):
        if self.live and not self.stopped.is_set():
            for name in self.names:
                self.stream.write("\x1b[K%s\n" % self.line(name))
            self.drawn = len(self.names)
        self.stream.flush()

    def start(self):
        """Redraw once a second while the runs go on (terminals only)."""
        def tick():
            while not self.stopped.wait(1):
                with self.lock:
                    self._clear()
                    self._draw()
        if self.live:
            self.ticker = threading.Thread(target=tick, name="report-progress", daemon=True)
            self.ticker.start()
        return self

    def stop(self):
        """Leave the final lines on the screen and stop redrawing."""
        with self.lock:
            self._clear()
            self._draw()
            self.stopped.set()
            self.drawn = 0
        if self.ticker:
            self.ticker.join()
