"""Safe, fast YAML for front matter and frame files.

One parse per file with libyaml (``yaml.CSafeLoader``): compose the node
tree, walk it once to record the line of every key and to refuse what
front matter never needs (aliases, duplicate keys, deep nesting), then
construct plain Python data. Hostile input becomes a Problem, never a
crash: the size cap keeps libyaml's recursive composer far from the C
stack limit (~30,000 levels segfaults; 16 KiB cannot nest that deep), and
refusing aliases before construction defuses "billion laughs" bombs.

Depth and aliases are bounded here, before libyaml composes, never left to
libyaml: its own limits and their wording change between releases (PyYAML
6.0.4's libyaml stops at 1,000 levels with a scanner error), and a user's
report must not.
"""

from __future__ import annotations

import datetime as _dt
import re


_compile_now = re.compile


def _lazy_reader_pattern(pattern, flags=0):
    """``re.compile`` while PyYAML imports: its pure reader's pattern (a large Unicode class,
    ~8 ms to compile, never used with libyaml) is compiled on first use; every other pattern
    now, so code that hands PyYAML's resolver patterns to ``re`` still gets real ones."""
    if isinstance(pattern, str) and pattern.startswith("[^\x09\x0A\x0D\x20-\x7E"):
        from .lazypattern import LazyPattern

        return LazyPattern(pattern, flags)
    return _compile_now(pattern, flags)


def _import_yaml():
    """``import yaml`` without compiling its pure reader's pattern (~8 ms of every
    ``check --changed-since``), which libyaml never needs: the same pattern, compiled when
    first used (by PyYAML's pure loader, in a process that also uses one)."""
    import sys

    if "yaml" in sys.modules:
        return sys.modules["yaml"]
    re.compile = _lazy_reader_pattern
    try:
        import yaml
    finally:
        re.compile = _compile_now
    return yaml


yaml = _import_yaml()
from yaml._yaml import CParser  # noqa: E402
from yaml.composer import ComposerError  # noqa: E402
from yaml.constructor import ConstructorError, SafeConstructor  # noqa: E402

from .i18n import N_, _
from .problems import Problem

MAX_YAML_BYTES = 16 * 1024
MAX_DEPTH = 32
IMPOSSIBLE_DATE = "impossible date"

Key = tuple  # a key path: ("channels", "mastodon", "text") or ("prizes", 0, "value")


from .parsememo import KeyLines  # noqa: E402 - one type for parsed and remembered key lines


# A plain scalar's tag depends on its text alone (no path resolvers): front matter repeats
# the same keys and values, so the answers are remembered (bounded, short texts only).
_RESOLVER = yaml.resolver.Resolver()
_PLAIN_TAGS: dict[str, str] = {}
# For the rare scalars whose conversion PyYAML's own code does (ints, floats, odd dates).
_CONSTRUCTOR = SafeConstructor()


_RESOLVED_FIRST = frozenset(_RESOLVER.yaml_implicit_resolvers)  # what a typed plain scalar starts with


# The ISO forms front matter writes dates in: a subset of the timestamp resolver's pattern
# that neither the float nor the int pattern (tried first) can match (no "."; a "-" inside).
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[-+][0-9]{2}:[0-9]{2})?)?\Z")


def _plain_tag(value: str) -> str:
    if value[:1] not in _RESOLVED_FIRST and None not in _RESOLVED_FIRST:
        tag = _STR  # most texts: no resolver even looks at them
    elif _ISO_DATE.match(value):
        return _TIMESTAMP  # one pattern instead of three, and not remembered: dates hardly repeat
    else:
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    # Keys, statuses, names and tags repeat; dates hardly ever do and would crowd them out.
    if tag != _TIMESTAMP and len(value) < 64 and len(_PLAIN_TAGS) < 16384:
        _PLAIN_TAGS[value] = tag
    return tag


_ZONES: dict = {}  # offset -> the unnamed fixed-offset zone fromisoformat gives for it


def _timestamp(value: str, start_mark, end_mark):
    # The C-level ISO parsers read the common forms ~5x faster than PyYAML's regex.
    try:
        if len(value) == 10:
            return _dt.date.fromisoformat(value)
        if "T" in value or "t" in value:
            moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            zone = moment.tzinfo
            if zone is None:
                return moment
            # One zone object per offset (fromisoformat makes a new one for each date): the
            # same value, and the parse cache writes each offset once instead of every date's.
            shared = _ZONES.get(zone.utcoffset(None))
            if shared is None:
                if len(_ZONES) < 1024:  # real offsets are a few dozen: hostile ones cannot grow it
                    _ZONES[zone.utcoffset(None)] = zone
                return moment
            return moment.replace(tzinfo=shared)
    except ValueError:
        pass  # other YAML spellings, or impossible dates: let PyYAML decide and explain
    node = yaml.ScalarNode(_TIMESTAMP, value, start_mark, end_mark)
    try:
        return SafeConstructor.construct_yaml_timestamp(_CONSTRUCTOR, node)
    except ValueError as error:
        raise ConstructorError(None, None, f"{IMPOSSIBLE_DATE} {value!r}: {error}", start_mark) from None


