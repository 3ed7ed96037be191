"""Parsing request bodies into data points and enforcing WAE's limits, with WAE's wording.

A batch is validated whole before anything is queued, so one bad point rejects the batch and
the error names its position. The result is columnar, ready for the writer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from ..errors import BadRequest, InvalidDataPoint, PayloadTooLarge

# WAE limits (workerd analytics-engine-impl.h); messages copied verbatim, stray ")" included.
LIMITS = {"indexes": 1, "index_bytes": 96, "blobs": 20, "blob_bytes": 16_000, "doubles": 20}
# The same limits as plain names: `validate` reads them once per point in the hot loop.
MAX_INDEXES, MAX_INDEX_BYTES, MAX_BLOBS, MAX_BLOB_BYTES, MAX_DOUBLES = LIMITS.values()
MESSAGES = {
    "indexes": "writeDataPoint(): Maximum of 1 indexes supported.",
    "index_bytes": "writeDataPoint(): Size of indexes[0] exceeds 96 bytes).",
    "blobs": "writeDataPoint(): Maximum of 20 blobs supported.",
    "blob_bytes": "writeDataPoint(): Cumulative size of blobs exceeds 16000 bytes).",
    "doubles": "writeDataPoint(): Maximum of 20 doubles supported.",
}
FIELDS = frozenset({"indexes", "blobs", "doubles", "timestamp"})
DATASET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
ACCOUNT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
FUTURE_SKEW_S = 15 * 60
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
# Bodies above this are parsed a piece at a time (and by the Ingestor, off the event loop): about
# 5 ms of orjson on this project's 2-core benchmark machine.
PIECE_BYTES = 256 * 1024
_BETWEEN_OBJECTS = re.compile(rb'\}\s*,\s*\{\s*["}]')


@dataclass(slots=True)
class Points:
    """Validated points, one list per field (timestamps in epoch seconds)."""

    timestamps: list[int]
    indexes: list[str]
    blobs: list[list[str | None]]
    doubles: list[list[float]]

    def __len__(self) -> int:
        return len(self.timestamps)


def check_dataset(name: str) -> None:
    if not DATASET_NAME.fullmatch(name):
        raise BadRequest(
            f"invalid dataset name {name[:80]!r}: use 1-64 characters from A-Z a-z 0-9 _ -, "
            "starting with a letter or underscore"
        )


def check_account(account_id: str) -> None:
    if not ACCOUNT_ID.fullmatch(account_id):
        raise BadRequest(f"invalid account id {account_id[:80]!r}")


def parse_body(body: bytes, content_type: str, max_points: int | None = None) -> list[object]:
    """JSON object, JSON array or NDJSON -> a list of raw points. With `max_points`, a body with
    more is refused as soon as the count passes it, before the rest is parsed."""
    if not body.strip():
        raise BadRequest("empty body: send a data point object, a JSON array or NDJSON")
    if content_type in NDJSON_TYPES:
        return _parse_ndjson(body, max_points)
    if len(body) > PIECE_BYTES and body.lstrip().startswith(b"["):
        items = _parse_array(body, max_points)
    else:
        parsed = _loads(body)
        if isinstance(parsed, dict):
            return [parsed]
        if not isinstance(parsed, list):
            raise BadRequest("body must be a data point object, an array of them, or NDJSON")
        items = parsed
    _check_count(len(items), max_points)
    return items


def _check_count(count: int, max_points: int | None) -> None:
    if max_points is not None and count > max_points:
        raise PayloadTooLarge(
            f"more than {max_points} points in one request; the limit is {max_points} "
            "(USAGEHOUSE_MAX_POINTS_PER_REQUEST)",
            limit=max_points,
        )


def _loads(body: bytes) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"invalid JSON: {e}") from None


def _parse_ndjson(body: bytes, max_points: int | None) -> list[object]:
    """One value per line, a piece of lines at a time (`splitlines` of a whole 64 MiB body of
    `{}` lines would build 20 million line objects first)."""
    items: list[object] = []
    number = 0
    start = 0
    while start < len(body):
        cut = body.find(b"\n", start + PIECE_BYTES)
        end = len(body) if cut < 0 else cut + 1
        for line in body[start:end].splitlines():
            number += 1
            if line.strip():
                try:
                    items.append(orjson.loads(line))
                except orjson.JSONDecodeError as e:
                    raise BadRequest(
                        f"invalid JSON on NDJSON line {number}: {e}", line=number
                    ) from None
        _check_count(len(items), max_points)
        start = end
    return items


def _parse_array(body: bytes, max_points: int | None) -> list[object]:
    """A large JSON array, parsed a piece of whole elements at a time: orjson holds the GIL for
    a whole call, so one call over 64 MiB would stall the event loop even from a thread, and
    counting as it goes refuses `[{},{},...]` after `max_points` elements, not 20 million.

    A piece ends at a `}` of `},{"` or `},{}`. That text inside a string, or between objects
    nested in a point (both invalid as points), leaves the piece unbalanced, so orjson fails
    at its very end: the piece is then doubled, which keeps the total work linear."""
    if not body.rstrip().endswith(b"]"):
        raise BadRequest("invalid JSON: the body starts with '[' but does not end with ']'")
    end = body.rstrip().rfind(b"]")
    items: list[object] = []
    pos = body.index(b"[") + 1
    while True:
        size = PIECE_BYTES
        while True:
            found = _BETWEEN_OBJECTS.search(body, pos + size, end)
            cut = end if found is None else found.start() + 1
            piece = b"[" + body[pos:cut] + b"]"
            try:
                part = orjson.loads(piece)
                break
            except orjson.JSONDecodeError as e:
                if found is None or e.pos < len(piece) - 1:
                    # piece[0] is the added "[": piece[i] is body[pos - 1 + i]
                    at = pos - 1 + e.pos
                    line = body.count(b"\n", 0, at) + 1
                    column = at - body.rfind(b"\n", 0, at)
                    raise BadRequest(
                        f"invalid JSON: {e.msg}: line {line} column {column} (char {at})"
                    ) from None
                size = 2 * (cut - pos)
        items.extend(part)
        _check_count(len(items), max_points)
        if found is None:
            return items
        pos = body.index(b",", cut) + 1


def _fail(position: int, message: str) -> InvalidDataPoint:
    return InvalidDataPoint(f"point {position}: {message}", position=position)


def _timestamp(value: object, position: int, now_s: int, oldest_s: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail(position, "timestamp must be epoch milliseconds or an RFC 3339 string")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _fail(position, f"timestamp {value[:40]!r} is not RFC 3339") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        seconds = int(parsed.timestamp())
    else:
        seconds = int(value // 1000)
    if seconds < oldest_s:
        raise _fail(position, "timestamp is older than the retention window")
    if seconds > now_s + FUTURE_SKEW_S:
        raise _fail(position, "timestamp is more than 15 minutes in the future")
    return seconds


def validate(items: list[object], now_s: int, retention_days: int) -> Points:
    """Check every point against WAE's limits; raise InvalidDataPoint naming the first bad one."""
    timestamps: list[int] = []
    indexes: list[str] = []
    blobs_out: list[list[str | None]] = []
    doubles_out: list[list[float]] = []
    oldest_s = now_s - retention_days * 86_400
    for position, point in enumerate(items):
        if type(point) is not dict:
            raise _fail(position, "a data point must be a JSON object")
        if not point.keys() <= FIELDS:
            extra = sorted(set(point) - FIELDS)[0]
            raise _fail(position, f"unknown field {extra[:40]!r}: expected {sorted(FIELDS)}")

        index = ""
        idx = point.get("indexes")
        if idx is not None:
            if type(idx) is not list:
                raise _fail(position, "indexes must be an array")
            if len(idx) > MAX_INDEXES:
                raise _fail(position, MESSAGES["indexes"])
            if idx and idx[0] is not None:
                index = idx[0]
                if type(index) is not str:
                    raise _fail(position, "indexes[0] must be a string or null")
                # a UTF-8 character is at most 4 bytes: short strings skip the encode
                if len(index) > MAX_INDEX_BYTES // 4 and len(index.encode()) > MAX_INDEX_BYTES:
                    raise _fail(position, MESSAGES["index_bytes"])

        blobs = point.get("blobs")
        if blobs is None:
            blobs = []
        elif type(blobs) is not list:
            raise _fail(position, "blobs must be an array")
        elif blobs:
            if len(blobs) > MAX_BLOBS:
                raise _fail(position, MESSAGES["blobs"])
            size = 0
            for blob in blobs:
                if type(blob) is str:
                    size += len(blob) if blob.isascii() else len(blob.encode())
                elif blob is not None:
                    raise _fail(position, "blobs must be strings or null")
            if size > MAX_BLOB_BYTES:
                raise _fail(position, MESSAGES["blob_bytes"])

        doubles = point.get("doubles")
        if doubles is None:
            doubles = []
        elif type(doubles) is not list:
            raise _fail(position, "doubles must be an array")
        elif doubles:
            if len(doubles) > MAX_DOUBLES:
                raise _fail(position, MESSAGES["doubles"])
            for value in doubles:
                # orjson never yields NaN or Infinity, so a number here is finite.
                if type(value) is not float and type(value) is not int:
                    raise _fail(position, "doubles must be finite numbers")

        ts = point.get("timestamp")
        timestamps.append(now_s if ts is None else _timestamp(ts, position, now_s, oldest_s))
        indexes.append(index)
        blobs_out.append(blobs)
        doubles_out.append(doubles)
    return Points(timestamps, indexes, blobs_out, doubles_out)
