"""``gazette forget IDENTIFIER``: erase one person everywhere Gazette keeps them.

1. The registry: the person's file is removed and every reference to their key
   (a place's ``contacts``, an action's ``targets.people``) cut out exactly where the
   composed YAML places it (comments and folding stay), all in one commit; a reference
   no exact edit can remove stops the erasure before any change and names the file.
2. The state database: every feature that stores personal data exposes
   ``forget(connection, identifier) -> list[str]``; :data:`PARTS` names them as
   "module:function" and a part whose module is not installed is skipped, so
   features wire up by adding one line here.
3. What git history still holds (the public profile, in past commits) is printed:
   rewriting published history is the community's decision, not a side effect.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from .i18n import _

# Every feature's eraser. Each is called with each identifier of the person (the key,
# the identifier given, the public handles) and says in words what it removed.
PARTS = (
    "gazette.community.relations:forget",
    "gazette.contests.entries:forget",  # contest entries
    "gazette.listening:forget",  # mentions, answers, moderation records
    "gazette.importers:forget",  # comments an import queued for moderation
)


class ForgetError(Exception):
    """Nothing to forget under that identifier, or the repository cannot be changed (exit 2)."""


class Forgotten:
    def __init__(self, key: str | None, identifiers: list[str]):
        self.key, self.identifiers = key, identifiers
        self.removed: list[str] = []  # in words, for the person running the command
        self.changed: list[str] = []  # repository files removed or edited
        self.commit: str | None = None
        self.history: list[str] = []  # what git history still holds
        self.skipped: list[str] = []  # parts not installed
        self.mentions: list[str] = []  # items whose public text names the person's handles

    def as_dict(self) -> dict:
        return {"key": self.key, "identifiers": self.identifiers, "removed": self.removed, "changed": self.changed,
                "commit": self.commit, "history": self.history, "skipped": self.skipped,
                "mentions": self.mentions}


def resolve(registry, identifier: str) -> tuple[str | None, list[str]]:
    """(the person's key or None, every identifier to erase: the given one, the key, handles)."""
    from .community.registry import normalize_handle

    wanted = identifier.strip()
    key = wanted if wanted in registry.people else None
    if key is None and wanted:
        for person_key, person in registry.people.items():
            for network, handle in (person.get("handles") or {}).items():
                if handle.lower() in (wanted.lower(), normalize_handle(network, wanted)[0].lower()):
                    key = person_key
    identifiers = [wanted]
    if key is not None:
        identifiers += [key, *(registry.people[key].get("handles") or {}).values()]
    return key, list(dict.fromkeys(i for i in identifiers if i))


def forget(root: Path, identifier: str, commit: bool = True, connection=None) -> Forgotten:
    """Erase ``identifier`` (a registry key, a handle, or an address the state database knows)."""
    from .community.registry import load_registry
    from .load import load_frame

    frame, _problems = load_frame(root)
    registry = load_registry(root, frame, cache=False)
    key, identifiers = resolve(registry, identifier)
    result = Forgotten(key, identifiers)
    if key is not None:
        _forget_in_registry(root, frame, registry, key, result)
    _forget_in_state(root, identifiers, result, connection)
    if not result.removed:
        raise ForgetError(_("nothing is known about {identifier!r}: no person file, handle or stored record")
                          .format(identifier=identifier))
    if result.changed and commit:
        result.commit = _commit(root, result.changed)
    if key is not None:
        result.history = history(root, registry.people[key]["_path"])
        result.mentions = mentions(root, list((registry.people[key].get("handles") or {}).values()))
    return result


def mentions(root: Path, handles: list[str]) -> list[str]:
    """Items whose texts name one of ``handles``: public posts are not erased, only shown."""
    from .load import load_repo

    wanted = [h.casefold() for h in handles if h.startswith("@")]
    if not wanted:
        return []
    found = []
    for item in load_repo(root).items:
        texts = [item.body, *(str((spec or {}).get("text") or "") for spec in (item.meta.get("channels") or {}).values())]
        folded = "\n".join(texts).casefold()
        if any(handle in folded for handle in wanted):
            found.append(item.path)
    return found


def _forget_in_registry(root: Path, frame, registry, key: str, result: Forgotten) -> None:
    files = [(place["_path"], ("contacts",)) for place in registry.places.values() if key in (place.get("contacts") or ())]
    files += [(action["_path"], ("targets", "people")) for action in frame.actions.values()
              if key in ((action.get("targets") or {}).get("people") or ())]
    # Every edit is worked out before anything changes: a reference that cannot be cut
    # safely stops the erasure whole, so no file is left naming a person who is gone.
    edits, by_hand = [], []
    for path, where in files:
        text = (root / path).read_text(encoding="utf-8")
        try:
            edited = remove_list_entry(text, key, where)
            reason = _("no such entry in that list")
        except ListEditRefused as error:
            edited, reason = text, str(error)
        if edited == text:
            by_hand.append(_("{path} (remove {key!r} from {field}: {reason})")
                           .format(path=path, key=key, field=".".join(where), reason=reason))
        else:
            edits.append((path, edited))
    if by_hand:
        raise ForgetError(_("nothing changed: {key!r} cannot be taken out of these files safely, edit them by hand "
                            "and run forget again: {files}").format(key=key, files="; ".join(by_hand)))
    person_path = registry.people[key]["_path"]
    (root / person_path).unlink()
    result.changed.append(person_path)
    result.removed.append(_("the registry file {path}").format(path=person_path))
    for path, edited in edits:
        _write(root / path, edited)
        result.changed.append(path)
        result.removed.append(_("the reference in {path}").format(path=path))


class ListEditRefused(Exception):
    """A reference that no exact text edit can take out: a person edits that file by hand."""


def remove_list_entry(text: str, key: str, where: tuple[str, ...]) -> str:
    """``text`` without the items equal to ``key`` in the list at ``where``, a path of
    fields from the top (``("contacts",)``, ``("targets", "people")``).

    The items are found in the composed YAML (each node knows where it starts and ends),
    so only that list's plain string items change: a scalar's text, a nested list, another
    field keep theirs. Exactly the item and its separator (its ``- `` line, or one comma)
    are cut; comments and every other byte stay. Raises :class:`ListEditRefused` when the
    result would not read as the same document minus that item."""
    import copy

    import yaml

    from . import yamlsafe

    while True:
        try:
            before, _lines = yamlsafe.parse(text)
            sequence, colon = _sequence_at(text, where)
        except (yamlsafe.YAMLProblem, yaml.YAMLError) as error:
            raise ListEditRefused(str(error).strip().splitlines()[0]) from None
        index = None if sequence is None else next(
            (i for i, node in enumerate(sequence.value) if _is_entry(node, key)), None)
        if index is None:
            return text
        edited = _cut(text, sequence, index, colon)
        expected = copy.deepcopy(before)
        _value_at(expected, where).pop(index)
        try:
            after, _lines = yamlsafe.parse(edited)
        except yamlsafe.YAMLProblem:
            after = None
        if after != expected:
            raise ListEditRefused(_("taking {key!r} out would change more than that entry").format(key=key))
        text = edited


def _sequence_at(text: str, where: tuple[str, ...]):
    """(the sequence node at ``where`` or None, the index just after its key's colon)."""
    import yaml

    node, colon = yaml.compose(text, Loader=yaml.CSafeLoader), None
    for field in where:
        if not isinstance(node, yaml.MappingNode):
            return None, None
        pairs = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == field]
        if not pairs:
            return None, None
        key_node, node = pairs[-1]
        colon = _colon_after(text, key_node.end_mark.index)
    return (node if isinstance(node, yaml.SequenceNode) else None), colon


