"""Keeps the profile's tests out of a run without the profile's plugin.

spec_tests/conftest.py loads the plugin (spec_tests.executors.plugin), which
collects this directory only with an executor selected. Should the plugin be
blocked (``-p no:spec_tests.executors.plugin``), this directory yields
nothing instead of tests whose fixtures are missing.
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
