"""Runs a profile whose executor only exists inside a launched job.

An ``MPIPoolExecutor`` without spawning needs its workers started with the
program (``mpiexec -n 3 python -m mpi4py.futures ...``): the test process
must be rank 0 of that job. A factory says so with a ``launcher`` (see
profiles.MPIJob): the plugin then starts the launcher with this pytest's own
arguments, the tests run in there, and this process only waits for the job
and checks that it left nothing behind: no process of the job (each carries
a token in its environment, which survives a process that moved to a
session of its own) and no shared-memory segment of the MPI library. A
listening port needs a live process, so no process means no port.
"""

import os
import signal
import subprocess
import sys
import time
import uuid

MARK = "FUTURES_SPEC_LAUNCHED"  # set in the job's environment: "this is the launched run"
GRACE = 10.0  # seconds a process of the job may take to end after the job's launcher did
SHM = "/dev/shm"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def launched():
    """True inside a launched job (the plugin runs the tests here)."""
    return MARK in os.environ


def lingering(find, grace=GRACE):
    """What find() still returns *grace* seconds from now, or [] as soon as
    it returns nothing. Processes that are not our children cannot be
    joined, so this polls (it waits for an end, it synchronizes no test)."""
    deadline = time.monotonic() + grace
    while True:
        alive = find()
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def carrying(token):
    """PIDs of the processes whose environment holds MARK=token (Linux /proc;
    elsewhere none can be found)."""
    needle = ("%s=%s" % (MARK, token)).encode()
    found = []
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(os.path.join(entry.path, "environ"), "rb") as environ:
                if needle in environ.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:  # gone already, or a zombie
            continue
    return found


def segments(prefixes):
    """The entries of /dev/shm whose names start with one of *prefixes*."""
    if not os.path.isdir(SHM):
        return set()
    return {name for name in os.listdir(SHM) if name.startswith(tuple(prefixes))}


def run(launcher, args, cwd):
    """Run ``launcher.command(python) + [-m pytest] + args`` in *cwd*; return
    (the job's exit status, [what it left behind]). A process left behind is
    ended (it carries this job's token). A new segment is only reported: its
    name does not say whose it is (another MPI job may have made it)."""
    token = uuid.uuid4().hex
    env = dict(os.environ, **launcher.env)
    env[MARK] = token
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    before = segments(launcher.shm_prefixes)
    command = launcher.command(sys.executable) + ["-m", "pytest"] + list(args)
    code = subprocess.call(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL)
    left = ["process %d" % pid for pid in end(lingering(lambda: carrying(token)))]
    for name in sorted(segments(launcher.shm_prefixes) - before):
        left.append("%s/%s" % (SHM, name))
    return code, left


def end(pids):
    """Kill *pids* (each is known to be ours); return them."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids
