"""Check that a cluster leaves no process or listening port behind."""

import contextlib
import socket

from spec_tests.support import BOUND


class Watch:
    def __init__(self):
        self.ports = set()

    def ports_of(self, cluster):
        addresses = [cluster.scheduler_address] + [
            getattr(worker, "address", None) or "" for worker in cluster.workers.values()]
        for address in addresses:
            if address.startswith("tcp://"):
                self.ports.add(int(address.rsplit(":", 1)[1]))


HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def _process_helper(process):
    """multiprocessing's resource tracker (and forkserver) serve this test
    process, not the cluster: started once by the first spawn, they end
    when this process does (scripts/executors.py checks that afterwards)."""
    try:
        return any(helper in " ".join(process.cmdline()) for helper in HELPERS)
    except Exception:  # gone already, or not ours to read
        return False


@contextlib.contextmanager
def leaves_nothing_behind():
    import psutil  # a dependency of distributed
    me = psutil.Process()
    before = {child.pid for child in me.children(recursive=True)}
    watch = Watch()
    yield watch
    new = [child for child in me.children(recursive=True)
           if child.pid not in before and not _process_helper(child)]
    _, alive = psutil.wait_procs(new, timeout=BOUND)
    assert not alive, "processes left running: %s" % alive
    for port in sorted(watch.ports):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, "port %d still listening" % port