class YAMLProblem(Exception):
    def __init__(self, code: str, line: int | None, message: str, hint: str = ""):
        super().__init__(message)
        self.code, self.line, self.message, self.hint = code, line, message, hint

    def to_problem(self, path: str) -> Problem:
        return Problem(self.code, path, self.line, self.message, self.hint)


def parse(text: str, first_line: int = 1, max_bytes: int = MAX_YAML_BYTES) -> tuple[object, dict[Key, int]]:
    """Parse one YAML document; return (data, {key path: line}).

    ``first_line`` is the file line of the text's first line, so lines point
    into the Markdown file and not into the front matter block.
    Raises :class:`YAMLProblem`.
    """
    if len(text) > max_bytes:
        raise YAMLProblem(
            "yaml/too-large", first_line,
            _('the YAML is {value} KiB, over the {value2} KiB cap')
                .format(value=len(text) // 1024, value2=max_bytes // 1024),
            _("move long text into the Markdown body"),
        )
    offset = first_line - 1
    deep = _may_be_too_deep(text)
    if deep or "*" in text:
        _check_depth_and_aliases(text, offset, pure=deep)
    lines = KeyLines()
    builder = _Builder(CParser(text).get_event, lines, offset, "&" in text)
    try:
        data = builder.document()
    except YAMLProblem:
        raise
    except yaml.YAMLError as error:
        raise _syntax_problem(error, text, offset) from None
    except RecursionError:
        raise YAMLProblem("yaml/too-deep", first_line, _("the YAML is nested too deeply")) from None
    return data, lines


_TAG = "tag:yaml.org,2002:"
_STR, _TIMESTAMP, _INT, _FLOAT = _TAG + "str", _TAG + "timestamp", _TAG + "int", _TAG + "float"
_BOOL, _NULL, _MAP, _SEQ, _MERGE = _TAG + "bool", _TAG + "null", _TAG + "map", _TAG + "seq", _TAG + "merge"
_TYPED_SCALARS = frozenset((_TIMESTAMP, _INT, _FLOAT, _BOOL))
_ScalarEvent, _MappingStart, _SequenceStart = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_MappingEnd, _SequenceEnd = yaml.MappingEndEvent, yaml.SequenceEndEvent


class _Builder:
    """Python data straight from libyaml's event stream, in one pass.

    No node tree is composed: libyaml's composer calls back into Python four
    times a node (resolver, node class), which cost more than building the
    data. On the way it records the line of every key and refuses duplicate
    keys, deep nesting, disallowed tags and aliases. What it refuses is
    reported as the composed tree used to report it: a syntax error (or a
    duplicate anchor, or a second document) anywhere in the text wins over a
    refused value, because the tree was complete before any value was built.
    Anything rarer than the plain tags (!!binary, !!set…) is refused.
    """

    __slots__ = ("next", "lines", "sources", "offset", "anchors")

    def __init__(self, next_event, lines: KeyLines, offset: int, anchors_possible: bool):
        self.next, self.lines, self.sources, self.offset = next_event, lines, lines.sources, offset
        self.anchors: dict | None = {} if anchors_possible else None

    def document(self):
        next_event = self.next
        next_event()  # the stream's start
        event = next_event()
        if event.__class__ is yaml.StreamEndEvent:
            return None
        event = next_event()  # the root node (after the document's start)
        root_mark = event.start_mark
        refused = None
        try:
            data = self.value(event, (), 0)
            event = self.watch(next_event())  # the document's end
        except (YAMLProblem, ConstructorError) as problem:
            refused = problem  # reported only if the rest of the text parses
            event = self.watch(next_event())
            while event.__class__ is not yaml.DocumentEndEvent:
                event = self.watch(next_event())
        event = next_event()
        if event.__class__ is not yaml.StreamEndEvent:
            raise ComposerError("expected a single document in the stream", root_mark,
                                "but found another document", event.start_mark)
        if refused is not None:
            raise refused
        return data

    def watch(self, event):
        """Refuse a second anchor of one name, as libyaml's composer does (a syntax-level error)."""
        anchors = self.anchors
        if anchors is not None and getattr(event, "anchor", None) is not None \
                and event.__class__ is not yaml.AliasEvent:
            if event.anchor in anchors:
                raise ComposerError("found duplicate anchor; first occurrence", anchors[event.anchor],
                                    "second occurrence", event.start_mark)
            anchors[event.anchor] = event.start_mark
        return event

    def value(self, event, path: tuple, depth: int):
        """The value whose first event is ``event``."""
        if self.anchors is not None:
            self.watch(event)
        return self.build(event, path, depth)

    def build(self, event, path: tuple, depth: int):
        """:meth:`value`, its first event's anchor already watched."""
        kind = event.__class__
        if kind is _ScalarEvent:
            tag = event.tag
            if tag is None or tag == "!":
                if not event.implicit[0]:
                    return event.value
                tag = _PLAIN_TAGS.get(event.value) or _plain_tag(event.value)
            return event.value if tag == _STR else self.typed(event, tag)
        tag = event.tag
        if tag is None or tag == "!":
            tag = _MAP if kind is _MappingStart else _SEQ
        if kind is _MappingStart and tag == _MAP:
            return self.mapping(event, path, depth)
        if kind is _SequenceStart and tag == _SEQ:
            return self.sequence(event, path, depth)
        if kind is yaml.AliasEvent:  # the alias check before parsing finds every one: a safety net
            raise YAMLProblem("yaml/alias", event.start_mark.line + 1 + self.offset,
                              _("YAML anchors and aliases (&name / *name) are not allowed in front matter"),
                              _("write the value out where it is needed"))
        # !!binary, !!set, !!omap, custom !tags…: front matter needs none of them, and
        # PyYAML's constructors for them would bypass the alias and depth guards.
        raise YAMLProblem("yaml/syntax", event.start_mark.line + 1 + self.offset,
                          _('the tag {tag!r} is not allowed here').format(tag=tag),
                          _("front matter takes plain texts, numbers, dates, lists and mappings"))

    def typed(self, event, tag: str):
        value = event.value
        try:
            if tag == _TIMESTAMP:
                return _timestamp(value, event.start_mark, event.end_mark)
            if tag == _INT:
                return SafeConstructor.construct_yaml_int(_CONSTRUCTOR, self.node(event, tag))
            if tag == _NULL:
                return None
            if tag == _BOOL:
                return SafeConstructor.bool_values[value.lower()]
            if tag == _FLOAT:
                return SafeConstructor.construct_yaml_float(_CONSTRUCTOR, self.node(event, tag))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):  # IndexError: !!int ''
            raise YAMLProblem("yaml/syntax", event.start_mark.line + 1 + self.offset,
                              _('{value!r:.40} is not a valid {value2}')
                                  .format(value=value, value2=tag.rsplit(':', 1)[-1]),
                              _("remove the !!tag, or fix the value")) from None
        raise YAMLProblem("yaml/syntax", event.start_mark.line + 1 + self.offset,
                          _('the tag {tag!r} is not allowed here').format(tag=tag),
                          _("front matter takes plain texts, numbers, dates, lists and mappings"))

    @staticmethod
    def node(event, tag: str):
        return yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)

    def deeper(self, event, depth: int) -> int:
        if depth >= MAX_DEPTH:
            raise YAMLProblem(
                "yaml/too-deep", event.start_mark.line + 1 + self.offset,
                _('the YAML is nested more than {MAX_DEPTH} levels deep').format(MAX_DEPTH=MAX_DEPTH),
                _("front matter needs a few levels at most"),
            )
        return depth + 1

    def mapping(self, start, path: tuple, depth: int) -> dict:
        depth = self.deeper(start, depth)
        out: dict = {}
        lines, sources, offset, next_event, value = self.lines, self.sources, self.offset, self.next, self.value
        plain, anchors = _PLAIN_TAGS, self.anchors
        while True:
            event = next_event()
            if event.__class__ is _MappingEnd:
                return out
            line = event.start_mark.line + 1 + offset
            if event.__class__ is _ScalarEvent and event.tag is None and anchors is None:
                key = event.value  # the usual key: plain text, told apart from <<, numbers, dates…
                if event.implicit[0]:
                    tag = plain.get(key) or _plain_tag(key)
                    if tag != _STR:
                        if tag == _MERGE:
                            raise self.merge(line)
                        key = self.typed(event, tag)
            else:
                if anchors is not None:
                    self.watch(event)
                if _tag_of(event) == _MERGE:
                    raise self.merge(line)
                key = self.build(event, path, depth)
            try:
                duplicate = key in out
            except TypeError:
                raise YAMLProblem("yaml/syntax", line, _("a key must be a plain text, not a list or mapping"),
                                  _("write key: value")) from None
            if duplicate:
                raise YAMLProblem(
                    "yaml/duplicate-key", line,
                    _('key {str!r} is given twice').format(str='.'.join(map(str, path + (key,)))),
                    _("keep one; YAML would silently use the last"),
                )
            here = path + (key,)
            lines[here] = line
            event = next_event()
            if event.__class__ is _ScalarEvent and event.tag is None and anchors is None:
                text = event.value  # the usual value: plain or quoted text, inline
                if event.implicit[0]:
                    tag = plain.get(text) or _plain_tag(text)
                    if tag != _STR:
                        out[key] = self.typed(event, tag)
                        if tag in _TYPED_SCALARS:
                            sources[here] = text
                        continue
                out[key] = text
                continue
            out[key] = value(event, here, depth)
            if event.__class__ is _ScalarEvent and _tag_of(event) in _TYPED_SCALARS:
                sources[here] = event.value

    @staticmethod
    def merge(line: int) -> YAMLProblem:
        return YAMLProblem("yaml/alias", line, _("merge keys (<<) are not allowed in front matter"),
                           _("write the keys out where they are needed"))

    def sequence(self, start, path: tuple, depth: int) -> list:
        depth = self.deeper(start, depth)
        out = []
        lines, sources, offset, next_event, value = self.lines, self.sources, self.offset, self.next, self.value
        plain, anchors = _PLAIN_TAGS, self.anchors
        index = 0
        while True:
            event = next_event()
            if event.__class__ is _SequenceEnd:
                return out
            here = path + (index,)
            lines[here] = event.start_mark.line + 1 + offset
            index += 1
            if event.__class__ is _ScalarEvent and event.tag is None and anchors is None:
                text = event.value
                if event.implicit[0]:
                    tag = plain.get(text) or _plain_tag(text)
                    if tag != _STR:
                        out.append(self.typed(event, tag))
                        if tag in _TYPED_SCALARS:
                            sources[here] = text
                        continue
                out.append(text)
                continue
            out.append(value(event, here, depth))
            if event.__class__ is _ScalarEvent and _tag_of(event) in _TYPED_SCALARS:
                sources[here] = event.value


