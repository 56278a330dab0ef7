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


class _LazyPattern:
    """A regex compiled the first time one of its methods is looked up."""

    def __init__(self, *args):
        self._args = args

    def __getattr__(self, name):  # once per method: it is then an attribute
        value = getattr(_compile_now(*self._args), name)
        setattr(self, name, value)
        return value


_compile_now = re.compile


def _import_yaml():
    """``import yaml`` with its module-level regexes compiled on first use.

    PyYAML compiles a dozen at import, a third of its import time (~5 ms of every
    ``check --changed-since``): the pure reader's, which libyaml never needs, and the
    resolver's, of which a run tries only some. They are the same patterns, compiled
    when first used."""
    import sys

    if "yaml" in sys.modules:
        return sys.modules["yaml"]
    re.compile = _LazyPattern
    try:
        import yaml
    finally:
        re.compile = _compile_now
    return yaml


yaml = _import_yaml()
from yaml.constructor import ConstructorError, SafeConstructor  # noqa: E402

from .i18n import N_, _
from .problems import Problem

MAX_YAML_BYTES = 16 * 1024
MAX_DEPTH = 32
IMPOSSIBLE_DATE = "impossible date"

Key = tuple  # a key path: ("channels", "mastodon", "text") or ("prizes", 0, "value")


class KeyLines(dict):
    """{key path: line}, plus ``sources``: the text as written of every value YAML
    read as a number, boolean or date, so a text field can keep "1.10" instead of
    the float's "1.1" and say how to quote it."""

    def __init__(self):
        super().__init__()
        self.sources: dict[Key, str] = {}


