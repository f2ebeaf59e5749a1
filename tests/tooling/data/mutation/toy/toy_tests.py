"""The toy project's tests (its spec_tests/test_chain.py). Each runs once
per implementation, like the real chain tests, so that two tests run the
same lines: the case a coverage core that records a line once loses."""

import subprocess
import sys
import threading

from reference import chain


def test_shared(impl):
    assert chain.shared(1) == 2


def test_first(impl):
    assert chain.shared(0) == 1 and chain.first_only(1) == 0


def test_thread(impl):
    thread = threading.Thread(target=chain.in_a_thread, args=(1,))
    thread.start()
    thread.join()


def test_child(impl):
    subprocess.run([sys.executable, '-c', 'from reference import chain; chain.in_a_child(1)'], check=True)
