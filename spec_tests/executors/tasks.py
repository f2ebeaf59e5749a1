"""Module-level, picklable calls that the profile submits: they run in
threads, processes, subinterpreters or on dask workers alike."""


def identity(value):
    return value


def echo(*args, **kwargs):
    return args, kwargs


def add(left, right):
    return left + right


def fail(message="boom"):
    raise ValueError(message)


def fail_on(value, bad):
    if value == bad:
        raise ValueError(value)
    return value


def gated(gate, value=None):
    """Note that a worker runs this, block until the test opens the gate."""
    gate.entered.set()
    gate.opened.wait()
    gate.left.set()
    return value


def count_in_and_wait(counter, opened, index):
    """Call 0 returns at once; every other call adds itself to *counter*
    and blocks until *opened* is set."""
    if index:
        counter.add()
        opened.wait()
    return index


def mark(signal, value=None):
    """Note that the call ran (for checking a call never ran)."""
    signal.set()
    return value


def wait_then(signal, value=None):
    """Wait for *signal* (set by the test or by another task), return *value*."""
    if signal is not None:
        signal.wait()
    return value


def step(action, argument):
    """One call of a mixed map: "value" returns it, "gate" blocks on it,
    "mark" notes that it ran."""
    if action == "gate":
        return gated(argument)
    if action == "mark":
        return mark(argument)
    return argument
