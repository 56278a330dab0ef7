"""The one clock. Commands take ``now`` once, here, and pass it down.

``--now`` (or ``GAZETTE_NOW``) sets it, so tests and previews can ask
"what does the community look like on Friday?".
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone, tzinfo

from .i18n import _


class ClockError(ValueError):
    """A --now value that cannot be read."""


def parse_moment(text: str, default_tz=None) -> datetime:
    """Read an ISO 8601 date or date-time; naive values take ``default_tz`` (UTC if none).

    ``default_tz`` may be a function returning the zone: it is called only for naive values.
    """
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ClockError(
            _('{text!r} is not an ISO 8601 date-time; write e.g. 2026-12-05T09:00+01:00').format(text=text)
        ) from None
    if moment.tzinfo is None:
        zone = default_tz() if callable(default_tz) else default_tz
        moment = moment.replace(tzinfo=zone or timezone.utc)
    return moment


def now(value: str | None = None, default_tz=None) -> datetime:
    """The run's clock: ``value`` if given, else $GAZETTE_NOW, else the system clock."""
    value = value or os.environ.get("GAZETTE_NOW")
    if value:
        return parse_moment(value, default_tz)
    return datetime.now(timezone.utc)


def as_aware(value, tz: tzinfo) -> datetime:
    """A date or naive date-time placed in ``tz`` (used after a schema/date-naive warning)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    raise TypeError(value)


def shown(moment: datetime, zone: tzinfo | None = None) -> str:
    """A time as every command shows it to people: in the community's zone (when known),
    with the offset, so a reader never has to guess which zone a time is in."""
    local = moment.astimezone(zone) if zone is not None else moment
    offset = utc_offset(local)
    return f"{local:%Y-%m-%d %H:%M} {offset}" if offset else f"{local:%Y-%m-%d %H:%M}"


def utc_offset(moment: datetime) -> str:
    """The offset as ISO 8601 writes it ("+01:00"), empty for a naive time."""
    offset = moment.strftime("%z")
    return f"{offset[:3]}:{offset[3:5]}" if offset else ""
