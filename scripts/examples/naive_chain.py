"""The pitfall: chaining fetch -> parse -> save with add_done_callback and
handing back the FIRST future. The caller waits on fetch alone; parse and
save run later, and nothing the caller holds tells when they are done."""

import threading
import time

from _common import load_futures


saved = threading.Event()  # only for this demo: the chain gives us no handle on save


def fetch(url):
    time.sleep(0.02)  # the network
    return "<title>%s</title>" % url


def parse(page):
    return page[len("<title>"):-len("</title>")]


def save(title):
    time.sleep(0.01)  # the disk
    saved.set()
    return "saved %r" % title


def fetch_parse_save(executor, url):
    """The tutorial's chain: each callback submits the next step."""
    fetched = executor.submit(fetch, url)

    def after_fetch(future):
        parsed = executor.submit(parse, future.result())
        parsed.add_done_callback(lambda future: executor.submit(save, future.result()))

    fetched.add_done_callback(after_fetch)
    return fetched  # BUG: the first future; parse's and save's are lost


def main():
    cf = load_futures(__doc__)
    with cf.ThreadPoolExecutor(max_workers=2) as executor:
        future = fetch_parse_save(executor, "example.org")
        print("fetch_parse_save() returned the FIRST future (fetch's)")
        print("its result():", future.result())
        print("save's result is nowhere: no future we hold carries it")
        # Without this wait the with-block could shut the executor down
        # before the callbacks submit parse and save (they would fail, logged).
        ran = saved.wait(5)
    print("save ran later:", ran, "- only a side channel (an Event) could tell")


if __name__ == "__main__":
    main()
