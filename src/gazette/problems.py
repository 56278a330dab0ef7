"""The one Problem type, and the catalogue of problem codes.

Every check in Gazette reports through :class:`Problem`. Codes are
``family/name``; each has a default severity here, which a repository may
override in ``calendar/channels.yml`` under ``gazette: {severity: {code: level}}``.
Every code is documented in ``docs/problems.md`` (a test keeps the two in step).
"""

from __future__ import annotations

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING, "off")

# code -> (default severity, one-line meaning). Families follow DESIGN.md.
CODES: dict[str, tuple[str, str]] = {
    # file: what is wrong before any YAML is read
    "file/empty": (ERROR, "the file is empty"),
    "file/binary": (ERROR, "the file is binary, not text"),
    "file/not-utf8": (ERROR, "the file is not valid UTF-8"),
    "file/too-large": (ERROR, "the file is larger than the 1 MiB cap"),
    "file/not-slug": (ERROR, "the file name is not a lowercase ASCII slug"),
    "file/year-folder": (WARNING, "the item is not in content/<kind>/<its date's year>/"),
    "file/symlink": (ERROR, "symbolic links are not followed"),
    "file/outside-repo": (ERROR, "the path is outside the repository"),
    "file/unreadable": (ERROR, "the file cannot be read"),
    "file/not-content": (WARNING, "the path is not under content/ or calendar/"),
    "file/extension": (ERROR, "a Markdown file in a content folder does not end in .md"),
    "file/leftover": (WARNING, "an editor backup or merge leftover under content/: never published"),
    "file/unsafe-name": (ERROR, "a file or folder under content/ whose name has characters other than letters, "
                                "digits, '-', '_' and '.'"),
    "file/conflict-marker": (ERROR, "a merge conflict marker (<<<<<<<, >>>>>>>) is left in the file"),
    # yaml: the front matter or a frame file does not parse safely
    "yaml/no-front-matter": (ERROR, "the item has no front matter block"),
    "yaml/unclosed-front-matter": (ERROR, "the front matter has no closing ---"),
    "yaml/syntax": (ERROR, "the YAML does not parse"),
    "yaml/unusual-line-break": (WARNING, "a NEL, LINE or PARAGRAPH SEPARATOR character, read as a space"),
    "yaml/duplicate-key": (ERROR, "a key is given twice in one mapping"),
    "yaml/not-mapping": (ERROR, "the front matter is not a mapping of keys"),
    "yaml/alias": (ERROR, "YAML anchors and aliases are not allowed"),
    "yaml/too-deep": (ERROR, "the YAML is nested too deeply"),
    "yaml/too-large": (ERROR, "the front matter is larger than the 16 KiB cap"),
    # schema: the front matter model
    "schema/required": (ERROR, "a required key is missing"),
    "schema/type": (ERROR, "a value has the wrong type"),
    "schema/choice": (ERROR, "a value is not one of the allowed choices"),
    "schema/unknown-key": (WARNING, "a key Gazette does not know (typo?)"),
    "schema/date-naive": (ERROR, "a date has no timezone"),
    "schema/date-invalid": (ERROR, "a date does not exist or cannot be read"),
    "schema/empty": (ERROR, "a required text is empty"),
    "schema/range": (ERROR, "a number is out of its allowed range"),
    "schema/slug": (ERROR, "a slug: is not lowercase ASCII letters, digits and hyphens"),
    "schema/no-status": (WARNING, "no status: (nor Material's draft:): the item stays a hidden draft"),
    "schema/control-character": (WARNING, "a title, summary, subject, preheader or channel text holds a control character"),
    "schema/line-break": (ERROR, "an e-mail header field (subject, preheader, a newsletter's title) has a line break"),
    # ref: what an item points at must exist
    "ref/author": (ERROR, "the author is not in content/.authors.yml"),
    "ref/campaign": (ERROR, "the campaign has no file in calendar/campaigns/"),
    "ref/channel": (ERROR, "the channel is not declared in calendar/channels.yml"),
    "ref/image": (ERROR, "the image file does not exist"),
    "ref/link": (ERROR, "the internal link points at no file"),
    "ref/site-url": (ERROR, "a link to the community's site names a page it will not have built when the text goes out"),
    "ref/action": (ERROR, "the recruitment action has no file in calendar/actions/"),
    "ref/duplicate-slug": (ERROR, "two items of one kind share a slug (same URL)"),
    # calendar: the plan derived from front matter and calendar/
    "calendar/conflict": (ERROR, "two items take one slot of one account"),
    "calendar/off-slot": (WARNING, "a publication is outside its channel's time slots"),
    "calendar/cadence": (WARNING, "fewer publications planned than the channel's cadence target"),
    "calendar/frozen": (ERROR, "a publication falls inside a crisis freeze"),
    "calendar/missed": (WARNING, "an approved publication's time passed without a receipt"),
    "calendar/campaign-window": (WARNING, "an item of a campaign is dated outside the campaign"),
    # netiquette: calendar/moderation.yml on top of Gazette's French and English lists
    "netiquette/insult": (ERROR, "an insult"),
    "netiquette/discrimination": (ERROR, "hate: a discriminatory slur, or a group dehumanized or excluded"),
    "netiquette/porn": (ERROR, "a pornographic term, sexual spam or solicitation"),
    "netiquette/personal-data": (ERROR, "a person's contact, address or bank details in public text"),
    "netiquette/shouting": (WARNING, "a long run of capitals"),
    "netiquette/exclamation": (WARNING, "three or more exclamation marks"),
    # channel: what is posted on each account
    "channel/too-long": (ERROR, "a channel text is over the network's limit, counted the network's way"),
    "channel/missing-text": (ERROR, "a social channel has no text once the item is in review or approved"),
    "channel/image-required": (ERROR, "an image-first network (Instagram, TikTok, Pinterest) gets no image"),
    "channel/hashtags": (WARNING, "more hashtags than the network allows or rewards"),
    "channel/http": (WARNING, "a link is not https"),
    "channel/placeholder": (ERROR, "a {placeholder} in a channel text that Gazette does not replace"),
    "channel/tracking": (WARNING, "a link carries tracking parameters (utm_…, fbclid…)"),
    # security: nothing a contributor writes may run script on the members' site
    "security/script": (ERROR, "a <script> element"),
    "security/event-handler": (ERROR, "an on…= event handler attribute"),
    "security/javascript-url": (ERROR, "a javascript:, vbscript: or data: URL"),
    "security/iframe": (ERROR, "an iframe from a host not in the allowed list"),
    "security/markup-in-field": (ERROR, "an HTML tag in the title, summary, subject or preheader"),
    "security/override": (ERROR, "a severity override or a waiver names a security rule: it has no effect"),
    "security/svg": (ERROR, "an SVG file with script, event handlers or external references: not published"),
    "security/attachment-type": (ERROR, "a file under content/ of a type the site never publishes (.html, .js…)"),
    "security/misplaced-item": (ERROR, "a Markdown file with date:, status: or draft: outside the exact kind folders"),
    "security/remote-image": (WARNING, "an image loaded from another site (a request from every reader: tracking)"),
    "security/include": (ERROR, "a --8<-- snippet line asking to paste a repository file into the page"),
    "security/contest-rules-path": (ERROR, "a contest's rules: path leaves the repository or is a symbolic link"),
    "security/channel-address": (ERROR, "a channel's instance: or webhook url: is not https://, or names an internal address: its token would go there"),
    "security/page-meta": (ERROR, "a page's title, description or author is not a text, or its template: is not a theme file name"),
    # relation: the community registry (community/) and recruitment actions
    "relation/handle-url": (WARNING, "a handle is given as a profile URL: read as the handle"),
    "relation/duplicate-person": (ERROR, "the same handle on the same network in two people's files"),
    "relation/unknown-person": (ERROR, "a place or an action names a person with no file in community/people/"),
    "relation/unknown-place": (ERROR, "an action names a place with no file in community/places/"),
    "relation/opted-out": (ERROR, "a planned action targets someone who opted out or declined"),
    "relation/paid-mention": (ERROR, "a paid collaboration's channel text lacks « Publicité » / « Collaboration commerciale »"),
    "relation/stale": (WARNING, "an engaged or ambassador relation untouched for 90 days"),
    "relation/data-file": (ERROR, "a spreadsheet or contacts file under community/: personal data on its way to git"),
    # contest: jeux concours
    "contest/timeline": (ERROR, "announce, opens, closes and draw are out of order"),
    "contest/mention-missing": (ERROR, "the règlement lacks a mention practice expects (warning before review)"),
    "contest/placeholder": (ERROR, "a template placeholder or a 0 € prize left (warning before review)"),
    "contest/mismatch": (ERROR, "the règlement and the front matter disagree (dates, prizes, age, countries)"),
    "contest/rules-missing": (ERROR, "rules: names a file that does not exist"),
    "contest/rules-place": (ERROR, "rules: names a file that is not a page of the site"),
    "contest/platform-statement": (ERROR, "a statement Facebook or Instagram requires is missing"),
    "contest/platform-mechanic": (ERROR, "a mechanic the platform forbids (share or tag to enter on Facebook)"),
    "contest/platform-linkedin": (WARNING, "a contest on a LinkedIn channel"),
    "contest/paid": (WARNING, "the mechanism mentions a purchase or payment: legal review"),
    "contest/winner-personal": (ERROR, "a winner shown with a full surname or a handle"),
    "contest/beacon-none": (WARNING, "beacon: none: the organiser could bias the draw"),
    "contest/commitment-missing": (ERROR, "a contest not yet closed without a commitment to its draw's seed"),
    "contest/overdue": (WARNING, "the draw date passed without a draw, or winners not announced a week after it"),
    "contest/retention": (WARNING, "entries kept past the retention period"),
    "contest/late-freeze": (ERROR, "the list was frozen after the draw date or the draw"),
    # a11y
    "a11y/image-alt": (ERROR, "an image has no alternative text"),
    # config: the planning frame itself
    "config/timezone": (ERROR, "the timezone is not a known IANA zone"),
    "config/slot": (ERROR, "a channel slot is not a weekday and a time"),
    "config/window": (ERROR, "a campaign, event or freeze ends before it starts"),
    "config/unknown-code": (WARNING, "a severity override names no problem code or family"),
    # listening: calendar/listening.yml and the sources gazette watch reads (reported per source)
    "listening/business-hours": (ERROR, "business_hours in calendar/listening.yml: a time that is not HH:MM, an unknown day, or closing before opening"),
    "listening/feed-url": (ERROR, "a feed in calendar/listening.yml or a place file is not an http(s) URL: it is not read"),
    "listening/feed-address": (ERROR, "a feed or the Mastodon instance is on an internal address (this machine, a private or link-local network…): never fetched"),
    "listening/no-keywords": (WARNING, "calendar/listening.yml names no brand keywords or products: watch keeps nothing"),
    "listening/feed-timeout": (ERROR, "a feed or timeline did not answer (completely) within fetch.timeout: retried next run"),
    "listening/feed-unreachable": (ERROR, "a feed's host cannot be reached (DNS, refused, connection lost): retried next run"),
    "listening/feed-http": (ERROR, "a feed or timeline answered an HTTP error (404, 500…): retried next run"),
    "listening/feed-redirect": (ERROR, "a feed redirects to another host (or too many times): not followed"),
    "listening/feed-too-large": (ERROR, "a response larger than fetch.max_bytes (default 5 MiB): not read"),
    "listening/feed-not-xml": (ERROR, "an HTML page where an RSS or Atom feed was expected"),
    "listening/feed-broken": (ERROR, "a response that is not a readable RSS or Atom feed: retried next run"),
    "listening/host-limit": (WARNING, "more feeds on one host than fetch.per_host allows in a run: the rest wait for the next run"),
    "listening/mastodon": (ERROR, "the Mastodon timelines cannot be read: a refused or missing token, a token_env outside GAZETTE_MASTODON_…, an answer that is not JSON"),
    # metrics: the imported engagement aggregates under metrics/ (written by gazette report import)
    "metrics/header": (ERROR, "a metrics file's header is not the one gazette report import writes"),
    "metrics/row": (ERROR, "a metrics row has a bad date, count or number of fields: it is left out of reports"),
    # export: rows of a network's export given to gazette report import
    "export/row": (ERROR, "an export row with a date or number that cannot be read: the row is skipped"),
    # site: the built site, crawled by gazette site check / asked by gazette site ping
    "site/broken-link": (ERROR, "a link to no page of the built site"),
    "site/missing-image": (ERROR, "an image the built site does not have"),
    "site/heavy-page": (WARNING, "a page heavier than the budget with its images"),
    "site/dead-link": (WARNING, "an external link that answers an error or nothing"),
    "site/unchecked-link": (WARNING, "an external link to an internal address, never asked"),
    "site/unreachable": (ERROR, "the deployed site does not answer"),
    "site/stale-build": (ERROR, "the deployed site serves another build than expected"),
    # subscriber: rows of the subscriber list ($GAZETTE_SUBSCRIBERS), reported at send time
    "subscriber/invalid": (ERROR, "an address that is not a valid e-mail address: the row is skipped"),
    "subscriber/line-break": (ERROR, "a name with a line break (it would forge mail headers): the row is skipped"),
    "subscriber/duplicate": (WARNING, "the same address (any case) twice: sent once"),
    "subscriber/smtputf8": (ERROR, "a non-ASCII address and a server without SMTPUTF8: not sent"),
}


