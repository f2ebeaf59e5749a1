"""Read the clauses of SPEC.md: the one parser of it (the suite, the report
and the tools all read SPEC.md through this module).

A clause is a level-3 heading holding its id in backquotes, a sentence or
two of prose, then bullet fields::

    ### `Future.add_done_callback/order`
    Callbacks run in the order they were added.
    - kind: documented
    - since: 3.8
    - before: <what older CPythons do>
    - upcoming: <what CPython main is known to change, with its issues>
    - docs: https://docs.python.org/3/library/...
    - upstream: bpo-33110, gh-88110
    - cpython-only: refcount

The fields, each at most once:

``kind`` (required)
    ``documented``, ``observed`` or ``detail``.
``docs`` (required)
    The Python documentation the clause comes from.
``since``
    The first CPython that behaves so; without it, every CPython the suite
    supports (3.6 on). Either a minor version, ``3.8`` (3.8.0 and every
    later release), or a bugfix release, ``3.14.10`` (3.14.10 and the later
    3.14.x, then every later minor version). A fix backported to several
    branches lists each branch's first release with it, oldest first,
    consecutive minors: ``3.14.10, 3.15.2`` holds on 3.14.x from 3.14.10,
    on 3.15.x from 3.15.2 (3.15.0 and 3.15.1 predate it) and on every
    minor version after the last one listed (3.16 on); every minor before
    the first one listed (3.13 and older) predates it.
``before``
    What CPythons that predate ``since`` do instead.
``upcoming``
    What CPython main (the next release) is known to change, in words with
    the upstream issues: ``3.16: ... (gh-108518)``. No run has shown it, so
    it decides no expectation; the report only shows it.
``upstream``
    The CPython issues behind a change, comma separated: ``bpo-N, gh-N``.
``cpython-only``
    The CPython mechanism the clause relies on (``refcount``: freed at once
    by reference counting), which is also the pytest marker that
    deselects it.

Each clause also knows where it sits: its section (the level-2 heading
above it) and its anchor (the one GitHub gives its heading). Headings in
fenced code blocks are text, not headings.

Written for every Python the suite runs on, 3.6 included.
"""

import pathlib
import re

SPEC_PATH = pathlib.Path(__file__).resolve().parent.parent / "SPEC.md"
OLDEST = (3, 6)
KINDS = ("documented", "observed", "detail")
FIELDS = ("kind", "since", "before", "upcoming", "docs", "upstream", "cpython-only")

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
_CLAUSE_TITLE = re.compile(r"^`([^`]+)`$")
_FIELD = re.compile(r"^- ([a-z][a-z-]*): (.+)$")
_RELEASE = re.compile(r"^3\.\d+(\.\d+)?$")


def version_text(version):
    """(3, 14, 10) -> '3.14.10'."""
    return ".".join(str(part) for part in version)


def parse_since(text):
    """'3.14.10, 3.15.2' -> ((3, 14, 10), (3, 15, 2)): one release per
    branch, oldest first, consecutive minor versions (ValueError if not)."""
    releases = []
    for item in text.split(","):
        item = item.strip()
        if not _RELEASE.match(item):
            raise ValueError("since %r: each release is 3.N or 3.N.M" % text)
        releases.append(tuple(int(part) for part in item.split(".")))
    minors = [release[1] for release in releases]
    if minors != list(range(minors[0], minors[0] + len(minors))):
        raise ValueError("since %r: one release per branch, oldest first, with no branch left out" % text)
    return tuple(releases)


def deciding_release(releases, version):
    """The release of *releases* (parse_since's) that decides *version*
    (major, minor[, micro]): the newest one of its minor version or an
    older one; None when *version* is older than all of them."""
    earlier = [release for release in releases if release[:2] <= tuple(version[:2])]
    return earlier[-1] if earlier else None


def predates_releases(releases, version):
    """True when a CPython of *version* is older than the behaviour that
    *releases* (parse_since's) introduce; see the module's ``since``."""
    release = deciding_release(releases, version)
    if release is None:
        return True
    # A release of the same minor decides by the micro version: (3, 14, 9) <
    # (3, 14, 10); a two-part release has every micro: (3, 9, 0) >= (3, 9).
    return release[:2] == tuple(version[:2]) and tuple(version[:3]) < release


