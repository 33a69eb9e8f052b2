"""Reading media as Meta does: ranged HTTP reads of only the bytes the checks need."""
from urllib.parse import urlsplit

import requests

HEAD_BYTES = 64 * 1024
MAX_SKIP = 16 * 1024 * 1024  # how far to stream into a server that ignores Range
USER_AGENT = "facebookexternalhit/1.1 (Graph API sandbox)"


class FetchFailed(Exception):
    """The URL could not be read: unreachable, refused, an HTTP error, or too slow."""

    def __init__(self, reason, timed_out=False):
        super().__init__(reason)
        self.timed_out = timed_out


def _total(response, ranged):
    raw = (response.headers.get("Content-Range", "").rpartition("/")[2] if ranged
           else response.headers.get("Content-Length", ""))
    return int(raw) if raw.isdigit() else None


class RemoteMedia:
    """A media URL's first bytes, its size and type; `read_at` fetches further ranges."""

    def __init__(self, url, timeout):
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchFailed("not an http(s) URL")
        self.url, self.timeout = url, timeout
        self.ranged = True
        self.head, self.size, self.content_type = self._get(0, HEAD_BYTES, first=True)

    def _get(self, start, length, first=False):
        headers = {"Range": f"bytes={start}-{start + length - 1}", "User-Agent": USER_AGENT}
        try:
            with requests.get(self.url, headers=headers, stream=True,
                              timeout=self.timeout) as response:
                if response.status_code not in (200, 206):
                    raise FetchFailed(f"HTTP {response.status_code}")
                ranged = response.status_code == 206
                if first:
                    self.ranged = ranged
                skip = 0 if ranged else start
                data = _read(response, skip + length)[skip:]
                return data, _total(response, ranged), response.headers.get("Content-Type")
        except requests.Timeout:
            raise FetchFailed("timed out", timed_out=True) from None
        except requests.RequestException as exc:
            raise FetchFailed(str(exc), timed_out="timed out" in str(exc).lower()) from None

    def read_at(self, offset, length):
        """Bytes at [offset, offset + length); fewer at the end of the file."""
        if offset + length <= len(self.head) or (
                self.size is not None and len(self.head) >= self.size):
            return self.head[offset:offset + length]
        if self.size is not None and offset >= self.size:
            return b""
        if not self.ranged and offset + length > MAX_SKIP:
            return b""
        return self._get(offset, length)[0]


def _read(response, limit):
    data = bytearray()
    for chunk in response.iter_content(min(limit, 64 * 1024) or 1):
        data += chunk
        if len(data) >= limit:
            break
    return bytes(data[:limit])


class LocalMedia:
    """Uploaded bytes (a resumable upload) behind the same interface as RemoteMedia."""

    content_type = None

    def __init__(self, fileobj, size):
        self.fileobj, self.size = fileobj, size
        self.head = self.read_at(0, HEAD_BYTES)

    def read_at(self, offset, length):
        self.fileobj.seek(offset)
        return self.fileobj.read(length)
