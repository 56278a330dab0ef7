"""Receipts written back into front matter by editing lines, never by a YAML round-trip.

The promise of a publish diff: receipt lines added and the ``status:`` line
replaced, every other byte as the person wrote it (CRLF, BOM, comments,
folded strings, indentation, quoting, flow mappings). A round-trip through a
YAML library re-folds, re-quotes and re-indents, so this module only ever
inserts or replaces whole lines it can name. It is the one writer of front
matter and of the frame's small YAML files (``unfreeze`` sets ``until:``).

Every write is atomic: a temporary file in the same folder, fsync, rename,
fsync of the folder. A full disk leaves the old file whole.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

from .i18n import _
from .load import FRONT_MATTER_END

# A value written without quotes only if YAML reads it back as this same string
# (no ':' either: PyYAML treats it as an indicator inside a flow mapping).
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./@+-]*")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class ReceiptError(Exception):
    """The file cannot take receipts (no front matter, a form this editor does not write)."""


def write_receipts(path: Path, receipts: dict[str, dict], status: str | None = None,
                   complete: set[str] | None = None) -> bool:
    """Add ``receipts`` (channel -> fields) under ``published:``; set ``status`` if given, only
    over ``status: approved`` (and, with ``complete``, only once every channel in it has a receipt).

    Returns whether the file changed. Existing receipts are never overwritten:
    a receipt is the record that a delivery happened.
    """
    data = Path(path).read_bytes()
    try:
        if status:
            front = _front_lines(data.decode("utf-8"))[0]
            # Only an approval becomes published: a person's retraction (draft) or any other
            # status written since the run read the item stays as they wrote it.
            if _meta(front).get("status") != "approved":
                status = None
            elif complete is not None and not complete <= _existing_receipts(front) | set(receipts):
                status = None
        new = edit_receipts(data, receipts, status)
    except ReceiptError as error:
        raise ReceiptError(f"{path}: {error}") from None
    if new == data:
        return False
    atomic_write(Path(path), new)
    return True


def _front_lines(text: str) -> tuple[list[str], list[str], int, int]:
    """(front matter lines, all lines, first, end): lines split on \\n only, each keeping its \\r."""
    lines = text.split("\n")
    start = 1 if lines and lines[0].lstrip("\ufeff").rstrip(" \t\r") == "---" else None
    if start is None:
        raise ReceiptError(_("no front matter to record receipts in"))
    end = next((i for i in range(start, len(lines)) if FRONT_MATTER_END.fullmatch(lines[i])), None)
    if end is None:
        raise ReceiptError(_("the front matter is never closed"))
    return lines[start:end], lines, start, end


def edit_receipts(data: bytes, receipts: dict[str, dict], status: str | None = None) -> bytes:
    """The file's bytes with the receipts and status added; unchanged bytes elsewhere."""
    front, lines, start, end = _front_lines(data.decode("utf-8"))
    newline = "\r\n" if lines[0].endswith("\r") else "\n"
    present = _existing_receipts(front)
    entries = [f"{channel}: {flow_mapping(fields)}" for channel, fields in receipts.items()
               if channel not in present]
    front = _add_entries(front, entries, newline)
    if status:
        front = set_line(front, "status", status, newline)
    return "\n".join(lines[:start] + front + lines[end:]).encode("utf-8")


def _existing_receipts(front: list[str]) -> set[str]:
    return set(_meta(front).get("published") or ())


def _meta(front: list[str]) -> dict:
    from . import yamlsafe

    try:
        meta, _lines = yamlsafe.parse("\n".join(line.rstrip("\r") for line in front))
    except yamlsafe.YAMLProblem as error:
        raise ReceiptError(_('front matter does not parse: {error}').format(error=error)) from None
    if not isinstance(meta, dict):
        raise ReceiptError(_("front matter is not a mapping"))
    if not isinstance(meta.get("published") or {}, dict):
        raise ReceiptError(_("published: is not a mapping"))
    return meta


def receipt_only(old: bytes, new: bytes) -> bool:
    """Whether ``new`` is ``old`` plus receipt lines (and, with them, ``approved`` → ``published``)
    exactly as this editor writes them: then it is a receipt a crashed run left uncommitted,
    not a person's edit."""
    try:
        old_meta = _meta(_front_lines(old.decode("utf-8"))[0])
        new_meta = _meta(_front_lines(new.decode("utf-8"))[0])
        added = {channel: fields for channel, fields in (new_meta.get("published") or {}).items()
                 if channel not in (old_meta.get("published") or {}) and isinstance(fields, dict)}
        old_status, status = old_meta.get("status"), new_meta.get("status")
        # A status edit alone (draft → approved) is a person's decision, never a receipt.
        if not added or (status != old_status and (old_status, status) != ("approved", "published")):
            return False
        return edit_receipts(old, added, status if status != old_status else None) == new
    except (ReceiptError, UnicodeDecodeError, ValueError):
        return False


def _top_level(front: list[str], key: str) -> int | None:
    # A key may be written quoted ("status": …): one key, whatever its quotes.
    name = re.escape(key)
    pattern = re.compile(rf"""(?:{name}|"{name}"|'{name}')[ \t]*:(?:[ \t]|\r?$)""")
    return next((i for i, line in enumerate(front) if pattern.match(line)), None)


