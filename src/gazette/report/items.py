"""The items as the report reads them: front matter only, and only the keys it uses.

A warm report must stay within 1.5x a warm ``gazette check``; unpickling every
item's full front matter (channel texts, line maps) from the parse cache cost
more than the whole check. So the report keeps its own per-file cache of the
few keys it reads, keyed like the parse cache (path, size, mtime, digest; the
frame's digest and Gazette's code): a warm run reads no item file at all.
"""

from __future__ import annotations

from pathlib import Path

KEYS = ("title", "date", "status", "campaign", "categories", "tags", "published", "opens", "closes",
        "entries", "winners", "slug")


def summary(meta: dict) -> dict:
    """The report's view of one item's front matter: channel texts dropped, times kept."""
    kept = {key: meta[key] for key in KEYS if key in meta}
    channels = meta.get("channels")
    if isinstance(channels, dict):
        kept["channels"] = {name: {"at": spec["at"]} if isinstance(spec, dict) and "at" in spec else {}
                            for name, spec in channels.items()}
    return kept


def load(root: Path, frame, cache: bool = True):
    """A :class:`~gazette.load.Repo` whose items carry :func:`summary` metas and no body."""
    from ..load import Item, Repo, each_file, frame_digest, kind_of, list_item_paths, no_gc, parse_item

    root = Path(root)
    paths, pages, problems = list_item_paths(root)
    items = []

    def compute(relpath: str, text: str):
        meta = parse_item(relpath, kind_of(relpath), text, lambda: frame.timezone)[0]
        return summary(meta) if meta else None

    with no_gc():
        store = None
        if cache:
            from ..cache import FileCache

            # The stamp covers gazette/*.py, not this subpackage: KEYS names what a summary holds.
            store = FileCache(root, "report", f"{frame_digest(root)}:{','.join(KEYS)}:channels-at")
        for relpath, _, meta in each_file(root, paths, problems, store, compute):
            if meta:
                slug = meta.get("slug") or relpath.rsplit("/", 1)[-1][:-3]
                items.append(Item(kind_of(relpath), relpath, slug, meta))
        if store:
            store.save(prune=True)
    repo = Repo(root, items, frame, problems, paths, pages)
    repo.listed_all = True
    return repo
