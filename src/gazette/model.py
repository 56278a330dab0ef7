"""Front matter models, declared once.

Like MkDocs' ``config_options``, each key is declared with its type once;
the same declaration validates front matter into Problems (with lines and
"did you mean") and produces the JSON Schema that ``gazette schema`` prints
for editors. Plain classes, not pydantic: checking 10,000 files must cost
little more than parsing them, and ``gazette check`` must start fast.
"""

from __future__ import annotations


from datetime import date, datetime, tzinfo
from .lazypattern import lazy
from .i18n import N_, _, type_name

from .problems import Problem

STATUSES = ("idea", "draft", "review", "approved", "published", "cancelled")
KINDS = ("post", "newsletter", "contest")
SEPARATORS = lazy(r"[,;]")  # how people write several values on one line
NETWORKS = ("site", "newsletter", "mastodon", "linkedin", "x", "bluesky", "instagram",
            "facebook", "threads", "tiktok", "pinterest", "webhook")


class Context:
    """What validation needs besides the value: where to report, the default zone."""

    __slots__ = ("path", "lines", "_tz", "problems", "sources")

    def __init__(self, path: str, lines: dict, tz):
        self.path, self.lines, self._tz = path, lines, tz
        self.problems: list[Problem] = []
        # the text as written of values YAML typed (yamlsafe.KeyLines): "1.10", not 1.1
        self.sources: dict = getattr(lines, "sources", {})

    @property
    def tz(self) -> tzinfo | None:
        """The zone for naive dates; may be given as a function, so it is looked up only if needed."""
        return self._tz() if callable(self._tz) else self._tz

    def line(self, key: tuple) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return min(self.lines.values(), default=1)

    def report(self, code: str, key: tuple, message: str, hint: str = "", severity: str = ""):
        self.problems.append(Problem(code, self.path, self.line(key), message, hint, severity))


def dotted(key: tuple) -> str:
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# -- value types -------------------------------------------------------------

class Type:
    json: dict = {}

    def check(self, value, key: tuple, ctx: Context):
        """Return the normalized value, or report and return None."""
        return value

    def schema(self) -> dict:
        return dict(self.json)

    def wrong(self, value, key, ctx, expected: str, hint: str):
        ctx.report("schema/type", key,
                   _("{key} must be {expected}, not {type} {value}").format(
                       key=dotted(key), expected=_(expected), type=type_name(value), value=f"{value!r:.60}"),
                   _(hint))


class Text(Type):
    json = {"type": "string"}

    def __init__(self, nonempty: bool = False):
        self.nonempty = nonempty

    def check(self, value, key, ctx):
        if value.__class__ is str and (not self.nonempty or (value and not value.isspace())):
            return value  # nearly every text: the checks below in one test (isspace copies nothing)
        if value is None or isinstance(value, (list, dict)):
            return self.wrong(value, key, ctx, N_("a text"), N_('put it in quotes: "…"'))
        if not isinstance(value, str):
            value = self.typed_scalar(value, key, ctx)
        if self.nonempty and not value.strip():
            ctx.report("schema/empty", key, _("{key} is empty").format(key=dotted(key)),
                       _("write something or remove the key"))
            return None
        return value

    @staticmethod
    def typed_scalar(value, key, ctx) -> str:
        """A number, boolean or date where a text was meant: keep what was written
        (1.10, not 1.1; yes, not True) and say how to quote it."""
        written = ctx.sources.get(key)
        if written is None:
            written = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
        kind = _({bool: N_("a boolean"), int: N_("a number"), float: N_("a number")}.get(type(value), N_("a date")))
        name = key[-1] if key and isinstance(key[-1], str) else None
        quoted = '"' + written.replace("\\", "\\\\").replace('"', '\\"') + '"'
        ctx.report("schema/type", key,
                   _("{key} is meant as text but YAML reads {written} as {kind}").format(
                       key=dotted(key), written=written, kind=kind),
                   _("put it in quotes: {name}: {quoted}").format(name=name, quoted=quoted) if name
                   else _("put it in quotes: {quoted}").format(quoted=quoted),
                   severity="warning")
        return written


