"""Tracked links at delivery: UTM on the community's own links, never elsewhere, never twice."""

from __future__ import annotations

import json

import pytest

from gazette.siteurls import SiteConfig
from gazette.tracking import track_html, track_text, track_url

SITE = "https://fabrique.example.org/"
UTM = {"utm_source": "mastodon", "utm_medium": "social", "utm_campaign": "hiver", "utm_content": "atelier"}
QUERY = "utm_source=mastodon&utm_medium=social&utm_campaign=hiver&utm_content=atelier"
CHANNELS = """\
timezone: Europe/Paris
channels:
  site: {network: site}
  mastodon: {network: mastodon, limit: 500}
  linkedin: {network: linkedin, limit: 120}
  webhook: {network: webhook, tracking: false, url: "https://hooks.example.org/x"}
  newsletter: {network: newsletter, utm: {id: "ga4-123", source_platform: gazette}}
"""
ACTION = """\
name: Parrainage
kind: referral
from: 2026-11-01T00:00:00+01:00
to: 2026-12-31T00:00:00+01:00
utm: {source: parrainage, medium: referral, campaign: parrainage-hiver}
referral_code: AMI2026
"""


@pytest.mark.parametrize("written, sent", [
    (f"Lisez {SITE}posts/2026/atelier/ !", f"Lisez {SITE}posts/2026/atelier/?{QUERY} !"),
    (f"({SITE}posts/2026/atelier/).", f"({SITE}posts/2026/atelier/?{QUERY})."),
    (f"{SITE}agenda/?jour=lundi#soir", f"{SITE}agenda/?jour=lundi&{QUERY}#soir"),
    ("HTTPS://Fabrique.example.org:443/x/", f"https://Fabrique.example.org:443/x/?{QUERY}"),
    ("https://example.net/fabrique.example.org/ ailleurs", "https://example.net/fabrique.example.org/ ailleurs"),
    ("https://fabrique.example.org.evil.example/x", "https://fabrique.example.org.evil.example/x"),
    (f"{SITE}x/?utm_source=flyer", f"{SITE}x/?utm_source=flyer"),  # hand-written: left as written
    ("Pas de lien.", "Pas de lien."),
    # what surrounds a link in Markdown or French typography is not part of it
    (f"“{SITE}arrivage/”…", f"“{SITE}arrivage/?{QUERY}”…"),
    (f"`{SITE}`", f"`{SITE}?{QUERY}`"),
    (f"**{SITE}x/**", f"**{SITE}x/?{QUERY}**"),
    (f"[{SITE}x/]", f"[{SITE}x/?{QUERY}]"),
    (f"‘{SITE}x/’ et « {SITE}y/ »", f"‘{SITE}x/?{QUERY}’ et « {SITE}y/?{QUERY} »"),
    (f"{SITE}x/…", f"{SITE}x/?{QUERY}…"),
    # a parenthesis closing one opened in the URL belongs to it, the sentence's does not
    (f"{SITE}wiki/x_(y)", f"{SITE}wiki/x_(y)?{QUERY}"),
    (f"(voir {SITE}wiki/x_(y)).", f"(voir {SITE}wiki/x_(y)?{QUERY})."),
])
def test_only_site_links_get_parameters_and_only_once(written, sent):
    site = SiteConfig(SITE)
    assert track_text(written, UTM, site) == sent
    assert track_text(sent, UTM, site) == sent  # a second pass changes nothing


def test_nothing_changes_without_a_site_or_parameters():
    assert track_text(f"{SITE}x/", UTM, SiteConfig("")) == f"{SITE}x/"
    assert track_url(f"{SITE}x/", {}, SiteConfig(SITE)) == f"{SITE}x/"


def test_html_links_are_tracked_but_images_and_text_are_not():
    html = (f'<p><a href="{SITE}x/?a=1&amp;b=2">x</a> <img src="{SITE}i.png" alt=""> '
            f'<a href="https://example.net/">y</a> href="{SITE}z/"</p>')
    out = track_html(html, UTM, SiteConfig(SITE))
    assert f'href="{SITE}x/?a=1&amp;b=2&amp;{QUERY.replace("&", "&amp;")}"' in out
    assert f'src="{SITE}i.png"' in out and 'href="https://example.net/"' in out
    assert f'href="{SITE}z/"</p>' in out  # text that looks like an attribute stays text


