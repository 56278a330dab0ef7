"""A community repository carrying every payload in every field, and the leftovers that must
never be published. Used by test_attacks.py (site, feeds, calendar, review)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .payloads import BODY_PAYLOADS, FIELD_PAYLOADS

NOW = "2026-11-23T12:00:00+01:00"
SECRET = "SECRET-NON-PUBLIC-4b1d"  # in every file that must stay off the site
SUBSCRIBER = "abonnee.secrete@example.org"

CHANNELS = """\
timezone: Europe/Paris
channels:
  site: {network: site}
  mastodon: {network: mastodon, limit: 5000}
  newsletter: {network: newsletter}
"""

MKDOCS = """\
site_name: Attaques
site_url: https://fabrique.example.org/
docs_dir: content
theme:
  name: material
  language: fr
  font: false
plugins:
  - search:
      lang: fr
  - gazette
markdown_extensions:
  - admonition
  - attr_list
  - toc:
      permalink: true
"""


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON is one)."""
    return json.dumps(text, ensure_ascii=False)


def write(root: Path, relpath: str, text: str | bytes) -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def item_fields(number: int, payload: str) -> str:
    return (f"title: {q(payload)}\nsummary: {q(payload)}\nstatus: published\n"
            f"authors: [a{number}]\ncategories: [{q(payload)}]\ntags: [{q(payload)}]\ncampaign: c{number}\n"
            f"channels:\n  mastodon: {{text: {q(payload)}}}\n"
            f"allow:\n  - {{rule: netiquette/shouting, reason: {q(payload)}}}\n")