class _Loader(yaml.CSafeLoader):
    """CSafeLoader whose impossible dates carry the line they came from, and whose tag
    resolution remembers plain scalars: libyaml asks PyYAML's Python resolver for every
    key and value (tens of thousands of regex tries a check), and front matter repeats the
    same keys and values. A plain scalar's tag depends on its text alone (no path resolvers)."""

    _plain_tags: dict = {}

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0]:
            tags = self._plain_tags
            tag = tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(tags) < 4096 and len(value) < 64:
                    tags[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def descend_resolver(self, current_node, current_index):
        pass  # only path resolvers need it, and this loader has none

    def ascend_resolver(self):
        pass


def _timestamp(loader, node):
    # The C-level ISO parsers read the common forms ~5x faster than PyYAML's regex.
    value = node.value
    try:
        if len(value) == 10:
            return _dt.date.fromisoformat(value)
        if "T" in value or "t" in value:
            return _dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass  # other YAML spellings, or impossible dates: let PyYAML decide and explain
    try:
        return SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as error:
        raise ConstructorError(
            None, None, f"{IMPOSSIBLE_DATE} {node.value!r}: {error}", node.start_mark
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


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
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, KeyLines()
        lines = KeyLines()
        builder = _Builder(loader, lines, offset, "&" in text)
        data = builder.build(node, (), 0)
    except YAMLProblem:
        raise
    except yaml.YAMLError as error:
        raise _syntax_problem(error, text, offset) from None
    except RecursionError:
        raise YAMLProblem("yaml/too-deep", first_line, _("the YAML is nested too deeply")) from None
    finally:
        loader.dispose()
    return data, lines


_TAG = "tag:yaml.org,2002:"
_STR, _TIMESTAMP, _INT, _FLOAT = _TAG + "str", _TAG + "timestamp", _TAG + "int", _TAG + "float"
_BOOL, _NULL, _MAP, _SEQ, _MERGE = _TAG + "bool", _TAG + "null", _TAG + "map", _TAG + "seq", _TAG + "merge"
_TYPED_SCALARS = frozenset((_TIMESTAMP, _INT, _FLOAT, _BOOL))


class _Builder:
    """Turns the composed node tree into Python data in one pass.

    It replaces PyYAML's generic constructor (about half of the parse time)
    for the plain tags front matter uses, and on the way records the line
    of every key and refuses duplicate keys, deep nesting and — when the
    text has an anchor at all — aliases (a node met twice). Anything rarer
    (!!binary, !!set…) is handed to PyYAML's own constructor.
    """

    __slots__ = ("loader", "lines", "offset", "seen")

    def __init__(self, loader, lines: dict, offset: int, aliases_possible: bool):
        self.loader, self.lines, self.offset = loader, lines, offset
        self.seen: set[int] | None = set() if aliases_possible else None

    def build(self, node, path: tuple, depth: int):
        if self.seen is not None:
            _mark_seen(node, self.seen, self.offset)
        tag, kind = node.tag, node.__class__
        if kind is yaml.ScalarNode:
            if tag == _STR:
                return node.value
            try:
                if tag == _TIMESTAMP:
                    return _timestamp(self.loader, node)
                if tag == _INT:
                    return SafeConstructor.construct_yaml_int(self.loader, node)
                if tag == _NULL:
                    return None
                if tag == _BOOL:
                    return SafeConstructor.bool_values[node.value.lower()]
                if tag == _FLOAT:
                    return SafeConstructor.construct_yaml_float(self.loader, node)
            except (ValueError, KeyError, TypeError, AttributeError):
                raise YAMLProblem("yaml/syntax", node.start_mark.line + 1 + self.offset,
                                  _('{value!r:.40} is not a valid {value2}')
                                      .format(value=node.value, value2=tag.rsplit(':', 1)[-1]),
                                  _("remove the !!tag, or fix the value")) from None
        elif kind is yaml.MappingNode and tag == _MAP:
            return self.mapping(node, path, depth)
        elif kind is yaml.SequenceNode and tag == _SEQ:
            return self.sequence(node, path, depth)
        # !!binary, !!set, !!omap, custom !tags…: front matter needs none of them, and
        # PyYAML's constructors for them would bypass the alias and depth guards.
        raise YAMLProblem("yaml/syntax", node.start_mark.line + 1 + self.offset,
                          _('the tag {tag!r} is not allowed here').format(tag=tag),
                          _("front matter takes plain texts, numbers, dates, lists and mappings"))

    def deeper(self, node, depth: int) -> int:
        if depth >= MAX_DEPTH:
            raise YAMLProblem(
                "yaml/too-deep", node.start_mark.line + 1 + self.offset,
                _('the YAML is nested more than {MAX_DEPTH} levels deep').format(MAX_DEPTH=MAX_DEPTH),
                _("front matter needs a few levels at most"),
            )
        return depth + 1

    def mapping(self, node, path: tuple, depth: int) -> dict:
        depth = self.deeper(node, depth)
        out: dict = {}
        lines, offset = self.lines, self.offset
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1 + offset
            if key_node.tag == _MERGE:
                raise YAMLProblem("yaml/alias", line, _("merge keys (<<) are not allowed in front matter"),
                                  _("write the keys out where they are needed"))
            key = self.build(key_node, path, depth)
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
            out[key] = self.build(value_node, here, depth)
            if value_node.tag in _TYPED_SCALARS:
                lines.sources[here] = value_node.value
        return out

    def sequence(self, node, path: tuple, depth: int) -> list:
        depth = self.deeper(node, depth)
        out = []
        lines, offset = self.lines, self.offset
        for index, child in enumerate(node.value):
            here = path + (index,)
            lines[here] = child.start_mark.line + 1 + offset
            out.append(self.build(child, here, depth))
            if child.tag in _TYPED_SCALARS:
                lines.sources[here] = child.value
        return out


def _mark_seen(node, seen: set[int], offset: int) -> None:
    if id(node) in seen:
        raise YAMLProblem(
            "yaml/alias", node.start_mark.line + 1 + offset,
            _("YAML anchors and aliases (&name / *name) are not allowed in front matter"),
            _("write the value out where it is needed"),
        )
    seen.add(id(node))


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
_WIDER: dict[int, re.Pattern] = {}


def _may_be_too_deep(text: str) -> bool:
    """Whether the nesting could pass MAX_DEPTH, judged on characters alone (a few µs).

    Every flow collection opens with [ or {; a nested block collection starts
    further right than its parent, except a sequence directly under a mapping
    key, so block depth is at most twice the widest line prefix plus two.
    Quoted [ or deep indentation only over-estimate, which costs one event pass.
    """
    budget = MAX_DEPTH - text.count("[") - text.count("{")
    if budget < 2:
        return True
    widest = budget // 2 - 1  # a prefix this wide keeps the bound within MAX_DEPTH
    wider = _WIDER.get(widest)
    if wider is None:
        wider = _WIDER[widest] = re.compile(f"^{_PREFIX_CHARS}{{{widest + 1},}}", re.M)
    return wider.search(text) is not None


def _depth_bound(text: str) -> int:
    """The bound itself, for tests: _may_be_too_deep(text) iff this exceeds MAX_DEPTH."""
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
