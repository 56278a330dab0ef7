"""The site build's messages follow the community's language (calendar/channels.yml), not only LANG."""

from __future__ import annotations

FRENCH_HINT = "écrivez une vraie date du calendrier, p. ex. 2026-02-28"


def test_the_site_plugin_speaks_the_language_of_channels_yml(sample, monkeypatch):
    from mkdocs.config import load_config

    from gazette.i18n import _

    channels = sample.root / "calendar/channels.yml"
    channels.write_text(channels.read_text() + "\ngazette:\n  language: fr\n")
    monkeypatch.setenv("GAZETTE_NOW", "2026-11-23T12:00:00+01:00")
    monkeypatch.chdir(sample.root)
    assert _("write a real calendar date, e.g. 2026-02-28") != FRENCH_HINT  # LANG=C: English so far
    config = load_config(str(sample.root / "mkdocs.yml"))
    plugin = config.plugins["gazette"]
    plugin.on_config(config)
    assert _("write a real calendar date, e.g. 2026-02-28") == FRENCH_HINT
