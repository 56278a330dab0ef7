"""``gazette new``: a new item from a Jinja2 template, like Hugo's archetypes.

Templates are looked up in the repository's ``templates/new/<kind>.md.j2``
first, then in Gazette's own defaults, so a community can change its
scaffolds without forking.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from .i18n import N_, _, os_reason
from .load import FOLDER_OF_KIND, load_frame
from .slugs import slugify


class ScaffoldError(Exception):
    """Bad arguments for ``gazette new``."""


def _yaml_string(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: safe for any title.
    return json.dumps(value, ensure_ascii=False)


# Words YAML 1.1 reads as booleans or null: a key named "on" or "no" needs quotes.
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _yaml_name(value: str) -> str:
    """A key or reference, plain when that reads back as the same text, quoted otherwise."""
    import re

    if re.fullmatch(r"[a-z][a-z0-9_-]*", value) and value not in _YAML_WORDS:
        return value
    return _yaml_string(value)


def _pick(name: str, known, what: str, where: str) -> str:
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, list(known), n=1)
        hint = _("did you mean {name}?").format(name=repr(close[0])) if close else \
            _("known: {names}").format(names=", ".join(sorted(known)) or _("none"))
        raise ScaffoldError(_('unknown {what} {name!r} in {where} ({hint})')
                                .format(what=_(what), name=name, where=where, hint=hint))
    return name


def _free_slots(root: Path, frame, channels, after: datetime) -> dict:
    """The next free slot of each channel that has slots, so a new item lands on one."""
    if not any((frame.channels.get(c) or {}).get("slots") for c in channels):
        return {}
    from .load import load_repo
    from .plan import next_free_slot, publications

    pubs = [pub for item in load_repo(root).items for pub in publications(item)]
    slots = {}
    for channel in channels:
        moment = next_free_slot(frame, pubs, channel, after - timedelta(seconds=1))
        if moment is not None:
            slots[channel] = moment
    return slots


def new_item(root: Path, kind: str, title: str, now: datetime, *, date_text: str | None = None,
             campaign: str | None = None, channels=(), authors=(), slug: str | None = None,
             template: str | None = None, contest: dict | None = None) -> str:
    """Write the new item and return its repository-relative path; ``template`` names another
    scaffold of the same folders (``crisis``: a holding statement). ``contest`` (organizer,
    opens, closes, prizes as texts) fills a contest's règlement."""
    import jinja2

    from .clock import ClockError, parse_moment

    if not title.strip():
        raise ScaffoldError(_("the title is empty"))
    if template is not None and slugify(template) != template:  # a name, never a path
        raise ScaffoldError(_("--template {template!r}: give a template name such as crisis").format(template=template))
    frame, _found = load_frame(root)
    tz = frame.timezone or now.tzinfo
    if campaign:
        _pick(campaign, frame.campaigns, N_("campaign"), "calendar/campaigns/")
    for channel in channels:
        _pick(channel, frame.channels, N_("channel"), "calendar/channels.yml")
    for author in authors:
        _pick(author, frame.authors, N_("author"), "content/.authors.yml")
    if date_text:
        try:
            date = parse_moment(date_text, tz)
        except ClockError as error:
            raise ScaffoldError(_('--date: {error}').format(error=error)) from None
    else:
        try:
            date = (now.astimezone(tz) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        except OverflowError:
            raise ScaffoldError(_("--now is too close to the end of time for a date an hour later")) from None
    slots = _free_slots(root, frame, channels, date if date_text else now)
    if not date_text and channels and slots.get(channels[0]):
        date = slots[channels[0]]  # the first channel's next free slot
    slug = slug or slugify(title)
    if not slug or slugify(slug) != slug:
        raise ScaffoldError(_('cannot make a file name from {value!r}; pass --slug some-name')
                                .format(value=slug or title))

    relpath = f"content/{FOLDER_OF_KIND[kind]}/{date.year}/{slug}.md"
    target = root / relpath
    if target.exists():
        raise ScaffoldError(_('{relpath} already exists; choose another title or --slug').format(relpath=relpath))

    from jinja2.sandbox import SandboxedEnvironment

    from .safeloader import SafeFileLoader

    # The repository's templates come from pull requests: sandboxed, they cannot reach
    # Python internals (and through them os.environ, where publish keeps its secrets), and
    # loaded without following links (a link to /proc/self/environ would be read as text).
    loader = jinja2.ChoiceLoader([SafeFileLoader(root, "templates/new"),
                                  jinja2.FileSystemLoader(str(Path(__file__).parent / "templates" / "new"))])
    env = SandboxedEnvironment(loader=loader, keep_trailing_newline=True,
                               undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["yaml"] = _yaml_string
    env.filters["yaml_name"] = _yaml_name
    env.filters["iso"] = lambda moment: moment.isoformat(timespec="seconds")
    from .contests.scaffold import FILTERS, contest_values

    env.filters.update(FILTERS)
    values = contest_values(contest or {}, date, tz) if kind == "contest" else {}
    if contest and kind != "contest":
        raise ScaffoldError("--organizer, --opens, --closes and --prize are for a contest")
    try:
        scaffold = env.get_template(f"{template or kind}.md.j2")
        text = scaffold.render(
            title=title, date=date, campaign=campaign, channels={c: slots.get(c) for c in channels},
            authors=list(authors), timedelta=timedelta, slug=slug, **values,
        )
    except jinja2.TemplateSyntaxError as error:
        raise ScaffoldError(f"{error.filename or template_name(template or kind)}:{error.lineno}: {error.message}") from None
    except (jinja2.TemplateError, UnicodeDecodeError, OverflowError) as error:  # SecurityError is one
        raise ScaffoldError(_('template {kind}: {error}').format(kind=template_name(template or kind), error=error)) from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(_('{relpath} already exists (or is a broken link); choose another title or --slug')
                                .format(relpath=relpath)) from None
    except OSError as error:
        raise ScaffoldError(_('cannot write {relpath}: {value}')
                                .format(relpath=relpath, value=os_reason(error))) from None
    return relpath


def template_name(kind: str) -> str:
    return f"templates/new/{kind}.md.j2"
