"""Targets that POST over HTTP: a generic webhook and Mastodon's statuses API.

Both send an ``Idempotency-Key`` derived from (item, channel, revision), so a
retry after a timeout or a 5xx is one post, not two. Secrets come only from
the environment variable the channel names (``token_env``/``secret_env``),
never from the repository, receipts or logs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request

from . import Delivery, DeliveryError, register

RETRIES = 3


def _secret(config: dict, key: str, default_env: str) -> str | None:
    return os.environ.get(config.get(key) or default_env)


def post_json(url: str, payload: dict, headers: dict, attempts: int = RETRIES) -> dict:
    """POST with retries on network errors, 429 and 5xx; 4xx is final."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    last = ""
    for attempt in range(attempts):
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                text = response.read().decode("utf-8", "replace")
                return json.loads(text) if text.strip().startswith("{") else {}
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}"
            if error.code < 500 and error.code != 429:
                raise DeliveryError(f"{url}: {last} (not retried)", retry=False) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            last = str(getattr(error, "reason", error))
        time.sleep(min(0.2 * 2 ** attempt, 2.0))
    raise DeliveryError(f"{url}: {last} after {attempts} attempts")


@register("webhook")
class Webhook:
    """POST a JSON payload, signed: ``X-Gazette-Signature: sha256=<hex HMAC of the body>``."""

    def __init__(self, root, config: dict):
        self.url = config.get("url")
        if not self.url:
            raise DeliveryError("a webhook channel needs url: in calendar/channels.yml", retry=False)
        self.secret = _secret(config, "secret_env", "GAZETTE_WEBHOOK_SECRET")

    def deliver(self, delivery: Delivery) -> dict:
        item = delivery.item
        payload = {"channel": delivery.channel, "title": item.title, "text": delivery.text, "path": item.path,
                   "kind": item.kind, "at": delivery.at.isoformat(), "tags": item.meta.get("tags") or []}
        headers = {"Idempotency-Key": delivery.key}
        if self.secret:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            signature = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Gazette-Signature"] = f"sha256={signature}"
        answer = post_json(self.url, payload, headers)
        return {"id": str(answer.get("id") or delivery.key[:12])}


@register("mastodon")
class Mastodon:
    """POST /api/v1/statuses on the channel's instance, with the token from the environment."""

    def __init__(self, root, config: dict):
        self.instance = (config.get("instance") or "").rstrip("/")
        if not self.instance:
            raise DeliveryError("a mastodon channel needs instance: https://… in calendar/channels.yml",
                                retry=False)
        self.token = _secret(config, "token_env", "GAZETTE_MASTODON_TOKEN")
        if not self.token:
            raise DeliveryError(f"${config.get('token_env') or 'GAZETTE_MASTODON_TOKEN'} is not set "
                                "(the account's access token)", retry=False)

    def deliver(self, delivery: Delivery) -> dict:
        answer = post_json(f"{self.instance}/api/v1/statuses",
                           {"status": delivery.text, "visibility": "public", "language": "fr"},
                           {"Authorization": f"Bearer {self.token}", "Idempotency-Key": delivery.key})
        return {"id": str(answer.get("id", "")), "url": answer.get("url")}
