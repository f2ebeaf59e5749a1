"""Keeps the profile's tests out of the main suite.

They run only with the profile's plugin loaded (``-p
spec_tests.executors.plugin``, or ``pytest_plugins`` in spec_tests/conftest.py)
and an executor selected; the plugin then collects them. Without the plugin
(``pytest spec_tests``, tox's suite) this directory yields nothing.
"""

import pytest

PLUGIN = "spec_tests.executors.plugin"


def _without_plugin(config):
    return True if not config.pluginmanager.hasplugin(PLUGIN) else None


if int(pytest.__version__.split(".")[0]) >= 7:
    def pytest_ignore_collect(collection_path, config):
        return _without_plugin(config)
else:
    def pytest_ignore_collect(path, config):
        return _without_plugin(config)
