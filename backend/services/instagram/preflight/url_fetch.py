"""SSRF-safe, byte-capped HTTP range reads of a media URL, for the media probe."""
from __future__ import annotations

import ipaddress
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, ReadTimeoutError

MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024
USER_AGENT = "sns-platform-media-probe/1.0"
_REDIRECTS = {301, 302, 303, 307, 308}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class MediaProbeError(Exception):
    """Media that cannot be fetched or recognised; `code` is snake_case, `message` for users,
    `status` the HTTP status for url_http_error."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def is_public_address(address: str) -> bool:
    """False for private, loopback, link-local, multicast, reserved and unspecified addresses,
    including IPv4 addresses embedded in IPv6 (mapped, 6to4, NAT64)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def resolve_host(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise MediaProbeError("url_unreachable", f"The host name {host} cannot be resolved.")
    return sorted({info[4][0] for info in infos})


def is_loopback_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _allowed(address: str, allow_loopback: bool) -> bool:
    return is_public_address(address) or (allow_loopback and is_loopback_address(address))


PRIVATE_MESSAGE = "The media URL points to a private or local address that Meta cannot reach."


def check_url(url: str, *, allow_loopback: bool = False) -> None:
    """Raise MediaProbeError unless `url` is one Meta could fetch and we may fetch safely.

    `allow_loopback` (sandbox mode) also accepts loopback addresses, and plain http to
    them only: the bundled sandbox and the platform's own uploads live there. Other
    private, link-local and reserved addresses are refused in every mode.
    """
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if allow_loopback else ("https",)):
        raise MediaProbeError("url_not_https", "The media URL must start with https://.")
    if parts.username is not None or parts.password is not None:
        raise MediaProbeError("url_has_credentials", "The media URL must not contain a user "
                                                     "name or password.")
    try:
        host, port = parts.hostname, parts.port or {"https": 443, "http": 80}[parts.scheme]
    except ValueError:
        host = None
    if not host:
        raise MediaProbeError("url_invalid", "The media URL has no valid host.")
    addresses = resolve_host(host, port)
    if not all(_allowed(a, allow_loopback) for a in addresses):
        raise MediaProbeError("url_private_address", PRIVATE_MESSAGE)
    if parts.scheme == "http" and not all(map(is_loopback_address, addresses)):
        raise MediaProbeError("url_not_https", "The media URL must start with https:// "
                                               "(plain http only on loopback, in sandbox mode).")


def _peer_guard(allow_loopback: bool):
    def refuse_private_peer(sock: socket.socket) -> socket.socket:
        # Checked on the connected socket, before a byte is sent: a DNS answer that changed
        # since check_url (rebinding) still cannot reach an internal host.
        if not _allowed(sock.getpeername()[0], allow_loopback):
            sock.close()
            raise MediaProbeError("url_private_address", PRIVATE_MESSAGE)
        return sock
    return refuse_private_peer


def _guarded_pools(guard):
    """urllib3 pool classes whose connections pass their socket through `guard`."""
    class HTTP(HTTPConnection):
        def _new_conn(self):
            return guard(super()._new_conn())

    class HTTPS(HTTPSConnection):
        def _new_conn(self):
            return guard(super()._new_conn())

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = HTTP

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = HTTPS

    return {"http": HTTPPool, "https": HTTPSPool}


class _PublicOnlyAdapter(HTTPAdapter):
    """Connects only to allowed addresses, whatever DNS answers at connect time."""

    def __init__(self, allow_loopback: bool = False):
        self._pools = _guarded_pools(_peer_guard(allow_loopback))
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools


@dataclass
class Head:
    """The first bytes of a media URL. `total` comes from Content-Range or Content-Length;
    `read_at(offset, length)` is None when the server ignores Range requests."""

    data: bytes
    total: int | None
    content_type: str | None
    read_at: Callable[[int, int], bytes] | None


