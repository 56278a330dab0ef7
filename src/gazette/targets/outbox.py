"""The default target: files in an outbox folder, so everything runs with no account.

Social posts and webhooks become JSON payloads, newsletters ``.eml`` files
built by the same message builder as the SMTP target (HTML and text parts,
same headers). File names derive from the delivery key: a second delivery of
the same key finds its file and delivers nothing (exactly once, even after a
crash between writing the file and recording the receipt).

Channel names and the ``outbox:`` setting come from the repository, which a
pull request can change: every path is checked to stay inside the outbox
folder, inside the repository, through no symbolic link.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ..i18n import _
from . import Delivery, TargetConfigError, register

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@register("outbox")
class Outbox:
    def __init__(self, root: Path, config: dict):
        self.root = Path(root).resolve()
        self.config = config
        chosen = os.environ.get("GAZETTE_OUTBOX")  # the environment is the operator's: trusted as given
        if chosen:
            self.folder = Path(os.path.abspath(chosen))
            self.base = self.folder.parent
            return
        folder = str(config.get("outbox") or "outbox")
        self.folder = Path(os.path.normpath(self.root / folder))
        self.base = self.root
        if not _inside(self.folder, self.root) or self.folder == self.root:
            raise TargetConfigError(_('outbox: {folder!r} in calendar/channels.yml must be a folder inside the '
                                      'repository')
                                        .format(folder=folder))

    def deliver(self, delivery: Delivery, now=None) -> dict:
        item = delivery.item
        channel_dir = self._channel_dir(delivery.channel)
        stem = f"{delivery.at:%Y%m%dT%H%M}-{item.slug}-{delivery.key[:12]}"
        if delivery.network == "newsletter":
            target = channel_dir / f"{stem}.eml"
            content = self._email(delivery, now)
        else:
            target = channel_dir / f"{stem}.json"
            content = json.dumps({
                "channel": delivery.channel, "network": delivery.network, "text": delivery.text,
                "title": item.title, "url_path": item.path, **self._links(delivery), "at": delivery.at.isoformat(),
                "idempotency_key": delivery.key,
            }, ensure_ascii=False, indent=2).encode("utf-8")
        if not target.exists():
            # A private temporary name: two publishers racing never share one; the
            # rename is atomic, so the file is either whole or absent.
            temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temp.write_bytes(content)
            os.replace(temp, target)
        return {"id": delivery.key[:12], "url": target.relative_to(self.base).as_posix()}

    def _links(self, delivery: Delivery) -> dict:
        """What a social post shows besides its text: the item's page and the image (the
        channel's own, else the item's cover), as absolute URLs where the site copies them."""
        from ..newsletter import absolute_url
        from ..siteurls import load_site_config

        from ..tracking import track_url

        site = load_site_config(self.root)
        links: dict = {"url": track_url(site.item_url(delivery.item), self._tracking(delivery), site)}
        image = (delivery.spec or {}).get("image") or delivery.item.meta.get("image")
        if isinstance(image, dict) and image.get("src"):
            links["image"] = {"url": absolute_url(str(image["src"]), delivery.item.path, site),
                              "alt": str(image.get("alt") or "")}
        return links

    def _tracking(self, delivery: Delivery) -> dict:
        """The UTM parameters of the page link, as the text's links get them (gazette.tracking)."""
        from ..load import load_frame
        from ..tracking import parameters

        if getattr(self, "_frame", None) is None:
            self._frame = load_frame(self.root)[0]  # read once per run: channels and actions
        return parameters(delivery.item, delivery.channel, self._frame, self.root)

    def _channel_dir(self, channel: str) -> Path:
        """outbox/<channel>/, created without following any symbolic link a contributor committed."""
        if not SAFE_NAME.fullmatch(channel):
            raise TargetConfigError(_('channel {channel!r}: an outbox channel name is lowercase letters, digits, - '
                                      'and _ (it becomes a folder name)')
                                        .format(channel=channel))
        folder = self.folder / channel
        current = self.base
        for part in folder.relative_to(self.base).parts:
            current = current / part
            if current.is_symlink():
                raise TargetConfigError(_('{current} is a symbolic link: the outbox never writes through one')
                                            .format(current=current))
            current.mkdir(exist_ok=True)
        return folder

    def _email(self, delivery: Delivery, now) -> bytes:
        """What subscribers would get, addressed to the list: same builder, same parts as SMTP."""
        from ..clock import now as clock_now
        from .message import build_message, message_id, sender_of
        from .smtp import render

        from ..unsubscribe import UnsubscribeError, secret_from_env, unsubscribe_token, unsubscribe_url

        unsubscribe = str(self.config.get("unsubscribe") or "https://example.org/desabonnement")
        to = str(self.config.get("to") or "abonnes@example.org")
        try:
            link = unsubscribe_url(unsubscribe, unsubscribe_token(to, secret_from_env()), delivery.item.slug)
        except UnsubscribeError:
            link = unsubscribe_url(unsubscribe, "0" * 32, delivery.item.slug)  # no secret: an inert example
        sender = sender_of(self.config)
        message = build_message(delivery, render(delivery, self.config, root=self.root), sender=sender,
                                to=to, unsubscribe=link, msg_id=message_id(delivery, sender=sender),
                                date=now or clock_now())
        return message.as_bytes()


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.normpath(path)).relative_to(root)
    except ValueError:
        return False
    return True
