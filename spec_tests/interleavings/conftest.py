"""Where the explorer cannot run.

The explorer executes fresh copies of the reference whose imports go through
an ``__import__`` placed in their own ``__builtins__``. On PyPy the copies'
``from ._base import ...`` does not reach that hook (seen on PyPy 7.3.11 /
3.9 and 8.0.1 / 3.11: ``module 'reference' has no attribute '_base'``), so
they would run on the real ``threading``; there the explorer is skipped
with this reason rather than reporting schedules it never controlled.
"""

import platform

import pytest

REASON = ("the explorer needs imports to go through a module's own __builtins__.__import__, "
          "which PyPy bypasses")


def pytest_collection_modifyitems(config, items):
    if platform.python_implementation() != "PyPy":
        return
    for item in items:
        if "/interleavings/" in item.nodeid:
            item.add_marker(pytest.mark.skip(reason=REASON))
