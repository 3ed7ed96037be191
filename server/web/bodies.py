"""Reading request bodies: refused before they are read when their encoding or declared size is
wrong, and read within a size limit (USAGEHOUSE_MAX_BODY_BYTES) and a time limit
(USAGEHOUSE_HTTP_BODY_TIMEOUT_S)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.compression_utils import HAS_BROTLI, HAS_ZSTD

from ..errors import PayloadTooLarge, RequestTimeout, UnsupportedMediaType
from .keys import SETTINGS

# What aiohttp decodes; it would pass a body in any other encoding through as if it were plain.
BODY_ENCODINGS = frozenset(
    {"", "identity", "gzip", "deflate"}
    | ({"zstd"} if HAS_ZSTD else set())
    | ({"br"} if HAS_BROTLI else set())
)
MAX_BODY_SETTING = "USAGEHOUSE_MAX_BODY_BYTES"


def _too_large(limit: int, declared: int | None = None) -> PayloadTooLarge:
    size = f"of {declared} bytes " if declared is not None else ""
    return PayloadTooLarge(
        f"request body {size}is over the limit of {limit} bytes ({MAX_BODY_SETTING})",
        limit=limit,
    )


async def read_body(request: web.Request) -> bytes:
    """The whole (decoded) body, at most USAGEHOUSE_MAX_BODY_BYTES, arrived within
    USAGEHOUSE_HTTP_BODY_TIMEOUT_S.

    Refused before a byte is read: a Content-Encoding aiohttp cannot decode (it would pass the
    body through as if it were plain) and a Content-Length over the limit. Chunked and compressed
    bodies carry no usable length, so the limit is also checked as the decoded bytes arrive: a
    small gzip body cannot inflate past it."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in BODY_ENCODINGS:
        supported = ", ".join(sorted(BODY_ENCODINGS - {""}))
        raise UnsupportedMediaType(
            f"Content-Encoding {encoding[:40]!r} is not supported: send {supported}, or none"
        )
    settings = request.config_dict[SETTINGS]
    limit = settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit, request.content_length)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(settings.http_body_timeout_s):
            while chunk := await request.content.readany():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
    except TimeoutError:
        raise RequestTimeout(
            f"the request body did not arrive within {settings.http_body_timeout_s:g} s "
            "(USAGEHOUSE_HTTP_BODY_TIMEOUT_S)",
            limit=settings.http_body_timeout_s,
        ) from None
    return b"".join(chunks)
