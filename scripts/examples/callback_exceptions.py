"""Exceptions in callbacks: a Future logs what a callback raises and
carries on, so an error in a hand-made chain never reaches the caller.
then() carries it in the future it returns instead, as the same object,
and recover() turns it back into a result."""

import logging
import sys
import time

from _common import load_futures

from reference.chain import recover, then


class BriefFormatter(logging.Formatter):
    """Log records on one line: the exception without its traceback."""

    def formatException(self, exc_info):
        return "    (%s: %s)" % (exc_info[0].__name__, exc_info[1])


def fetch(url):
    time.sleep(0.02)  # the network, which is down
    raise ConnectionError("%s is unreachable" % url)


def parse(page):
    return page.upper()


def main():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(BriefFormatter("log: %(message)s"))
    logging.getLogger("concurrent.futures").addHandler(handler)
    cf = load_futures(__doc__)

    print("1. a hand-made chain: the callback calls result(), which raises")
    with cf.ThreadPoolExecutor(max_workers=2) as executor:
        fetched = executor.submit(fetch, "example.org")
        fetched.add_done_callback(lambda future: executor.submit(parse, future.result()))
    # The with-block waited for the worker, and so for the callback: by now
    # the error has been logged and swallowed. The caller holds no future
    # that failed except fetched, which it was never meant to watch.
    print("   the caller got nothing back: the error went to the log only")

    print("2. then(): the error lands in the future the caller holds")
    with cf.ThreadPoolExecutor(max_workers=2) as executor:
        fetched = executor.submit(fetch, "example.org")
        parsed = then(fetched, parse, executor)
        try:
            parsed.result()
        except ConnectionError as exc:
            print("   caught %s: %s" % (type(exc).__name__, exc))
            print("   the same object fetch raised:", exc is fetched.exception())
        fallback = recover(parsed, lambda exc: "<cached copy>")
        print("   recover() gives:", fallback.result())


if __name__ == "__main__":
    main()
