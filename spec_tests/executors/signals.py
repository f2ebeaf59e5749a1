"""A cross-process, cross-interpreter event: ``Signal``.

Tasks of a process pool, a subinterpreter or a dask worker cannot touch a
``threading.Event`` of the test process, and a ``multiprocessing.Manager``
proxy only works where the manager's authkey is known (not in a fresh
subinterpreter, nor in a worker some other tool started). So the test
process runs a ``Hub``: a loopback socket server holding named
``threading.Event`` objects. A ``Signal`` is just (address, name): it
pickles anywhere and talks to the hub over one short TCP connection per
operation. Waiting blocks in the hub, on the event itself: no polling.
"""

import socket
import threading

from spec_tests.support import BOUND


class Hub:
    """Named events served on 127.0.0.1; close() stops it."""

    def __init__(self):
        self._events = {}
        self._counts = {}
        self._lock = threading.Lock()
        self._counted = threading.Condition(self._lock)
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.address = self._server.getsockname()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="signal-hub", daemon=True)
        self._thread.start()

    def event(self, name):
        with self._lock:
            return self._events.setdefault(name, threading.Event())

    def signal(self, name):
        return Signal(self.address, name)

    def counter(self, name):
        return Counter(self.address, name)

    def _add(self, name):
        with self._counted:
            self._counts[name] = self._counts.get(name, 0) + 1
            self._counted.notify_all()

    def _reached(self, name, count, timeout):
        with self._counted:
            self._counted.wait_for(lambda: self._closed.is_set() or self._counts.get(name, 0) >= count, timeout)
            return self._counts.get(name, 0) >= count

    def _count(self, name):
        with self._lock:
            return self._counts.get(name, 0)

    def _serve(self):
        while not self._closed.is_set():
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        with connection:
            request = _read_line(connection).split(" ")
            verb, name = request[0], request[1]
            if verb == "add":
                self._add(name)
                reply = 1
            elif verb == "reached":
                reply = int(self._reached(name, int(request[2]), float(request[3])))
            elif verb == "count":
                reply = self._count(name)
            elif verb == "set":
                self.event(name).set()
                reply = 1
            elif verb == "wait":
                reply = int(self.event(name).wait(float(request[2])))
            else:
                reply = int(self.event(name).is_set())
            connection.sendall(b"%d\n" % reply)

    def close(self):
        self._closed.set()
        for event in list(self._events.values()):
            event.set()  # release every waiter
        with self._counted:
            self._counted.notify_all()  # and every counter's
        # close() alone does not wake a thread blocked in accept() on Linux;
        # shutdown() does (and fails harmlessly where nothing is blocked).
        try:
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._server.close()
        self._thread.join(BOUND)


def _read_line(connection):
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(256)
        if not chunk:
            break
        data += chunk
    return data.decode("ascii").strip()


def _ask(address, words, timeout):
    """Send one request to the hub; its numeric answer."""
    with socket.create_connection(address, timeout=timeout) as connection:
        connection.sendall((" ".join(words) + "\n").encode("ascii"))
        return int(_read_line(connection))


class Signal:
    """A named event of a Hub, usable from any process on this machine."""

    def __init__(self, address, name):
        self.address = tuple(address)
        self.name = name

    def _ask(self, *words, timeout=None):
        return _ask(self.address, words, timeout) == 1

    def set(self):
        self._ask("set", self.name, timeout=BOUND)

    def is_set(self):
        return self._ask("is", self.name, timeout=BOUND)

    def wait(self, timeout=BOUND):
        return self._ask("wait", self.name, repr(float(timeout)), timeout=timeout + BOUND)

    def __repr__(self):
        return "<Signal %s>" % self.name


class Gate:
    """A task's gate: ``entered`` once a worker runs it, blocked until opened."""

    def __init__(self, hub, name):
        self.entered = hub.signal(name + ".entered")
        self.opened = hub.signal(name + ".opened")
        self.left = hub.signal(name + ".left")

    def open(self):
        self.opened.set()


class Counter:
    """A named count of a Hub: calls in any process add to it, the test
    waits until it reaches a number (blocking in the hub, no polling)."""

    def __init__(self, address, name):
        self.address = tuple(address)
        self.name = name

    def add(self):
        _ask(self.address, ("add", self.name), BOUND)

    def reached(self, count, timeout=BOUND):
        return _ask(self.address, ("reached", self.name, str(count), repr(float(timeout))), timeout + BOUND) == 1

    def value(self):
        return _ask(self.address, ("count", self.name), BOUND)

    def __repr__(self):
        return "<Counter %s>" % self.name
