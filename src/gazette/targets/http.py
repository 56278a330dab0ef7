"""Targets that POST over HTTP: a generic webhook and Mastodon's statuses API.

Both send an ``Idempotency-Key`` derived from (item, channel, revision), so a
retry after a timeout or a 5xx is one post, not two. Secrets come only from
the environment variable the channel names (``token_env``/``secret_env``),
never from the repository, receipts or logs.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

from ..i18n import _
from . import Delivery, DeliveryError, TargetConfigError, register

RETRIES = 3
MAX_REDIRECTS = 5
# Headers that prove who we are: never sent to an origin the channel did not name.
SECRET_HEADERS = ("authorization", "x-gazette-signature", "cookie", "proxy-authorization")


def _secret(config: dict, key: str, default_env: str, namespace: str) -> str | None:
    """The secret in the variable the channel names. calendar/channels.yml is contributor-editable:
    naming GAZETTE_SMTP_PASSWORD (or any CI secret) would send it to the channel's URL, so a
    target reads only its own namespace."""
    variable = config.get(key) or default_env
    if not isinstance(variable, str) or not variable.startswith(namespace) or variable == namespace:
        raise TargetConfigError(_("{key}: {variable!r} is not a {namespace}… variable (a channel may only name its "
                                  "own target's secrets, never another one's)")
                                    .format(key=key, variable=variable, namespace=namespace))
    return os.environ.get(variable)


def _origin(url: str) -> tuple[str, str, int | None]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def check_url(url: str, what: str, secret: bool = False) -> str:
    """Only http(s) URLs with a host: urllib would otherwise read file:// or ftp://. With ``secret``
    (a token, a signature), https only: over plain http any router or proxy on the way reads it.
    The one exception, loopback under the tests' escape (gazette.netsafe), never reaches a network."""
    from urllib.parse import urlsplit

    from ..netsafe import cleartext_allowed

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetConfigError(_('{what} {url!r} is not an http(s):// URL').format(what=what, url=url))
    if secret and not cleartext_allowed(url):
        raise TargetConfigError(_("{what} {url!r} is not https://: the secret it carries is sent over https only")
                                    .format(what=what, url=url))
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects come back to :func:`post_json` as answers: it decides what follows them."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def secret_opener():
    """The opener for every request a channel's secret may ride on: each connection (each hop)
    goes only to public addresses, checked after resolution, and no proxy from the environment
    is used (gazette.netsafe, as for listening); redirects come back as answers. Built per use:
    the tests' loopback escape is read when it is built."""
    from ..netsafe import opener

    return opener(_NoRedirects)


def post_json(url: str, payload: dict, headers: dict, attempts: int = RETRIES) -> dict:
    """POST with retries on network errors, non-HTTP answers, 429 and 5xx; 4xx is final, and
    any 2xx is delivered (its body read if it is a JSON object).

    307/308 redirects are followed with the same body (at most 5); on a hop to
    another origin (scheme, host or port) the secret headers stay behind. A
    301/302/303 would turn the POST into a GET and lose it: a failure that names
    the new URL. Every failure is a DeliveryError, never a traceback.
    """
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    last = ""
    for attempt in range(attempts):
        try:
            return _post_following(url, body, headers)
        except _Transient as error:
            last = str(error)
        time.sleep(min(0.2 * 2 ** attempt, 2.0))
    raise DeliveryError(_('{url}: {last} after {attempts} attempts').format(url=url, last=last, attempts=attempts))


class _Transient(Exception):
    """Worth another attempt (network error, 429, 5xx, an answer that is not HTTP)."""


