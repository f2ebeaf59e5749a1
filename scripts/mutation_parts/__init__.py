"""The parts of scripts/mutation.py (the runner: the copies, the baseline,
the runs) and scripts/annotate.py: the mutation operators and the
mutants' names (operators.py), the fingerprints of the reference's
functions and of the tests (sources.py), the results file and the rule
for reusing its verdicts (results.py), and the pytest plugin each run
loads (stream_plugin.py)."""
