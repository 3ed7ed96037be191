"""The function allow-list, as data: every function a query may call and what it becomes.

Keys are WAE's spellings, matched case-insensitively (WAE documents function names as
case-insensitive). A value of None keeps the name; a string renames it to the ClickHouse function
with WAE's semantics. A name that is absent here (and is not an allowed aggregate plus an allowed
combinator suffix) is rejected by `guard.py`.
"""

from __future__ import annotations

from typing import Final

#: Every function WAE's SQL reference documents (its aggregate, date-time, string, math,
#: rounding, bit, conditional, encoding and type-conversion pages), with the renames its
#: semantics need.
WAE_FUNCTIONS: Final[dict[str, str | None]] = {
    # aggregates
    "count": None,
    "sum": None,
    "avg": None,
    "min": None,
    "max": None,
    "quantileExactWeighted": None,
    "quantileWeighted": "quantileExactWeighted",  # 3 plain args; rewrite.py reshapes the call
    "argMax": None,
    "argMin": None,
    "first_value": None,
    "last_value": None,
    "topK": None,  # N defaults to 10 (rewrite.py)
    "topKWeighted": None,
    "countIf": None,
    "sumIf": None,
    "avgIf": None,
    # conditional
    "if": None,
    # date and time
    "now": None,
    "today": None,
    "toDateTime": None,
    "toUnixTimestamp": None,
    "formatDateTime": None,
    "toStartOfInterval": None,
    "toYear": None,
    "toMonth": None,
    "toDayOfMonth": None,
    "toHour": None,
    "toMinute": None,
    "toSecond": None,
    "toDayOfWeek": None,
    "toStartOfYear": None,
    "toStartOfMonth": None,
    "toStartOfWeek": None,  # WAE weeks start on Monday (rewrite.py adds mode 1)
    "toStartOfDay": None,
    "toStartOfHour": None,
    "toStartOfFifteenMinutes": None,
    "toStartOfTenMinutes": None,
    "toStartOfFiveMinutes": None,
    "toStartOfMinute": None,
    "toYYYYMM": None,
    # strings: WAE counts and cases in Unicode code points
    "length": "lengthUTF8",
    "empty": None,
    "isEmpty": "empty",
    "lower": None,
    "upper": None,
    "lowerUTF8": None,
    "upperUTF8": None,
    "toLower": "lowerUTF8",
    "toUpper": "upperUTF8",
    "startsWith": None,
    "endsWith": None,
    "position": "positionUTF8",  # code points, consistent with substring and length
    "substring": "substringUTF8",
    "format": None,
    # math
    "intDiv": None,
    "log": None,
    "ln": "log",
    "pow": None,
    "round": None,
    "floor": None,
    "ceil": None,
    "abs": None,
    # bits
    "bitAnd": None,
    "bitOr": None,
    "bitXor": None,
    "bitNot": None,
    "bitCount": None,
    "bitHammingDistance": None,
    "bitRotateLeft": None,
    "bitRotateRight": None,
    "bitShiftLeft": None,
    "bitShiftRight": None,
    "bitTest": None,
    # encoding and conversion
    "hex": None,
    "bin": None,
    "toUInt32": None,
    "toUInt8": None,
}