def _post_following(url: str, body: bytes, headers: dict) -> dict:
    from ..netsafe import InternalAddress

    origin = _origin(url)
    current, sent_headers = url, dict(headers)
    opener = secret_opener()
    for _hop in range(MAX_REDIRECTS + 1):
        if _origin(current) != origin:
            sent_headers = {k: v for k, v in sent_headers.items() if k.lower() not in SECRET_HEADERS}
        request = urllib.request.Request(current, data=body, method="POST",
                                         headers={"Content-Type": "application/json", **sent_headers})
        try:
            with opener.open(request, timeout=20) as response:
                return _answer(current, response.status, response.read())
        except urllib.error.HTTPError as error:
            code = error.code
            location = error.headers.get("Location") if error.headers else None
            error.close()
            if code in (307, 308) and location:
                current = _redirect_target(url, current, location)
                continue
            if code in (301, 302, 303):
                raise DeliveryError(_("{url}: HTTP {code} redirect to {location!r} would turn the POST into a GET "
                                      "(not followed; set the channel's URL to the new address)")
                                        .format(url=url, code=code, location=location), retry=False) from None
            if code < 500 and code != 429:
                raise DeliveryError(_('{url}: HTTP {code} (not retried)')
                                        .format(url=url, code=code), retry=False) from None
            raise _Transient(f"HTTP {code}") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, InternalAddress):  # asking again would be refused again
                raise DeliveryError(f"{url}: {error.reason}", retry=False) from None
            raise _Transient(str(error.reason)) from None
        except (TimeoutError, ConnectionError, OSError, http.client.HTTPException) as error:
            # A peer that answers something other than HTTP, or hangs up half-way.
            raise _Transient(f"not an HTTP answer ({type(error).__name__}: {error})"[:200]) from None
    raise DeliveryError(_('{url}: more than {MAX_REDIRECTS} redirects (a loop?)')
                            .format(url=url, MAX_REDIRECTS=MAX_REDIRECTS), retry=False)


def _redirect_target(url: str, current: str, location: str) -> str:
    try:
        return check_url(urllib.parse.urljoin(current, location), "redirect to")
    except TargetConfigError as error:
        raise DeliveryError(f"{url}: {error}", retry=False) from None


def _answer(url: str, status: int, raw: bytes) -> dict:
    """A 2xx is delivered whatever its body says: retrying a post the server accepted would
    post it again. A body we cannot read only leaves the receipt without the server's id."""
    try:
        answer = json.loads(raw.decode("utf-8", "replace").strip())
    except ValueError:
        return {}  # "ok", an empty body, "{oops": delivered, nothing to read
    return answer if isinstance(answer, dict) else {}


@register("webhook")
class Webhook:
    """POST a JSON payload, signed: ``X-Gazette-Signature: sha256=<hex HMAC of the body>``."""

    def __init__(self, root, config: dict):
        self.url = config.get("url")
        if not self.url:
            raise TargetConfigError(_("a webhook channel needs url: in calendar/channels.yml"))
        self.secret = _secret(config, "secret_env", "GAZETTE_WEBHOOK_SECRET", "GAZETTE_WEBHOOK_")
        check_url(str(self.url), "webhook url:", secret=bool(self.secret))
        if config.get("secret_env") and not self.secret:
            # The channel asked for signed posts: an unsigned one would be refused, or worse, trusted.
            raise TargetConfigError(_("${config} is not set (the webhook's secret_env: signs every post)")
                                        .format(config=config['secret_env']))

    def deliver(self, delivery: Delivery, now=None) -> dict:
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
            raise TargetConfigError(_("a mastodon channel needs instance: https://… in calendar/channels.yml"))
        check_url(self.instance, "mastodon instance:")
        self.token = _secret(config, "token_env", "GAZETTE_MASTODON_TOKEN", "GAZETTE_MASTODON_")
        if not self.token:
            raise TargetConfigError(_("${value} is not set (the account's access token)")
                                        .format(value=config.get('token_env') or 'GAZETTE_MASTODON_TOKEN'))
        check_url(self.instance, "mastodon instance:", secret=True)

    def deliver(self, delivery: Delivery, now=None) -> dict:
        answer = post_json(f"{self.instance}/api/v1/statuses",
                           {"status": delivery.text, "visibility": "public", "language": "fr"},
                           {"Authorization": f"Bearer {self.token}", "Idempotency-Key": delivery.key})
        return {"id": str(answer.get("id", "")), "url": answer.get("url")}
