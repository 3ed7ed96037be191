"""Parsing request bodies into data points and enforcing WAE's limits, with WAE's wording.

A batch is validated whole before anything is queued, so one bad point rejects the batch and
the error names its position. The result is columnar, ready for the writer.

`decode_valid` is the fast path for the common body, a small JSON array of valid points:
msgspec parses and type-checks it in C in one pass (about a third of the CPU of orjson plus
`validate`, benchmarks/ingest.py). It accepts only what `validate` accepts and gives the same
points; anything else goes the slow path, which words the error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import msgspec
import orjson

from ..errors import BadRequest, InvalidDataPoint, PayloadTooLarge
from ..names import ACCOUNT_ID, DATASET_NAME
from . import pieces
from .sampler import MAX_INTERVAL

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
#: An unsampled write (an import) may also carry each row's `_sample_interval` at its source.
IMPORT_FIELDS = FIELDS | {"_sample_interval"}
FUTURE_SKEW_S = 15 * 60
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")


@dataclass(slots=True)
class Points:
    """Validated points, one list per field (timestamps in epoch seconds); `intervals` only
    for an import (each row's `_sample_interval` at its source)."""

    timestamps: list[int]
    indexes: list[str]
    blobs: list[list[str | None]]
    doubles: list[list[float]]
    intervals: list[int] | None = None

    def __len__(self) -> int:
        return len(self.timestamps)

    def extend(self, other: Points) -> None:
        self.timestamps.extend(other.timestamps)
        self.indexes.extend(other.indexes)
        self.blobs.extend(other.blobs)
        self.doubles.extend(other.doubles)
        if other.intervals is not None:
            if self.intervals is None:
                self.intervals = []
            self.intervals.extend(other.intervals)


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
    """JSON object, JSON array or NDJSON -> a list of raw points."""
    return [item for piece in read_pieces(body, content_type, max_points) for item in piece]


def read_pieces(
    body: bytes, content_type: str, max_points: int | None = None
) -> Iterator[list[object]]:
    """The raw points of a body, in lists a piece long (one list unless the body is large).
    Past `max_points` it raises PayloadTooLarge before parsing further."""
    if not body.strip():
        raise BadRequest("empty body: send a data point object, a JSON array or NDJSON")
    seen = 0
    for piece in _split(body, content_type):
        seen += len(piece)
        if max_points is not None and seen > max_points:
            raise PayloadTooLarge(
                f"more than {max_points} points in one request; the limit is {max_points} "
                "(USAGEHOUSE_MAX_POINTS_PER_REQUEST)",
                limit=max_points,
            )
        yield piece


def _split(body: bytes, content_type: str) -> Iterator[list[object]]:
    if content_type in NDJSON_TYPES:
        yield from pieces.ndjson_pieces(body)
        return
    if len(body) > pieces.PIECE_BYTES:
        if body.lstrip().startswith(b"["):
            yield from pieces.array_pieces(body)
            return
        if len(body) > pieces.MAX_POINT_BYTES:
            raise BadRequest(
                f"a body that is not an array is one data point, and {len(body)} bytes is more "
                f"than any data point can be (at most {pieces.MAX_POINT_BYTES} bytes of JSON)"
            )
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"invalid JSON: {e}") from None
    if isinstance(parsed, dict):
        yield [parsed]
    elif isinstance(parsed, list):
        yield parsed
    else:
        raise BadRequest("body must be a data point object, an array of them, or NDJSON")


def _fail(position: int, message: str) -> InvalidDataPoint:
    return InvalidDataPoint(f"point {position}: {message}", position=position)


def _iso(seconds: int) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{seconds} s after 1970"


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
        days = (now_s - oldest_s) // 86_400
        raise _fail(
            position,
            f"timestamp {_iso(seconds)} is older than the retention window of {days} days "
            f"(USAGEHOUSE_RETENTION_DAYS): the oldest accepted now is {_iso(oldest_s)}",
        )
    if seconds > now_s + FUTURE_SKEW_S:
        raise _fail(position, "timestamp is more than 15 minutes in the future")
    return seconds


