"""Runs a profile whose executor only exists inside a launched job.

An ``MPIPoolExecutor`` without spawning needs its workers started with the
program (``mpiexec -n 3 python -m mpi4py.futures ...``): the test process
must be rank 0 of that job. A factory says so with a ``launcher`` (see
profiles.MPIJob): the plugin then starts the launcher with this pytest's own
arguments, the tests run in there (main() below, as rank 0), and this
process only waits for the job and checks that it left nothing behind: no process of the job (each carries
a token in its environment, which survives a process that moved to a
session of its own) and no shared-memory segment of the MPI library. A
listening port needs a live process, so no process means no port.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

MARK = "FUTURES_SPEC_LAUNCHED"  # set in the job's environment: "this is the launched run"
STATUS = "FUTURES_SPEC_STATUS"  # the file where the job's pytest leaves its exit status
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


def run(launcher, args, cwd, grace=GRACE):
    """Run pytest with *args* inside ``launcher.command(python)``, in *cwd*;
    return (its exit status, [what the job left behind]). A process left
    behind is ended (it carries this job's token); a new segment is only
    reported: its name does not say whose it is (another MPI job's?)."""
    token = uuid.uuid4().hex
    env = dict(os.environ, **launcher.env)
    env[MARK] = token
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    before = segments(launcher.shm_prefixes)
    with tempfile.TemporaryDirectory() as scratch:
        env[STATUS] = os.path.join(scratch, "status")
        command = launcher.command(sys.executable) + ["-m", "spec_tests.executors.launch"] + list(args)
        code = subprocess.call(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL)
        code = _status(env[STATUS], code)
    left = ["process %d" % pid for pid in end(lingering(lambda: carrying(token), grace))]
    left += ["%s/%s" % (SHM, name) for name in sorted(segments(launcher.shm_prefixes) - before)]
    return code, left


def _status(path, job_code):
    """pytest's exit status as the job's rank 0 left it; if it left none,
    the job's own (or 3, pytest's internal error, for a job that said 0)."""
    try:
        with open(path) as source:
            return int(source.read())
    except (OSError, ValueError):
        return job_code or 3


def end(pids):
    """Kill *pids* (each is known to be ours); return them."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def main(args):
    """Rank 0 of the job runs this: pytest with *args*, then its exit status
    into the file STATUS names, and a normal return. mpi4py.futures turns a
    non-zero exit of its main program into MPI_Abort (as its documentation
    says), which ends the job at once and leaves MPICH's shared-memory
    segment behind. The other ranks import this module as ``__worker__``
    and run nothing of it."""
    import pytest
    code = pytest.main(list(args))
    with open(os.environ[STATUS], "w") as out:
        out.write("%d\n" % code)


if __name__ == "__main__":
    main(sys.argv[1:])