#: Safe ClickHouse extensions: deterministic, bounded by the rows read, no I/O, no server state.
EXTENSIONS: Final[dict[str, str | None]] = {
    # aggregates
    "uniq": None,
    "uniqExact": None,
    "uniqCombined": None,
    "countDistinct": None,
    "any": None,
    "anyLast": None,
    "median": None,
    "medianExact": None,
    "quantile": None,
    "quantiles": None,
    "quantileExact": None,
    "quantilesExact": None,
    "quantilesExactWeighted": None,
    "quantileTDigest": None,
    "stddevPop": None,
    "stddevSamp": None,
    "varPop": None,
    "varSamp": None,
    # conditional and nulls
    "multiIf": None,
    "coalesce": None,
    "ifNull": None,
    "nullIf": None,
    "isNull": None,
    "isNotNull": None,
    "greatest": None,
    "least": None,
    # date and time (timezone() answers the Altinity Grafana plugin's probe)
    "timezone": None,
    "toDate": None,
    "toDateTime64": None,
    "toTimeZone": None,
    "fromUnixTimestamp": None,
    "toUnixTimestamp64Milli": None,
    "toStartOfQuarter": None,
    "toMonday": None,
    "toQuarter": None,
    "toDayOfYear": None,
    "toISOWeek": None,
    "toYYYYMMDD": None,
    "dateDiff": None,
    "addSeconds": None,
    "addMinutes": None,
    "addHours": None,
    "addDays": None,
    "addWeeks": None,
    "addMonths": None,
    "subtractSeconds": None,
    "subtractMinutes": None,
    "subtractHours": None,
    "subtractDays": None,
    "subtractWeeks": None,
    "subtractMonths": None,
    # strings
    "lengthUTF8": None,
    "substringUTF8": None,
    "positionUTF8": None,
    "concat": None,
    "replaceAll": None,
    "replaceOne": None,
    "splitByChar": None,
    "trim": None,
    "trimLeft": None,
    "trimRight": None,
    "reverse": None,
    # Grafana: decodeURLComponent('${var:percentencode}') carries any value through JSON and SQL
    "decodeURLComponent": None,
    "match": None,  # re2: linear time, no catastrophic backtracking
    "like": None,
    "ilike": None,
    # math
    "sqrt": None,
    "exp": None,
    "log2": None,
    "log10": None,
    "sign": None,
    "modulo": None,
    "intDivOrZero": None,
    # conversion
    "toString": None,
    "toFloat64": None,
    "toInt32": None,
    "toInt64": None,
    "toUInt16": None,
    "toUInt64": None,
    # error bounds for sampled data (confidence.py expands them)
    "confidenceCount": None,
    "confidenceSum": None,
    # arrays (small: no constructors that can blow up, no arrayJoin)
    "has": None,
    "arrayElement": None,
}

FUNCTIONS: Final[dict[str, str | None]] = WAE_FUNCTIONS | EXTENSIONS

#: Aggregates that accept the combinator suffixes below (`sumIf`, `uniqIf`, `quantileIf`...).
AGGREGATES: Final[frozenset[str]] = frozenset(
    {
        "count", "sum", "avg", "min", "max", "argMax", "argMin", "any", "anyLast",
        "first_value", "last_value", "uniq", "uniqExact", "uniqCombined", "median",
        "medianExact", "quantile", "quantiles", "quantileExact", "quantilesExact",
        "quantileExactWeighted", "quantilesExactWeighted", "quantileTDigest", "topK",
        "topKWeighted", "stddevPop", "stddevSamp", "varPop", "varSamp",
    }
)  # fmt: skip

#: Combinators that only filter or change the empty-set result; no State/Merge/Array/Resample.
COMBINATORS: Final[tuple[str, ...]] = ("If", "OrNull", "OrDefault", "Distinct")

_SPELLING: Final[dict[str, str]] = {name.lower(): name for name in FUNCTIONS}
_TARGET: Final[dict[str, str]] = {name.lower(): (to or name) for name, to in FUNCTIONS.items()}
_AGGREGATES_LOWER: Final[dict[str, str]] = {name.lower(): name for name in AGGREGATES}


def wae_spelling(name: str) -> str | None:
    """The documented spelling of a function name written in any case, or None if not allowed."""
    lower = name.lower()
    if (spelling := _SPELLING.get(lower)) is not None:
        return spelling
    for suffix in COMBINATORS:
        base = lower.removesuffix(suffix.lower())
        if base != lower and (aggregate := _AGGREGATES_LOWER.get(base)) is not None:
            return aggregate + suffix
    return None


def is_aggregate(name: str) -> bool:
    """Whether a call to `name` (any case, any allowed spelling) aggregates rows."""
    target = clickhouse_name(name)
    if target is None:
        return False
    lower = target.lower()
    return lower in _AGGREGATES_LOWER or any(
        lower.endswith(suffix.lower()) and lower[: -len(suffix)] in _AGGREGATES_LOWER
        for suffix in COMBINATORS
    )


def clickhouse_name(name: str) -> str | None:
    """The ClickHouse function a user-written name becomes, or None if it is not allowed."""
    spelling = wae_spelling(name)
    if spelling is None:
        return None
    return _TARGET.get(spelling.lower(), spelling)
