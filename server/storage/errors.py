"""ClickHouse error codes -> our exceptions; both backends translate through this one table.

A message reaches the user as one line that holds only what the user wrote or ClickHouse says
about it: never the statement that ran (the translation, with its account-scoped subqueries
and the SETTINGS the storage layer appends), the names of our tables or the server's files.
"""

from __future__ import annotations

import re

from ..errors import (
    AppError,
    LimitExceeded,
    QueryLimit,
    QueryTimeout,
    SqlError,
    SqlRejected,
    StorageUnavailable,
)

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
SYNTAX_ERROR = 62
TOO_MANY_ROWS, TOO_MANY_ROWS_OR_BYTES = 158, 396

_CODE = re.compile(r"Code:\s*(\d+)\.\s*(?:DB::Exception:\s*)?(.*)", re.S)
_NAME = re.compile(r"\(([A-Z][A-Z_]+)\)")
_NOISE = re.compile(r"\s*\((?:version [^)]*|[A-Z_]+)\)\s*$")
#: ClickHouse often ends a message with the statement it ran ("In scope SELECT ...", "In query
#: ...", "while executing 'FUNCTION ...'", "while processing query: ..."), or with
#: "(while reading from part /path/...)": cut from there.
_STATEMENT = re.compile(
    r"[.:,]?\s*(?:\bIn scope\b|\bIn query\b|\(?\bwhile (?:executing|reading|processing)\b"
    r"|\(in query:|\bStack trace\b).*$",
    re.S,
)
#: What must never reach a user, whatever shape a message takes: our settings, the hidden
#: account column, the points table and its alias, and absolute paths three directories deep.
_INTERNALS = re.compile(
    r"SETTINGS|readonly|account_id|_points|\w\.points|(?:^|[\s'\"(`])/(?:[^\s'\"/]+/){3}",
    re.I,
)
_RESULT_UNIT = re.compile(r"max (rows|bytes)")


def parse_error(text: str) -> tuple[int | None, str]:
    """Split a ClickHouse exception text into its numeric code and a one-line message that
    shows nothing internal."""
    match = _CODE.search(text)
    if not match:
        first = text.strip().splitlines()[0] if text.strip() else ""
        return None, first if first and not _INTERNALS.search(first) else "ClickHouse error"
    code = int(match.group(1))
    name = _NAME.search(match.group(2))
    message = match.group(2).strip().splitlines()[0]
    message = message.split(". Stack trace")[0]
    message = _STATEMENT.sub("", message)
    while True:
        stripped = _NOISE.sub("", message)
        if stripped == message:
            break
        message = stripped
    message = message.strip()
    if code == SYNTAX_ERROR:
        # The position and the text after it are the translated statement's, not the user's.
        message = (
            "ClickHouse cannot parse this query: look for an incomplete clause or a function "
            "called without its arguments"
        )
    elif not message or _INTERNALS.search(message):
        message = f"ClickHouse cannot run this query ({name.group(1) if name else code})"
    return code, message


def query_error(text: str) -> AppError:
    """The error a user's query earned: 422 for the query's fault, 400 for a timeout."""
    code, message = parse_error(text)
    if code in TIMEOUT_CODES:
        return QueryTimeout(f"query exceeded the time limit: {message}")
    if code in UNAVAILABLE_CODES:
        return StorageUnavailable(f"ClickHouse is unavailable: {message}")
    if code == TOO_MANY_ROWS_OR_BYTES and (found := _RESULT_UNIT.search(message)):
        unit = found.group(1)
        return LimitExceeded(f"the answer has too many {unit}", f"max_result_{unit}")
    # Refused at planning, "Limit for rows (controlled by 'max_rows_to_read' setting)
    # exceeded"; or as reading starts, "Limit for rows or bytes to read exceeded" (we set no
    # byte limit on reads).
    if code == TOO_MANY_ROWS and ("max_rows_to_read" in message or "to read exceeded" in message):
        return LimitExceeded("the query reads too many rows", "max_rows_to_read")
    if code in LIMIT_CODES:
        return QueryLimit(f"query exceeded a resource limit: {message}")
    if code in READONLY_CODES:
        return SqlRejected(f"query rejected: {message}")
    return SqlError(message, clickhouse_code=code)
