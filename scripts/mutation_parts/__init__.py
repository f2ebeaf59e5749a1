"""The parts of scripts/mutation.py and scripts/annotate.py: the mutation
operators (operators.py), the runner (runner.py) and the pytest plugin each
mutant's run loads (stream_plugin.py)."""