class Integer(Type):
    json_type, python_types = "integer", (int,)
    expected, example = N_("a whole number"), N_("write digits only, e.g. 3")

    def __init__(self, minimum: int | None = None):
        self.minimum = minimum

    def schema(self):
        out = {"type": self.json_type}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        return out

    def check(self, value, key, ctx):
        if isinstance(value, bool) or not isinstance(value, self.python_types):
            return self.wrong(value, key, ctx, self.expected, self.example)
        if self.minimum is not None and value < self.minimum:
            ctx.report("schema/range", key, _("{key} must be at least {minimum}").format(
                key=dotted(key), minimum=self.minimum), _("use {minimum} or more").format(minimum=self.minimum))
            return None
        return value


class Number(Integer):
    json_type, python_types = "number", (int, float)
    expected, example = N_("a number"), N_("write digits only, e.g. 89 or 12.5")


class Boolean(Type):
    json = {"type": "boolean"}

    def check(self, value, key, ctx):
        if isinstance(value, bool):
            return value
        return self.wrong(value, key, ctx, N_("true or false"), N_("write true or false, without quotes"))


class Slug(Type):
    """The last part of an item's URL (Material's ``slug``): it must stay inside the
    item's folder, so only what a file name may be."""

    json = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}
    PATTERN = lazy(json["pattern"])

    def check(self, value, key, ctx):
        if isinstance(value, str) and self.PATTERN.match(value):
            return value
        from .slugs import slugify

        suggestion = slugify(str(value)) or "a-short-name"
        ctx.report("schema/slug", key, _("{key} {value} is not a slug (lowercase ASCII letters, digits, hyphens)")
                   .format(key=dotted(key), value=f"{str(value)!r:.60}"),
                   _("write slug: {suggestion}").format(suggestion=suggestion))
        return None


class Loose(Type):
    """Any YAML value, kept as is (Material's ``links`` are nested lists and mappings
    of titles and paths; Gazette passes them through to the theme)."""

    def __init__(self, kind: type, expected: str, hint: str):
        self.kind, self.expected, self.hint = kind, expected, hint
        self.json = {"type": {list: "array", dict: "object"}.get(kind, "string")}

    def check(self, value, key, ctx):
        return value if isinstance(value, self.kind) else self.wrong(value, key, ctx, self.expected, self.hint)


class Choice(Type):
    def __init__(self, choices: tuple[str, ...]):
        self.choices = choices

    def schema(self):
        return {"type": "string", "enum": list(self.choices)}

    def check(self, value, key, ctx):
        if value in self.choices:
            return value
        import difflib  # only for a wrong value: ~2 ms of start-up otherwise

        close = difflib.get_close_matches(str(value), self.choices, n=1)
        hint = _("did you mean {name}?").format(name=repr(close[0])) if close else \
            _("one of: {choices}").format(choices=", ".join(self.choices))
        ctx.report("schema/choice", key, _("{key} is {value}, not one of the allowed values").format(
            key=dotted(key), value=repr(value)), hint)
        return None


class Severity(Choice):
    def __init__(self):
        super().__init__(("error", "warning", "off"))

    def check(self, value, key, ctx):
        # YAML 1.1 reads a bare `off` as false; that is what the writer meant.
        return "off" if value is False else super().check(value, key, ctx)


