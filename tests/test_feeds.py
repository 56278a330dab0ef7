"""Feeds stay XML whatever a title or summary holds."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from gazette.feeds import write_feeds
from gazette.load import load_repo


def test_control_characters_in_fields_never_break_a_feed(repo, tmp_path):
    repo.post("saut", front='title: "Page\\fsuivante\\v\\x01"\ndate: 2026-10-06T12:30:00+02:00\n'
              'status: published\nsummary: "Résumé\\x1b[31m rouge"\n')
    written = write_feeds(tmp_path / "site", "https://fabrique.example.org/", "La\\x02 Fabrique",
                          load_repo(repo.root).items)
    assert len(written) == 8
    for path in written:
        text = path.read_text(encoding="utf-8")
        root = ET.fromstring(text.encode())  # raises on a character XML forbids
        if "posts" in str(path) or path.parent == tmp_path / "site":
            assert "Pagesuivante" in text and "Résumé[31m rouge" in text
        assert root is not None


def test_check_warns_of_control_characters_in_text_fields(repo):
    repo.post("saut", front='title: "Page\\fsuivante"\ndate: 2026-10-06T12:30:00+02:00\nstatus: published\n'
              'summary: "ok"\nchannels:\n  mastodon: {text: "Bonjour\\x01"}\n')
    result = repo.gazette("check")
    assert "content/posts/2026/saut.md:2: schema/control-character title contains a control character" \
        in result.output
    assert "content/posts/2026/saut.md:7: schema/control-character channels.mastodon.text" in result.output
    assert "summary" not in result.output.split("schema/control-character", 1)[1].split("\n", 1)[0]
