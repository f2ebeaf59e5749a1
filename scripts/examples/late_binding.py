"""The late-binding closure bug: a lambda made in a loop looks its loop
variable up when it RUNS, not when it was made. Callbacks run after the
loop has moved on, so every one of them sees the last name. Bind the value
when the callback is made: a default argument, or functools.partial."""

import functools
import threading
import time

from _common import load_futures


NAMES = ["a.txt", "b.txt", "c.txt"]


def download(name, network_up):
    network_up.wait()  # real downloads are simply slower than the loop
    time.sleep(0.01)  # the download itself
    return "<%s>" % name


def label(lines, name, future):
    lines.append("%s -> %s" % (name, future.result()))


def main():
    cf = load_futures(__doc__)
    buggy, with_default, with_partial = [], [], []
    network_up = threading.Event()
    with cf.ThreadPoolExecutor(max_workers=3) as executor:
        for name in NAMES:
            future = executor.submit(download, name, network_up)
            # BUG: `name` is read when the callback runs, after the loop.
            future.add_done_callback(lambda f: label(buggy, name, f))
            # Fixes: the value is bound now.
            future.add_done_callback(lambda f, name=name: label(with_default, name, f))
            future.add_done_callback(functools.partial(label, with_partial, name))
        network_up.set()
    # The with-block waited for the workers and so for their callbacks.
    # (Callbacks of different futures run in any order: sort to compare.)
    print("buggy:       ", sorted(buggy))
    print("name=name:   ", sorted(with_default))
    print("partial:     ", sorted(with_partial))


if __name__ == "__main__":
    main()
