"""The annotated reference: each module's source with, beside each line,
the SPEC.md clauses whose tests fail when that line is mutated.

    python3 scripts/annotate.py            # docs/mutation/results.jsonl.gz -> docs/annotated/

Reads the results of scripts/mutation.py (the last record per mutant) and
docs/mutation-survivors.md (the verdicts on the mutants that survived),
and writes docs/annotated/index.html (one self-contained page: no script,
style or font from the network) and docs/annotated/<module>.md.

Each line some mutant changed gets, in its margin, the clauses that caught
those mutants, linked to their SPEC.md headings and to their rows of the
report (report/report.html); a line where a mutant survived is marked, and
a line whose mutants only the interleavings explorer caught shows the
explorer's shortest failing schedule. The mutants are made again from the
current source, which gives each its line; a verdict made for another
version of a mutant's function is left out (the mutant shows as not run
until scripts/mutation.py runs it again). Lines no mutant reaches
(comments, docstrings, names) stay plain.
"""

import argparse
import collections
import html
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.mutation import SURVIVORS, read_verdicts  # noqa: E402
from scripts.mutation_parts.operators import mutants as make_mutants  # noqa: E402
from scripts.mutation_parts.results import made_for, read_results  # noqa: E402
from scripts.report_parts.spec import spec_layout  # noqa: E402

MODULES = ('_base.py', 'thread.py', 'chain.py', '_compat.py')
RESULTS = ROOT / 'docs' / 'mutation' / 'results.jsonl.gz'
OUT = ROOT / 'docs' / 'annotated'
MARGIN = 3  # clauses shown on a line's margin before "+N" (all of them when opened)


class Line:
    """What the mutants of one source line found."""

    def __init__(self, number, text):
        self.number = number
        self.text = text
        self.mutants = []  # (Mutant, record or None)

    @property
    def run(self):
        return [(m, r) for m, r in self.mutants if r is not None]

    @property
    def clauses(self):
        return sorted({c for _, r in self.run for c in r['clauses']})

    @property
    def survivors(self):
        return [(m, r) for m, r in self.run if r['status'] == 'survived']

    @property
    def explorer_only(self):
        """The traces, when every test that failed for this line's mutants
        was one of the explorer's scenarios."""
        killed = [r for _, r in self.run if r['status'] == 'killed']
        if killed and all(r.get('explorer') for r in killed):
            traces = [trace for r in killed for trace in r['explorer'].values()]
            return min(traces, key=len)
        return None


def annotate(module, records):
    source = (ROOT / 'reference' / module).read_text(encoding='utf-8')
    lines = [Line(n, text) for n, text in enumerate(source.splitlines(), 1)]
    for mutant in make_mutants(module, source):
        lines[mutant.line - 1].mutants.append((mutant, made_for(records.get(mutant.id), mutant)))
    return lines


def counts(lines, verdicts):
    """killed, survived (of which equivalent), not run."""
    run = [r for line in lines for _, r in line.run]
    total = sum(len(line.mutants) for line in lines)
    killed = sum(1 for r in run if r['status'] == 'killed')
    survived = [r for r in run if r['status'] == 'survived']
    equivalent = sum(1 for r in survived if verdicts.get(r['id'], ('',))[0].startswith('equivalent'))
    return {'mutants': total, 'killed': killed, 'survived': len(survived), 'equivalent': equivalent,
            'not_run': total - len(run)}


def score(c):
    """killed / (mutants run that are not equivalent)."""
    denominator = c['killed'] + c['survived'] - c['equivalent']
    return '%d/%d' % (c['killed'], denominator) if denominator else 'n/a'