class _Fetcher:
    def __init__(self, session, *, allow_loopback, timeout, deadline):
        self.session, self.timeout, self.deadline = session, timeout, deadline
        self.allow_loopback = allow_loopback

    def open(self, url: str, start: int, length: int):
        """GET bytes [start, start+length) following at most MAX_REDIRECTS checked hops."""
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, allow_loopback=self.allow_loopback)
            headers = {"Range": f"bytes={start}-{start + length - 1}", "User-Agent": USER_AGENT,
                       "Accept-Encoding": "identity"}  # sizes and ranges of the stored bytes
            try:
                resp = self.session.get(url, headers=headers, stream=True, allow_redirects=False,
                                        timeout=self.timeout)
            except requests.Timeout:
                raise MediaProbeError("url_timeout", "The media URL did not answer in time.")
            except requests.RequestException:
                raise MediaProbeError("url_unreachable", "The media URL cannot be reached.")
            if resp.status_code in _REDIRECTS and resp.headers.get("Location"):
                resp.close()
                url = urljoin(url, resp.headers["Location"])
                continue
            if resp.status_code not in (200, 206):
                resp.close()
                raise MediaProbeError("url_http_error", f"The media URL answered HTTP "
                                                        f"{resp.status_code}.", resp.status_code)
            return resp, url
        raise MediaProbeError("too_many_redirects", f"The media URL redirects more than "
                                                    f"{MAX_REDIRECTS} times.")

    def read(self, resp, limit: int) -> bytes:
        """At most `limit` bytes of the body; the connection is closed, never drained."""
        # read1 returns after one recv, so a server dripping bytes meets the deadline; older
        # urllib3 lacks it and waits for whole chunks.
        read = getattr(resp.raw, "read1", resp.raw.read)
        chunks, size = [], 0
        try:
            while size < limit:
                if time.monotonic() > self.deadline:
                    raise MediaProbeError("url_timeout", "The media URL is too slow to answer.")
                chunk = read(min(CHUNK_BYTES, limit - size), decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except (HTTPError, OSError) as exc:
            timed_out = isinstance(exc, (ReadTimeoutError, TimeoutError))
            raise MediaProbeError("url_timeout" if timed_out else "url_unreachable",
                                  "The media URL stopped answering while being read.")
        finally:
            resp.close()
        return b"".join(chunks)[:limit]

    def read_at(self, url: str, offset: int, length: int) -> bytes:
        """Best effort: b"" unless the server serves exactly that range."""
        try:
            resp, _ = self.open(url, offset, length)
            if resp.headers.get("Content-Range", "").startswith(f"bytes {offset}-"):
                return self.read(resp, length)
            resp.close()  # a 200 would be the file's start again
        except MediaProbeError:
            pass
        return b""


@contextmanager
def open_media_url(url: str, *, max_bytes: int, allow_loopback: bool = False,
                   timeout=(3.05, 10), max_seconds: float = 30.0):
    """Yield the Head of `url`: at most `max_bytes`, with a ranged reader for more while the
    context is open. `max_seconds` bounds a server that drips bytes."""
    with requests.Session() as session:
        session.trust_env = False  # a proxy from the environment would bypass the address check
        for prefix in ("http://", "https://"):
            session.mount(prefix, _PublicOnlyAdapter(allow_loopback))
        fetcher = _Fetcher(session, allow_loopback=allow_loopback, timeout=timeout,
                           deadline=time.monotonic() + max_seconds)
        resp, final_url = fetcher.open(url, 0, max_bytes)
        ranged = resp.status_code == 206
        # The total size comes from the headers, never from reading the whole file.
        total = (resp.headers.get("Content-Range", "").rpartition("/")[2] if ranged
                 else resp.headers.get("Content-Length", ""))
        content_type = resp.headers.get("Content-Type")
        data = fetcher.read(resp, max_bytes)
        yield Head(data, int(total) if total.isascii() and total.isdigit() else None, content_type,
                   (lambda offset, length: fetcher.read_at(final_url, offset, length))
                   if ranged else None)
