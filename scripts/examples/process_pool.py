"""ProcessPoolExecutor (a standard-library executor; this project has
threads only): the call runs in a child process, but callbacks and then()
steps never leave the parent. They run in a thread of the parent process,
so they are never pickled and may be lambdas; keep them short, since they
hold up the thread that collects results. A program that starts processes
must guard its entry point with `if __name__ == "__main__"`, because child
processes may import the main module."""

import argparse
import concurrent.futures
import os
import threading

import _common  # noqa: F401  (puts the repository on sys.path)
from reference.chain import then


def square(n):
    """Runs in a child process: defined at module level, so it pickles."""
    return n * n, os.getpid()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--impl", choices=["stdlib", "reference"], default="reference")
    print("implementation: concurrent.futures (ProcessPoolExecutor)")
    if parser.parse_args().impl == "reference":
        print("  (reference has threads only, so --impl reference changes nothing here)")
    parent = os.getpid()
    seen = []

    def callback(future):  # runs in the parent: never pickled
        seen.append((os.getpid() == parent, threading.current_thread().name))

    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as executor:
        future = executor.submit(square, 12)
        future.add_done_callback(callback)
        value, child = future.result()
        print("square(12) =", value, "computed in a child process:", child != parent)
        described = then(future, lambda outcome: "%d, as a then() step in the parent" % outcome[0])
        print("then():", described.result())
    in_parent, thread = seen[0]
    print("the callback ran in the parent process:", in_parent)
    print("  in thread %s" % thread)


if __name__ == "__main__":
    main()