def _tag_of(event) -> str | None:
    """The tag libyaml's composer would give the node that starts with ``event``."""
    tag = event.tag
    if tag is not None and tag != "!":
        return tag
    kind = event.__class__
    if kind is _ScalarEvent:
        if not event.implicit[0]:
            return _STR
        return _PLAIN_TAGS.get(event.value) or _plain_tag(event.value)
    return _MAP if kind is _MappingStart else _SEQ if kind is _SequenceStart else None


# A quote or bracket that opened at libyaml's context mark and never closed: the
# place to fix is where it opened, not where the parser gave up.
_OPENERS = frozenset("\"'[{")


# libyaml's usual words, translated where people read them (unknown wordings pass through as written).
LIBYAML_WORDS = (N_("while parsing a flow sequence"), N_("while parsing a flow mapping"),
                 N_("while parsing a block mapping"), N_("while parsing a block collection"),
                 N_("while scanning a quoted scalar"), N_("while scanning a simple key"),
                 N_("while scanning a plain scalar"), N_("while parsing a block node"),
                 N_("did not find expected ',' or ']'"), N_("did not find expected ',' or '}'"),
                 N_("did not find expected key"), N_("did not find expected '-' indicator"),
                 N_("mapping values are not allowed in this context"), N_("could not find expected ':'"),
                 N_("found unexpected end of stream"), N_("found character that cannot start any token"),
                 N_("found unknown escape character"), N_("day is out of range for month"),
                 N_("month must be in 1..12"), N_("year is out of range"))


