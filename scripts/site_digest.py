#!/usr/bin/env python3
"""The built site's bytes, file by file, before and after a speed change.

    python scripts/site_digest.py --save before.json      # on the commit before the change
    python scripts/site_digest.py --compare before.json   # after it: exit 1 on any difference

Builds the repository's own sample and a generated corpus (scripts/make_corpus.py, every post
public, a few hostile bodies and titles added) with each engine: ``mkdocs build`` with the gazette
plugin, ``gazette site build --engine mkdocs`` and, when installed, ``--engine zensical``; then
records the SHA-256 of every file written to site/. A speed change must leave every one of them
byte for byte the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = "2030-01-01T00:00:00+01:00"
# Bodies and titles that reach the sanitizer's seams: headings with markup, raw HTML headings
# (the table of contents), attribute injection in ids, a title with markup, handlers, schemes.
HOSTILE = [
    ('Titre <img src=x onerror=alert(1)> "piégé"',
     '## Un <em>titre</em> <script>alert(1)</script>\n\n<h2 id="x\\" onclick=\\"alert(1)">brut</h2>\n\n'
     '### Ancre {#__config}\n\n[lien](javascript:alert(1)) <a href="jav&#x61;script:x">a</a>\n\n'
     '<div class="md-dialog" style="x" onmouseover="y">faux</div>\n'),
    ("Titre & <b>gras</b>",
     "## <a href='https://example.org' onclick='x'>lien</a> dans un titre\n\n<svg><script>x</script></svg>\n\n"
     "## Titre {: #id\\\"onload=x }\n\n<iframe src=https://example.org></iframe>\n"),
]


def corpus(folder: Path, size: int) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_corpus import make

    make(size, folder)
    for kind in ("newsletters", "contests"):  # as bench_site.py: their checks need more than a corpus gives
        shutil.rmtree(folder / "content" / kind, ignore_errors=True)
    for path in (folder / "content/posts").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        for status in ("draft", "review", "idea", "approved"):
            text = text.replace(f"status: {status}\n", "status: published\n", 1)
        path.write_text(text, encoding="utf-8")
    posts = sorted((folder / "content/posts").rglob("*.md"))
    for (title, body), path in zip(HOSTILE, posts):
        text = path.read_text(encoding="utf-8")
        head, _, _ = text.partition("\n---\n")
        head = "\n".join(f"title: {json.dumps(title)}" if line.startswith("title:") else line
                         for line in head.splitlines())
        path.write_text(head + "\n---\n\n" + body, encoding="utf-8")
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    for name in ("assets", "stylesheets"):
        shutil.copytree(ROOT / "content" / name, folder / "content" / name, dirs_exist_ok=True)
    for page in ("index.md", "charte.md", "netiquette.md"):
        shutil.copy(ROOT / "content" / page, folder / "content" / page)


def digests(site: Path) -> dict[str, str]:
    return {str(path.relative_to(site)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(site.rglob("*")) if path.is_file()}


def build(folder: Path, how: str) -> dict[str, str]:
    env = {**os.environ, "GAZETTE_NOW": NOW, "NO_MKDOCS_2_WARNING": "1", "GAZETTE_CACHE_DIR": str(folder / ".digest-cache")}
    for name in ("site", ".gazette", ".cache", ".digest-cache"):
        shutil.rmtree(folder / name, ignore_errors=True)
    # The check would stop the build on the hostile items: it is made to miss everything, as in
    # tests/test_site_toc.py, so that what reaches site/ is what construction alone lets through.
    runner = ("import sys; from gazette.site import Stage; Stage._refuse = lambda self, errors: None; "
              + ("from mkdocs.__main__ import cli; cli(['build', '-q'])" if how == "plugin" else
                 f"from gazette.cli import cli; cli(['site', 'build', '--engine', {how!r}, '--repo', {str(folder)!r}])"))
    command = [sys.executable, "-c", runner]
    subprocess.run(command, cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL)
    return digests(folder / "site")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--compare", type=Path)
    parser.add_argument("--size", type=int, default=300, help="items in the generated corpus")
    args = parser.parse_args()
    engines = ["plugin", "mkdocs"] + (["zensical"] if shutil.which("zensical", path=str(Path(sys.executable).parent))
                                      else [])
    found: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as temp:
        sample = Path(temp) / "sample"
        shutil.copytree(ROOT, sample, ignore=shutil.ignore_patterns(".git", ".venv", "site", ".gazette", ".cache",
                                                                    "__pycache__", "tests", "src"))
        generated = Path(temp) / "corpus"
        corpus(generated, args.size)
        for name, folder in (("sample", sample), ("corpus", generated)):
            for engine in engines:
                found[f"{name}/{engine}"] = build(folder, engine)
                print(f"{name}/{engine}: {len(found[name + '/' + engine])} files", flush=True)
    if args.save:
        args.save.write_text(json.dumps(found, indent=0, sort_keys=True))
        return 0
    before = json.loads(args.compare.read_text())
    differences = 0
    for key in sorted(set(before) | set(found)):
        old, new = before.get(key, {}), found.get(key, {})
        changed = sorted(path for path in set(old) | set(new) if old.get(path) != new.get(path))
        differences += len(changed)
        print(f"{key}: {'same bytes' if not changed else f'{len(changed)} files differ'}", *changed[:10], sep="\n  ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
