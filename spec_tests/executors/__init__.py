"""The executor profile: the Executor-level contract held against any
executor named with ``--executor MODULE:CALLABLE`` (plugin.py)."""