class Moment(Type):
    """An aware date-time. Naive values take the repository's timezone with a warning."""

    json = {"type": "string", "format": "date-time"}

    def check(self, value, key, ctx):
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                ctx.report("schema/date-invalid", key,
                           _("{key} {value} is not a date-time").format(key=dotted(key), value=repr(value)),
                           _("write e.g. 2026-10-05T09:00:00+02:00"))
                return None
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                return value
        elif isinstance(value, date):
            value = datetime(value.year, value.month, value.day)
        else:
            return self.wrong(value, key, ctx, N_("a date-time"), N_("write e.g. 2026-10-05T09:00:00+02:00"))
        example = value.strftime("%Y-%m-%dT%H:%M:%S") + "+01:00"
        if ctx.tz is None:
            ctx.report("schema/date-naive", key, _("{key} has no timezone").format(key=dotted(key)),
                       _("add the offset, e.g. {example}, or set timezone: in calendar/channels.yml").format(
                           example=example))
            return None
        ctx.report("schema/date-naive", key,
                   _("{key} has no timezone; read as {zone}").format(key=dotted(key), zone=ctx.tz),
                   _("add the offset, e.g. {example}").format(example=example), severity="warning")
        return value.replace(tzinfo=ctx.tz)


class CreatedMoment(Moment):
    """An item's date: a date-time, or Material's ``{created, updated}`` mapping
    (which ``material_blog`` flattens before validation; editors see both forms)."""

    def schema(self):
        moment = dict(Moment.json)
        return {"oneOf": [moment, {"type": "object", "required": ["created"], "additionalProperties": False,
                                   "properties": {"created": moment, "updated": moment}}]}


class ListOf(Type):
    def __init__(self, item: Type, single_ok: bool = True):
        self.item, self.single_ok = item, single_ok

    def schema(self):
        return {"type": "array", "items": self.item.schema()}

    def check(self, value, key, ctx):
        if not isinstance(value, list):
            if self.single_ok and isinstance(value, str) and not SEPARATORS.search(value):
                value = [value]  # `tags: photo` is what people mean by a one-item list
            elif isinstance(value, str):  # `tags: vélo, réparation` is one text to YAML
                parts = [p.strip() for p in SEPARATORS.split(value) if p.strip()]
                name = key[-1] if key and isinstance(key[-1], str) else "list"
                ctx.report("schema/type", key,
                           _("{key} is one text, {value}, where a list is expected").format(
                               key=dotted(key), value=f"{value!r:.60}"),
                           _("write {name}: [{items}] or one '- item' per line").format(
                               name=name, items=", ".join(parts)))
                return None
            else:
                return self.wrong(value, key, ctx, N_("a list"), N_("write [a, b] or one '- item' per line"))
        item_type = self.item
        if item_type.__class__ is Text and all(
                v.__class__ is str and (not item_type.nonempty or (v and not v.isspace())) for v in value):
            return list(value)  # a list of texts: what the loop below would build, without a call each
        out = []
        for index, item in enumerate(value):
            checked = self.item.check(item, key + (index,), ctx)
            if checked is not None:
                out.append(checked)
        return out


