"""Smaller copies of cover images, made at build time with Pillow and cached.

A phone showing the home's cards needs 320 or 640 pixels, not the 1080 a
contributor uploads for Instagram: the page stays light (the home must stay
under 500 kB with its images). Copies are WebP, keyed by the source's bytes,
kept in the cache folder: a rebuild with nothing changed only hashes files.
SVG needs no copy (it scales); anything Pillow cannot read keeps the original.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

WIDTHS = (320, 640, 960)
RASTER = (".png", ".jpg", ".jpeg", ".webp", ".gif")
# The decoder an extension allows: a TIFF or PSD named .png is not decoded (Pillow would
# otherwise pick any of its dozens of decoders from the file's first bytes).
FORMATS = {".png": ["PNG"], ".jpg": ["JPEG"], ".jpeg": ["JPEG"], ".webp": ["WEBP"], ".gif": ["GIF"]}
# A picture bomb (a small PNG declaring 100k × 100k pixels) must not exhaust memory.
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class Picture:
    """A cover image as pages show it: its docs-relative source, its size when known, and
    (width, docs-relative path) of each smaller copy."""

    src: str
    width: int | None = None
    height: int | None = None
    copies: tuple[tuple[int, str], ...] = ()


def copy_name(src: str, width: int) -> str:
    stem, _ = posixpath.splitext(src)
    return f"{stem}-{width}w.webp"


class Resizer:
    """Makes (or finds in the cache) the copies of one image; one instance per build."""

    def __init__(self, cache: Path):
        self.cache = cache
        self.made: dict[str, str] = {}  # docs-relative copy -> cached file

    def picture(self, src: str, path: str) -> Picture:
        if not src.lower().endswith(RASTER) or os.path.islink(path):
            return Picture(src)
        try:
            with open(path, "rb") as handle:
                data = handle.read(32 * 1024 * 1024)
        except OSError:
            return Picture(src)
        digest = hashlib.sha256(data).hexdigest()[:32]
        size_file = self.cache / f"{digest}.size"
        try:
            width, height = (int(n) for n in size_file.read_text().split())
        except (OSError, ValueError):
            width = height = None
        wanted = [w for w in WIDTHS if width is None or w < width]
        cached = {w: self.cache / f"{digest}-{w}.webp" for w in wanted}
        if width is None or not all(p.exists() for p in cached.values()):
            made = self._make(data, digest, FORMATS[posixpath.splitext(src.lower())[1]])
            if made is None:
                return Picture(src)
            width, height = made
            cached = {w: self.cache / f"{digest}-{w}.webp" for w in WIDTHS if w < width}
        copies = []
        for w, file in cached.items():
            name = copy_name(src, w)
            self.made[name] = str(file)
            copies.append((w, name))
        return Picture(src, width, height, tuple(copies))

    def _make(self, data: bytes, digest: str, formats: list[str]) -> tuple[int, int] | None:
        import io

        from PIL import Image

        import warnings

        Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow only refuses above twice this: checked below
        try:
            with warnings.catch_warnings():  # refused below, quietly: the build log stays readable
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                opened = Image.open(io.BytesIO(data), formats=formats)
            with opened as image:
                width, height = image.size  # read from the header: nothing decoded yet
                if width * height > MAX_PIXELS:
                    return None
                image.load()
                self.cache.mkdir(parents=True, exist_ok=True)
                source = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
                for w in WIDTHS:
                    if w >= width:
                        continue
                    copy = source.resize((w, max(1, round(height * w / width))), Image.LANCZOS)
                    target = self.cache / f"{digest}-{w}.webp"
                    temporary = target.with_suffix(".tmp")
                    copy.save(temporary, "WEBP", quality=80, method=4)
                    os.replace(temporary, target)
        except Exception:  # noqa: BLE001 - any undecodable or hostile file: the original is shown
            return None
        (self.cache / f"{digest}.size").write_text(f"{width} {height}")
        return width, height