# --- HTML -----------------------------------------------------------------

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1rem; color: #1f2328; font-size: 14px; }
h1 { font-size: 1.45rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
.note { color: #59636e; }
table.src { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.src td { vertical-align: top; padding: 0 .4rem; }
td.n { width: 3rem; text-align: right; color: #8c959f; font: 12px ui-monospace, monospace; }
td.code { width: 58%; white-space: pre; font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace;
          overflow: hidden; text-overflow: ellipsis; }
td.m { font-size: 12px; border-left: 3px solid transparent; }
tr.hit td.m { border-left-color: #1a7f37; background: #f6fff8; }
tr.survived td.m { border-left-color: #cf222e; background: #fff5f5; }
tr.equivalent td.m { border-left-color: #8c959f; }
tr.notrun td.m { border-left-color: #d0d7de; color: #8c959f; }
tr.explorer td.m { border-left-color: #8250df; background: #fbf8ff; }
td.m a.c, td.m a.ci { font-family: ui-monospace, monospace; font-size: 11.5px; }
td.m a.ci { margin-right: .4em; } td.m a.r { font-size: 10px; color: #59636e; }
td.m details { margin: 0; } td.m summary { cursor: pointer; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; list-style-position: inside; }
td.m details[open] summary { white-space: normal; }
.more { color: #59636e; font-size: 11px; }
td.m ul { margin: .2rem 0; padding-left: 1.1rem; } td.m li { margin: .1rem 0; }
pre.trace { font-size: 11px; background: #f6f8fa; padding: .4rem; overflow-x: auto; max-height: 24rem; }
.tag { font-size: 10.5px; border-radius: 3px; padding: 0 .3em; }
.tag.k { background: #dafbe1; color: #116329; } .tag.s { background: #ffebe9; color: #a40e26; }
.tag.e { background: #eaeef2; color: #424a53; } .tag.x { background: #fbefff; color: #6639ba; }
table.sum { border-collapse: collapse; } table.sum td, table.sum th { border: 1px solid #d0d7de; padding: 2px 8px; }
"""


def esc(text):
    return html.escape(str(text), quote=True)


class Links:
    """Where a clause id links: its SPEC.md heading and its report row."""

    def __init__(self, spec_href, report_href):
        self.anchors = {clause: anchor for clause, (_, anchor) in
                        spec_layout((ROOT / 'SPEC.md').read_text(encoding='utf-8')).items()}
        self.spec_href = spec_href
        self.report_href = report_href

    def spec(self, clause):
        return '%s#%s' % (self.spec_href, self.anchors[clause])

    def report(self, clause):
        return '%s#%s' % (self.report_href, clause)


def _clause_list(clauses, links):
    """Every clause, linked to SPEC.md and to the report's row."""
    return '<ul class="clauses">%s</ul>' % ''.join(
        '<li><a class="c" href="%s" title="SPEC.md">%s</a> <a class="r" href="%s">report</a></li>'
        % (esc(links.spec(c)), esc(c), esc(links.report(c))) for c in clauses)


def _inline_clauses(clauses, links):
    """The first few clauses, for the margin's one line."""
    shown = ' '.join('<a class="ci" href="%s">%s</a>' % (esc(links.spec(c)), esc(c)) for c in clauses[:MARGIN])
    return shown + (' <span class="more">+%d</span>' % (len(clauses) - MARGIN) if len(clauses) > MARGIN else '')


def _mutant_item(mutant, record, verdicts):
    if record is None:
        return '<li><span class="tag e">not run</span> %s: <code>%s</code></li>' % (
            esc(mutant.operator), esc(mutant.description))
    if record['status'] == 'killed':
        scenarios = sorted(record.get('explorer') or {})
        tag = ('<span class="tag x">explorer: %s</span>' % esc(', '.join(scenarios)) if scenarios
               else '<span class="tag k">killed by %d test%s</span>' % (
                   len(record['failed']), '' if len(record['failed']) == 1 else 's'))
    else:
        verdict = verdicts.get(mutant.id, ('not yet judged', ''))
        tag = '<span class="tag %s" title="%s">survived: %s</span>' % (
            'e' if verdict[0].startswith('equivalent') else 's', esc(verdict[1]), esc(verdict[0]))
    return '<li>%s %s: <code>%s</code> <small class="note">%s</small></li>' % (
        tag, esc(mutant.operator), esc(mutant.description), esc(mutant.id))


def _row(module, line, links, verdicts):
    code = '<td class="code">%s</td>' % esc(line.text or ' ')
    # An anchor per line, named after its module too: one page holds them all.
    number = '<td class="n" id="%s-L%d">%d</td>' % (esc(module), line.number, line.number)
    if not line.mutants:
        return '<tr>%s%s<td class="m"></td></tr>' % (number, code)
    survivors = line.survivors
    unexplained = [m for m, _ in survivors if not verdicts.get(m.id, ('',))[0].startswith('equivalent')]
    trace = line.explorer_only
    css = ('notrun' if not line.run else 'survived' if unexplained else 'explorer' if trace
           else 'equivalent' if survivors and not line.clauses else 'hit')
    tags = ''
    if trace:
        tags += ' <span class="tag x">explorer only</span>'
    if unexplained:
        tags += ' <span class="tag s">%d survived</span>' % len(unexplained)
    if not line.run:
        tags += ' <span class="tag e">not run yet</span>'
    summary = '<span class="more">%d&times;</span>%s %s' % (len(line.mutants), tags,
                                                          _inline_clauses(line.clauses, links))
    body = _clause_list(line.clauses, links) if line.clauses else ''
    body += '<ul>%s</ul>' % ''.join(_mutant_item(m, r, verdicts) for m, r in line.mutants)
    if trace:
        body += '<pre class="trace">%s</pre>' % esc(trace)
    return '<tr class="%s">%s%s<td class="m"><details><summary>%s</summary>%s</details></td></tr>' % (
        css, number, code, summary, body)


def render_html(modules, verdicts, links, date):
    parts = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             '<title>The reference, annotated with the clauses each line keeps</title>',
             '<style>%s</style></head><body>' % CSS,
             '<h1>The reference, annotated</h1>',
             '<p>Beside each line of <code>reference/</code>: the SPEC.md clauses whose tests fail when '
             'the line is mutated (<code>scripts/mutation.py</code>, results of %s). Click a margin for '
             'all of them, each linked to its text in SPEC.md and to its row of the report, and for '
             'each mutant of the line: the change and what caught it. A red margin is a mutant no test '
             'catches yet; purple, a line only the interleavings explorer catches (opened, it shows the '
             'shortest failing schedule the explorer found); grey, mutants judged equivalent or not '
             'run yet.</p>' % esc(date),
             '<table class="sum"><tr><th>module</th><th>mutants</th><th>killed</th><th>survived</th>'
             '<th>equivalent</th><th>not run</th><th>score</th></tr>']
    for module, lines in modules:
        c = counts(lines, verdicts)
        parts.append('<tr><td><a href="#%s">%s</a></td><td>%d</td><td>%d</td><td>%d</td><td>%d</td>'
                     '<td>%d</td><td>%s</td></tr>' % (esc(module), esc(module), c['mutants'], c['killed'],
                                                      c['survived'], c['equivalent'], c['not_run'], score(c)))
    parts.append('</table>')
    for module, lines in modules:
        parts.append('<h2 id="%s">reference/%s</h2><table class="src">' % (esc(module), esc(module)))
        parts.extend(_row(module, line, links, verdicts) for line in lines)
        parts.append('</table>')
    parts.append('</body></html>')
    return '\n'.join(parts) + '\n'


# --- Markdown ---------------------------------------------------------------

def render_markdown(module, lines, verdicts, links, date):
    c = counts(lines, verdicts)
    out = ['# reference/%s, annotated' % module, '',
           'Generated by `python3 scripts/annotate.py` from the mutation results of %s. Each line that a '
           'mutant changed, with the clauses whose tests fail when it is changed (the full source with '
           'the margin: [index.html](index.html)).' % date, '',
           '%d mutants: %d killed, %d survived (%d equivalent), %d not run; score %s.' % (
               c['mutants'], c['killed'], c['survived'], c['equivalent'], c['not_run'], score(c)), '',
           '| line | source | clauses whose tests fail | mutants |', '|---:|---|---|---|']
    for line in lines:
        if not line.mutants:
            continue
        clauses = ', '.join('[`%s`](%s)' % (c, links.spec(c)) for c in line.clauses) or '-'
        kinds = collections.Counter()
        for mutant, record in line.mutants:
            if record is None:
                kinds['not run'] += 1
            elif record['status'] == 'killed':
                kinds['explorer only' if record.get('explorer') else 'killed'] += 1
            else:
                verdict = verdicts.get(mutant.id, ('not yet judged',))[0]
                kinds['survived (%s)' % verdict] += 1
        summary = ', '.join('%d %s' % (n, kind) for kind, n in sorted(kinds.items()))
        text = line.text.strip().replace('|', '\\|').replace('`', "'")
        out.append('| [%d](../../reference/%s#L%d) | `%s` | %s | %s |' % (
            line.number, module, line.number, text, clauses, summary))
    traces = [(line.number, line.explorer_only) for line in lines if line.explorer_only]
    if traces:
        out += ['', '## Lines only the interleavings explorer catches', '']
        for number, trace in traces:
            out += ['### line %d' % number, '', '```', trace.rstrip(), '```', '']
    return '\n'.join(out) + '\n'


def _dates(modules):
    """When the verdicts shown were made: a day, or the first and the last."""
    dates = sorted({r['date'] for _, lines in modules for line in lines for _, r in line.run if r.get('date')})
    if not dates:
        return 'an unknown date'
    return dates[0] if len(dates) == 1 else '%s to %s' % (dates[0], dates[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--results', type=pathlib.Path, default=RESULTS)
    parser.add_argument('--survivors', type=pathlib.Path, default=SURVIVORS)
    parser.add_argument('--out', type=pathlib.Path, default=OUT)
    parser.add_argument('--spec-href', default='../../SPEC.md', help='SPEC.md, relative to the output')
    parser.add_argument('--report-href', default='../../report/report.html', help='the report page')
    args = parser.parse_args(argv)
    records = read_results(args.results)
    verdicts = read_verdicts(args.survivors)
    links = Links(args.spec_href, args.report_href)
    modules = [(module, annotate(module, records)) for module in MODULES]
    date = _dates(modules)
    # A module none of whose mutants has run yet is plain source: it goes last.
    modules.sort(key=lambda item: not any(line.run for line in item[1]))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / 'index.html').write_text(render_html(modules, verdicts, links, date), encoding='utf-8')
    for module, lines in modules:
        (args.out / (module + '.md')).write_text(render_markdown(module, lines, verdicts, links, date),
                                                 encoding='utf-8')
        c = counts(lines, verdicts)
        print('%-10s %4d mutants: %4d killed, %3d survived (%d equivalent), %4d not run; score %s' % (
            module, c['mutants'], c['killed'], c['survived'], c['equivalent'], c['not_run'], score(c)))
    print('wrote %s' % args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