def make_community(root: Path, with_leftovers: bool = True) -> Path:
    """Write the community; returns its root."""
    write(root, "calendar/channels.yml", CHANNELS)
    write(root, "mkdocs.yml", MKDOCS)
    write(root, "content/index.md", "---\ntitle: Accueil\n---\n\nBienvenue.\n\n<!-- gazette-list-0 -->\n")
    authors = ["authors:"]
    for n, payload in enumerate(FIELD_PAYLOADS):
        authors.append(f"  a{n}: {{name: {q(payload)}, description: {q(payload)}}}")
        write(root, f"calendar/campaigns/c{n}.yml",
              f"name: {q(payload)}\nfrom: 2026-01-01T00:00:00+01:00\nto: 2027-12-31T00:00:00+01:00\n")
        write(root, f"calendar/events/e{n}.yml",
              f"name: {q(payload)}\nkind: offline\nplace: {q(payload)}\nsummary: {q(payload)}\n"
              f"start: 2026-12-{1 + n % 28:02d}T18:00:00+01:00\nend: 2026-12-{1 + n % 28:02d}T20:00:00+01:00\n")
        day = f"2026-10-{1 + n % 28:02d}T12:30:00+02:00"
        write(root, f"content/posts/2026/p{n}.md",
              f"---\n{item_fields(n, payload)}date: {day}\n---\n\n{payload}\n")
        write(root, f"content/newsletters/2026/n{n}.md",
              f"---\n{item_fields(n, payload)}date: {day}\nsubject: {q(payload)}\npreheader: {q(payload)}\n"
              f"audience: {q(payload)}\n---\n\n{payload}\n")
        write(root, f"content/contests/2026/k{n}.md",
              f"---\n{item_fields(n, payload)}date: {day}\nopens: {day}\n"
              f"closes: 2026-12-20T23:59:00+01:00\norganizer: {q(payload)}\n"
              f"prizes:\n  - {{name: {q(payload)}, quantity: 1, value: 10}}\n"
              f"eligibility: {{min_age: 18, countries: [{q(payload)}]}}\nwinners: [{q(payload)}]\n"
              f"mechanism: {q(payload)}\n---\n\n{payload}\n")
    write(root, "content/.authors.yml", "\n".join(authors) + "\n")
    write(root, "content/posts/2026/corps.md",
          "---\ntitle: Corps\ndate: 2026-10-02T12:30:00+02:00\nstatus: published\n---\n\n"
          + "\n\n".join(BODY_PAYLOADS + FIELD_PAYLOADS) + "\n")
    write(root, "content/posts/2026/photo.png", b"\x89PNG\r\n\x1a\n")
    # A folder name is text too: MkDocs makes it a navigation section's title.
    write(root, "content/<img src=x onerror=alert(1)>/page.md", "# Page\n\nTexte.\n")
    write(root, "content/posts/<svg onload=alert(1)>/<img src=x onerror=alert(1)>.md",
          "---\ntitle: Nom de fichier\ndate: 2026-10-03T12:30:00+02:00\nstatus: published\n---\n\nTexte.\n")
    # No title and no heading: the engine names the page after its file (or folder), and wrote
    # that name raw into the search index, which search results show as HTML.
    write(root, "content/z<img src=x onerror=alert(23)>.md", "Zorglub sans titre.\n")
    write(root, "content/d<img src=x onerror=alert(24)>/index.md", "Zorglub dossier.\n")
    write(root, "content/d<img src=x onerror=alert(24)>/e<b onclick=alert(25)>.md", "Zorglub dedans.\n")
    # Headings with markup: the table of contents copies them (Zensical as written, handlers too),
    # outside the content region; a closing tag tries to leave the entry, a forged one the sidebar.
    write(root, "content/titres.md", "# Titres\n\n## Un <em onmouseover=\"alert(10)\">em</em>\n\nTexte.\n\n"
          "## Deux <span onclick=alert(11)>span</span>\n\nTexte.\n\n## Trois <code onclick=alert(12)>code</code>\n\n"
          "Texte.\n\n## Quatre </span></span></a></li></ul></nav></div><img src=x onerror=alert(13)>\n\nTexte.\n\n"
          "## Cinq <article class=\"md-content__inner md-typeset\"><b onclick=alert(14)>b</b>\n\nTexte.\n\n"
          "## Six <span id=\"__config\" data-md-component=\"content\">six</span>\n\nTexte.\n")
    # Pages outside the kind folders: MkDocs reads their meta and titles itself.
    write(root, "content/piege.md", f"---\ntitle: {q(FIELD_PAYLOADS[0])}\ndescription: {q(FIELD_PAYLOADS[2])}\n"
          f"subtitle: {q(FIELD_PAYLOADS[4])}\n---\n\n# Piège\n\n{FIELD_PAYLOADS[1]}\n")
    # Lists and mappings: Material writes str() of them into <title>, <meta> and the search index.
    write(root, "content/piege-liste.md", f"---\ntitle: [{q(FIELD_PAYLOADS[4])}]\ndescription: [{q(FIELD_PAYLOADS[2])}]\n"
          f"author: {{x: {q(FIELD_PAYLOADS[0])}}}\nsubtitle: [{q(FIELD_PAYLOADS[3])}]\n---\n\nTexte.\n")
    write(root, "content/piege-titre.md", "# &lt;img src=x onerror=alert(1)&gt; et <b onclick=alert(1)>gras</b>\n\nTexte.\n")
    if with_leftovers:
        add_leftovers(root)
    return root