def _words(text):
    return _(text) if text else text


def _date_detail(detail: str) -> str:
    """"'2026-02-30': day is out of range for month" with Python's reason in the reader's language."""
    value, sep, reason = detail.rpartition(": ")
    return f"{value}{sep}{_words(reason)}" if sep else detail


def _syntax_problem(error: yaml.YAMLError, text: str, offset: int) -> YAMLProblem:
    """A YAML error as a Problem. What decides the code and the line is the marks and
    the source text, never the wording of the error, which libyaml versions change."""
    if not isinstance(error, yaml.MarkedYAMLError):
        return YAMLProblem("yaml/syntax", offset + 1, str(error).replace("\n", " "),
                           _("check indentation, quotes and the ':' after each key"))
    if isinstance(error, ConstructorError) and isinstance(error.problem, str) \
            and error.problem.startswith(IMPOSSIBLE_DATE):
        return YAMLProblem("schema/date-invalid", error.problem_mark.line + 1 + offset,
                           _("impossible date {detail}").format(detail=_date_detail(error.problem[len(IMPOSSIBLE_DATE) + 1:])),
                           _("write a real calendar date, e.g. 2026-02-28"))
    context, problem = error.context_mark, error.problem_mark
    opened = context is not None and _char_at(text, context) in _OPENERS
    mark = context if opened else (problem or context)
    line = mark.line + 1 + offset if mark else offset + 1
    if opened and problem is not None:
        # libyaml's own words (context, problem) stay English: quoted, like a compiler's
        message = _("{context} opened on line {opened}: {problem} on line {line}").format(
            context=_words(error.context), opened=context.line + 1 + offset, problem=_words(error.problem),
            line=problem.line + 1 + offset)
        hint = _("close the {char} opened on line {line}").format(char=_char_at(text, context), line=line)
    else:
        message = _("YAML error: {detail}").format(
            detail=" ".join(filter(None, [_words(error.context), _words(error.problem)])) or str(error))
        hint = _("check indentation, quotes and the ':' after each key")
    return YAMLProblem("yaml/syntax", line, message.replace("\n", " "), hint)


