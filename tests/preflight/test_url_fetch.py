"""probe_url against a loopback server, and the SSRF guard's address classification."""
import ipaddress
import socket

import pytest

from backend.services.instagram.preflight import url_fetch
from backend.services.instagram.preflight.probe import (MediaProbeError, check_url,
                                                        is_public_address, probe_url)

from .builders import ftyp, image_bytes, mp4

MB = 1000 * 1000


def probe_error(call, *args, **kwargs):
    with pytest.raises(MediaProbeError) as info:
        call(*args, **kwargs)
    return info.value


@pytest.mark.parametrize("address", [
    "10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "127.8.8.8", "169.254.169.254",
    "0.0.0.0", "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::",
    "fc00::1", "fd12:3456::1", "fe80::1%eth0", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
    "64:ff9b::a00:1", "2002:a00:1::1"])
def test_private_and_special_addresses_are_not_public(address):
    assert is_public_address(address) is False


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111",
                                     "::ffff:93.184.216.34", "2002:5db8:d822::1"])
def test_public_addresses_are_public(address):
    assert is_public_address(address) is True


@pytest.fixture
def dns(monkeypatch):
    """Name resolution answered from a dict, so no test touches the network."""
    answers = {}

    def resolve(host, _port):
        if host not in answers:
            ipaddress.ip_address(host)  # an address literal resolves to itself; names must
            return [host]               # be in `answers`
        return answers[host]
    monkeypatch.setattr(url_fetch, "resolve_host", resolve)
    return answers


@pytest.mark.parametrize("address", ["10.0.0.5", "127.0.0.1", "169.254.169.254", "::1",
                                     "fc00::7", "::ffff:10.0.0.1"])
def test_check_url_refuses_hosts_that_resolve_to_private_addresses(dns, address):
    dns["cdn.example.com"] = ["93.184.216.34", address]  # one bad answer is enough
    error = probe_error(check_url, "https://cdn.example.com/a.jpg")
    assert error.code == "url_private_address"


def test_check_url_accepts_public_https_and_loopback_when_allowed(dns):
    dns["cdn.example.com"] = ["93.184.216.34"]
    dns["sandbox.local"] = ["127.0.0.1", "::1"]
    check_url("https://cdn.example.com/a.jpg")
    check_url("https://sandbox.local/a.jpg", allow_loopback=True)
    check_url("http://sandbox.local/a.jpg", allow_loopback=True)