class Clause:
    """One clause: its id, prose (text), fields and place in SPEC.md."""

    def __init__(self, clause_id, text, fields, section="", anchor=""):
        self.id = clause_id
        self.text = text
        self.section = section
        self.anchor = anchor
        self.kind = fields["kind"]
        self.docs = fields["docs"]
        self.since_releases = parse_since(fields.get("since", version_text(OLDEST)))
        self.since = self.since_releases[0]  # the oldest CPython that behaves so
        self.before = fields.get("before", "")
        self.upcoming = fields.get("upcoming", "")
        self.upstream = [item.strip() for item in fields.get("upstream", "").split(",") if item.strip()]
        self.cpython_only = fields.get("cpython-only", "")

    @property
    def since_text(self):
        """The since as SPEC.md writes it: '3.9', '3.14.10, 3.15.2'."""
        return ", ".join(version_text(release) for release in self.since_releases)

    def predates(self, version):
        """True when a CPython of *version* (major, minor[, micro]) is older
        than the clause: its stdlib shows the ``before`` behaviour."""
        return predates_releases(self.since_releases, version)

    def __repr__(self):
        return "<Clause %s>" % self.id


def github_anchor(title, seen):
    """The anchor GitHub gives a heading: text lowercased, punctuation but
    '-' and '_' dropped, spaces made '-', repeats numbered -1, -2, ...
    *seen* holds the anchors of the headings above, and is updated."""
    base = re.sub(r"[^\w\- ]", "", title.replace("`", "").strip().lower()).replace(" ", "-")
    anchor = base
    while anchor in seen:
        seen[base] += 1
        anchor = "%s-%d" % (base, seen[base])
    seen[anchor] = 0
    return anchor


def _lines(text):
    """Yield (heading, line) for each line of *text*: heading is (level,
    title) for a heading outside fenced code, else None."""
    in_fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        yield ((len(heading.group(1)), heading.group(2)) if heading else None), line


class _Reading:
    """A clause being read: its id, place, prose lines and fields."""

    def __init__(self, clause_id, section, anchor):
        self.id, self.section, self.anchor = clause_id, section, anchor
        self.prose, self.fields = [], {}

    def add(self, line):
        field = _FIELD.match(line)
        if not field:
            if line.strip():
                self.prose.append(line.strip())
            return
        name, value = field.group(1), field.group(2).strip()
        if name not in FIELDS:
            raise ValueError("clause %s: unknown field %r (fields: %s)" % (self.id, name, ", ".join(FIELDS)))
        if name in self.fields:
            raise ValueError("clause %s gives %s twice" % (self.id, name))
        self.fields[name] = value

    def build(self):
        for required in ("kind", "docs"):
            if required not in self.fields:
                raise ValueError("clause %s has no %s" % (self.id, required))
        if self.fields["kind"] not in KINDS:
            raise ValueError("clause %s: kind %r is not one of %s" % (self.id, self.fields["kind"], KINDS))
        try:
            return Clause(self.id, " ".join(self.prose), self.fields, self.section, self.anchor)
        except ValueError as exc:
            raise ValueError("clause %s: %s" % (self.id, exc))


def parse(text):
    """Return {clause id: Clause} for the clauses in a SPEC.md text, in
    their order there (ValueError for a malformed one)."""
    clauses, seen, section, current = {}, {}, "", None

    def finish():
        if current is not None:
            if current.id in clauses:
                raise ValueError("clause %s is defined twice" % current.id)
            clauses[current.id] = current.build()

    for heading, line in _lines(text):
        if heading is None:
            if current is not None:
                current.add(line)
            continue
        finish()  # any heading ends the clause being read
        level, title = heading
        anchor = github_anchor(title, seen)
        section = title if level == 2 else section
        clause_id = _CLAUSE_TITLE.match(title) if level == 3 else None
        current = _Reading(clause_id.group(1), section, anchor) if clause_id else None
    finish()
    return clauses


def load(path=SPEC_PATH):
    return parse(pathlib.Path(path).read_text(encoding="utf-8"))