def add_leftovers(root: Path) -> None:
    """Everything that must never reach the site, each carrying SECRET."""
    draft = f"---\ntitle: Brouillon\ndate: 2026-10-06T12:30:00+02:00\nstatus: draft\n---\n\n{SECRET}\n"
    future = f"---\ntitle: Futur\ndate: 2027-10-06T12:30:00+02:00\nstatus: approved\n---\n\n{SECRET}\n"
    for folder in ("content/post/2026", "content/Posts/2026", "content/blog", "content/newsletter/2026"):
        write(root, f"{folder}/brouillon.md", draft)
        write(root, f"{folder}/futur.md", future)
    write(root, "content/blog/bom.md", "\ufeff" + draft)
    write(root, "content/blog/multimarkdown.md", f"Title: Brouillon\nStatus: draft\n\n{SECRET}\n")
    # Front matters whose keys a line-by-line look would miss; MkDocs reads them all.
    for name, front in (("flux", "{title: Brouillon, status: draft, date: 2026-10-06}"),
                        ("indente", "  title: Brouillon\n  status: draft"), ("echappe", '"\\x73tatus": draft'),
                        ("complexe", "? status\n: draft"), ("materiel", "title: Brouillon\ndraft: true")):
        write(root, f"content/post/{name}.md", f"---\n{front}\n---\n\n{SECRET}\n")
    write(root, "content/posts/2026/brouillon.md",
          draft.replace("---\n\n", "---\n\n![secret](secret-draft.png)\n\n[pdf](secret-draft.pdf)\n\n"))
    write(root, "content/posts/2026/secret-draft.png", b"\x89PNG\r\n\x1a\n" + SECRET.encode())
    # Outside the kind folders, used by drafts alone (Markdown, raw HTML, a future post's cover).
    write(root, "content/posts/2026/brouillon-images.md",
          draft.replace("---\n\n", "---\n\n![s](../../images/secret-orphan.png)\n\n<img src=\"/images/secret-html.jpg\">\n\n"))
    write(root, "content/posts/2027/futur-image.md", future.replace("status: approved\n", "status: approved\n"
          "image: {src: ../../images/secret-cover.webp, alt: x}\n"))
    for name in ("secret-orphan.png", "secret-html.jpg", "secret-cover.webp"):
        write(root, f"content/images/{name}", b"\x89PNG\r\n\x1a\n" + SECRET.encode())
    # Also used by a draft, but shown by a page and named in mkdocs.yml: published.
    write(root, "content/images/partage.png", b"\x89PNG\r\n\x1a\n")
    write(root, "content/images/logo.png", b"\x89PNG\r\n\x1a\n")
    write(root, "content/posts/2026/brouillon-partage.md", draft.replace("---\n\n", "---\n\n![p](../../images/partage.png) "
          "![l](../../images/logo.png)\n\n"))
    write(root, "content/partage.md", "# Partage\n\n![p](images/partage.png)\n")
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as config:
        config.write("extra:\n  social_image: images/logo.png\n")
    write(root, "content/posts/2026/secret-draft.pdf", b"%PDF-1.4\n" + SECRET.encode())
    for name in ("p0.md~", "p0.md.orig", "p0.md.rej", ".p0.md.swp", "#p0.md#", ".#p0.md", "p0.md.bak"):
        write(root, f"content/posts/2026/{name}", draft)
    write(root, "content/posts/2026/page.html", f"<script>alert(1)</script>{SECRET}")
    write(root, "content/assets/app.js", f"alert(1) // {SECRET}")
    write(root, "content/assets/abonnes.csv", f"email\n{SUBSCRIBER}\n")
    write(root, "content/assets/evil.svg",
          f'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><text>{SECRET}</text></svg>')
    write(root, "content/assets/evil-ns.svg",  # a script under a prefix the author declares
          '<svg xmlns="http://www.w3.org/2000/svg" xmlns:s="http://www.w3.org/2000/svg">'
          f'<s:script>alert(1)</s:script><text>{SECRET}</text></svg>')
    write(root, "content/assets/evil-prefix.svg",
          '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script>'
          f'<svg:text>{SECRET}</svg:text></svg:svg>')
    write(root, "content/assets/ok.svg", '<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>')
    # The subscriber list where a careless run could leave it, and links pointing at it.
    outside = write(root, ".gazette/subscribers.csv", f"email,name\n{SUBSCRIBER},Abonnée\n")
    write(root, "subscribers.csv", f"email,name\n{SUBSCRIBER},Abonnée\n")
    os.symlink(outside, root / "content/assets/liste.png")
    os.symlink(outside, root / "content/posts/2026/lien.md")
    os.symlink(root / ".gazette", root / "content/donnees")
    write(root, "content/posts/2026/lie.md",
          "---\ntitle: Lien\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n---\n\n![liste](../../assets/liste.png)\n")


def add_template_link(root: Path) -> None:
    """A scaffold template that includes the process environment through a link (gazette new)."""
    write(root, "templates/new/post.md.j2", '---\ntitle: {{ title | yaml }}\n---\n{% include "env.txt" %}\n')
    os.symlink("/proc/self/environ", root / "templates/new/env.txt")
