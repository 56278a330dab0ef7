"""Listening: what the web says about the community, triaged, answered, and watched for bad buzz.

Stages, each a module over plain data:

- :mod:`.config`   ``calendar/listening.yml`` read and checked like the rest of the frame;
- :mod:`.fetch`    feeds (RSS/Atom through feedparser) and Mastodon timelines, politely;
- :mod:`.match`    keyword matching, one pass over accent- and case-folded text;
- :mod:`.triage`   question / criticism / praise / other, by transparent rules;
- :mod:`.store`    mentions in the state database (personal data: never in git);
- :mod:`.watch`    one run: lock, fetch, match, triage, store, purge, alert;
- :mod:`.stats`    KPIs for ``gazette report`` (answer times in business hours…);
- :mod:`.buzz`     the bad-buzz alert;
- :mod:`.records`  moderation follow-through (flagged messages, actions, offenders).

``forget(connection, identifier)`` erases a person's mentions and moderation records.
"""

from __future__ import annotations


def forget(connection, identifier: str) -> list[str]:
    """What ``gazette forget`` calls: erase every mention and moderation record of a person."""
    from .store import forget as forget_person

    return forget_person(connection, identifier)