def site_repo(repo):
    repo.write("mkdocs.yml", f"site_name: La Fabrique\nsite_url: {SITE}\n")
    repo.write("calendar/channels.yml", CHANNELS)
    repo.write("calendar/actions/parrainage.yml", ACTION)
    repo.git("init", "-q", "-b", "main")
    return repo


def test_publish_sends_tracked_links_and_keeps_the_repository_text_clean(repo):
    site_repo(repo)
    text = f"Parrainez un ami : {SITE}parrainage/ (et https://example.net/velo)"
    path = repo.post("parrainage", "title: Parrainage\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\n"
                     f'action: parrainage\nchannels:\n  mastodon: {{text: "{text}"}}\n'
                     f'  webhook: {{text: "{text}"}}\n')
    repo.write("content/parrainage.md", "# Parrainage\n")
    repo.commit_all()
    result = repo.gazette("publish", "--channel", "mastodon", "--channel", "webhook",
                          now="2026-11-10T13:00:00+01:00")
    assert result.exit_code == 0, result.output
    (payload,) = (repo.root / "outbox/mastodon").glob("*.json")
    assert json.loads(payload.read_text())["text"] == (
        f"Parrainez un ami : {SITE}parrainage/?utm_source=parrainage&utm_medium=referral"
        "&utm_campaign=parrainage-hiver&utm_content=parrainage&ref=AMI2026 (et https://example.net/velo)")
    assert json.loads(payload.read_text())["url"] == (  # the page link shown beside the text, tracked alike
        f"{SITE}posts/2026/parrainage/?utm_source=parrainage&utm_medium=referral"
        "&utm_campaign=parrainage-hiver&utm_content=parrainage&ref=AMI2026")
    (hook,) = (repo.root / "outbox/webhook").glob("*.json")
    assert text in hook.read_text()  # tracking: false on that channel
    assert text in (repo.root / path).read_text()  # the repository keeps the clean link
    assert "utm_" not in repo.git("show", "HEAD", "--", path)


def test_lengths_count_the_final_urls_per_network(repo):
    site_repo(repo)
    text = f"Nouveau : {SITE}posts/2026/atelier-du-samedi-matin/ à lire."
    repo.post("atelier-du-samedi-matin", "title: Atelier\ndate: 2026-11-10T12:30:00+01:00\nstatus: approved\n"
              f'channels:\n  mastodon: {{text: "{text}"}}\n  linkedin: {{text: "{text}"}}\n')
    assert len(text) < 120  # fits as written, not once tracked
    result = json.loads(repo.gazette("check", "--format", "json").output)
    too_long = [p for p in result["problems"] if p["code"] == "channel/too-long"]
    assert [p["message"].split(" ")[0] for p in too_long] == ["linkedin"]  # Mastodon counts any URL as 23


def test_newsletter_links_carry_email_medium_and_ga4_values(repo):
    site_repo(repo)
    repo.post("autre", "title: Autre\ndate: 2026-11-01T12:30:00+01:00\nstatus: published\n")
    repo.post("lettre", kind="newsletters", front=(
        "title: Lettre\ndate: 2026-11-27T09:00:00+01:00\nstatus: approved\nsubject: Sujet\ncampaign: automne-2026\n"
        "channels:\n  newsletter: {}\n"), body="[autre](../../posts/2026/autre.md) · [ailleurs](https://example.net/)\n")
    repo.commit_all()
    result = repo.gazette("publish", "--channel", "newsletter", now="2026-11-27T09:30:00+01:00")
    assert result.exit_code == 0, result.output
    (eml,) = (repo.root / "outbox/newsletter").glob("*.eml")
    raw = eml.read_bytes().decode("utf-8", "replace")
    import email
    from email import policy

    message = email.message_from_string(raw, policy=policy.default)
    html = message.get_body(("html",)).get_content()
    query = ("utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=automne-2026&amp;utm_content=lettre"
             "&amp;utm_id=ga4-123&amp;utm_source_platform=gazette")
    assert f'href="{SITE}posts/2026/autre/?{query}"' in html
    assert 'href="https://example.net/"' in html


