"""What the Material and Hugo importers share: Markdown files with front matter, read safely."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from ..i18n import _

MAX_FILE_BYTES = 1 << 20
YAML_BLOCK = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
TOML_BLOCK = re.compile(r"\A(?:\ufeff)?\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.S)
FIRST_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


class SourceProblem(Exception):
    """One file cannot be read: reported, the rest goes on."""


def markdown_files(folder: Path, links: list[Path] | None = None) -> list[Path]:
    """Markdown files under ``folder``, never following a symbolic link out of it; the links
    met instead (to .md files or to folders) go to ``links`` for the report."""
    import os

    found = []
    for directory, folders, files in os.walk(folder, followlinks=False):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in folders:
            if links is not None and (Path(directory) / name).is_symlink():
                links.append(Path(directory) / name)
        for name in sorted(files):
            path = Path(directory) / name
            if not name.endswith(".md"):
                continue
            if path.is_symlink():
                if links is not None:
                    links.append(path)
            elif path.is_file():
                found.append(path)
    return found


def report_links(links: list[Path], base: Path, report) -> None:
    for link in links:
        report.skipped.append(_("{source}: a symbolic link; links are not followed, not imported")
                              .format(source=link.relative_to(base)))


def split(path: Path) -> tuple[dict, str]:
    """(front matter, body) of a Markdown file with YAML (---) or TOML (+++) front matter."""
    import tomllib

    if path.stat().st_size > MAX_FILE_BYTES:
        raise SourceProblem(_("larger than 1 MiB"))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SourceProblem(_("not UTF-8 text")) from None
    match = TOML_BLOCK.match(text)
    if match:
        try:
            meta = tomllib.loads(match.group(1))
        except tomllib.TOMLDecodeError as error:
            raise SourceProblem(_("TOML front matter: {error}").format(error=error)) from None
        return meta, text[match.end():]
    match = YAML_BLOCK.match(text)
    if match:
        return _yaml(match.group(1)), text[match.end():]
    return {}, text


def _yaml(text: str) -> dict:
    import yaml

    if len(text) > 64 * 1024:
        raise SourceProblem(_("front matter larger than 64 KiB"))
    try:
        # Aliases are refused: front matter never needs them and they can expand without bound.
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise SourceProblem(_("YAML front matter uses an alias (*name); write the value out"))
        meta = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise SourceProblem(f"YAML front matter: {error}".replace("\n", " ")) from None
    except RecursionError:
        raise SourceProblem(_("YAML front matter nested too deeply")) from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise SourceProblem(_("front matter is not a mapping of keys to values"))
    return meta


def moment(value, zone) -> datetime | None:
    """A front-matter date as an aware datetime in ``zone`` (naive values are read in it); None when unusable."""
    try:
        return _moment(value, zone)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is past datetime.max once in the community's zone
        return None


def _moment(value, zone) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(9, 0), zone)
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.astimezone(zone) if parsed.tzinfo else parsed.replace(tzinfo=zone)
    return None


def strings(value) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if isinstance(v, (str, int, float)) and str(v).strip()]
    return []


def title_of(meta: dict, body: str, fallback: str) -> str:
    if isinstance(meta.get("title"), str) and meta["title"].strip():
        return meta["title"].strip()
    heading = FIRST_HEADING.search(body)
    return heading.group(1) if heading else fallback