class Problem:
    """One finding, pointing at a file and line, with a hint on what to do.

    A plain slotted class rather than a dataclass: it is imported on every
    start, and ``gazette check --changed-since`` must start fast.
    """

    __slots__ = ("code", "path", "line", "message", "hint", "severity")

    def __init__(self, code: str, path: str, line: int | None, message: str, hint: str = "",
                 severity: str = ""):
        if code not in CODES:
            raise ValueError(f"undocumented problem code {code!r}")
        self.code, self.path, self.line, self.message, self.hint = code, path, line, message, hint
        self.severity = severity or CODES[code][0]

    def _key(self) -> tuple:
        return (self.code, self.path, self.line, self.message, self.hint, self.severity)

    def __eq__(self, other) -> bool:
        return isinstance(other, Problem) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Problem({self.format()!r}, {self.severity})"

    def __reduce__(self):
        return (Problem, self._key())

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def format(self) -> str:
        text = f"{self.location}: {self.code} {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.code, self.message)


LOCKED_FAMILY = "security"  # what keeps members safe is never re-rated by the repository it protects


def is_locked(code: str) -> bool:
    return code.split("/")[0] == LOCKED_FAMILY


def apply_severity(problems, overrides: dict[str, str]) -> list[Problem]:
    """Re-rate problems by the repository's overrides; 'off' drops them. ``security/*``
    problems keep their severity whatever the overrides say."""
    if not overrides:
        return list(problems)
    rated = []
    for problem in problems:
        if is_locked(problem.code):
            rated.append(problem)
            continue
        level = overrides.get(problem.code) or overrides.get(problem.code.split("/")[0])
        if level == "off":
            continue
        if level and level != problem.severity:
            problem = Problem(problem.code, problem.path, problem.line, problem.message,
                              problem.hint, level)
        rated.append(problem)
    return rated


def count(problems) -> tuple[int, int]:
    errors = sum(1 for p in problems if p.severity == ERROR)
    return errors, sum(1 for p in problems if p.severity == WARNING)