# Sandbox mode allows loopback, never the rest of the private ranges (issue 11, item 7).
@pytest.mark.parametrize("address", ["10.0.0.5", "172.16.0.1", "172.31.255.254", "192.168.1.1",
                                     "169.254.169.254", "fe80::1", "fc00::7", "100.64.0.1",
                                     "0.0.0.0", "::ffff:10.0.0.1", "::ffff:192.168.0.1"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_sandbox_mode_still_refuses_other_private_addresses(dns, address, scheme):
    dns["intranet"] = [address]
    error = probe_error(check_url, f"{scheme}://intranet/a.jpg", allow_loopback=True)
    assert error.code == "url_private_address"
    host = f"[{address}]" if ":" in address else address
    error = probe_error(check_url, f"{scheme}://{host}/a.jpg", allow_loopback=True)
    assert error.code == "url_private_address"


def test_sandbox_mode_allows_plain_http_on_loopback_only(dns):
    dns["cdn.example.com"] = ["93.184.216.34"]
    dns["mixed"] = ["127.0.0.1", "93.184.216.34"]
    for url in ("http://cdn.example.com/a.jpg", "http://mixed/a.jpg"):
        assert probe_error(check_url, url, allow_loopback=True).code == "url_not_https"


@pytest.mark.parametrize("url, code", [
    ("http://cdn.example.com/a.jpg", "url_not_https"),
    ("ftp://cdn.example.com/a.jpg", "url_not_https"),
    ("cdn.example.com/a.jpg", "url_not_https"),
    ("https://user:secret@cdn.example.com/a.jpg", "url_has_credentials"),
    ("https:///a.jpg", "url_invalid"),
    ("https://cdn.example.com:99999/a.jpg", "url_invalid")])
def test_check_url_rejects_bad_urls(dns, url, code):
    dns["cdn.example.com"] = ["93.184.216.34"]
    assert probe_error(check_url, url).code == code


def test_http_is_accepted_only_when_allowed(dns):
    dns["sandbox.local"] = ["127.0.0.1"]
    check_url("http://sandbox.local/a.jpg", allow_loopback=True)
    assert probe_error(check_url, "http://sandbox.local/a.jpg").code == "url_not_https"


def test_unresolvable_host_is_unreachable(monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("no such host")
    monkeypatch.setattr(url_fetch.socket, "getaddrinfo", fail)
    assert probe_error(check_url, "https://nowhere.invalid/a.jpg").code == "url_unreachable"


def test_loopback_server_is_refused_without_allow_loopback(media_server):
    media_server.add("refused.jpg", image_bytes(100, 50))
    url = media_server.url("/range/refused.jpg").replace("http:", "https:")
    assert probe_error(probe_url, url).code == "url_private_address"
    assert media_server.ranges("refused.jpg") == []  # refused before any request was sent


def test_dns_rebinding_is_caught_on_the_connected_socket(media_server, dns):
    # check_url is told the host is public, but the connection lands on loopback.
    media_server.add("rebind.jpg", image_bytes(100, 50))
    dns["localhost"] = ["93.184.216.34"]
    url = media_server.url("/range/rebind.jpg").replace("http://127.0.0.1", "https://localhost")
    error = probe_error(probe_url, url)
    assert error.code == "url_private_address"
    assert media_server.ranges("rebind.jpg") == []


def test_dns_rebinding_in_sandbox_mode_to_a_private_address(media_server, dns, monkeypatch):
    # Loopback is allowed in sandbox mode; the connected peer is checked all the same (the
    # loopback peer stands in for a private one: only loopback is served here).
    monkeypatch.setattr(url_fetch, "is_loopback_address", lambda address: False)
    dns["localhost"] = ["93.184.216.34"]
    media_server.add("rebind.jpg", image_bytes(100, 50))
    url = media_server.url("/range/rebind.jpg").replace("http://127.0.0.1", "https://localhost")
    assert probe_error(probe_url, url, allow_loopback=True).code == "url_private_address"
    assert media_server.ranges("rebind.jpg") == []


@pytest.mark.parametrize("target", ["http://10.1.2.3/hop.jpg", "https://192.168.0.10/hop.jpg",
                                    "http://169.254.169.254/latest/meta-data/",
                                    "http://[fd00::1]/hop.jpg", "http://172.20.0.1:8080/hop.jpg"])
def test_every_redirect_hop_is_checked(probe_local, media_server, target):
    # Sandbox mode: the first hop is the loopback server, the redirect leads to a private
    # address. Refused by check_url before any connection is opened to it.
    before = len(media_server.requests)
    error = probe_error(probe_local, f"/to?location={target}")
    assert error.code == "url_private_address"
    assert [path for path, _ in media_server.requests[before:]] == ["/to"]


def test_redirect_to_credentials_or_other_scheme_is_refused(probe_local, media_server):
    url = "http://user:pw@127.0.0.1/range/x.jpg"
    assert probe_error(probe_local, f"/to?location={url}").code == "url_has_credentials"
    assert probe_error(probe_local, "/to?location=file:///etc/passwd").code == "url_not_https"


def test_jpeg_with_range_support(probe_local, media_server):
    data = image_bytes(1080, 1350, quality=95)
    media_server.add("photo.jpg", data, content_type="image/jpeg")
    info = probe_local("/range/photo.jpg", max_header_bytes=4096)
    assert (info.format, info.width, info.height, info.bytes) == ("jpeg", 1080, 1350, len(data))
    assert info.declared_mime == "image/jpeg"
    assert media_server.ranges("photo.jpg") == ["bytes=0-4095"]


def test_without_range_support_the_size_comes_from_content_length(probe_local, media_server):
    media_server.add("big.mp4", mp4(seconds=20), content_type="video/mp4", total=400 * MB)
    info = probe_local("/plain/big.mp4", max_header_bytes=8192)
    assert (info.format, info.bytes, info.duration_s) == ("mp4", 400 * MB, 20.0)


def test_huge_video_size_comes_from_content_range(probe_local, media_server):
    media_server.add("huge.mp4", mp4(seconds=30), total=2 * 1000 * MB)
    info = probe_local("/range/huge.mp4")
    assert (info.bytes, info.duration_s, info.moov_before_mdat) == (2000 * MB, 30.0, True)


def test_moov_after_mdat_is_found_with_a_second_ranged_read(probe_local, media_server):
    data = mp4(seconds=42.5, moov_first=False, mdat_bytes=200_000)
    media_server.add("late-moov.mp4", data, content_type="video/mp4")
    info = probe_local("/range/late-moov.mp4", max_header_bytes=4096)
    assert (info.duration_s, info.width, info.height) == (42.5, 1080, 1920)
    assert info.moov_before_mdat is False
    moov_at = len(ftyp()) + 8 + 200_000
    assert media_server.ranges("late-moov.mp4") == ["bytes=0-4095",
                                                    f"bytes={moov_at}-{moov_at + 4095}"]


def test_moov_after_mdat_without_range_support_is_unknown_not_wrong(probe_local, media_server):
    media_server.add("late-plain.mp4", mp4(moov_first=False, mdat_bytes=200_000))
    info = probe_local("/plain/late-plain.mp4", max_header_bytes=4096)
    assert (info.duration_s, info.width, info.moov_before_mdat) == (None, None, False)
    assert len(media_server.ranges("late-plain.mp4")) == 1


def test_redirects_are_followed_up_to_three(probe_local, media_server):
    media_server.add("moved.png", image_bytes(64, 32, "PNG"), content_type="image/png")
    info = probe_local("/redirect/3/moved.png")
    assert (info.format, info.width, info.height) == ("png", 64, 32)
    assert probe_error(probe_local, "/redirect/4/moved.png").code == "too_many_redirects"


def test_http_errors_carry_the_status(probe_local):
    error = probe_error(probe_local, "/status/403")
    assert (error.code, error.status) == ("url_http_error", 403)
    assert probe_error(probe_local, "/range/missing.jpg").status == 404


def test_html_served_as_jpeg_is_not_an_image(probe_local, media_server):
    media_server.add("fake.jpg", b"<html><body>login</body></html>", content_type="image/jpeg")
    error = probe_error(probe_local, "/range/fake.jpg")
    assert error.code == "unsupported_content_type"
    assert "image/jpeg" in error.message


def test_content_type_is_recorded_even_when_wrong(probe_local, media_server):
    media_server.add("lying.jpg", image_bytes(40, 40, "WEBP"), content_type="image/jpeg")
    info = probe_local("/range/lying.jpg")
    assert (info.format, info.mime, info.declared_mime) == ("webp", "image/webp", "image/jpeg")


def test_a_server_that_does_not_answer_times_out(probe_local):
    assert probe_error(probe_local, "/stall", timeout=(1, 0.2)).code == "url_timeout"


def test_a_server_that_drips_bytes_meets_the_deadline(probe_local):
    assert probe_error(probe_local, "/drip", max_seconds=0.3).code == "url_timeout"


def test_a_closed_port_is_unreachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = probe_error(probe_url, f"http://127.0.0.1:{port}/a.jpg", allow_loopback=True)
    assert error.code == "url_unreachable"
