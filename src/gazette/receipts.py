"""Receipts written back into front matter, changing only their own lines.

A round-trip edit with ruamel.yaml keeps comments, key order and quoting;
it is used for this write-back only (reading stays on libyaml: ruamel is
~14x slower). Receipts go under ``published:`` as one flow mapping per
channel, so a publish run's diff is one added line per delivery.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from .load import split_front_matter


class ReceiptError(Exception):
    """The file changed shape under us (no front matter any more)."""


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long channel text
    return yaml


def write_receipts(path: Path, receipts: dict[str, dict], status: str | None = None) -> bool:
    """Add ``receipts`` (channel -> fields) under ``published:``; set ``status`` if given.

    Returns whether the file changed. Existing receipts are never overwritten:
    a receipt is the record that a delivery happened.
    """
    from ruamel.yaml.comments import CommentedMap

    text = path.read_text(encoding="utf-8")
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    split = split_front_matter(text)
    if split is None or split[1] < 0:
        raise ReceiptError(f"{path}: no front matter to record receipts in")
    yaml_text, offset, _ = split
    yaml = _yaml()
    data = yaml.load(yaml_text)
    changed = False
    if status and data.get("status") != status:
        data["status"] = status
        changed = True
    if receipts:
        published = data.get("published")
        if published is None:
            published = data["published"] = CommentedMap()
        for channel, fields in receipts.items():
            if channel in published:
                continue
            entry = CommentedMap((key, _scalar(value)) for key, value in fields.items() if value is not None)
            entry.fa.set_flow_style()
            published[channel] = entry
            changed = True
    if not changed:
        return False
    out = io.StringIO()
    yaml.dump(data, out)
    head = text[: text.index("\n") + 1]  # the opening and closing --- lines as they were
    closing = text[len(head) + len(yaml_text):offset]
    new = head + out.getvalue() + closing + text[offset:]
    path.write_text(("\ufeff" if bom else "") + new, encoding="utf-8")
    return True


def _scalar(value):
    if isinstance(value, datetime):
        return value.replace(microsecond=0)  # a YAML timestamp, unquoted
    return value
