"""The front matter parser as it was before it read libyaml's events directly: it composed
libyaml's node tree, then walked it. Kept only to compare the two on hostile and ordinary
inputs (tests/test_yamlsafe_events.py); gazette never imports it."""

from __future__ import annotations

import datetime as _dt

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from gazette.i18n import _
from gazette.yamlsafe import (IMPOSSIBLE_DATE, MAX_DEPTH, MAX_YAML_BYTES, Key, KeyLines, YAMLProblem,
                              _check_depth_and_aliases, _may_be_too_deep, _syntax_problem)


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
