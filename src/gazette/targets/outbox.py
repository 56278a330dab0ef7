"""The default target: files in an outbox folder, so everything runs with no account.

Social posts and webhooks become JSON payloads, newsletters ``.eml`` files.
File names derive from the delivery key: a second delivery of the same key
finds its file and delivers nothing (exactly once, even after a crash
between writing the file and recording the receipt).
"""

from __future__ import annotations

import json
import os
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from . import Delivery, register


@register("outbox")
class Outbox:
    def __init__(self, root: Path, config: dict):
        folder = config.get("outbox") or os.environ.get("GAZETTE_OUTBOX") or "outbox"
        self.folder = Path(root) / folder
        self.root, self.config = Path(root), config

    def deliver(self, delivery: Delivery) -> dict:
        item = delivery.item
        channel_dir = self.folder / delivery.channel
        channel_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{delivery.at:%Y%m%dT%H%M}-{item.slug}-{delivery.key[:12]}"
        if delivery.network == "newsletter":
            target = channel_dir / f"{stem}.eml"
            content = self._email(delivery).as_bytes()
        else:
            target = channel_dir / f"{stem}.json"
            content = json.dumps({
                "channel": delivery.channel, "network": delivery.network, "text": delivery.text,
                "title": item.title, "url_path": item.path, "at": delivery.at.isoformat(),
                "idempotency_key": delivery.key,
            }, ensure_ascii=False, indent=2).encode("utf-8")
        if not target.exists():
            # A private temporary name: two publishers racing never share one; the
            # rename is atomic, so the file is either whole or absent.
            temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temp.write_bytes(content)
            os.replace(temp, target)
        return {"id": delivery.key[:12], "url": str(target.relative_to(self.folder.parent))}

    def _email(self, delivery: Delivery) -> EmailMessage:
        meta = delivery.item.meta
        message = EmailMessage()
        message["Subject"] = meta.get("subject") or delivery.item.title
        message["From"] = delivery.spec.get("from") or "communaute@example.org"
        message["To"] = delivery.spec.get("to") or "abonnes@example.org"
        message["Date"] = format_datetime(delivery.at)
        message["Message-ID"] = f"<{delivery.key}@gazette>"
        from .smtp import render

        html, text = render(delivery, self.config, root=self.root)
        unsubscribe = self.config.get("unsubscribe") or "https://example.org/desabonnement"
        message.set_content(text.replace("{{UNSUBSCRIBE}}", unsubscribe))
        message.add_alternative(html.replace("{{UNSUBSCRIBE}}", unsubscribe), subtype="html")
        return message
