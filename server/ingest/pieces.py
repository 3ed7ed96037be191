"""Large bodies, parsed a piece of whole points at a time.

orjson holds the GIL for all of one call, so one call over a 64 MiB body would stall the event
loop for seconds even from a thread; pieces of `PIECE_BYTES` keep each call to milliseconds,
and let the caller count (and validate) as it goes, so `[{},{},...]` is refused after the point
limit, not after building 20 million objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson

from ..errors import BadRequest

# On the 2-core benchmark machine a 256 KiB piece is ~1.5 ms of orjson, and parsing plus
# validating a whole body of this size ~5 ms: the most the Ingestor does on the event loop.
PIECE_BYTES = 256 * 1024
# A valid data point is at most ~110 KB of JSON, even with every blob character \u-escaped.
# Text that holds no complete point within this many bytes is refused rather than parsed.
MAX_POINT_BYTES = 1024 * 1024
_BETWEEN_OBJECTS = re.compile(rb'\}\s*,\s*\{\s*["}]')


def json_error(e: orjson.JSONDecodeError, body: bytes, offset: int) -> BadRequest:
    """orjson's message for an error at `offset + e.pos` of `body`, in orjson's own format."""
    at = offset + e.pos
    line = body.count(b"\n", 0, at) + 1
    column = at - body.rfind(b"\n", 0, at)
    return BadRequest(f"invalid JSON: {e.msg}: line {line} column {column} (char {at})")


def _cut(body: bytes, start: int, end: int) -> int:
    """The comma to end a piece at: between two objects if one is near `start`, else the next
    comma (arrays of non-objects); `end` if there is none."""
    found = _BETWEEN_OBJECTS.search(body, start, min(end, start + PIECE_BYTES))
    if found is not None:
        return body.index(b",", found.start())
    comma = body.find(b",", start, end)
    return end if comma < 0 else comma


def array_pieces(body: bytes) -> Iterator[list[object]]:
    """The elements of a JSON array body, a list per piece.

    A cut inside a string or inside a nested value leaves the piece unbalanced, so orjson fails
    at its very end; the piece is then doubled (linear work in all). An error anywhere else is
    the body's own, reported where parsing the whole body would report it."""
    text_end = len(body.rstrip())
    if not body.endswith(b"]", 0, text_end):
        raise BadRequest("invalid JSON: the body starts with '[' but does not end with ']'")
    end = text_end - 1
    pos = body.index(b"[") + 1
    count = 0
    while True:
        size = PIECE_BYTES
        while True:
            cut = _cut(body, pos + size, end)
            piece = b"[" + body[pos:cut] + b"]"
            try:
                part: list[object] = orjson.loads(piece)
                break
            except orjson.JSONDecodeError as e:
                if cut == end or e.pos < len(piece) - 1:
                    raise json_error(e, body, pos - 1) from None  # piece[0] is the added "["
                if cut - pos > MAX_POINT_BYTES:
                    raise BadRequest(
                        f"invalid JSON: no data point from point {count} on ends within "
                        f"{MAX_POINT_BYTES} bytes (a string or bracket left open?)"
                    ) from None
                size = 2 * (cut - pos)
        yield part
        if cut == end:
            return
        count += len(part)
        pos = cut + 1


def ndjson_pieces(body: bytes) -> Iterator[list[object]]:
    """The values of an NDJSON body, a list per piece of lines (`splitlines` of a whole 64 MiB
    body of `{}` lines would build 20 million line objects first)."""
    number = 0
    start = 0
    while start < len(body):
        newline = body.find(b"\n", start + PIECE_BYTES)
        stop = len(body) if newline < 0 else newline + 1
        items: list[object] = []
        for line in body[start:stop].splitlines():
            number += 1
            if not line.strip():
                continue
            if len(line) > MAX_POINT_BYTES:
                raise BadRequest(
                    f"NDJSON line {number} is over {MAX_POINT_BYTES} bytes: no data point is",
                    line=number,
                )
            try:
                items.append(orjson.loads(line))
            except orjson.JSONDecodeError as e:
                raise BadRequest(
                    f"invalid JSON on NDJSON line {number}: {e}", line=number
                ) from None
        yield items
        start = stop
