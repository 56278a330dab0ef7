"""``gazette forget IDENTIFIER``: erase one person everywhere Gazette keeps them.

1. The registry: the person's file is removed and every reference to their key
   (a place's ``contacts``, an action's ``targets.people``) taken out by a line
   edit (comments and folding stay), all in one commit.
2. The state database: every feature that stores personal data exposes
   ``forget(connection, identifier) -> list[str]``; :data:`PARTS` names them as
   "module:function" and a part whose module is not installed is skipped, so
   features wire up by adding one line here.
3. What git history still holds (the public profile, in past commits) is printed:
   rewriting published history is the community's decision, not a side effect.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from .i18n import _

# Every feature's eraser. Each is called with each identifier of the person (the key,
# the identifier given, the public handles) and says in words what it removed.
PARTS = (
    "gazette.community.relations:forget",
    "gazette.contest_entries:forget",  # contest entries
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
    person_path = registry.people[key]["_path"]
    (root / person_path).unlink()
    result.changed.append(person_path)
    result.removed.append(_("the registry file {path}").format(path=person_path))
    files = [(place["_path"], ("contacts",)) for place in registry.places.values() if key in (place.get("contacts") or ())]
    files += [(action["_path"], ("targets", "people")) for action in frame.actions.values()
              if key in ((action.get("targets") or {}).get("people") or ())]
    for path, where in files:
        text = (root / path).read_text(encoding="utf-8")
        edited = remove_list_entry(text, key, where[-1])
        if edited != text:
            _write(root / path, edited)
            result.changed.append(path)
            result.removed.append(_("the reference in {path}").format(path=path))


def remove_list_entry(text: str, key: str, field: str | None = None) -> str:
    """``key`` taken out of the YAML lists under ``field`` (any key when None), by line
    edits: a block item (``- key``) loses its line, a flow list (``[a, key, b]``, on one
    line or several) its element; every other byte (comments, quotes, CRLF) is kept.
    Only ``field``'s lists change: a place named like the person keeps its entry."""
    name = re.escape(key)
    quoted = rf"(?:{name}|'{name}'|\"{name}\")"
    label = re.escape(field) if field else r"[\w-]+"
    first_or_middle = re.compile(rf"(?:(?<=,)|^)(\s*){quoted}[ \t]*,\s*")
    last = re.compile(rf"\s*,\s*{quoted}(?=\s*$)")
    only = re.compile(rf"^\s*{quoted}\s*$")

    def edit_flow(match):
        inner = first_or_middle.sub(lambda m: m.group(1), match.group(2))
        inner = only.sub("", last.sub("", inner))
        return f"{match.group(1)}[{inner}]"

    flow = re.compile(rf"((?<![\w-]){label}[ \t]*:[ \t]*)\[([^\[\]]*)\]")
    text = flow.sub(edit_flow, text)

    heading = re.compile(rf"^([ \t]*(?:-[ \t]+)?){label}[ \t]*:[ \t]*(?:#[^\n]*)?\r?\n?$")
    item = re.compile(rf"^[ \t]*-[ \t]+{quoted}[ \t]*(?:#[^\n]*)?\r?\n?$")
    out, inside = [], None  # inside: the indentation of the key whose block list we are in
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" \t"))
        if inside is not None and stripped and not stripped.startswith("#"):
            if stripped.startswith("-") and indent >= inside or indent > inside:
                if item.match(line):
                    continue
            else:
                inside = None
        heading_match = heading.match(line)
        if heading_match:
            inside = len(heading_match.group(1))
        out.append(line)
    return "".join(out)


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
