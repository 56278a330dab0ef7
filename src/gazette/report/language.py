"""Which language a report speaks: one rule for text, CSV headers and HTML.

The report's own ``--lang``, else the language Gazette speaks for this command
(``gazette --lang``, ``gazette: {language: …}``, the locale). When nobody chose
(a scheduled job with ``LANG=C``), the HTML page, which members and partners
read, takes the members' site language (``theme: {language: …}`` in
mkdocs.yml) when it is one Gazette speaks; the text stays English like every
other message.
"""

from __future__ import annotations

from pathlib import Path


def report_language(option: str | None, fmt: str, root: Path | None) -> str:
    from .. import i18n

    if option:
        return option
    chosen = i18n.chosen_language()
    if chosen:
        return chosen
    if fmt == "html" and root is not None:
        site = site_language(root)
        if site in i18n.LANGUAGES:
            return site
    return i18n.language()


def site_language(root: Path) -> str | None:
    """mkdocs.yml's ``theme: {language: …}``, read without constructing anything: the file may
    carry ``!!python/name:`` tags for MkDocs that a safe loader refuses."""
    import yaml

    from ..i18n import normalize

    try:
        text = (root / "mkdocs.yml").read_text(encoding="utf-8", errors="replace")
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError):
        return None
    for key in ("theme", "language"):
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((value for name, value in node.value if getattr(name, "value", None) == key), None)
    return normalize(node.value) if isinstance(node, yaml.ScalarNode) else None
