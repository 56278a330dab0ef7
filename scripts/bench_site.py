#!/usr/bin/env python3
"""Benchmark the site build: the gazette plugin against the same Markdown as plain pages.

    python scripts/bench_site.py [--sizes 300 1000 3000] [--repeat 3]

For each size, generates about that many posts (scripts/make_corpus.py; its
newsletters and contests are dropped, every post made public), builds with
mkdocs.yml and the gazette plugin (check, visibility, archives, feeds) from a
cold cache, then the same files as plain pages without the plugin, in the same
run. Prints both times, their ratio and the cost per post, then a second
gazette build of the unchanged files, its per-file cache warm (CI keeps the
cache; a `mkdocs serve` rebuild costs this, less the start-up, plus the files
saved). Target (issue 4): <= 1.2x plain pages at 3,000 posts, linear growth.

Each repeat starts cold (no cache, no public tree, no Zensical cache for either build), runs
the Gazette build and the plain one in alternating order, and prints its own line; the summary
takes the fastest of each kind. On a shared machine the plain build alone moves by a few
seconds between runs: use --repeat 2 or more and read every line.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
def plain_config() -> str:
    """mkdocs.yml without the gazette plugin and its archive pages: the same theme,
    search and navigation, so the difference is what the plugin costs."""
    lines = [line for line in (ROOT / "mkdocs.yml").read_text().splitlines()
             if line.strip() != "- gazette" and "archives/" not in line]
    return "\n".join(lines) + "\nvalidation: {omitted_files: ignore, unrecognized_links: ignore}\n"


def build(folder: Path, config: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one ``mkdocs build``. On a shared machine
    the CPU time is the steadier figure: time stolen by neighbours is not counted."""
    env = {**os.environ, "GAZETTE_NOW": "2030-01-01T00:00:00+01:00", "NO_MKDOCS_2_WARNING": "1",
           "GAZETTE_CACHE_DIR": str(folder / ".bench-cache")}  # cold on the first build, out of ~/.cache
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", config], cwd=folder, env=env, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def tree_build(folder: Path, engine: str) -> tuple[float, float]:
    """``gazette site build --engine ENGINE``: the public tree, the engine, the post-process."""
    env = {**os.environ, "GAZETTE_NOW": "2030-01-01T00:00:00+01:00", "NO_MKDOCS_2_WARNING": "1",
           "GAZETTE_CACHE_DIR": str(folder / ".bench-cache")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gazette", "site", "build", "--engine", engine, "--repo", str(folder)],
                   cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def engine_build(folder: Path, engine: str, config: str) -> tuple[float, float]:
    if engine == "mkdocs":
        return build(folder, config)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    zensical = str(Path(sys.executable).parent / "zensical")
    subprocess.run([zensical, "build", "-f", config], cwd=folder, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def warm_tree(folder: Path, engine: str) -> float:
    """The public tree rewritten with nothing changed (per-file caches warm), in this process, as
    ``engine`` wants it (MkDocs: the pages in one file, Zensical: one file a page)."""
    os.environ.update(GAZETTE_NOW="2030-01-01T00:00:00+01:00", NO_MKDOCS_2_WARNING="1",
                      GAZETTE_CACHE_DIR=str(folder / ".bench-cache"))
    from gazette.site.tree import write_tree

    write_tree(folder, folder / ".gazette/public", pages_on_disk=engine != "mkdocs")
    start = time.perf_counter()
    write_tree(folder, folder / ".gazette/public", pages_on_disk=engine != "mkdocs")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000])
    parser.add_argument("--repeat", type=int, default=3, help="builds of each kind; the fastest counts")
    parser.add_argument("--engine", choices=["plugin", "mkdocs", "zensical"], default="plugin",
                        help="plugin: mkdocs build with the gazette plugin; mkdocs or zensical: gazette site build "
                             "--engine (the public tree), against plain pages built by that engine")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_corpus import make

    print("wall and CPU seconds; ratios against plain pages; the fastest of --repeat builds each")
    print(f"{'posts':>6} {'gazette':>14} {'plain':>14} {'ratio wall/cpu':>15} {'ms/post':>8}"
          f" {'rebuild':>14} {'ratio wall/cpu':>15}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as temp:
            folder = Path(temp) / "corpus"
            make(round(size / 0.8), folder)  # 80 % of a corpus are posts: about `size` posts
            for kind in ("newsletters", "contests"):
                shutil.rmtree(folder / "content" / kind, ignore_errors=True)
            for path in (folder / "content/posts").rglob("*.md"):  # every post public
                text = path.read_text(encoding="utf-8")
                for status in ("draft", "review", "idea", "approved"):
                    text = text.replace(f"status: {status}\n", "status: published\n", 1)
                path.write_text(text, encoding="utf-8")
            shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
            shutil.copytree(ROOT / "content/assets", folder / "content/assets", dirs_exist_ok=True)  # the corpus has its images
            shutil.copytree(ROOT / "content/stylesheets", folder / "content/stylesheets", dirs_exist_ok=True)
            for page in ("index.md", "charte.md", "netiquette.md"):
                shutil.copy(ROOT / "content" / page, folder / "content" / page)
            (folder / "plain.yml").write_text(plain_config())
            posts = sum(1 for _ in (folder / "content/posts").rglob("*.md"))
            runs = []
            if args.engine != "plugin":
                (folder / "plain.yml").write_text(plain_config().replace("\n  - search:", "\n  - search:", 1))
            def gazette_build():
                if args.engine == "plugin":
                    return build(folder, "mkdocs.yml")
                return tree_build(folder, args.engine)

            def plain_build():
                shutil.rmtree(folder / ".cache", ignore_errors=True)  # Zensical's cache: cold, as the Gazette build
                return build(folder, "plain.yml") if args.engine == "plugin" else engine_build(
                    folder, args.engine, "plain.yml")

            # Interleaved, the order alternating from one repeat to the next, the fastest of each
            # kind counted and every run printed: on this shared machine the plain build alone
            # moved by 2 s CPU between runs minutes apart, as much as the gap being measured.
            for number in range(args.repeat):
                shutil.rmtree(folder / ".bench-cache", ignore_errors=True)
                shutil.rmtree(folder / ".gazette", ignore_errors=True)  # cold: no tree, no sanitized texts
                if number % 2 == 0:
                    cold = gazette_build()
                    plain_times = plain_build()
                else:
                    plain_times = plain_build()
                    cold = gazette_build()
                warm = gazette_build()  # nothing changed, caches warm
                runs.append((cold, plain_times, warm))
                print(f"  run {number + 1}: gazette {cold[0]:.1f}s/{cold[1]:.1f}s, plain {plain_times[0]:.1f}s/"
                      f"{plain_times[1]:.1f}s, ratio CPU {cold[1] / plain_times[1]:.2f}x, rebuild {warm[0]:.1f}s/"
                      f"{warm[1]:.1f}s", flush=True)
            if args.engine != "plugin":
                print(f"public tree rewritten, nothing changed: {warm_tree(folder, args.engine):.2f}s")
            gazette, plain, rebuild = ((min(w for w, _ in column), min(c for _, c in column))
                                       for column in zip(*runs))

        def pair(times):
            return f"{times[0]:5.1f}s/{times[1]:5.1f}s"

        def ratio(times):
            return f"{times[0] / plain[0]:5.2f}x/{times[1] / plain[1]:5.2f}x"

        print(f"{posts:>6} {pair(gazette):>14} {pair(plain):>14} {ratio(gazette):>15} "
              f"{gazette[1] / posts * 1000:>8.1f} {pair(rebuild):>14} {ratio(rebuild):>15}")

if __name__ == "__main__":
    main()
