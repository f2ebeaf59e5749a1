"""Find the Python interpreters this machine has: CPython 3.6 and newer,
and PyPy 3.9 and newer.

Looks on PATH (python3.X, pypy3.X), in pyenv's installed versions, under
/opt/python3.X and /opt/pypy3.X (where shared/tools/get-python puts them),
in /usr/bin, and at any path given. Keeps one interpreter per name, the
first found. A name is the minor version for a CPython ("3.9") and
"pypy" + the minor version for a PyPy ("pypy3.9"); CPythons come first,
oldest first, then the PyPys.

    python3 scripts/pythons.py              # "3.11.7 CPython 3.11 /path/to/python3.11" lines
    python3 scripts/pythons.py --bin-dirs   # their directories, for PATH
"""

import argparse
import collections
import glob
import os
import pathlib
import re
import subprocess
import sys

OLDEST = {"CPython": (3, 6), "PyPy": (3, 9)}
_NAME = re.compile(r"^(python|pypy)3\.\d+$")
_PROBE = "import platform, sys; print(platform.python_implementation(), *sys.version_info[:3])"

Interpreter = collections.namedtuple("Interpreter", "name implementation version path")


def interpreter_name(implementation, version):
    """('PyPy', (3, 9, 16)) -> 'pypy3.9'; ('CPython', (3, 9, 18)) -> '3.9'."""
    minor = "%d.%d" % tuple(version[:2])
    return "pypy" + minor if implementation == "PyPy" else minor


def sort_key(name):
    """Order interpreter names: CPythons by version, then PyPys by version."""
    is_pypy = name.startswith("pypy")
    return (is_pypy, tuple(int(part) for part in name[4 if is_pypy else 0:].split(".")))


def candidates(extra=()):
    """Paths that may be interpreters, most preferred first."""
    yield from extra
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory and not directory.rstrip("/").endswith("shims"):
            for prefix in ("python3.*", "pypy3.*"):
                yield from sorted(glob.glob(os.path.join(directory, prefix)))
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for prefix in ("python3.*", "pypy3.*"):
        yield from sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", prefix)))
    for pattern in ("/opt/python3.*/bin/python3.*", "/opt/pypy3.*/bin/pypy3.*", "/usr/bin/pypy3.*"):
        yield from sorted(glob.glob(pattern))


def probe(path):
    """Return (implementation, (major, minor, micro)) of the Python at *path*, or None."""
    try:
        output = subprocess.run([path, "-c", _PROBE], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                universal_newlines=True, timeout=30, stdin=subprocess.DEVNULL).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(output) != 4 or output[0] not in OLDEST:
        return None
    return output[0], tuple(int(part) for part in output[1:])


def find(extra=()):
    """Return [Interpreter], one per name, CPythons oldest first, then PyPys."""
    found = {}
    for path in candidates(extra):
        if not _NAME.match(pathlib.Path(path).name) and path not in extra:
            continue
        if not os.access(path, os.X_OK):
            continue
        probed = probe(path)
        if not probed:
            continue
        implementation, version = probed
        name = interpreter_name(implementation, version)
        if version[:2] >= OLDEST[implementation] and name not in found:
            found[name] = Interpreter(name, implementation, version, path)
    return [found[name] for name in sorted(found, key=sort_key)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dirs", action="store_true", help="print the interpreters' directories")
    parser.add_argument("extra", nargs="*", help="more interpreter paths to consider first")
    args = parser.parse_args(argv)
    for interpreter in find(args.extra):
        if args.bin_dirs:
            print(os.path.dirname(interpreter.path))
        else:
            print("%d.%d.%d" % interpreter.version, interpreter.implementation, interpreter.name, interpreter.path)


if __name__ == "__main__":
    sys.exit(main())