class Object(Type):
    """A mapping with declared keys; unknown keys are warnings with "did you mean"."""

    def __init__(self, fields: dict[str, "Field"], doc: str = "", adapt=None):
        self.fields, self.doc = fields, doc
        self.adapt = adapt  # (data, ctx) -> data: other tools' spellings of the same keys
        self.required = [(name, spec) for name, spec in fields.items() if spec.required]

    def schema(self):
        props = {}
        for name, f in self.fields.items():
            props[name] = f.type.schema()
            if f.doc:
                props[name]["description"] = f.doc
        out = {"type": "object", "properties": props, "additionalProperties": False}
        required = [n for n, f in self.fields.items() if f.required]
        if required:
            out["required"] = required
        if self.doc:
            out["description"] = self.doc
        return out

    def check(self, value, key, ctx):
        if not isinstance(value, dict):
            return self.wrong(value, key, ctx, N_("a mapping of keys"), N_("write key: value lines, indented"))
        out = {}
        fields = self.fields
        for name, raw in value.items():
            spec = fields.get(name)
            if spec is not None:
                # The usual values, answered as their type's check would, without the call:
                # a text where a text is expected, an aware date-time where a moment is.
                kind = spec.type.__class__
                if raw.__class__ is str and kind is Text and (raw and not raw.isspace() or not spec.type.nonempty):
                    out[name] = raw
                    continue
                if raw.__class__ is datetime and raw.tzinfo is not None and (kind is Moment or kind is CreatedMoment):
                    out[name] = raw
                    continue
            if spec is None:
                import difflib

                close = difflib.get_close_matches(str(name), list(self.fields), n=1)
                hint = _("did you mean {name}?").format(name=repr(close[0])) if close else \
                    _("known keys: {keys}").format(keys=", ".join(self.fields))
                ctx.report("schema/unknown-key", key + (name,),
                           _("unknown key {key}").format(key=repr(dotted(key + (name,)))), hint)
                out[name] = raw
                continue
            if raw is None and not spec.required:
                continue
            checked = spec.type.check(raw, key + (name,), ctx)
            if checked is not None:
                out[name] = checked
        for name, spec in self.required:
            if out.get(name) is None and name not in value:
                ctx.report("schema/required", key, _("{key} is required").format(key=repr(dotted(key + (name,)))),
                           _(spec.hint) if spec.hint else _("add {name}: …").format(name=name)
                           + (f" ({_(spec.doc)})" if spec.doc else ""))
        return out


class MapOf(Type):
    """A mapping from free names (channels, receipts) to one value type."""

    def __init__(self, value: Type):
        self.value = value

    def schema(self):
        return {"type": "object", "additionalProperties": self.value.schema()}

    def check(self, value, key, ctx):
        if not isinstance(value, dict):
            return self.wrong(value, key, ctx, N_("a mapping of names"), N_("write name: {…} lines, indented"))
        out = {}
        for name, raw in value.items():
            checked = self.value.check({} if raw is None else raw, key + (name,), ctx)
            if checked is not None:
                out[str(name)] = checked
        return out


class Field:
    __slots__ = ("type", "required", "doc", "hint")

    def __init__(self, type: Type, required: bool = False, doc: str = "", hint: str = ""):
        self.type, self.required, self.doc, self.hint = type, required, doc, hint


# -- the models ---------------------------------------------------------------

IMAGE = Object({
    "src": Field(Text(nonempty=True), True, "path relative to the item, e.g. cover.jpg"),
    "alt": Field(Text(), False, "alternative text read by screen readers"),
})

CHANNEL_POST = Object({
    "text": Field(Text(), doc="the text posted on this channel"),
    "at": Field(Moment(), doc="when to post; defaults to the item's date"),
    "image": Field(IMAGE),
    "edition": Field(Integer(1), doc="raise it to send a corrected item again on purpose (default 1)"),
}, doc="what to publish on one channel of calendar/channels.yml")

# The counts a newsletter receipt records, in the order written: the SMTP target builds its
# receipt from this list, so the schema never lags behind what it writes.
NEWSLETTER_COUNTS = ("recipients", "refused", "given_up", "suppressed", "invalid", "list_size")

RECEIPT = Object({
    "at": Field(Moment()), "commit": Field(Text()), "id": Field(Text()),
    "url": Field(Text()), "message_id": Field(Text()), "deferred": Field(Integer(0)), "by": Field(Text()),
    **{name: Field(Integer(0)) for name in NEWSLETTER_COUNTS},
}, doc="written by gazette publish (and gazette published, for manual channels) only")