@pytest.mark.slow
def test_the_samples_actions_put_their_utm_and_referral_code_on_outgoing_links(sample):
    sample.git("init", "-q", "-b", "main")
    sample.commit_all("start")
    result = sample.gazette("publish", "--channel", "mastodon", now="2026-12-01T13:00:00+01:00")
    assert result.exit_code == 0, result.output
    texts = {json.loads(p.read_text())["url_path"]: json.loads(p.read_text())["text"]
             for p in (sample.root / "outbox/mastodon").glob("*.json")}
    assert texts["content/posts/2026/portes-ouvertes-de-l-atelier.md"].endswith(
        "https://fabrique.example.org/posts/2026/portes-ouvertes-de-l-atelier/?utm_source=mastodon"
        "&utm_medium=referral&utm_campaign=parrainage-hiver&utm_content=portes-ouvertes-de-l-atelier&ref=AMI-HIVER")
    assert ("utm_campaign=partenariat-velo-du-dimanche&utm_content=eclairages-rechargeables-arrivage"
            in texts["content/posts/2026/eclairages-rechargeables-arrivage.md"])


def test_an_action_for_one_person_carries_that_person_s_utm_and_referral_code(repo):
    """The person's values are the defaults of content addressed to them; the action's own win;
    an action for several people uses none of theirs (whose would it be?)."""
    site_repo(repo)
    repo.write("community/people/claire.yml", "name: Claire\nkind: blogger\nstage: engaged\n"
                                              "utm: {source: velo-du-dimanche, medium: referral}\n"
                                              "referral_code: CLAIRE-AMI\n")
    repo.write("community/people/thomas.yml", "name: Thomas\nkind: vip\nstage: engaged\nreferral_code: THOMAS-AMI\n")
    period = "from: 2026-11-01T00:00:00+01:00\nto: 2026-12-31T00:00:00+01:00\n"
    repo.write("calendar/actions/avec-claire.yml", f"name: Claire\nkind: partnership\n{period}"
                                                   "targets: {people: [claire]}\nutm: {campaign: partenariat}\n")
    repo.write("calendar/actions/code-propre.yml", f"name: Thomas\nkind: referral\n{period}"
                                                   "targets: {people: [thomas]}\nreferral_code: HIVER\n")
    repo.write("calendar/actions/a-deux.yml", f"name: Deux\nkind: ambassador\n{period}"
                                              "targets: {people: [claire, thomas]}\n")
    for hour, slug in enumerate(("avec-claire", "code-propre", "a-deux"), start=9):
        repo.post(slug, f"title: {slug}\ndate: 2026-11-10T{hour}:30:00+01:00\nstatus: approved\naction: {slug}\n"
                        f'channels:\n  mastodon: {{text: "Lisez {SITE}posts/2026/{slug}/"}}\n')
    repo.commit_all()
    result = repo.gazette("publish", "--channel", "mastodon", now="2026-11-10T13:00:00+01:00")
    assert result.exit_code == 0, result.output
    sent = {json.loads(p.read_text())["url_path"]: json.loads(p.read_text())["text"]
            for p in (repo.root / "outbox/mastodon").glob("*.json")}
    assert sent["content/posts/2026/avec-claire.md"] == (
        f"Lisez {SITE}posts/2026/avec-claire/?utm_source=velo-du-dimanche&utm_medium=referral&utm_campaign=partenariat"
        "&utm_content=avec-claire&ref=CLAIRE-AMI")
    assert sent["content/posts/2026/code-propre.md"].endswith("&utm_content=code-propre&ref=HIVER")
    assert sent["content/posts/2026/a-deux.md"] == (
        f"Lisez {SITE}posts/2026/a-deux/?utm_source=mastodon&utm_medium=social&utm_campaign=a-deux&utm_content=a-deux")
    review = repo.gazette("check", "--format", "json")  # the length check reads the same final text
    assert review.exit_code == 0, review.output


# -- the fast paths give the old answers -------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402
from urllib.parse import unquote, urlencode, urlsplit  # noqa: E402

from gazette.tracking import encoded  # noqa: E402

AWKWARD = ["", "hiver", "été-2026", "a b", "a+b", "x&y=z", "100%", "~._-", "é\u00a0", "\x00\n", "😀", "a/b?c#d",
           "AMI2026", "ﬁ", "\ud800"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), st.text(), max_size=6))
def test_the_query_is_urlencode_s_byte_for_byte(params):
    assert encoded(params) == urlencode(list(params.items()))


def test_awkward_names_and_values_are_encoded_as_urlencode_does():
    params = {f"utm_{i}{value}": value for i, value in enumerate(AWKWARD) if value != "\ud800"}
    assert encoded(params) == urlencode(list(params.items()))
    for encode in (lambda: encoded({"ref": "\ud800"}), lambda: urlencode([("ref", "\ud800")])):
        with pytest.raises(UnicodeEncodeError):  # a lone surrogate (YAML reads none): refused alike
            encode()