def _add_entries(front: list[str], entries: list[str], newline: str) -> list[str]:
    if not entries:
        return front
    eol = newline.removesuffix("\n")
    at = _top_level(front, "published")
    if at is None:
        return front + [f"published:{eol}"] + [f"  {entry}{eol}" for entry in entries]
    head, value, comment = _split_value(front[at])
    if value in ("{}", ""):
        # Children, if any, are the indented lines that follow.
        block_end, indent = at + 1, None
        for i in range(at + 1, len(front)):
            line = front[i].rstrip("\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] not in " \t":
                break
            indent = indent or line[: len(line) - len(line.lstrip())]
            block_end = i + 1
        if value == "{}" and block_end > at + 1:
            raise ReceiptError(_("published: {} is followed by indented lines"))
        first = front[at]
        if value == "{}":  # an empty flow mapping becomes a block, its comment kept
            first = f"{head}{comment}{eol}" if comment else f"{head.rstrip()}{eol}"
        indent = indent or "  "
        return front[:at] + [first] + front[at + 1:block_end] + \
            [f"{indent}{entry}{eol}" for entry in entries] + front[block_end:]
    if value.startswith("{") and value.endswith("}"):
        inner = value[1:-1].rstrip()
        joined = ", ".join(entries)
        new_value = "{" + (f"{inner}, {joined}" if inner.strip() else joined) + "}"
        return front[:at] + [f"{head}{new_value}{comment}{eol}"] + front[at + 1:]
    raise ReceiptError(_("published: is neither a block nor a one-line flow mapping; "
                       "write it as a block (one channel per line) and publish again"))


def _split_value(line: str) -> tuple[str, str, str]:
    """('key: ', value, '  # comment') of a ``key: value  # comment`` line, without the \\r."""
    line = line.rstrip("\r")
    colon = line.index(":")
    head_end = colon + 1
    while head_end < len(line) and line[head_end] in " \t":
        head_end += 1
    rest = line[head_end:]
    comment_at = _comment_start(rest)
    if comment_at is None:
        return line[:head_end], rest.rstrip(), ""
    value = rest[:comment_at].rstrip()
    return line[:head_end], value, rest[len(value):]


def _comment_start(rest: str) -> int | None:
    """Where a ``#`` comment starts outside quotes (a '#' must follow a space to start one)."""
    quote = None
    for i, char in enumerate(rest):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or rest[i - 1] in " \t"):
            return i
    return None


def set_line(front: list[str], key: str, value: str, newline: str = "\n") -> list[str]:
    """Replace the value of a top-level ``key:`` line in place (its comment kept at its
    column when the new value fits); add the line at the end if there is none."""
    eol = newline.removesuffix("\n")
    at = _top_level(front, key)
    if at is None:
        return front + [f"{key}: {value}{eol}"]
    line_eol = "\r" if front[at].endswith("\r") else ""
    head, old, comment = _split_value(front[at])
    end = at + 1
    if old == "" or old[:1] in "|>":
        # The value sits on the indented lines that follow (a folded or literal block, a plain
        # scalar on the next line): they go with it, the new value is written on the key's line.
        for i in range(at + 1, len(front)):
            line = front[i].rstrip("\r")
            if line.strip() and line[0] not in " \t":
                break
            if line.strip():
                end = i + 1
        head = head if head.endswith((" ", "\t")) else head + " "
    elif old[:1] in "\"'" and old[-1:] == old[:1]:
        value = f'"{value}"' if old[0] == '"' else f"'{value}'"
    if comment:
        gap = comment[: len(comment) - len(comment.lstrip())]
        if " " * len(gap) == gap:  # spaces: keep the comment's column while the value fits
            gap = " " * max(1, len(gap) - (len(value) - len(old)))
        comment = gap + comment.lstrip()
    return front[:at] + [f"{head}{value}{comment}{line_eol}"] + front[end:]


def set_key(path: Path, key: str, value: str) -> None:
    """Set a top-level key of a plain YAML file (a freeze's ``until:``), atomically."""
    data = Path(path).read_bytes()
    lines = data.decode("utf-8").split("\n")
    trailing = lines[-1] == ""
    body = lines[:-1] if trailing else lines
    newline = "\r\n" if body and body[0].endswith("\r") else "\n"
    body = set_line(body, key, value, newline)
    atomic_write(Path(path), "\n".join(body + ([""] if trailing else [])).encode("utf-8"))


def flow_mapping(fields: dict) -> str:
    """``{at: 2026-12-01 13:00:00+01:00, id: ab12, url: "https://…"}``: one line, YAML that
    reads back to the same values."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        if not _KEY.fullmatch(key):
            raise ValueError(f"receipt field {key!r} is not a plain key")
        parts.append(f"{key}: {scalar(value)}")
    return "{" + ", ".join(parts) + "}"


def scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("receipt times are aware")
        return value.replace(microsecond=0).isoformat(sep=" ")
    text = str(value)
    if _PLAIN.fullmatch(text) and _reads_back(text):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _reads_back(text: str) -> bool:
    import yaml

    try:
        return yaml.load(f"v: {text}", Loader=yaml.CSafeLoader) == {"v": text}
    except yaml.YAMLError:
        return False


def atomic_write(path: Path, data: bytes) -> None:
    """Whole new bytes or the old file: temp file in the same folder, fsync, rename."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(temp, os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            pass
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    try:
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    except OSError:
        pass
    finally:
        os.close(folder)