COMMON: dict[str, Field] = {
    "title": Field(Text(nonempty=True), True, "the title members read"),
    "date": Field(CreatedMoment(), True, "publication date-time with offset",
                  hint="add date: 2026-10-05T09:00:00+02:00"),
    "status": Field(Choice(STATUSES), doc="workflow state; only approved and published are public"),
    "authors": Field(ListOf(Text(nonempty=True)), doc="keys of content/.authors.yml"),
    "categories": Field(ListOf(Text(nonempty=True))),
    "tags": Field(ListOf(Text(nonempty=True))),
    "campaign": Field(Text(nonempty=True), doc="a file name in calendar/campaigns/"),
    "action": Field(Text(nonempty=True), doc="a recruitment action: a file name in calendar/actions/"),
    "collaboration": Field(Boolean(), doc="a paid collaboration: every channel text says « Publicité »"),
    "summary": Field(Text(), doc="one or two sentences for archives, feeds and previews"),
    "description": Field(Text(), doc="page description for search engines"),
    "updated": Field(Moment()),
    "image": Field(IMAGE, doc="cover image"),
    "channels": Field(MapOf(CHANNEL_POST), doc="where to publish, keyed by channel name"),
    "published": Field(MapOf(RECEIPT), doc="receipts written by gazette publish; do not edit"),
    # Material for MkDocs' blog keys, understood in place so a Material blog moves in as is
    "draft": Field(Boolean(), doc="Material's draft flag: true is status: draft unless a status is given"),
    "slug": Field(Slug(), doc="the last part of the URL, instead of the file name"),
    "links": Field(Loose(list, N_("a list"), N_("write one '- path.md' or '- Title: path.md' per line")),
                   doc="related links shown beside the post (Material)"),
    "readtime": Field(Integer(1), doc="reading time in minutes, instead of the computed one"),
    "pin": Field(Boolean(), doc="pin the post to the top of the blog index (Material)"),
    # Material's page keys its own blog posts carry: passed to the theme as they are
    "social": Field(Loose(dict, N_("a mapping"), N_("write key: value lines, indented")),
                    doc="social card settings for this page (Material's social plugin)"),
    "hide": Field(ListOf(Text(nonempty=True)), doc="parts of the page Material hides: navigation, toc, footer"),
    "search": Field(Loose(dict, N_("a mapping"), N_("write exclude: true, indented")),
                    doc="search settings for this page (Material), e.g. {exclude: true}"),
    "comments": Field(Boolean(), doc="show the comment system on this page (Material)"),
    "allow": Field(ListOf(Object({
        "rule": Field(Text(nonempty=True), True, "a problem code (netiquette/insult) or family"),
        "reason": Field(Text(nonempty=True), True, "why, shown in the review: no silent waivers"),
    }), single_ok=False), doc="waive a rule for this item, with a reason"),
}

NEWSLETTER = {
    **COMMON,
    "subject": Field(Text(nonempty=True), True, "e-mail subject line"),
    "preheader": Field(Text(), doc="preview text shown after the subject"),
    "audience": Field(Text(nonempty=True), doc="who receives it, e.g. tous, membres"),
}

PRIZE = Object({
    "name": Field(Text(nonempty=True), True),
    "quantity": Field(Integer(1), True),
    "value": Field(Number(0), True, "value in euros (TTC)"),
})

