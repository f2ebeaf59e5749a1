"""A callback added to a future that is already done runs at once, in the
thread that adds it, before add_done_callback() returns. The same holds
for then() without an executor: its step runs inside the then() call."""

import threading

from _common import load_futures

from reference.chain import then


def where(what):
    print("  %s runs in thread %s" % (what, threading.current_thread().name))


def double(value):
    where("then()'s step")
    return value * 2


def main():
    cf = load_futures(__doc__)
    with cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker") as executor:
        future = executor.submit(pow, 2, 10)
        print("the future is done:", future.result())

        print("add_done_callback() called")
        future.add_done_callback(lambda f: where("the callback"))
        print("add_done_callback() returned")

        print("then() called")
        doubled = then(future, double)
        print("then() returned a future already done:", doubled.done(), doubled.result())


if __name__ == "__main__":
    main()
