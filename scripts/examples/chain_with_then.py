"""The fix: the same fetch -> parse -> save, chained with reference.chain.
pipeline() and then() return the LAST future, which carries save's result
(or the first failure), so the caller waits on the right thing."""

import time

from _common import load_futures

from reference.chain import pipeline, then


def fetch(url):
    time.sleep(0.02)  # the network
    return "<title>%s</title>" % url


def parse(page):
    return page[len("<title>"):-len("</title>")]


def save(title):
    time.sleep(0.01)  # the disk
    return "saved %r" % title


def main():
    cf = load_futures(__doc__)
    with cf.ThreadPoolExecutor(max_workers=2) as executor:
        # One call: each step is submitted when the one before it succeeds.
        final = pipeline(executor, [fetch, parse, save], "example.org")
        print("pipeline() result:", final.result())

        # The same, link by link: each then() returns a NEW future.
        fetched = executor.submit(fetch, "python.org")
        parsed = then(fetched, parse, executor)
        stored = then(parsed, save, executor)
        print("then() result:", stored.result())

        # The last future is an ordinary future: wait() and friends work.
        done, _ = cf.wait([final, stored])
        print("wait() saw both done:", len(done) == 2)


if __name__ == "__main__":
    main()
