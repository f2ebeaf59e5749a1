"""Find the CPython interpreters, 3.8 and newer, that this machine has.

Looks on PATH (python3.X), in pyenv's installed versions, under
/opt/python3.X (where shared/tools/get-python puts them) and at any path
given. Keeps one interpreter per minor version, the first found.

    python3 scripts/pythons.py              # "3.11.7 /path/to/python3.11" lines
    python3 scripts/pythons.py --bin-dirs   # their directories, for PATH
"""

import argparse
import glob
import os
import pathlib
import re
import subprocess
import sys

OLDEST = (3, 8)
_NAME = re.compile(r"^python3\.\d+$")
_PROBE = "import platform, sys; print(platform.python_implementation(), *sys.version_info[:3])"


def candidates(extra=()):
    """Paths that may be CPython interpreters, most preferred first."""
    yield from extra
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory and not directory.rstrip("/").endswith("shims"):
            yield from sorted(glob.glob(os.path.join(directory, "python3.*")))
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    yield from sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python3.*")))
    yield from sorted(glob.glob("/opt/python3.*/bin/python3.*"))


def probe(path):
    """Return the (major, minor, micro) of a CPython at *path*, or None."""
    try:
        output = subprocess.run([path, "-c", _PROBE], capture_output=True, text=True,
                                timeout=30, stdin=subprocess.DEVNULL).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(output) != 4 or output[0] != "CPython":
        return None
    return tuple(int(part) for part in output[1:])


def find(extra=()):
    """Return [(version, path)] for CPython 3.8+, one per minor, oldest first."""
    found = {}
    for path in candidates(extra):
        if not _NAME.match(pathlib.Path(path).name) and path not in extra:
            continue
        if not os.access(path, os.X_OK):
            continue
        version = probe(path)
        if version and version[:2] >= OLDEST and version[:2] not in found:
            found[version[:2]] = (version, path)
    return [found[minor] for minor in sorted(found)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dirs", action="store_true", help="print the interpreters' directories")
    parser.add_argument("extra", nargs="*", help="more interpreter paths to consider first")
    args = parser.parse_args(argv)
    for version, path in find(args.extra):
        print(os.path.dirname(path) if args.bin_dirs else "%d.%d.%d %s" % (version + (path,)))


if __name__ == "__main__":
    sys.exit(main())
