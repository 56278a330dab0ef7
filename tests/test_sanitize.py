"""The one sanitizer: what an attacker writes in a body never becomes live markup."""

import re

import pytest

from gazette.sanitize import sanitize_html

ATTACKS = [
    '<img src="x" onerror="alert(1)">',
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=onmouseover to=alert(1)>",
    '<p style="background:url(https://evil.example/x)">t</p>',
    "<script>alert(1)</script>",
    '<iframe src="https://evil.example/"></iframe>',
    '<form action="https://evil.example/"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<object data="x.swf"></object>',
    '<a href="https://example.org/" target="_blank" onclick="alert(1)">x</a>',
    '<details open ontoggle="alert(1)"><summary>x</summary></details>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_come_out_inert(attack):
    clean = sanitize_html(attack).lower()
    for bad in ("onerror", "onclick", "onbegin", "ontoggle", "javascript:", "data:", "<script", "<svg",
                "<iframe", "<form", "<meta", "<object", "style=", "evil.example", "target="):
        assert bad not in clean, (attack, clean)


def test_what_material_needs_survives():
    html = ('<h2 id="intro">Intro<a class="headerlink" href="#intro" title="Permanent link">¶</a></h2>'
            '<div class="admonition note"><p class="admonition-title">Note</p><p>x</p></div>'
            '<table><thead><tr><th align="left">a</th></tr></thead><tbody><tr><td>b</td></tr></tbody></table>'
            '<p><img alt="Un vélo" src="velo.jpg"> <a href="../2025/atelier/">lien</a> '
            '<a href="mailto:contact@example.org">écrire</a></p>'
            '<pre><code class="language-python"><span class="k">def</span></code></pre>')
    assert sanitize_html(html) == html


def test_attr_list_keeps_only_the_safe_attributes():
    import markdown

    html = markdown.markdown('Texte\n{: #ancre .note onclick="alert(1)" style="color:red" data-x="1" '
                             'href="javascript:alert(1)" lang="fr" }', extensions=["attr_list"])
    assert "onclick" in html  # attr_list writes whatever the author asks for…
    assert sanitize_html(html) == '<p class="note" id="ancre" lang="fr">Texte</p>'  # …and only this survives


def test_table_alignment_survives_and_no_other_style():
    import markdown

    html = markdown.markdown("| a | b |\n|:--|--:|\n| 1 | 2 |", extensions=["tables"])
    clean = sanitize_html(html)
    assert '<th style="text-align: left;">a</th>' in clean and '<td style="text-align: right;">2</td>' in clean
    sneaky = '<table><tr><td style="text-align: left; background:url(https://evil.example/)">x</td></tr></table>'
    assert sanitize_html(sneaky) == "<table><tbody><tr><td>x</td></tr></tbody></table>"


@pytest.mark.parametrize("html", [
    '<div id="__config">{"base": "https://evil.example/"}</div>',
    '<div id="&#95;_config">x</div>',                 # entity-encoded
    '<p id="__search">x</p>',
    '<label for="__drawer">x</label>',
    '<input type="checkbox" name="__palette" id="__palette_0">',
    '<span id="md-content">x</span>',
    '<span id="MD_scope">x</span>',
])
def test_content_cannot_take_a_name_the_theme_reads(html):
    clean = sanitize_html(html)
    assert not re.search(r'(?:id|for|name)="(?:__|md[-_])', clean, re.I), clean


def test_heading_and_extension_ids_survive():
    import markdown

    html = markdown.markdown("## Mise à jour\n\n## Le __vrai__ titre {: #ancre }\n\nx[^1]\n\n[^1]: note",
                             extensions=["toc", "attr_list", "footnotes"])
    clean = sanitize_html(html)
    assert 'id="mise-a-jour"' in clean and 'id="ancre"' in clean and 'id="fn:1"' in clean
    tabs = ('<div class="tabbed-set" data-tabs="1:2"><input checked="checked" id="__tabbed_1_1" '
            'name="__tabbed_1" type="radio"><label for="__tabbed_1_1">Un</label></div>')
    clean = sanitize_html(tabs)
    assert 'id="__tabbed_1_1"' in clean and 'name="__tabbed_1"' in clean and 'for="__tabbed_1_1"' in clean


def test_content_cannot_dress_as_the_theme():
    """`{: .md-dialog .md-dialog--active }` would make a link look like Material's own toast."""
    import markdown

    html = markdown.markdown("[Votre session a expiré](https://evil.example/)"
                             "{: .md-dialog .md-dialog--active .MD_banner .note }\n\n"
                             "[S'inscrire](https://fabrique.example.org/){: .md-button .md-button--primary }\n\n"
                             "Texte\n{: .md-header }", extensions=["attr_list"])
    clean = sanitize_html(html)
    assert 'class="note"' in clean and "md-dialog" not in clean.lower() and "md_banner" not in clean.lower()
    assert 'class="md-button md-button--primary"' in clean
    assert "<p>Texte</p>" in clean  # nothing left: no empty class attribute
