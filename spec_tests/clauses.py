"""Read the clauses of SPEC.md.

A clause is a level-3 heading holding its id in backquotes, a sentence or
two of prose, then bullet fields::

    ### `Future.add_done_callback/order`
    Callbacks run in the order they were added.
    - kind: documented
    - since: 3.8
    - before: <what older CPythons do>
    - docs: https://docs.python.org/3/library/...
    - upstream: bpo-33110, gh-88110
    - cpython-only: refcount

`kind` and `docs` are required; `since` defaults to the oldest CPython the
suite supports, and `before` says what CPythons older than `since` do.
`upstream` names the CPython issues behind a change; `cpython-only` names
the CPython mechanism a clause relies on (``refcount``: freed at once by
reference counting), which is also the pytest marker that deselects it.
"""

import pathlib
import re

SPEC_PATH = pathlib.Path(__file__).resolve().parent.parent / "SPEC.md"
OLDEST = (3, 6)
KINDS = ("documented", "observed", "detail")

_HEADING = re.compile(r"^### `([^`]+)`\s*$")
_FIELD = re.compile(r"^- (kind|since|before|docs|upstream|cpython-only): (.+)$")


class Clause:
    def __init__(self, clause_id, text, fields):
        self.id = clause_id
        self.text = text
        self.kind = fields["kind"]
        self.docs = fields["docs"]
        self.since = tuple(int(part) for part in fields.get("since", "%d.%d" % OLDEST).split("."))
        self.before = fields.get("before", "")
        self.upstream = [item.strip() for item in fields.get("upstream", "").split(",") if item.strip()]
        self.cpython_only = fields.get("cpython-only", "")

    def __repr__(self):
        return "<Clause %s>" % self.id


def parse(text):
    """Return {clause id: Clause} for the clauses in a SPEC.md text."""
    clauses = {}
    current = None  # (id, prose lines, fields) of the clause being read

    def finish():
        if current is not None:
            if current[0] in clauses:
                raise ValueError("clause %s is defined twice" % current[0])
            clauses[current[0]] = _build(*current)

    for line in text.splitlines():
        if line.startswith("#"):  # any heading ends the clause being read
            finish()
            heading = _HEADING.match(line)
            current = (heading.group(1), [], {}) if heading else None
        elif current is not None:
            field = _FIELD.match(line)
            if field:
                current[2][field.group(1)] = field.group(2).strip()
            elif line.strip():
                current[1].append(line.strip())
    finish()
    return clauses


def _build(clause_id, prose, fields):
    for required in ("kind", "docs"):
        if required not in fields:
            raise ValueError("clause %s has no %s" % (clause_id, required))
    if fields["kind"] not in KINDS:
        raise ValueError("clause %s: kind %r is not one of %s" % (clause_id, fields["kind"], KINDS))
    return Clause(clause_id, " ".join(prose), fields)


def load(path=SPEC_PATH):
    return parse(pathlib.Path(path).read_text(encoding="utf-8"))
