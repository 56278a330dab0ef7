"""gazette.netsafe: which addresses a fetch of an untrusted URL may reach (public ones only)."""

from __future__ import annotations

import pytest

from gazette.netsafe import InternalAddress, is_internal, literal_internal, public_addresses

INTERNAL = ["127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "10.1.2.3", "172.16.0.1", "192.168.0.1",
            "169.254.169.254", "100.64.0.1", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
            "fe80::1", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2001:db8::1", "192.0.2.1", "198.18.0.1"]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34", "64:ff9b::5db8:d822"]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_refused(address):
    assert is_internal(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert not is_internal(address)


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://localhost:8000/", "http://LOCALHOST./x",
                                 "http://app.localhost/", "http://[::1]/", "http://2130706433/", "http://0x7f.1/",
                                 "http://127.1/", "http://017700000001/", "https://[fe80::1%25eth0]/",
                                 "http://%31%32%37.0.0.1/", "http://%6C%6F%63%61%6C%68%6F%73%74/",
                                 "http://169.254.169.%32%35%34/"])
def test_literal_internal_addresses_are_seen_without_dns(url):
    assert literal_internal(url, allow_loopback=False), url


def test_a_name_is_left_to_the_resolver_and_a_bad_url_is_not_a_crash():
    assert literal_internal("https://blog.example.org/feed", allow_loopback=False) is None
    assert literal_internal("http://[bad/feed", allow_loopback=False) is None


def test_every_resolved_address_is_checked(monkeypatch):
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, **kw: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0))])
    with pytest.raises(InternalAddress) as refused:
        public_addresses("mixed.example", 80, allow_loopback=False)
    assert refused.value.address == "::1" and "mixed.example" in str(refused.value)