CONTEST = {
    **COMMON,
    "opens": Field(Moment(), True, "when participation opens"),
    "closes": Field(Moment(), True, "when participation closes"),
    "draw": Field(Moment(), doc="when winners are drawn"),
    "prizes": Field(ListOf(PRIZE, single_ok=False), True, "what can be won, with value"),
    "eligibility": Field(Object({
        "min_age": Field(Integer(0)),
        "countries": Field(ListOf(Text(nonempty=True))),
        "excluded": Field(ListOf(Text(nonempty=True)), doc="handles or e-mails that may not win (staff…)"),
    })),
    "organizer": Field(Text(nonempty=True), True, "legal identity of the organizer"),
    "mechanism": Field(Text(nonempty=True), doc="how to take part and how winners are chosen"),
    "rules": Field(Text(nonempty=True), doc="'inline' (in the body) or a path to the règlement"),
    "winners": Field(ListOf(Text(nonempty=True)), doc="anonymized, after the draw"),
    # the verifiable draw (docs/contests.md): written by gazette contest, except beacon and retention
    "beacon": Field(Text(nonempty=True), doc="the public randomness named in advance (a drand round…), or none"),
    "commitment": Field(Text(nonempty=True), doc="sha256 of the draw's secret seed (gazette contest commit)"),
    "entries": Field(Object({
        "count": Field(Integer(0)), "eligible": Field(Integer(0)), "digest": Field(Text()),
        "frozen": Field(Moment()),
    }), doc="summary of the entries kept in the state folder (gazette contest entries/close)"),
    "draw_proof": Field(Object({
        "seed": Field(Text()), "beacon": Field(Text()), "digest": Field(Text()), "count": Field(Integer(0)),
        "winners": Field(Integer(0)), "ranking": Field(ListOf(Text(nonempty=True))), "at": Field(Moment()),
    }), doc="the draw's proof (gazette contest draw); anyone re-runs it with gazette contest verify"),
    "retention": Field(Integer(1), doc="days after closing the entries are kept, as the règlement says"),
    "notified": Field(Object({"at": Field(Moment()), "deadline": Field(Moment())}),
                      doc="when winners were told and until when they may answer (gazette contest notify)"),
    "replaced": Field(ListOf(Object({
        "rank": Field(Integer(1)), "by": Field(Integer(1)), "reason": Field(Text(nonempty=True)),
        "at": Field(Moment()), "deadline": Field(Moment()),
    })), doc="winners replaced by alternates (gazette contest replace; deadline: when notified)"),
    "purged": Field(Moment(), doc="when the entries were deleted (gazette contest purge)"),
    "purge_reason": Field(Text(nonempty=True), doc="why they were deleted early (gazette contest purge --force)"),
}


def material_blog(data: dict, ctx: Context) -> dict:
    """Material's blog spellings of Gazette's keys: ``date: {created, updated}`` is
    ``date`` plus ``updated``, ``draft: true`` is ``status: draft`` (a ``status``
    given beside it wins; ``draft: false`` is ``approved``: the merge approved it)."""
    date_value = data.get("date")
    if isinstance(date_value, dict):
        data = dict(data)
        lines = ctx.lines
        for name in date_value:
            if name not in ("created", "updated"):
                ctx.report("schema/unknown-key", ("date", name), _("unknown key date.{name}").format(name=name),
                           _("Material's date takes created and updated"))
        data["date"] = date_value.get("created")
        if ("date", "created") in lines:
            lines[("date",)] = lines[("date", "created")]
        if data["date"] is None:
            ctx.report("schema/required", ("date",), _("'date.created' is required"),
                       _("add created: 2026-10-05T09:00:00+02:00 under date:"))
        if date_value.get("updated") is not None and "updated" not in data:
            data["updated"] = date_value["updated"]
            lines[("updated",)] = lines.get(("date", "updated"), lines.get(("date",)))
        for key in (("date", "created"), ("date", "updated")):
            moved = ("date",) if key[1] == "created" else ("updated",)
            if key in ctx.sources:
                ctx.sources[moved] = ctx.sources[key]
    if "draft" in data and "status" not in data and isinstance(data["draft"], bool):
        data = {**data, "status": "draft" if data["draft"] else "approved"}
        if ("draft",) in ctx.lines:
            ctx.lines[("status",)] = ctx.lines[("draft",)]
    return data


def first_heading(body: str) -> tuple[str, int, int] | None:
    """Material takes a post's title from its first "# Heading" when the front matter
    has none: (title, line in the body, offset just after the heading line), if the
    body opens with one."""
    match = HEADING.match(body)
    if match is None:
        return None
    title = match.group(2).strip().rstrip("#").strip()
    if not title:
        return None
    return title, body.count("\n", 0, match.start(2)) + 1, match.end()


HEADING = lazy(r"(\s*\n)?[ ]{0,3}# +(.+?)[ \t]*(?:\r?\n|$)")

MODELS: dict[str, Object] = {
    "post": Object(COMMON, adapt=material_blog),
    "newsletter": Object(NEWSLETTER, adapt=material_blog),
    "contest": Object(CONTEST, adapt=material_blog),
}

