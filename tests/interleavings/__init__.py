"""Exhaustive interleaving checks of the reference (GitHub issue 8).

Stress tests find races by luck. Here the reference runs, unchanged, on a
controlled threading layer (controlled.py) that lets one thread run at a
time and switches only at synchronization points, as a scheduler chooses;
the explorer (explorer.py) runs one schedule of each class of equivalent
schedules of a tiny scenario (scenarios.py), with no preemption bound
(reduction.py), or random ones, and checks the scenario's invariant in
each. ``python -m tests.interleavings --help`` lists, explores and
replays; ``python -m tests.interleavings.mutants`` checks that the
mutants only these checks kill are still killed.
"""
