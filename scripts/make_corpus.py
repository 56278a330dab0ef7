#!/usr/bin/env python3
"""Generate a realistic N-item community repository for benchmarks.

    python scripts/make_corpus.py 10000 bench-corpus [--git] [--body-kb 7] [--history 2000] [--people 5000 --places 2000]

Posts, newsletters and contests (80/10/10) spread over years, with the
front matter and Markdown bodies of real items (~1 KiB of YAML, a few KiB
of text, links between posts), the planning frame, and the authors file.
Deterministic: the same N gives the same files. With --git the folder is
made a git repository with one commit (for --changed-since); with
--history N it gets N commits instead, items added a batch at a time by
several authors at their own dates (for `gazette report`'s git figures).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

from gazette.slugs import slugify

WORDS = ("atelier vélo réparation chambre air frein dérailleur chaîne communauté bénévoles "
         "boutique selle pneu lumière hiver sécurité itinéraire balade entreprise flotte "
         "révision conseil quartier Lyon rencontre apéro tutoriel outils graisse").split()
AUTHORS = ["camille", "yanis", "ines", "marc", "lea", "sofia"]
CHANNELS = ["mastodon", "linkedin-entreprise", "linkedin-pro", "instagram-boutique"]
CATEGORIES = ["Atelier", "Communauté", "Boutique", "Entreprises", "Événements"]
STATUSES = ["published"] * 6 + ["approved", "draft", "review", "idea"]
PARIS = ZoneInfo("Europe/Paris")
PUBLISHED_UNTIL = datetime(2026, 11, 1, tzinfo=PARIS)


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize()


def front_matter(rng, kind, index, date, campaigns) -> str:
    status = rng.choice(STATUSES)
    if status == "approved" and date < PUBLISHED_UNTIL:
        status = "published"  # the publisher has been through the past
    lines = [
        f'title: "{sentence(rng, 6)} {index}"',
        f"date: {date.isoformat()}",
        f"status: {status}",
        f"authors: [{rng.choice(AUTHORS)}]",
        f"categories: [{rng.choice(CATEGORIES)}]",
        f"tags: [{', '.join(rng.sample(WORDS[:12], 3))}]",
    ]
    if rng.random() < 0.5:
        lines.append(f"campaign: {rng.choice(campaigns)}")
    lines.append(f'summary: "{sentence(rng, 18)}."')
    if kind == "newsletter":
        lines += [f'subject: "{sentence(rng, 5)}"', f'preheader: "{sentence(rng, 10)}"', "audience: tous"]
        channels = ["newsletter"]
        lines += ["channels:", "  newsletter: {}"]
    else:
        channels = rng.sample(CHANNELS, 2)
        lines.append("channels:")
        for channel in channels:
            at = date.isoformat()  # each item has its own slot: a clean plan, as in real use
            # Instagram refuses a post without a picture (channel/image-required)
            image = ", image: {src: ../../assets/velo.png, alt: Un vélo}" if channel.startswith("instagram") else ""
            lines.append(f'  {channel}: {{text: "{sentence(rng, 25)} {{url}}", '
                         f'at: {at}{image}}}')
    if kind == "contest":
        lines += [
            f"opens: {date.isoformat()}",
            f"closes: {(date + timedelta(days=14)).isoformat()}",
            f"draw: {(date + timedelta(days=16)).isoformat()}",
            "prizes:",
            '  - {name: "Révision complète", quantity: 3, value: 89}',
            '  - {name: "Bon d\'achat", quantity: 5, value: 30}',
            "eligibility: {min_age: 18, countries: [FR, BE]}",
            'organizer: "La Fabrique à Vélos, 12 rue des Rayons, 69007 Lyon"',
            'mechanism: "Tirage au sort parmi les participants."',
            "rules: inline",
        ]
    if status == "published":  # what gazette publish recorded when it delivered them
        lines.append("published:")
        lines += [f"  {channel}: {{at: {date.isoformat()}, id: '{rng.getrandbits(40):010x}'}}" for channel in channels]
    return "\n".join(lines) + "\n"


def body(rng, links: list[str], body_bytes: int = 0) -> str:
    """A few KiB of Markdown; with ``body_bytes``, paragraphs are added until about that size."""
    paragraphs = []
    size = 0
    wanted = None if body_bytes else rng.randint(4, 9)  # the same draws as before without a size
    for count in range(10_000):
        if (count >= wanted) if wanted is not None else (count >= 4 and size >= body_bytes):
            break
        text = " ".join(sentence(rng, rng.randint(8, 20)) + "." for _ in range(rng.randint(2, 5)))
        if links and rng.random() < 0.3:
            text += f" Voir [ce billet]({rng.choice(links)})."
        paragraphs.append(text)
        size += len(text.encode("utf-8")) + 2
    return "## " + sentence(rng, 4) + "\n\n" + "\n\n".join(paragraphs) + "\n"


STAGES = ["identified"] * 4 + ["contacted"] * 3 + ["interested", "engaged", "ambassador", "paused", "declined"]
NETWORKS = ["mastodon", "instagram", "youtube", "x"]


def registry(rng, target: Path, people: int, places: int) -> None:
    """community/people and community/places as a busy community keeps them."""
    (target / "community/people").mkdir(parents=True, exist_ok=True)
    (target / "community/places").mkdir(parents=True, exist_ok=True)
    keys = [f"personne-{i:05d}" for i in range(people)]
    for key in keys:
        networks = rng.sample(NETWORKS, 2)
        handles = "".join(f'  {n}: "@{key}{"@example.org" if n == "mastodon" else ""}"\n' for n in networks)
        reach = "".join(f"  {n}: {{followers: {rng.randint(100, 90000)}, measured: 2026-10-01}}\n" for n in networks)
        (target / f"community/people/{key}.yml").write_text(
            f'name: "{sentence(rng, 2)}"\nkind: blogger\nhandles:\n{handles}topics: [{", ".join(rng.sample(WORDS[:12], 2))}]\n'
            f"reach:\n{reach}stage: {rng.choice(STAGES)}\nowner: {rng.choice(AUTHORS)}\nlegal_basis: legitimate-interest\n",
            encoding="utf-8")
    for index in range(places):
        (target / f"community/places/lieu-{index:05d}.yml").write_text(
            f'name: "{sentence(rng, 3)}"\nkind: {rng.choice(["blog", "forum", "group", "podcast"])}\n'
            f"url: https://lieu-{index}.example.org/\nlanguage: fr\ntopics: [{rng.choice(WORDS[:12])}]\n"
            f"audience: {{size: {rng.randint(50, 50000)}, measured: 2026-09-01}}\nrelevance: {rng.randint(1, 3)}\n"
            f"contacts: [{rng.choice(keys)}]\nfeeds: [https://lieu-{index}.example.org/feed.xml]\n",
            encoding="utf-8")


def make(n: int, target: Path, use_git: bool = False, seed: int = 2026, history: int = 0,
         body_bytes: int = 0, people: int = 0, places: int = 0) -> None:
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    (target / "calendar/campaigns").mkdir(parents=True)
    (target / "calendar/events").mkdir(parents=True)
    (target / "content").mkdir(parents=True)
    slots = ", ".join(f'"{day} {hour}:00"' for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
                      for hour in ("09", "12", "15", "18"))
    channel_lines = "\n".join(f"  {c}: {{network: {c.split('-')[0]}, limit: 500, slots: [{slots}], "
                              f"cadence: {{posts: 3, per: week}}}}" for c in CHANNELS)
    (target / "calendar/channels.yml").write_text(
        f"timezone: Europe/Paris\nchannels:\n  site: {{network: site}}\n  newsletter: {{network: newsletter}}\n{channel_lines}\n")
    (target / "content/.authors.yml").write_text(
        "authors:\n" + "".join(f"  {a}: {{name: {a.capitalize()}}}\n" for a in AUTHORS))
    campaigns = [f"campagne-{i:02d}" for i in range(20)]
    for name in campaigns:
        (target / f"calendar/campaigns/{name}.yml").write_text(
            f"name: {name}\nfrom: 2020-01-01T00:00:00+01:00\nto: 2030-01-01T00:00:00+01:00\n")
    (target / "content/index.md").write_text("---\ntitle: Accueil\n---\n\nBienvenue.\n")
    (target / "content/assets").mkdir()
    (target / "content/assets/velo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    start = datetime(2020, 1, 6, 9, 0, tzinfo=PARIS)
    written: dict[str, list[str]] = {}
    added: list[tuple[str, datetime]] = []
    for index in range(n):
        roll = rng.random()
        kind, folder = ("post", "posts") if roll < 0.8 else (
            ("newsletter", "newsletters") if roll < 0.9 else ("contest", "contests"))
        day = start + timedelta(days=index // 4)  # wall-clock arithmetic in Paris: 09:00 stays 09:00
        date = day.replace(hour=9 + 3 * (index % 4))  # 09:00, 12:00, 15:00, 18:00
        slug = slugify(f"{' '.join(rng.sample(WORDS[:20], 3))} {index}")
        same_year = written.setdefault(f"{folder}/{date.year}", [])
        links = [f"{s}.md" for s in same_year[-20:]]
        path = target / f"content/{folder}/{date.year}/{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{front_matter(rng, kind, index, date, campaigns)}---\n\n{body(rng, links, body_bytes)}",
                        encoding="utf-8")
        same_year.append(slug)
        added.append((str(path.relative_to(target)), date))
    if people or places:
        registry(random.Random(seed + 1), target, people, places)
    if history:
        commit_history(target, added, history)
    elif use_git:
        run = lambda *a: subprocess.run(["git", *a], cwd=target, check=True, capture_output=True)  # noqa: E731
        run("init", "-q", "-b", "main")
        run("add", "-A")
        run("-c", "user.name=bench", "-c", "user.email=bench@example.org", "commit", "-q", "-m", "corpus")


def commit_history(target: Path, added: list[tuple[str, datetime]], commits: int) -> None:
    """``commits`` commits: the frame first, then the items in batches, each batch committed by
    one of the authors three days before its first item's date (ideas come before posts)."""
    def run(*args, env=None):
        subprocess.run(["git", *args], cwd=target, check=True, capture_output=True,
                       env={**os.environ, **(env or {})})

    run("init", "-q", "-b", "main")
    run("add", "--", "calendar", "content/.authors.yml", "content/index.md", "content/assets")
    first = (added[0][1] - timedelta(days=30)).isoformat() if added else "2020-01-01T00:00:00+01:00"
    run("-c", "user.name=bench", "-c", "user.email=bench@example.org", "commit", "-q", "-m", "frame",
        env={"GIT_AUTHOR_DATE": first, "GIT_COMMITTER_DATE": first})
    batches = max(1, min(commits - 1, len(added)))
    bounds = [round(i * len(added) / batches) for i in range(batches + 1)]
    for number in range(batches):
        batch = added[bounds[number]:bounds[number + 1]]
        when = (batch[0][1] - timedelta(days=3)).isoformat()
        author = AUTHORS[number % len(AUTHORS)]
        run("add", "--", *(path for path, _ in batch))
        run("-c", f"user.name={author}", "-c", f"user.email={author}@example.org", "commit", "-q", "-m",
            f"{len(batch)} items", env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of items")
    parser.add_argument("target", nargs="?", default="bench-corpus", type=Path, help="folder to (re)create")
    parser.add_argument("--git", action="store_true", help="make it a git repository with one commit")
    parser.add_argument("--history", type=int, default=0, metavar="COMMITS",
                        help="make it a git repository with this many commits (e.g. 2000)")
    parser.add_argument("--body-kb", type=float, default=0, help="body size in KiB (default: 2-4 KiB, varied)")
    parser.add_argument("--people", type=int, default=0, help="people files in community/people/")
    parser.add_argument("--places", type=int, default=0, help="place files in community/places/")
    args = parser.parse_args()
    make(args.n, args.target, args.git, history=args.history, body_bytes=int(args.body_kb * 1024),
         people=args.people, places=args.places)
    print(f"wrote {args.n} items to {args.target}")


if __name__ == "__main__":
    main()
