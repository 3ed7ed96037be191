"""ClickHouse error codes -> our exceptions; both backends translate through this one table."""

from __future__ import annotations

import re

from ..errors import AppError, QueryLimit, QueryTimeout, SqlError, SqlRejected, StorageUnavailable

# https://github.com/ClickHouse/ClickHouse/blob/master/src/Common/ErrorCodes.cpp
TIMEOUT_CODES = {159, 160}  # TIMEOUT_EXCEEDED, TOO_SLOW
# SOCKET_TIMEOUT, NETWORK_ERROR, TOO_MANY_SIMULTANEOUS_QUERIES: the server is in trouble
UNAVAILABLE_CODES = {209, 210, 202}
LIMIT_CODES = {158, 241, 307, 396, 131, 306}  # TOO_MANY_ROWS, MEMORY_LIMIT, TOO_MANY_BYTES, ...
READONLY_CODES = {164, 497}  # READONLY, ACCESS_DENIED
#: An insert that failed with one of these may have been stored (on a shard, or before the
#: answer was lost): TIMEOUT_EXCEEDED, SOCKET_TIMEOUT, NETWORK_ERROR, TABLE_IS_READ_ONLY (a
#: replica lost Keeper), ALL_CONNECTION_TRIES_FAILED, UNKNOWN_STATUS_OF_INSERT, KEEPER_EXCEPTION.
INSERT_OUTCOME_UNKNOWN_CODES = {159, 209, 210, 242, 279, 319, 999}

_CODE = re.compile(r"Code:\s*(\d+)\.\s*(?:DB::Exception:\s*)?(.*)", re.S)
_NOISE = re.compile(r"\s*\((?:version [^)]*|[A-Z_]+)\)\s*$")
#: ClickHouse often ends a message with the statement it ran ("In scope SELECT ...", "In query
#: ...", "while executing 'FUNCTION ...'"): the translation, with the account-scoped subquery
#: and the SETTINGS the storage layer appends. The user wrote none of it, so it is cut off, as
#: is "(while reading from part /path/...)", which names the server's files.
_STATEMENT = re.compile(
    r"[.:]?\s+(?:In scope|In query|while executing|\(while reading|\(while processing)\s.*$", re.S
)


def parse_error(text: str) -> tuple[int | None, str]:
    """Split a ClickHouse exception text into its numeric code and a one-line message."""
    match = _CODE.search(text)
    if not match:
        return None, text.strip().splitlines()[0] if text.strip() else "ClickHouse error"
    message = match.group(2).strip().splitlines()[0]
    message = message.split(". Stack trace")[0]
    message = _STATEMENT.sub("", message)
    while True:
        stripped = _NOISE.sub("", message)
        if stripped == message:
            break
        message = stripped
    return int(match.group(1)), message.strip()


def query_error(text: str) -> AppError:
    """The error a user's query earned: 422 for the query's fault, 400 for a timeout."""
    code, message = parse_error(text)
    if code in TIMEOUT_CODES:
        return QueryTimeout(f"query exceeded the time limit: {message}")
    if code in UNAVAILABLE_CODES:
        return StorageUnavailable(f"ClickHouse is unavailable: {message}")
    if code in LIMIT_CODES:
        return QueryLimit(f"query exceeded a resource limit: {message}")
    if code in READONLY_CODES:
        return SqlRejected(f"query rejected: {message}")
    return SqlError(message, clickhouse_code=code)