def _char_at(text: str, mark) -> str:
    lines = text.split("\n")  # YAML's line breaks, not str.splitlines()'s (\f, \v…)
    if mark.line < len(lines) and mark.column < len(lines[mark.line]):
        return lines[mark.line][mark.column]
    return ""


# What may precede a block collection's first entry on its line: indentation and the
# "- ", "? ", ": " indicators of compact nesting.
_PREFIX_CHARS = "[ \t?:-]"
_WIDER: dict[int, tuple[re.Pattern, re.Pattern]] = {}


def _may_be_too_deep(text: str) -> bool:
    """Whether the nesting could pass MAX_DEPTH, judged on characters alone (a few µs).

    Every flow collection opens with [ or {; a nested block collection starts
    further right than its parent, except a sequence directly under a mapping
    key, so block depth is at most twice the widest line prefix plus two.
    Quoted [ or deep indentation only over-estimate, which costs one event pass.
    """
    if "\r" in text:  # YAML breaks lines at a lone CR too; the prefixes below look after "\n"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    budget = MAX_DEPTH - text.count("[") - text.count("{")
    if budget < 2:
        return True
    widest = budget // 2 - 1  # a prefix this wide keeps the bound within MAX_DEPTH
    wider = _WIDER.get(widest)
    if wider is None:
        # "^" under re.M, spelled as the text's start or a "\n": a pattern that opens with a
        # literal character is searched for at memchr speed, "^" is tried at every position.
        prefix = f"{_PREFIX_CHARS}{{{widest + 1},}}"
        wider = _WIDER[widest] = (re.compile(prefix), re.compile("\n" + prefix))
    return wider[0].match(text) is not None or wider[1].search(text) is not None


def _depth_bound(text: str) -> int:
    """The bound itself, for tests: _may_be_too_deep(text) iff this exceeds MAX_DEPTH."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    prefixes = re.findall(f"^{_PREFIX_CHARS}*", text, re.M)
    return text.count("[") + text.count("{") + 2 * (max(map(len, prefixes), default=0) + 1)


def _check_depth_and_aliases(text: str, offset: int, pure: bool) -> None:
    """Refuse aliases and measure the depth on the event stream, before libyaml's
    recursive composer runs (deep nesting overflows the C stack). When the text could
    be deep, PyYAML's pure-Python parser reads it: it has no nesting limit of its own,
    whereas libyaml's scanner reads ahead and stops at a limit that changes between
    releases, with its own wording."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader if pure else yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise YAMLProblem("yaml/alias", event.start_mark.line + 1 + offset,
                                  _("YAML anchors and aliases (&name / *name) are not allowed in front matter"),
                                  _("write the value out where it is needed"))
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YAMLProblem("yaml/too-deep", event.start_mark.line + 1 + offset,
                                      _('the YAML is nested more than {MAX_DEPTH} levels deep')
                                          .format(MAX_DEPTH=MAX_DEPTH),
                                      _("a few levels are enough"))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as error:
        raise _syntax_problem(error, text, offset) from None
