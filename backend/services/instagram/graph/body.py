"""Reading a Graph answer's body within a wall-clock deadline and a size cap.

requests' read timeout applies to each socket read, so a server sending a byte every few
seconds keeps a call alive indefinitely, and `response.content` holds whatever arrives. The
body is read here in chunks instead: each socket read waits at most until the attempt's
deadline, and reading stops once more than the cap has arrived.
"""
from __future__ import annotations

import time
from typing import Any, Callable

import requests
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

CHUNK_BYTES = 64 * 1024
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024  # Graph JSON: a page of 100 media is ~100 KB
_MIN_SOCKET_WAIT = 0.001  # settimeout(0) would make the socket non-blocking


class BodyTimeout(Exception):
    """The body did not arrive whole before the deadline (or a socket read timed out)."""


class BodyTooLarge(Exception):
    """More than `limit` bytes arrived; `limit` is the cap in bytes."""

    def __init__(self, limit: int):
        super().__init__(f"answer larger than {limit:,} bytes")
        self.limit = limit


class BodyBroken(Exception):
    """The connection failed while the body was read (reset, truncated, bad chunking)."""


def read_body(response: requests.Response, *, deadline: float, max_bytes: int,
              clock: Callable[[], float] = time.monotonic) -> bytes:
    """The body of a `stream=True` response, decoded (gzip), at most `max_bytes` bytes.

    `deadline` is a `clock()` value (seconds). Raises BodyTimeout past it, BodyTooLarge
    past `max_bytes` (also when Content-Length announces more), BodyBroken on a failed
    connection. The response is closed unless the body was read whole, so a half-read
    connection never goes back to the pool. On success the bytes are also kept as
    `response.content`, for code that reads the response as usual (`.json()`, `.text`).
    """
    done = False
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
            raise BodyTooLarge(max_bytes)
        data = _read_chunks(response, deadline, max_bytes, clock)
        done = True
    finally:
        if not done:
            response.close()
    response._content = data  # requests' own cache of a body read in full
    response._content_consumed = True
    return data


def _read_chunks(response: requests.Response, deadline: float, max_bytes: int,
                 clock: Callable[[], float]) -> bytes:
    raw = response.raw
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    try:
        configured = sock.gettimeout() if sock is not None else None
    except OSError:
        sock = None
    try:
        return _read_all(raw, deadline, max_bytes, clock)
    finally:
        # Restored while this answer still holds the connection. Once urllib3 has put it
        # back in the pool (at the end of the body) another call may have taken it, and
        # urllib3 sets the socket's timeout itself before each send and each read.
        if sock is not None and getattr(raw, "connection", None) is not None:
            try:
                sock.settimeout(configured)
            except OSError:
                pass


def _read_all(raw: Any, deadline: float, max_bytes: int,
              clock: Callable[[], float]) -> bytes:
    # read1 returns after one socket read, so a trickle meets the deadline between bytes.
    read = getattr(raw, "read1", raw.read)
    chunks, size = [], 0
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            raise BodyTimeout("deadline passed while the answer was read")
        _limit_socket_wait(raw, remaining)
        try:
            chunk = read(CHUNK_BYTES, decode_content=True)
        except (Urllib3Error, OSError) as exc:
            if _is_timeout(exc) or deadline - clock() <= 0:
                raise BodyTimeout("the answer stopped arriving") from None
            raise BodyBroken(type(exc).__name__) from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(max_bytes)
        chunks.append(chunk)


def _limit_socket_wait(raw: Any, seconds: float) -> None:
    """Let the next socket read wait at most `seconds` (never longer than it already would:
    the configured read timeout stays the cap). Best effort: a response without a live
    socket (a test double, a body already buffered) is read as it is."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        return
    try:
        current = sock.gettimeout()
        wait = max(min(seconds, current if current is not None else seconds), _MIN_SOCKET_WAIT)
        sock.settimeout(wait)
    except OSError:
        pass


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, (ReadTimeoutError, TimeoutError))
