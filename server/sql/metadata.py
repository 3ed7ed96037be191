"""WAE's names for the column types in a JSON answer's `meta`.

ClickHouse names a type as it is stored: `dataset` is `LowCardinality(String)` and `timestamp`
`DateTime('UTC')` in the points table. WAE's clients read `String` and `DateTime`: the
encoding is a storage detail and UTC is the only zone WAE's SQL runs in. Only the `meta`
array at the head of the body is rewritten; the data after it is left byte for byte.
"""

from __future__ import annotations

import re
from typing import Final

#: Type wrappers that only say how ClickHouse stores a column.
STORAGE_WRAPPERS: Final = ("LowCardinality(",)
#: `DateTime('UTC')` and `DateTime64(3, 'Etc/UTC')` lose the zone: UTC is the session zone, so
#: a bare `DateTime` means the same. Another zone a query names stays. (`/` is `\/` in JSON.)
_UTC: Final = re.compile(rb"(DateTime(?:64)?)\((?:(\d+), )?'(?:UTC|Etc\\?/UTC)'\)")
_META_START: Final = b'{\n\t"meta":'
#: Where the `meta` array ends in ClickHouse's JSON output (names are escaped, so a column
#: name cannot contain the newline).
_META_END: Final = b"\n\t],"
_TYPE: Final = re.compile(rb'"type": "([^"]*)"')


def wae_type(name: bytes) -> bytes:
    """One type name (as it appears in the JSON) as WAE names it."""
    for wrapper in STORAGE_WRAPPERS:
        marker = wrapper.encode()
        while (start := name.find(marker)) >= 0:
            inner = start + len(marker)
            end, depth = inner, 1
            while depth and end < len(name):
                depth += {ord("("): 1, ord(")"): -1}.get(name[end], 0)
                end += 1
            name = name[:start] + name[inner : end - 1] + name[end:]
    return _UTC.sub(lambda m: m[1] + (b"(" + m[2] + b")" if m[2] else b""), name)


def wae_meta(body: bytes) -> bytes:
    """A JSON answer with WAE's type names in `meta`; the body itself if none changes."""
    if not body.startswith(_META_START):
        return body
    end = body.find(_META_END)
    if end < 0:
        return body
    head = body[:end]
    renamed = _TYPE.sub(lambda m: b'"type": "' + wae_type(m[1]) + b'"', head)
    # One copy of the body (slicing then `+` would make two).
    return body if renamed == head else b"".join((renamed, memoryview(body)[end:]))