def _old_path_on_site(site_url: str, url: str):
    """SiteConfig._path_on_site before its answers were kept and the site's address split once."""
    from gazette.siteurls import DEFAULT_PORTS, _port

    site_url = site_url.rstrip("/") + "/" if site_url else ""
    if not site_url:
        return None
    try:
        mine, theirs = urlsplit(site_url), urlsplit(url)
        ports = (_port(mine), _port(theirs))
    except ValueError:
        return None
    if theirs.scheme.lower() not in DEFAULT_PORTS or theirs.hostname != mine.hostname or ports[0] != ports[1]:
        return None
    base = mine.path if mine.path.endswith("/") else mine.path + "/"
    if theirs.path == base.rstrip("/"):
        return ""
    return unquote(theirs.path[len(base):]) if theirs.path.startswith(base) else None


SITES = ["", "https://fabrique.example.org/", "https://Fabrique.example.org:443/club", "http://x.org:8080/a/b/",
         "https://x.org:notaport/", "https://[::1/", "https://x.org:99999/", "HTTPS://EXAMPLE.ORG"]
URLS = ["https://fabrique.example.org/posts/2026/a/", "HTTP://FABRIQUE.example.org:80/posts/%C3%A9t%C3%A9/",
        "https://fabrique.example.org", "https://fabrique.example.org:444/x", "https://x.org:8080/a/b/c?d#e",
        "http://x.org:8080/a/b", "https://x.org:notaport/x", "https://[::1/x", "ftp://fabrique.example.org/x",
        "https://example.org/club/../x", "https://evil.org@fabrique.example.org/x", "javascript:alert(1)",
        "https://fabrique.example.org/club", "https://fabrique.example.org/clubhouse", "//fabrique.example.org/x",
        "https://x.org:99999/", "https://EXAMPLE.ORG/", "https://example.org", "", "https://fabrique.example.org/x\t/y", "https://fabrique.example.org/a?b#c", "https://fabrique.example.org/a#b?c", "https://fabrique.example.org/%2e%2e/x", "https://fabrique.example.org/\n"]


def test_the_site_path_of_a_url_is_the_old_answer_on_hostile_urls():
    for site_url in SITES:
        site = SiteConfig(site_url)
        for url in URLS * 2:  # the second time from the kept answers
            assert site._path_on_site(url) == _old_path_on_site(site_url, url), (site_url, url)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SITES), st.one_of(st.sampled_from(URLS), st.text(),
                                         st.builds(lambda s, t: s + t, st.sampled_from(URLS), st.text())))
def test_the_site_path_of_any_text_is_the_old_answer(site_url, url):
    site = SiteConfig(site_url)
    assert site._path_on_site(url) == _old_path_on_site(site_url, url)
    assert site._path_on_site(url) == _old_path_on_site(site_url, url)


LENGTH_TEXTS = [
    f"Lisez {SITE}posts/2026/atelier/ !", f"({SITE}posts/2026/atelier/).", f"{SITE}agenda/?jour=lundi#soir",
    "HTTPS://Fabrique.example.org:443/x/", f"“{SITE}arrivage/”…", f"`{SITE}`", f"**{SITE}x/**", f"[{SITE}x/]",
    f"{SITE}wiki/x_(y)", f"(voir {SITE}wiki/x_(y)).", f"{SITE}x/?utm_source=flyer", "Pas de lien.",
    f"{SITE}cafe\u0301/ et e\u0301te\u0301", f"{SITE}a/\u0301.", f"@camille@{SITE[8:]}x {SITE}@a@b.org",
    f'{SITE}x/"><img src=x onerror=alert(1)> {SITE}y/<b>', f"{SITE}x/\u2026\u0301 {SITE}\u00e9t\u00e9/ 🇫🇷👍🏽",
    f"{SITE}x/*\u0301 {SITE}y/« z »", f"{SITE}{SITE}{SITE}", "https://example.net/ " * 3 + f"{SITE}fin",
]


