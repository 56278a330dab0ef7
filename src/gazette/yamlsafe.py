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

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from .problems import Problem

MAX_YAML_BYTES = 16 * 1024
MAX_DEPTH = 32

Key = tuple  # a key path: ("channels", "mastodon", "text") or ("prizes", 0, "value")


class _Loader(yaml.CSafeLoader):
    """CSafeLoader whose impossible dates carry the line they came from."""


def _timestamp(loader, node):
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


def parse(text: str, first_line: int = 1) -> tuple[object, dict[Key, int]]:
    """Parse one YAML document; return (data, {key path: line}).

    ``first_line`` is the file line of the text's first line, so lines point
    into the Markdown file and not into the front matter block.
    Raises :class:`YAMLProblem`.
    """
    if len(text) > MAX_YAML_BYTES:
        raise YAMLProblem(
            "yaml/too-large", first_line,
            f"the YAML is {len(text) // 1024} KiB, over the {MAX_YAML_BYTES // 1024} KiB cap",
            "move long text into the Markdown body",
        )
    offset = first_line - 1
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        try:
            lines = _walk(node, offset)
        except YAMLProblem as problem:
            if problem.code == "yaml/alias":
                problem.line = _first_alias_line(text, offset) or problem.line
            raise
        data = loader.construct_document(node)
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


def _walk(root, offset: int) -> dict[Key, int]:
    """Record key lines; refuse aliases, duplicate keys and deep nesting.

    Iterative, and it visits each node once: an alias is a node met twice.
    """
    lines: dict[Key, int] = {}
    seen: set[int] = set()
    stack = [(root, (), 0)]
    while stack:
        node, path, depth = stack.pop()
        if id(node) in seen:
            raise YAMLProblem(
                "yaml/alias", node.start_mark.line + 1 + offset,
                "YAML anchors and aliases (&name / *name) are not allowed in front matter",
                "write the value out where it is needed",
            )
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise YAMLProblem(
                "yaml/too-deep", node.start_mark.line + 1 + offset,
                f"the YAML is nested more than {MAX_DEPTH} levels deep",
                "front matter needs a few levels at most",
            )
        if isinstance(node, yaml.MappingNode):
            keys_here: set = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
                line = key_node.start_mark.line + 1 + offset
                if key in keys_here:
                    raise YAMLProblem(
                        "yaml/duplicate-key", line,
                        f"key {'.'.join(map(str, path + (key,)))!r} is given twice",
                        "keep one; YAML would silently use the last",
                    )
                keys_here.add(key)
                lines[path + (key,)] = line
                stack.append((key_node, path, depth + 1))
                stack.append((value_node, path + (key,), depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                lines[path + (index,)] = child.start_mark.line + 1 + offset
                stack.append((child, path + (index,), depth + 1))
    return lines


def _first_alias_line(text: str, offset: int) -> int | None:
    """The line of the first *alias, for the error message (the scanner shares nothing)."""
    for token in yaml.scan(text, Loader=yaml.CSafeLoader):
        if isinstance(token, yaml.AliasToken):
            return token.start_mark.line + 1 + offset
    return None
