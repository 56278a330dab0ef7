"""What members and link previews see: the home, covers, Open Graph, JSON-LD, French pages.

A real ``mkdocs build`` of the sample community; pages are read with an HTML parser."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from test_site import build

pytestmark = pytest.mark.slow
SITE = "https://fabrique.example.org/"
DECEMBER = "2026-12-02T12:00:00+01:00"  # the Christmas contest is open


class Head(HTMLParser):
    """Meta tags, the canonical link, JSON-LD blocks and images of one page."""

    def __init__(self, html: str):
        super().__init__()
        self.meta, self.canonical, self.json_ld, self.images = {}, None, [], []
        self._in_ld = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content")
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs["href"]
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True
        elif tag == "img":
            self.images.append(attrs)

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False


def page(repo, path: str) -> Head:
    return Head((repo.root / "site" / path).read_text())


def test_item_pages_have_link_previews_and_structured_data(sample):
    done = build(sample, DECEMBER)
    assert done.returncode == 0, done.stderr
    post = page(sample, "posts/2026/rentree-boutique/index.html")
    url = SITE + "posts/2026/rentree-boutique/"
    assert post.canonical == url
    assert post.meta["og:type"] == "article" and post.meta["og:locale"] == "fr_FR"
    assert post.meta["og:title"] == "C'est la rentrée à la boutique" and post.meta["og:url"] == url
    assert post.meta["og:description"].startswith("Douze vélos reconditionnés")
    assert post.meta["og:image"] == SITE + "posts/2026/rentree-boutique.png"
    assert post.meta["og:image:alt"] and post.meta["twitter:card"] == "summary_large_image"
    assert post.meta["article:published_time"].startswith("2026-09-04")
    [article] = post.json_ld[0]
    assert article["@type"] == "Article" and article["headline"] == post.meta["og:title"]
    assert article["author"] == [{"@type": "Person", "name": "Inès Moreau"}]
    # No image of its own: the community's card image, never none.
    plain = page(sample, "posts/2026/flottes-entreprise-revision/index.html")
    assert plain.meta["og:image"] == SITE + "assets/carte.png"
    contest = page(sample, "contests/2026/jeu-de-noel-revision-offerte/index.html")
    event = next(d for d in contest.json_ld[0] if d["@type"] == "Event")
    assert event["startDate"] == "2026-12-01T09:00:00+01:00" and event["endDate"] == "2026-12-15T23:59:00+01:00"
    home = page(sample, "index.html")
    assert home.meta["og:type"] == "website" and home.canonical == SITE
    kinds = [d["@type"] for d in home.json_ld[0]]
    assert kinds[0] == "WebSite" and "Event" in kinds
    place = next(d for d in home.json_ld[0] if d["@type"] == "Event")
    assert place["location"]["@type"] == "Place" and place["startDate"] == "2026-12-05T14:00:00+01:00"


def test_a_title_cannot_leave_its_json_ld_block(sample, monkeypatch):
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from gazette.site import Stage

    hostile = '</script><script>alert(1)</script> & "quotes"'
    sample.post("hostile", front=f"title: '{hostile}'\ndate: 2026-11-02T12:30:00+01:00\nstatus: published\n"
                f"summary: '{hostile}'\n")
    monkeypatch.setenv("GAZETTE_NOW", DECEMBER)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setattr(Stage, "_refuse", lambda self, errors: None)  # a check that misses it
    mkdocs_build(load_config(str(sample.root / "mkdocs.yml")))
    html = (sample.root / "site/posts/2026/hostile/index.html").read_text()
    assert "<script>alert(1)" not in html
    parsed = Head(html)
    assert parsed.json_ld[0][0]["headline"] == hostile and parsed.meta["og:title"] == hostile


def test_home_shows_contest_letter_cards_events_and_how_to_join(sample):
    assert build(sample, DECEMBER).returncode == 0
    html = (sample.root / "site/index.html").read_text()
    top = html.index("À la une")
    assert top < html.index("Derniers billets") < html.index("Prochains rendez-vous") < html.index("Rejoindre la communauté")
    assert "Jeu de Noël : une révision offerte" in html and "Clôture le 15 décembre 2026 à 23:59" in html
    assert "3 × Révision complète de votre vélo (89\u00a0€)" in html
    assert "La lettre de novembre 2026" in html  # the latest letter
    home = Head(html)
    covers = [img for img in home.images if "gazette-card__image" in (img.get("class") or "")]
    assert covers and all(img["alt"] for img in covers)
    assert any("320w.webp 320w" in (img.get("srcset") or "") for img in covers)
    assert 'action="https://fabrique.example.org/lettre/inscription"' in html
    assert 'href="https://mastodon.example.org/@fabrique"' in html and "@fabrique.boutique" in html
    assert "Portes ouvertes de l'atelier" in html
    for label, href in (("Charte", "charte/"), ("Nétiquette", "netiquette/"), ("Contact", "contact/"),
                        ("Flux RSS", "feed.xml"), ("Mentions légales", "mentions-legales/")):
        assert f'href="./{href}">{label}</a>' in html or f'href="/{href}">{label}</a>' in html or f'href="{href}">{label}</a>' in html, label
    assert "Made with" not in html and "Material for MkDocs" not in html


def test_french_contest_box_404_contact_and_legal_pages(sample):
    assert build(sample, DECEMBER).returncode == 0
    site = sample.root / "site"
    contest = (site / "contests/2026/jeu-de-noel-revision-offerte/index.html").read_text()
    assert "résidant en France." in contest and "(30\u00a0€ TTC)" in contest
    missing = (site / "404.html").read_text()
    assert "Page introuvable" in missing and "Not found" not in missing
    contact = (site / "contact/index.html").read_text()
    assert 'href="mailto:bonjour@fabrique.example.org"' in contact
    for page_name in ("charte", "netiquette"):
        assert 'href="../contact/"' in (site / page_name / "index.html").read_text()
    assert "Directeur ou directrice de la publication : Camille Roux." in (site / "mentions-legales/index.html").read_text()


def test_cover_copies_are_made_once_and_shown_in_archives(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(tmp_path / "cache"))
    assert build(sample, DECEMBER).returncode == 0
    made = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*.webp")}
    assert made
    assert build(sample, DECEMBER).returncode == 0
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*.webp")} == made  # not made again
    copy = sample.root / "site/posts/2026/rentree-boutique-320w.webp"
    assert copy.read_bytes()[:4] == b"RIFF"
    post = Head((sample.root / "site/posts/2026/rentree-boutique/index.html").read_text())
    cover = next(img for img in post.images if "rentree-boutique" in img["src"])
    assert cover["alt"] and cover["width"] == "1080"
    archive = Head((sample.root / "site/archives/posts/index.html").read_text())
    assert any(img.get("class") == "gazette-thumb" and img["src"].endswith("rentree-boutique-320w.webp")
               for img in archive.images)


def test_a_picture_bomb_is_shown_as_uploaded_without_exhausting_memory(tmp_path):
    import struct
    import zlib

    from gazette.siteimages import Resizer

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    bomb = tmp_path / "bomb.png"  # declares 100,000 × 100,000 pixels
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    picture = Resizer(tmp_path / "cache").picture("bomb.png", str(bomb))
    assert picture.src == "bomb.png" and picture.copies == ()


def test_an_image_over_the_pixel_limit_or_of_another_format_is_never_decoded(tmp_path, monkeypatch):
    import struct
    import zlib

    from PIL import Image, ImageFile

    from gazette.siteimages import Resizer

    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or real_load(self))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # 8900 × 8900: over MAX_PIXELS but under the twice-as-large limit where Pillow refuses by itself
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8900, 8900, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    resizer = Resizer(tmp_path / "cache")
    assert resizer.picture("big.png", str(big)).copies == ()
    tiff = tmp_path / "photo.png"
    Image.new("RGB", (800, 600), "white").save(tiff, "TIFF")
    assert resizer.picture("photo.png", str(tiff)).copies == ()
    assert decoded == []
    real = tmp_path / "real.png"
    Image.new("RGB", (800, 600), "white").save(real, "PNG")
    assert [w for w, _name in resizer.picture("real.png", str(real)).copies] == [320, 640]
    assert decoded and set(decoded) == {(800, 600)}  # only the real one


# -- search forms: the token-wise reading gives the whole-text scan's answer ---------------

from hypothesis import given, settings, strategies as st  # noqa: E402


def _old_search_forms(text: str) -> list[str]:
    """sitepages.search_forms before it read each distinct token once."""
    import re

    from gazette.sitepages import WORD, word_forms

    plain = re.sub(r"<[^>]*>", " ", text).lower()
    written = set(WORD.findall(plain))
    return sorted(set().union(*map(word_forms, written)) - written)


HOSTILE_SEARCH_TEXTS = [
    "", "<p>Réparer un vélo</p>", "Éclairage, éclairages; vélo’s «réparez»", "İSTANBUL ΟΔΟΣ ΣΊΣΥΦΟΣ straße ǅemal",
    "e\u0301te\u0301 cafe\u0301s", "mot_avec_tirets-et-traits", "a\u00a0b\u2003réparer\u3000vélo\u200bvélos",
    "<a href='x'>lien</a>réparer<code>code</code>", "<unclosed réparer", "12345 ２０２６ Ⅻ ①②③④",
    "😀vélo😀 👍🏽réparer", "\x00\x1c\x1d\x1e\x1freparer\x85vélo", "x" * 5000, "ﬁnance ﬂeur", "ǈjubljana",
]


@pytest.mark.parametrize("text", HOSTILE_SEARCH_TEXTS)
def test_search_forms_are_the_whole_text_scan_s(text):
    from gazette.sitepages import search_forms

    assert search_forms(text) == _old_search_forms(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.sampled_from(HOSTILE_SEARCH_TEXTS),
                          st.sampled_from([" ", "\u00a0", "<", ">", "<p>", "é", "\u0301", "İ", "Σ", "_", "ﬁ"])),
                max_size=12))
def test_search_forms_of_any_text_are_the_whole_text_scan_s(pieces):
    from gazette.sitepages import search_forms

    text = "".join(pieces)
    assert search_forms(text) == _old_search_forms(text)


HOSTILE_INDEX_TEXTS = [
    "", "a &amp; b", "<p>texte</p><script>alert(1)</script>", "<style>p{}</style><p onclick='x'>a</p>",
    "<!-- commentaire --><b>gras</b>", "<a href='javascript:alert(1)'>lien</a>", "<img src=x onerror=alert(1)>",
    "&lt;script&gt;", "<table><tr><td>1</td></tr></table>", "<p", "</p></p><li>", "&#x3C;&#60;&unknown;",
    "<svg><script>x</script></svg>", "<noscript><p title='</noscript><img src=x onerror=alert(1)>'>",
    "<math><mi xlink:href='javascript:x'>", "\x00<p>\x00</p>", "<p>é\u0301 😀</p>",
]


@pytest.mark.parametrize("text", HOSTILE_INDEX_TEXTS)
@pytest.mark.parametrize("preview", [True, False])
def test_the_index_fields_are_nh3_clean_s_answer(text, preview):
    """The search index's fields go through one cleaner built once per allow-list: the answer of
    nh3.clean with the same arguments, on hostile fields too."""
    import nh3

    from gazette.site.finish import PREVIEW_TAGS, _text_only

    tags = PREVIEW_TAGS if preview else frozenset()
    expected = nh3.clean(text, tags=set(tags), attributes={}) if "<" in text or "&" in text else text
    assert _text_only(text, tags) == expected
    assert _text_only([text, {"k": text}], tags) == [expected, {"k": expected}]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=15), st.sampled_from(HOSTILE_INDEX_TEXTS)), max_size=6),
       st.booleans())
def test_any_index_field_is_nh3_clean_s_answer(pieces, preview):
    import nh3

    from gazette.site.finish import PREVIEW_TAGS, _text_only

    text = "".join(pieces)
    tags = PREVIEW_TAGS if preview else frozenset()
    expected = nh3.clean(text, tags=set(tags), attributes={}) if "<" in text or "&" in text else text
    assert _text_only(text, tags) == expected