@pytest.mark.parametrize("text", LENGTH_TEXTS)
@pytest.mark.parametrize("params", [UTM, {**UTM, "utm_campaign": "été 2026/x&y", "ref": "AMI 2026"}])
def test_tracking_changes_no_length_where_every_url_counts_the_same(text, params):
    """The check counts X and Mastodon texts untracked (quality_rules.URL_COUNTED_AS_ONE): it
    holds because tracking only lengthens URLs, which those networks count as 23 characters."""
    from gazette.quality_rules import URL_COUNTED_AS_ONE
    from gazette.textcount import count

    tracked = track_text(text, params, SiteConfig(SITE))
    for network in URL_COUNTED_AS_ONE:
        assert count(tracked, network) == count(text, network), (network, tracked)


GROWTH_TEXTS = LENGTH_TEXTS + [
    f"{SITE}x/?", f"{SITE}x/#", f"{SITE}x/?#f", f"{SITE}x/?a=1&utm_x=2", f"{SITE}x/?%75tm_source=a", f"{SITE}x/?UTM_a",
    f"{SITE}x\u200d/ {SITE}y/", f"\u200d{SITE}x/", f"{SITE}x/\ufe0f", f"{SITE}x/.\ufe0f", f"{SITE}x/\U0001F3FD",
    f"{SITE}x/\U0001F1EB\U0001F1F7", f"{SITE}\u1100\u1161 {SITE}x/\u1161", "https://fabrique.example.org", f"{SITE}x/)",
    f"{SITE}x\t/y {SITE}a\x01b", f"{SITE}x//y/", f"{SITE}x/;p?q", "\u0301" + f"{SITE}x/", f"{SITE}x/. \u0301",
]
COUNTED = ("linkedin", "instagram", "threads", "facebook", "bluesky", "x", "mastodon")


def _assert_growth(text, params, site):
    from gazette.textcount import count
    from gazette.tracking import tracked_growth

    growth = tracked_growth(text, params, site)
    if growth is None:
        return False
    tracked = track_text(text, params, site)
    for network in COUNTED[:5]:
        assert count(text, network) + growth == count(tracked, network), (network, text, tracked)
    return True


@pytest.mark.parametrize("text", GROWTH_TEXTS)
@pytest.mark.parametrize("params", [UTM, {**UTM, "utm_campaign": "été 2026/x&y", "ref": "AMI 2026"}, {}])
def test_the_length_tracking_adds_is_what_the_tracked_text_counts(text, params):
    """The check counts LinkedIn, Instagram, Bluesky… texts as the expanded text plus what tracking
    adds (tracking.tracked_growth), not by writing the tracked text: the same length on every
    network, or no answer (a URL that is not ASCII) and the tracked text is counted as before."""
    answered = _assert_growth(text, params, SiteConfig(SITE))
    assert answered or not all(url.isascii() for url in text.split())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(GROWTH_TEXTS), st.sampled_from(URLS), st.text(max_size=12),
                          st.sampled_from([" ", "?", "#", "&", ".", ")", "(", "\u0301", "\u200d", "é", "utm_", "%"])),
                max_size=8),
       st.sampled_from(SITES))
def test_the_length_tracking_adds_on_any_text(pieces, site_url):
    _assert_growth("".join(pieces), UTM, SiteConfig(site_url))


def test_the_check_counts_tracked_lengths_as_before(repo):
    """Through the rule: a LinkedIn text just under its limit untracked goes over it once its
    site link carries the parameters, and the problem gives the tracked length."""
    from gazette.sitelinks import expand
    from gazette.textcount import count
    from gazette.tracking import delivered_text

    repo.write("calendar/channels.yml", CHANNELS)
    repo.write("mkdocs.yml", f"site_name: Fabrique\nsite_url: {SITE}\n")
    url = f"{SITE}posts/2026/atelier/"
    text = "a" * (120 - len(url) - 1) + " {url}"
    repo.post("atelier", front="title: Atelier\ndate: 2026-11-02T12:30:00+01:00\nstatus: approved\n"
              f"channels:\n  linkedin: {{text: \"{text}\"}}\n")
    done = repo.gazette("check", "--format", "json")
    import json as _json

    problems = [p for p in _json.loads(done.output)["problems"] if p["code"] == "channel/too-long"]
    from gazette.load import load_repo

    loaded = load_repo(repo.root)
    item = next(i for i in loaded.items if i.slug == "atelier")
    sent = delivered_text(repo.root, loaded.frame, item, "linkedin", text)
    assert count(expand(text, item, SiteConfig(SITE)), "linkedin") == 120
    assert len(problems) == 1 and f"text is {count(sent, 'linkedin')} characters" in problems[0]["message"]
