"""Callback basics: add_done_callback(fn) calls fn(future) once the future
is done, in the order the callbacks were added, in the thread that
completed the future (for an executor's future: the worker)."""

import threading
import time

from _common import load_futures


def download(name, network_up):
    network_up.wait()  # so the callbacks below are surely added first
    time.sleep(0.02)  # the download itself
    return "<contents of %s>" % name


def main():
    cf = load_futures(__doc__)
    seen = []  # callbacks run in another thread: collect, print later

    def log_result(future):
        seen.append("log_result got %s in thread %s"
                    % (future.result(), threading.current_thread().name))

    def count_bytes(future):
        seen.append("count_bytes: %d characters" % len(future.result()))

    network_up = threading.Event()
    with cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker") as executor:
        future = executor.submit(download, "a.txt", network_up)
        future.add_done_callback(log_result)
        future.add_done_callback(count_bytes)
        network_up.set()
        print("main thread: result() =", future.result())
    # Leaving the with-block waited for the worker, which runs the callbacks
    # right after the task: result() alone may return before they have run.
    for line in seen:
        print(line)


if __name__ == "__main__":
    main()
