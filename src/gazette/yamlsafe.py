"""Safe, fast YAML for front matter and frame files.

One parse per file with libyaml (``yaml.CSafeLoader``): compose the node
tree, walk it once to record the line of every key and to refuse what
front matter never needs (aliases, duplicate keys, deep nesting), then
construct plain Python data. Hostile input becomes a Problem, never a
crash: the size cap keeps libyaml's recursive composer far from the C
stack limit (~30,000 levels segfaults; 16 KiB cannot nest that deep), and
refusing aliases before construction defuses "billion laughs" bombs.
"""

from __future__ import annotations

import datetime as _dt

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from .problems import Problem

MAX_YAML_BYTES = 16 * 1024
MAX_DEPTH = 32

Key = tuple  # a key path: ("channels", "mastodon", "text") or ("prizes", 0, "value")


class _Loader(yaml.CSafeLoader):
    """CSafeLoader whose impossible dates carry the line they came from."""


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
            None, None, f"impossible date {node.value!r}: {error}", node.start_mark
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
            f"the YAML is {len(text) // 1024} KiB, over the {max_bytes // 1024} KiB cap",
            "move long text into the Markdown body",
        )
    offset = first_line - 1
    if len(text) > MAX_YAML_BYTES:
        _check_depth_by_events(text, offset)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[Key, int] = {}
        builder = _Builder(loader, lines, offset, "&" in text)
        try:
            data = builder.build(node, (), 0)
        except YAMLProblem as problem:
            if problem.code == "yaml/alias":
                problem.line = _first_alias_line(text, offset) or problem.line
            raise
    except YAMLProblem:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 + offset if mark else first_line
        message = " ".join(filter(None, [error.context, error.problem])) or str(error)
        if "impossible date" in message or "out of range" in message:
            raise YAMLProblem("schema/date-invalid", line, message,
                              "write a real calendar date, e.g. 2026-02-28") from None
        raise YAMLProblem("yaml/syntax", line, message.replace("\n", " "),
                          "check indentation, quotes and the ':' after each key") from None
    except yaml.YAMLError as error:
        raise YAMLProblem("yaml/syntax", first_line, str(error).replace("\n", " ")) from None
    except RecursionError:
        raise YAMLProblem("yaml/too-deep", first_line, "the YAML is nested too deeply") from None
    finally:
        loader.dispose()
    return data, lines


_TAG = "tag:yaml.org,2002:"
_STR, _TIMESTAMP, _INT, _FLOAT = _TAG + "str", _TAG + "timestamp", _TAG + "int", _TAG + "float"
_BOOL, _NULL, _MAP, _SEQ, _MERGE = _TAG + "bool", _TAG + "null", _TAG + "map", _TAG + "seq", _TAG + "merge"


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
                                  f"{node.value!r:.40} is not a valid {tag.rsplit(':', 1)[-1]}",
                                  "remove the !!tag, or fix the value") from None
        elif kind is yaml.MappingNode and tag == _MAP:
            return self.mapping(node, path, depth)
        elif kind is yaml.SequenceNode and tag == _SEQ:
            return self.sequence(node, path, depth)
        # !!binary, !!set, !!omap, custom !tags…: front matter needs none of them, and
        # PyYAML's constructors for them would bypass the alias and depth guards.
        raise YAMLProblem("yaml/syntax", node.start_mark.line + 1 + self.offset,
                          f"the tag {tag!r} is not allowed here",
                          "front matter takes plain texts, numbers, dates, lists and mappings")

    def deeper(self, node, depth: int) -> int:
        if depth >= MAX_DEPTH:
            raise YAMLProblem(
                "yaml/too-deep", node.start_mark.line + 1 + self.offset,
                f"the YAML is nested more than {MAX_DEPTH} levels deep",
                "front matter needs a few levels at most",
            )
        return depth + 1

    def mapping(self, node, path: tuple, depth: int) -> dict:
        depth = self.deeper(node, depth)
        out: dict = {}
        lines, offset = self.lines, self.offset
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1 + offset
            if key_node.tag == _MERGE:
                raise YAMLProblem("yaml/alias", line, "merge keys (<<) are not allowed in front matter",
                                  "write the keys out where they are needed")
            key = self.build(key_node, path, depth)
            try:
                duplicate = key in out
            except TypeError:
                raise YAMLProblem("yaml/syntax", line, "a key must be a plain text, not a list or mapping",
                                  "write key: value") from None
            if duplicate:
                raise YAMLProblem(
                    "yaml/duplicate-key", line,
                    f"key {'.'.join(map(str, path + (key,)))!r} is given twice",
                    "keep one; YAML would silently use the last",
                )
            here = path + (key,)
            lines[here] = line
            out[key] = self.build(value_node, here, depth)
        return out

    def sequence(self, node, path: tuple, depth: int) -> list:
        depth = self.deeper(node, depth)
        out = []
        lines, offset = self.lines, self.offset
        for index, child in enumerate(node.value):
            here = path + (index,)
            lines[here] = child.start_mark.line + 1 + offset
            out.append(self.build(child, here, depth))
        return out


def _mark_seen(node, seen: set[int], offset: int) -> None:
    if id(node) in seen:
        raise YAMLProblem(
            "yaml/alias", node.start_mark.line + 1 + offset,
            "YAML anchors and aliases (&name / *name) are not allowed in front matter",
            "write the value out where it is needed",
        )
    seen.add(id(node))


def _check_depth_by_events(text: str, offset: int) -> None:
    """Past 16 KiB, libyaml's recursive composer could overflow the C stack on deep
    nesting; its parser is iterative, so measure the depth on the event stream first."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YAMLProblem("yaml/too-deep", event.start_mark.line + 1 + offset,
                                      f"the YAML is nested more than {MAX_DEPTH} levels deep",
                                      "a few levels are enough")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # the composer will report the syntax error with its line


def _first_alias_line(text: str, offset: int) -> int | None:
    """The line of the first *alias, for the error message (the scanner shares nothing)."""
    for token in yaml.scan(text, Loader=yaml.CSafeLoader):
        if isinstance(token, yaml.AliasToken):
            return token.start_mark.line + 1 + offset
    return None
