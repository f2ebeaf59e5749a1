"""Command line: list scenarios, explore them, replay a schedule.

    python -m tests.interleavings list
    python -m tests.interleavings explore SCENARIO|all [--bound N|none] [--bug NAME]
    python -m tests.interleavings explore SCENARIO|all --no-reduction [--bound N|none]
    python -m tests.interleavings explore SCENARIO|all --stats
    python -m tests.interleavings explore SCENARIO --random N --seed S
    python -m tests.interleavings replay SCENARIO SCHEDULE [--bug NAME]

Run from the project root. explore runs one schedule of each class of
equivalent schedules (reduction.py), with no preemption bound; with
--bound N, or --no-reduction, it runs every schedule within a bound
instead (by default the scenario's bound_without_reduction), as the
explorer did before the reduction; --stats does both and prints, per
scenario, the runs and time of each. --bug runs on a copy of the reference with one of the bugs of
test_seeded_bugs.py seeded in. The exit status is 1 when a scenario fails
(other than one the reference is known to fail).
"""

import argparse
import math
import sys

from tests.interleavings import explorer
from tests.interleavings.scenarios import SCENARIOS


def _bug(name):
    if name is None:
        return None
    from tests.interleavings.test_seeded_bugs import BUGS
    if name not in BUGS:
        raise SystemExit('no seeded bug %r; there are: %s' % (name, ', '.join(sorted(BUGS))))
    return BUGS[name]


def _scenarios(name):
    if name == 'all':
        return list(SCENARIOS.values())
    if name not in SCENARIOS:
        raise SystemExit('no scenario %r; see: python -m tests.interleavings list' % name)
    return [SCENARIOS[name]]


def _bound(text):
    """--bound: a number, or 'none'."""
    return math.inf if text == 'none' else int(text)


def list_(args):
    for scenario in SCENARIOS.values():
        summary = ' '.join(scenario.__doc__.split())
        known = '  [known failure: %s]' % scenario.known_failure if scenario.known_failure else ''
        bound = 'unbounded' if scenario.bound is None else 'bound %d' % scenario.bound
        print('%-30s %-9s  %s%s' % (scenario.name, bound, summary, known))
    from tests.interleavings.test_seeded_bugs import BUGS
    print('\nseeded bugs (--bug):')
    for bug in BUGS.values():
        print('%-32s on %-26s %s' % (bug.name, bug.scenario, bug.description))
    return 0


def explore(args):
    bug = _bug(args.bug)
    if args.stats:
        return stats(_scenarios(args.scenario), bug)
    status = 0
    for scenario in _scenarios(args.scenario):
        if args.random:
            report = explorer.random_walk(scenario, args.random, args.seed, bug)
        else:
            report = explorer.explore(scenario, args.bound, bug, max_runs=args.max_runs,
                                      reduction=args.reduction)
        print(report.summary())
        if report.shortest is not None:
            print(explorer.format_failure(report.shortest))
            if scenario.known_failure and bug is None:
                print('(a known failure: %s)' % scenario.known_failure)
            else:
                status = 1
        sys.stdout.flush()
    return status


def stats(scenarios, bug):
    """A table, per scenario: every schedule within the bound the search
    without the reduction uses (bound_without_reduction), then one schedule
    per class with the reduction at the scenario's own bound (none)."""
    columns = ('scenario', 'schedules without reduction', 'bound', 'time', 'classes', 'cut short',
               'bound', 'time')
    print('| ' + ' | '.join(columns) + ' |\n|' + '---|' * len(columns))
    totals = [0, 0.0, 0, 0, 0.0]
    status = 0
    for scenario in scenarios:
        every = explorer.explore(scenario, bug=bug, reduction=False)
        reduced = explorer.explore(scenario, bug=bug)
        status |= not (reduced.passed or (scenario.known_failure and not bug))
        print('| %s | {:,} | %s | %.1f s | {:,} | {:,} | %s | %.1f s |'.format(
            every.runs, reduced.runs, reduced.cut) % (
            scenario.name, every.bound, every.seconds,
            'unbounded' if reduced.bound is None else reduced.bound, reduced.seconds), flush=True)
        for at, value in enumerate((every.runs, every.seconds, reduced.runs, reduced.cut, reduced.seconds)):
            totals[at] += value
    print('| all | {:,} | | {:.1f} s | {:,} | {:,} | | {:.1f} s |'.format(*totals))
    return status


def replay(args):
    scenario = _scenarios(args.scenario)[0]
    outcome = explorer.replay(scenario, args.schedule, _bug(args.bug))
    if outcome.diverged:
        index, wanted, why = outcome.diverged
        print('warning: the schedule does not fit this run: at choice %d it asks for %r, but %s'
              % (index, wanted, why))
    if outcome.failed:
        print(explorer.format_failure(outcome))
        return 1
    print(explorer.format_trace(outcome))
    print('%s: schedule %s passes (%d steps, %d preemption(s))' % (
        scenario.name, outcome.schedule, outcome.steps, outcome.preemptions))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m tests.interleavings',
                                     description=__doc__.split('\n\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('list', help='the scenarios and seeded bugs').set_defaults(run=list_)
    command = commands.add_parser('explore', help='explore the schedules of a scenario (or all)')
    command.add_argument('scenario')
    command.add_argument('--bound', type=_bound, default=None, metavar='N|none',
                         help="preemptions per schedule (default: none with the reduction; the scenario's "
                              "bound_without_reduction without it)")
    command.add_argument('--no-reduction', dest='reduction', action='store_false',
                         help='every schedule within the bound, not one per class')
    command.add_argument('--stats', action='store_true',
                         help='runs and time with and without the reduction, as a table')
    command.add_argument('--random', type=int, default=0, metavar='N',
                         help='instead, N random walks')
    command.add_argument('--seed', type=int, default=0, help='seed of the random walks')
    command.add_argument('--max-runs', type=int, default=None, help='stop after this many runs')
    command.add_argument('--bug', help='a seeded bug of test_seeded_bugs.py')
    command.set_defaults(run=explore)
    command = commands.add_parser('replay', help='run one schedule and print its trace')
    command.add_argument('scenario')
    command.add_argument('schedule', help="as printed by explore, e.g. 3:1,7:0 ('-': no choice)")
    command.add_argument('--bug', help='a seeded bug of test_seeded_bugs.py')
    command.set_defaults(run=replay)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == '__main__':
    sys.exit(main())
