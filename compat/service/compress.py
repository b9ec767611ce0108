"""Response compression: gzip (and brotli where the ``brotli`` package is installed).

Starlette's GZipMiddleware would do for gzip, but it keeps a strong ETag on
the compressed body, which then names two different byte sequences (RFC 9110
forbids it), and it compresses the same cached answer again on every request.
Here a compressed answer's strong ETag gets the coding as a suffix
(``"<tag>-gzip"``), and compressed bodies are kept by (ETag, coding), so an
answer that depends only on the matrix is compressed once per matrix. A body
without a strong ETag (the page's script and style, the API page) is kept by
(its content's digest, coding) in a bounded least-recently-used cache
(:class:`ContentCache`), so the same bytes are compressed once, not on every
request; the same bytes object served again (a static file) is not even hashed.

Compressed: a complete (single-message) body of at least ``minimum_size``
bytes, of a textual media type, without a ``Content-Encoding`` of its own,
for a client whose ``Accept-Encoding`` takes ``br`` or ``gzip`` (``q=0``
refuses a coding). Such a response carries ``Vary: Accept-Encoding`` whether
or not this client got it compressed. Streamed bodies pass as they are.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Callable

from compat.service.security import ASGIApp, Message, Receive, Scope, Send

MINIMUM_SIZE = 1024
#: Compressed bodies kept by (path, ETag, coding); emptied when full.
CACHE_SIZE = 512
GZIP_LEVEL = 6
#: Brotli's quality for answers made per request (11 is several times slower for ~5% less).
BROTLI_QUALITY = 5
#: Untagged compressed bodies kept (by content digest and coding), and their bytes at most.
CONTENT_CACHE_ENTRIES = 64
CONTENT_CACHE_BYTES = 8 * 1024 * 1024
_Entry = tuple[bytes, bytes, "bytes | None"]
_TEXTUAL = (b"text/", b"application/json", b"application/problem+json", b"application/javascript")


def _brotli() -> Callable[[bytes], bytes] | None:
    try:
        import brotli  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return None

    def compress(data: bytes) -> bytes:
        found: bytes = brotli.compress(data, quality=BROTLI_QUALITY)
        return found

    return compress


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def available_codings() -> dict[str, Callable[[bytes], bytes]]:
    """The codings this installation can produce, the preferred first."""
    codings: dict[str, Callable[[bytes], bytes]] = {}
    brotli = _brotli()
    if brotli is not None:
        codings["br"] = brotli
    codings["gzip"] = _gzip
    return codings


def accepted(header: str, codings: list[str]) -> str | None:
    """The first of ``codings`` that an ``Accept-Encoding`` value takes (q > 0), or None."""
    quality: dict[str, float] = {}
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[name] = q
    best: tuple[float, int, str] | None = None
    for rank, coding in enumerate(codings):
        q = quality.get(coding, quality.get("*", 0.0))
        if q > 0 and (best is None or (q, -rank) > (best[0], best[1])):
            best = (q, -rank, coding)
    return best[2] if best else None


def _compressible(headers: list[tuple[bytes, bytes]]) -> bool:
    media = b""
    for name, value in headers:
        if name == b"content-encoding":
            return False
        if name == b"content-type":
            media = value
    return media.lower().startswith(_TEXTUAL)


class ContentCache:
    """Compressed bodies by (content digest, coding), least recently used out first.

    Bounded by ``entries`` and by ``max_bytes`` of compressed bytes. The digest
    (BLAKE2b, 128 bits) names the content, so equal bytes share an entry and
    different bytes never do; the digest of a bytes object seen before is
    remembered by identity (``is``, with a reference held so its ``id`` is
    not reused), because a static file is sent as the same object every time.
    """

    def __init__(
        self, entries: int = CONTENT_CACHE_ENTRIES, max_bytes: int = CONTENT_CACHE_BYTES
    ) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[tuple[bytes, str], _Entry] = OrderedDict()
        self._size = 0
        self._digests: dict[int, tuple[bytes, bytes]] = {}

    def __len__(self) -> int:
        return len(self._bodies)

    @property
    def size(self) -> int:
        """Compressed bytes held."""
        return self._size

    def digest(self, body: bytes) -> bytes:
        known = self._digests.get(id(body))
        if known is not None and known[0] is body:
            return known[1]
        found = hashlib.blake2b(body, digest_size=16).digest()
        if len(self._digests) >= self.entries:
            self._digests.clear()
        self._digests[id(body)] = (body, found)
        return found

    def get(self, body: bytes, coding: str, make: Callable[[], _Entry]) -> _Entry:
        """The entry for ``body`` in ``coding``, made with ``make`` on a miss."""
        key = (self.digest(body), coding)
        entry = self._bodies.get(key)
        if entry is not None:
            self._bodies.move_to_end(key)
            return entry
        entry = make()
        if len(entry[0]) > self.max_bytes:
            return entry  # larger than the whole cache: not kept
        self._bodies[key] = entry
        self._size += len(entry[0])
        while self._size > self.max_bytes or len(self._bodies) > self.entries:
            _, dropped = self._bodies.popitem(last=False)
            self._size -= len(dropped[0])
        return entry


class CompressionMiddleware:
    """Compresses large textual answers for clients that accept it (see the module's text)."""

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.codings = available_codings()
        self._names = list(self.codings)
        self._cache: dict[tuple[str, bytes, str], _Entry] = {}
        self.content_cache = ContentCache()
        #: The coding chosen for each Accept-Encoding value seen (clients send few distinct ones).
        self._choices: dict[bytes, str | None] = {}

    def _choose(self, header: bytes) -> str | None:
        if header in self._choices:
            return self._choices[header]
        if len(self._choices) >= CACHE_SIZE:
            self._choices.clear()
        coding = self._choices[header] = accepted(header.decode("latin-1"), self._names)
        return coding

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        coding: str | None = None
        for name, value in scope.get("headers", ()):
            if name == b"accept-encoding":
                coding = self._choose(value)
                break
        start: Message | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                status = message["status"]
                plain = not _compressible(message.get("headers", []))
                if status < 200 or status in (204, 304) or plain:
                    await send(message)
                else:
                    start = message  # held until the body says how large it is
                return
            if start is None:
                await send(message)
                return
            held, start = start, None
            body = message.get("body", b"")
            if message.get("more_body", False) or len(body) < self.minimum_size:
                await send(held)
                await send(message)
                return
            headers: list[tuple[bytes, bytes]] = list(held.get("headers", []))
            headers.append((b"vary", b"Accept-Encoding"))
            if coding is not None:
                body, headers = self._encode(scope.get("path", ""), body, headers, coding)
            held["headers"] = headers
            await send(held)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_compressed)

    def _encode(
        self, path: str, body: bytes, headers: list[tuple[bytes, bytes]], coding: str
    ) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        # Response header names are lower case in ASGI (Starlette writes them so).
        etag = None
        for name, value in headers:
            if name == b"etag":
                etag = value
                break
        if etag is not None and not etag.startswith(b"W/"):
            key = (path, etag, coding)
            entry = self._cache.get(key)
            if entry is None:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.clear()
                entry = self._cache[key] = self._entry(body, coding, etag)
        else:
            entry = self.content_cache.get(body, coding, lambda: self._entry(body, coding, None))
        encoded, length, tagged = entry
        out = [
            (name, tagged if name == b"etag" and tagged is not None else value)
            for name, value in headers
            if name != b"content-length"
        ]
        out += [(b"content-encoding", coding.encode()), (b"content-length", length)]
        return encoded, out

    def _entry(self, body: bytes, coding: str, etag: bytes | None) -> _Entry:
        """(compressed body, its Content-Length, the ETag with the coding's suffix)."""
        encoded = self.codings[coding](body)
        tagged = None if etag is None else etag[:-1] + f'-{coding}"'.encode()
        return encoded, str(len(encoded)).encode(), tagged