def _colon_after(text: str, index: int) -> int | None:
    while index < len(text) and text[index] in " \t":
        index += 1
    return index + 1 if index < len(text) and text[index] == ":" else None


def _is_entry(node, key: str) -> bool:
    import yaml

    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str" and node.value == key


def _value_at(data, where: tuple[str, ...]) -> list:
    for field in where:
        data = data[field]
    return data


def _cut(text: str, sequence, index: int, colon: int | None) -> str:
    items = sequence.value
    start, end = items[index].start_mark.index, items[index].end_mark.index
    if not sequence.flow_style:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end + 1
        if text[line_start:start].strip() != "-" or text[end:line_end].strip()[:1] not in ("", "#"):
            raise ListEditRefused(_("the entry does not stand alone on its line"))
        text = text[:line_start] + text[line_end:]
        if len(items) == 1:  # an empty list stays a list, not a null
            if colon is None:
                raise ListEditRefused(_("no colon after the field"))
            text = text[:colon] + " []" + text[colon:]
        return text
    if index + 1 < len(items):  # "key, " up to the next item
        comma = _separator(text, end, items[index + 1].start_mark.index)
        after = comma + 1
        while after < len(text) and text[after] in " \t":
            after += 1
        return _drop_blank_line(text[:start] + text[after:], start)
    if index == 0:
        return _drop_blank_line(text[:start] + text[end:], start)
    comma = _separator(text, items[index - 1].end_mark.index, start)
    if text[comma + 1:start].strip(" \t") == "":  # ", key" on one line
        return text[:comma] + text[end:]
    text = _drop_blank_line(text[:start] + text[end:], start)
    return text[:comma] + text[comma + 1:]