UTM = Object({
    "source": Field(Text(nonempty=True)), "medium": Field(Text(nonempty=True)),
    "campaign": Field(Text(nonempty=True)), "content": Field(Text(nonempty=True)),
    "id": Field(Text(nonempty=True), doc="GA4's utm_id"),
    "source_platform": Field(Text(nonempty=True), doc="GA4's utm_source_platform"),
}, doc="UTM parameters added to links to the community's own site at delivery")

# The planning frame, validated by the same machinery.
CHANNEL = Object({
    "network": Field(Choice(NETWORKS), True),
    "role": Field(Text()),
    "account": Field(Text()),
    "owner": Field(Text(nonempty=True), doc="who posts on this channel, a person's key: gazette --workspace "
                                             "reports their clashes across communities"),
    "profile": Field(Text(), doc="public profile URL the site links to (https://…); derived from account for mastodon and instagram"),
    "slots": Field(ListOf(Text(nonempty=True)), doc='e.g. "Tue 12:30"'),
    "cadence": Field(Object({"posts": Field(Integer(1), True),
                             "per": Field(Choice(("day", "week", "month")), True)})),
    "limit": Field(Integer(1), doc="maximum text length"),
    "target": Field(Choice(("outbox", "smtp", "mastodon", "webhook", "manual")),
                     doc="delivery target (default outbox); manual: a person posts, then runs gazette published"),
    "timezone": Field(Text(), doc="the account's own IANA zone, for slots"),
    "engagement": Field(Choice(("impressions", "reach", "followers")),
                        doc="what gazette report divides interactions by for this channel (default impressions)"),
    # target settings; secrets are never here, only the names of environment variables
    "outbox": Field(Text(), doc="outbox folder (outbox target)"),
    "url": Field(Text(), doc="webhook URL"),
    "secret_env": Field(Text(), doc="environment variable holding the webhook's HMAC secret; must start with GAZETTE_WEBHOOK_"),
    "instance": Field(Text(), doc="Mastodon instance, https://…"),
    "token_env": Field(Text(), doc="environment variable holding the Mastodon access token; must start with GAZETTE_MASTODON_"),
    "from": Field(Text(), doc="newsletter sender"),
    "unsubscribe": Field(Text(), doc="newsletter unsubscribe URL (one-click, RFC 8058)"),
    "batch": Field(Integer(1), doc="newsletter recipients per SMTP batch"),
    "community": Field(Text(), doc="community name shown in the newsletter footer"),
    "tracking": Field(Boolean(), doc="false: links to the site go out without UTM parameters (default true)"),
    "utm": Field(UTM, doc="this channel's UTM values (GA4: id, source_platform), over the defaults"),
})

CHANNELS_FILE = Object({
    "timezone": Field(Text(nonempty=True), doc="IANA zone for naive dates, e.g. Europe/Paris"),
    "channels": Field(MapOf(CHANNEL)),
    "gazette": Field(Object({"severity": Field(MapOf(Severity()),
                                               doc="problem code or family -> error|warning|off"),
                             "language": Field(Choice(("en", "fr")),
                                               doc="language of Gazette's messages (after --lang)")})),
})

# What a campaign or action target may measure (gazette report reads them).
TARGET_METRICS = ("followers", "subscribers", "signups", "entries", "engagement", "mentions")
TARGET = Object({
    "metric": Field(Choice(TARGET_METRICS), True, "followers, subscribers, signups, entries, engagement or mentions"),
    "value": Field(Number(0), True, "the number to reach in the campaign's window"),
})

CAMPAIGN = Object({
    "name": Field(Text(nonempty=True), True),
    "goal": Field(Text()),
    "objective": Field(Choice(("commercial", "news", "community"))),
    "from": Field(Moment(), True),
    "to": Field(Moment(), True),
    "channels": Field(ListOf(Text(nonempty=True))),
    "target": Field(TARGET, doc="a measurable goal the report follows (goal: stays free text)"),
})

