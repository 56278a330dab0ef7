"""Asking a URL an untrusted file names without reaching this machine or its network (SSRF).

Links in content (``gazette site check --external``), feeds and the Mastodon instance in
``calendar/listening.yml`` and the registry's places come from contributors, and CI fetches
them: a URL naming ``http://169.254.169.254/`` (the cloud's metadata endpoint), ``localhost``
or a private address must never be asked. So every connection goes to an address checked here:
the host is resolved once, *every* address it resolves to must be public, and the socket
connects to those very addresses (no second lookup a DNS server could answer differently).
Each redirect is a new connection, so it is checked again. No proxy is used for these
requests: a proxy would connect for us, to any address.

The one escape is for tests, whose servers listen on 127.0.0.1: the environment variable
:data:`TEST_LOOPBACK_VARIABLE` set to ``1`` lets loopback addresses through (loopback only;
private, link-local and the rest stay refused). It is an environment variable on purpose:
nothing a contributor can write in the repository turns the guard off.
"""

from __future__ import annotations

import ipaddress
import os

TEST_LOOPBACK_VARIABLE = "GAZETTE_TEST_ALLOW_LOOPBACK"
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class InternalAddress(OSError):
    """The host resolves to an address of this machine or its network: never asked."""

    def __init__(self, host: str, address):
        from .i18n import _

        super().__init__(_("{host} is an internal address ({address})").format(host=host, address=address))
        self.host, self.address = host, address


def loopback_allowed() -> bool:
    """Whether the test-only escape is on (see the module's docstring)."""
    return os.environ.get(TEST_LOOPBACK_VARIABLE) == "1"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to (mapped, 6to4, NAT64), which is where it connects."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_internal(address, allow_loopback: bool = False) -> bool:
    """Whether ``address`` (an ipaddress object or text) is not on the public internet: loopback,
    private, link-local, site-local, shared (CGNAT), multicast, reserved, unspecified, documentation."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%")[0])
    if address.version == 6:
        inner = _embedded_ipv4(address)
        if inner is not None:
            return is_internal(inner, allow_loopback)
        if address.is_site_local:
            return True
    if address.is_loopback:
        return not allow_loopback
    return (not address.is_global or address.is_private or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified)


def literal_internal(url: str, allow_loopback: bool | None = None) -> str | None:
    """The address when ``url``'s host is written as an internal IP address (or ``localhost``),
    else None: what ``gazette check`` can tell without asking DNS."""
    from urllib.parse import unquote, urlsplit

    if allow_loopback is None:
        allow_loopback = loopback_allowed()
    try:
        # %31%32%37.0.0.1 is 127.0.0.1 to a resolver or a browser that decodes it: read it as they would
        host = unquote(urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always this machine
        return None if allow_loopback else host
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        address = _legacy_ipv4(host)
        if address is None:
            return None
    return str(address) if is_internal(address, allow_loopback) else None


def cleartext_allowed(url: str) -> bool:
    """Whether a secret may go to ``url``: https, or plain http to a loopback address under the
    tests' escape (their servers speak plain http on 127.0.0.1; nothing leaves the machine)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return False
    if parts.scheme.lower() == "https":
        return True
    if parts.scheme.lower() != "http" or not loopback_allowed():
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``2130706433``, ``0x7f.1``, ``127.1``: forms the C resolver reads as IPv4 and ipaddress does not."""
    import socket

    if not host or not all(c in "0123456789abcdefx." for c in host.lower()):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def public_addresses(host: str, port: int, allow_loopback: bool | None = None) -> list[tuple]:
    """Every address ``host`` resolves to (``getaddrinfo`` tuples), or InternalAddress when one of
    them is internal: one bad address among good ones is enough (the connection could use it)."""
    import socket

    if allow_loopback is None:
        allow_loopback = loopback_allowed()
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        if is_internal(info[4][0], allow_loopback):
            raise InternalAddress(host, info[4][0].split("%")[0])
    return infos


def guarded_connection(address, timeout=None, source_address=None, allow_loopback: bool | None = None,
                       **_ignored):
    """``socket.create_connection`` to the very addresses checked (no second lookup to rebind)."""
    import socket

    host, port = address
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in public_addresses(host, port, allow_loopback):
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as failure:
            sock.close()
            error = failure
    raise error or OSError(f"{host}: no address")


def opener(*handlers, allow_loopback: bool | None = None):
    """A ``urllib`` opener whose every connection goes to public addresses only (InternalAddress,
    wrapped in a URLError, otherwise), without any proxy; ``handlers`` are added (a redirect policy)."""
    import http.client
    import urllib.request

    if allow_loopback is None:
        allow_loopback = loopback_allowed()

    def connect(address, timeout=None, source_address=None, **_ignored):
        return guarded_connection(address, timeout, source_address, allow_loopback)

    class PublicHTTP(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class PublicHTTPS(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(PublicHTTP, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(PublicHTTPS, req, context=self._context)

    return urllib.request.build_opener(*handlers, urllib.request.ProxyHandler({}), HTTPHandler, HTTPSHandler)