def _separator(text: str, begin: int, stop: int) -> int:
    """The comma between two flow items (whitespace and comments may surround it)."""
    position = begin
    while position < stop:
        char = text[position]
        if char == ",":
            return position
        if char == "#":
            position = text.find("\n", position, stop)
            if position < 0:
                break
        elif char not in " \t\r\n":
            break
        position += 1
    raise ListEditRefused(_("no comma between the list entries"))


def _drop_blank_line(text: str, position: int) -> str:
    """``text`` without the line around ``position`` if the cut left it blank."""
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    if line_end < 0 or text[line_start:line_end].strip() or line_start == 0:
        return text
    return text[:line_start] + text[line_end + 1:]


def _write(path: Path, text: str) -> None:
    import os

    temp = path.with_name(f".{path.name}.forget.tmp")
    with open(temp, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def _forget_in_state(root: Path, identifiers: list[str], result: Forgotten, connection=None) -> None:
    from .state import connect

    own = connection is None
    if own:
        connection = connect(root)
    try:
        for name in PARTS:
            function = part(name)
            if function is None:
                result.skipped.append(name)
                continue
            for identifier in identifiers:
                result.removed += function(connection, identifier)
    finally:
        if own:
            connection.close()


def part(name: str):
    """The function "module:function" names, or None when that module is not installed."""
    module_name, function_name = name.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            return None  # the feature is not there (yet): nothing of it to erase
        raise
    return getattr(module, function_name, None)


def _commit(root: Path, paths: list[str]) -> str | None:
    from .gitops import Git, GitFailed

    git = Git(root)
    if not git.is_repository():
        return None
    try:
        return git.commit_paths(paths, "gazette forget: remove a person from the registry")
    except GitFailed as error:
        raise ForgetError(_("the files are changed but not committed: {error}").format(error=error)) from None


def history(root: Path, path: str) -> list[str]:
    """The commits that still hold the person's file, "abc1234 2026-01-05", newest first."""
    from .gitops import Git, GitFailed

    git = Git(root)
    try:
        if not git.is_repository():
            return []
        out = git("log", "--follow", "--format=%h %cs", "--diff-filter=AMR", "--", path)  # commits holding its text
    except GitFailed:
        return []
    return [line for line in out.splitlines() if line.strip()]