EVENT = Object({
    "name": Field(Text(nonempty=True), True),
    "kind": Field(Choice(("online", "offline", "launch", "holiday"))),
    "start": Field(Moment(), True),
    "end": Field(Moment()),
    "place": Field(Text()),
    "url": Field(Text()),
    "summary": Field(Text()),
})

FREEZE = Object({
    "reason": Field(Text(nonempty=True), True, "why everything stops (shown in gazette status)"),
    "who": Field(Text(), doc="who decided the freeze"),
    "from": Field(Moment(), True, "when the freeze starts"),
    "until": Field(Moment(), doc="when it ends by itself; none: until gazette unfreeze"),
    "channels": Field(ListOf(Text(nonempty=True)), doc="only these channels (default: all)"),
})

ACTION_KINDS = ("partnership", "referral", "emailing", "event", "ambassador", "contest")
ACTION = Object({
    "name": Field(Text(nonempty=True), True),
    "kind": Field(Choice(ACTION_KINDS), True),
    "targets": Field(Object({
        "people": Field(ListOf(Text(nonempty=True)), doc="keys of community/people/"),
        "places": Field(ListOf(Text(nonempty=True)), doc="slugs of community/places/"),
    })),
    "campaign": Field(Text(nonempty=True), doc="a file name in calendar/campaigns/"),
    "from": Field(Moment(), True),
    "to": Field(Moment(), True),
    "target": Field(Object({"metric": Field(Text(nonempty=True), True), "value": Field(Number(0), True)}),
                    doc="the goal, e.g. {metric: signups, value: 200}"),
    "paid": Field(Boolean(), doc="a paid collaboration: items of this action say « Publicité »"),
    "utm": Field(UTM),
    "referral_code": Field(Text(nonempty=True)),
    "summary": Field(Text()),
})

AUTHOR = Object({
    "name": Field(Text(nonempty=True), True),
    "description": Field(Text()),
    "avatar": Field(Text()),
    "slug": Field(Text()),
    "url": Field(Text()),
})
AUTHORS_FILE = Object({"authors": Field(MapOf(AUTHOR), True)})


def validate(model: Object, data, path: str, lines: dict, tz) -> tuple[dict, list[Problem]]:
    ctx = Context(path, lines, tz)
    if model.adapt is not None and isinstance(data, dict):
        data = model.adapt(data, ctx)
    out = model.check(data, (), ctx)
    return out or {}, ctx.problems


# Every file a contributor writes by hand: its schema's name and where it lives (an editor's
# YAML extension maps a schema to these globs; items' front matter is the Markdown's head).
SCHEMA_FILES = {
    "post": "content/posts/**/*.md", "newsletter": "content/newsletters/**/*.md",
    "contest": "content/contests/**/*.md", "channels": "calendar/channels.yml",
    "campaign": "calendar/campaigns/*.yml", "event": "calendar/events/*.yml",
    "freeze": "calendar/freezes/*.yml", "action": "calendar/actions/*.yml",
    "authors": "content/.authors.yml", "person": "community/people/*.yml",
    "place": "community/places/*.yml",
}


def _file_model(name: str) -> Object:
    if name in MODELS:
        return MODELS[name]
    if name in ("person", "place"):
        from .community.registry import PERSON, PLACE  # the registry imports this module

        return PERSON if name == "person" else PLACE
    return {"channels": CHANNELS_FILE, "campaign": CAMPAIGN, "event": EVENT, "freeze": FREEZE,
            "action": ACTION, "authors": AUTHORS_FILE}[name]


def json_schema(name: str) -> dict:
    """The JSON Schema of one of :data:`SCHEMA_FILES`."""
    schema = _file_model(name).schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = (f"Gazette {name} front matter" if name in MODELS
                       else f"Gazette {name} file ({SCHEMA_FILES[name]})")
    return schema