def validate(
    items: list[object],
    now_s: int,
    retention_days: int,
    first: int = 0,
    fields: frozenset[str] = FIELDS,
) -> Points:
    """Check every point against WAE's limits; raise InvalidDataPoint naming the first bad one
    (`first` is the position of items[0] in the request; `fields` the keys a point may have)."""
    timestamps: list[int] = []
    indexes: list[str] = []
    blobs_out: list[list[str | None]] = []
    doubles_out: list[list[float]] = []
    oldest_s = now_s - retention_days * 86_400
    for position, point in enumerate(items, first):
        if type(point) is not dict:
            raise _fail(position, "a data point must be a JSON object")
        if not point.keys() <= fields:
            extra = sorted(set(point) - fields)[0]
            raise _fail(position, f"unknown field {extra[:40]!r}: expected {sorted(fields)}")

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


def sample_intervals(items: list[object], first: int = 0) -> list[int]:
    """Each imported point's `_sample_interval` (default 1): how many points its row stands
    for at its source. Call after `validate`, which checked the points are objects."""
    out = []
    for position, point in enumerate(items, first):
        assert isinstance(point, dict)
        value = point.get("_sample_interval", 1)
        if type(value) is not int or not 1 <= value <= MAX_INTERVAL:
            raise _fail(position, f"_sample_interval must be an integer from 1 to {MAX_INTERVAL}")
        out.append(value)
    return out


class _Point(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A data point as `decode_valid` reads it: field types and counts are checked in C."""

    indexes: Annotated[list[str | None], msgspec.Meta(max_length=MAX_INDEXES)] | None = None
    blobs: Annotated[list[str | None], msgspec.Meta(max_length=MAX_BLOBS)] | None = None
    # msgspec's float takes JSON integers too (as floats), but not booleans.
    doubles: Annotated[list[float], msgspec.Meta(max_length=MAX_DOUBLES)] | None = None
    timestamp: int | float | str | None = None


class _ImportPoint(_Point, forbid_unknown_fields=True, gc=False):
    sample_interval: Annotated[int, msgspec.Meta(ge=1, le=MAX_INTERVAL)] = msgspec.field(
        default=1, name="_sample_interval"
    )


_DECODERS: dict[frozenset[str], msgspec.json.Decoder[list[_Point] | _Point]] = {
    FIELDS: msgspec.json.Decoder(list[_Point] | _Point),
    IMPORT_FIELDS: msgspec.json.Decoder(list[_ImportPoint] | _ImportPoint),
}


def decode_valid(
    body: bytes,
    now_s: int,
    retention_days: int,
    max_points: int,
    fields: frozenset[str] = FIELDS,
) -> Points | None:
    """The points of a JSON body (an array or one object) if every one is valid and there are
    at most `max_points`, else None: then `read_pieces` and `validate` say what is wrong."""
    try:
        decoded = _DECODERS[fields].decode(body)
    except msgspec.MsgspecError:
        return None
    items = decoded if isinstance(decoded, list) else [decoded]
    if len(items) > max_points:
        return None
    timestamps: list[int] = []
    indexes: list[str] = []
    blobs_out: list[list[str | None]] = []
    doubles_out: list[list[float]] = []
    oldest_s = now_s - retention_days * 86_400
    for point in items:
        idx = point.indexes
        index = (idx[0] or "") if idx else ""
        if len(index) > MAX_INDEX_BYTES // 4 and len(index.encode()) > MAX_INDEX_BYTES:
            return None
        blobs = point.blobs
        if blobs:
            try:
                joined = "".join(blobs)  # type: ignore[arg-type]
            except TypeError:  # a null blob
                joined = "".join(blob for blob in blobs if blob is not None)
            # a UTF-8 character is at most 4 bytes: short strings skip the encode
            if len(joined) > MAX_BLOB_BYTES // 4 and len(joined.encode()) > MAX_BLOB_BYTES:
                return None
        ts = point.timestamp
        if ts is None:
            timestamps.append(now_s)
        else:
            try:
                timestamps.append(_timestamp(ts, 0, now_s, oldest_s))
            except InvalidDataPoint:
                return None
        indexes.append(index)
        blobs_out.append(blobs or [])
        doubles_out.append(point.doubles or [])
    points = Points(timestamps, indexes, blobs_out, doubles_out)
    if fields == IMPORT_FIELDS:
        points.intervals = [point.sample_interval for point in items]  # type: ignore[attr-defined]
    return points
