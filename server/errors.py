"""The exception hierarchy: status and code live on each class. Framework-free, so domain
modules raise these without knowing there is a web; server/web/errors.py renders them."""

from __future__ import annotations


class AppError(Exception):
    """Base of every error a client may see; domain modules raise only these."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class BadRequest(AppError):
    status, code = 400, "bad_request"


class InvalidDataPoint(BadRequest):
    code = "invalid_data_point"


class NotFound(AppError):
    status, code = 404, "not_found"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(AppError):
    status, code = 415, "unsupported_media_type"


class RequestTimeout(AppError):
    """The request body did not arrive in time (USAGEHOUSE_HTTP_BODY_TIMEOUT_S)."""

    status, code = 408, "request_timeout"


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class Forbidden(AppError):
    status, code = 403, "forbidden"


class SqlError(AppError):
    """Unparseable or unsupported SQL; WAE answers 422."""

    status, code = 422, "sql_error"


class SqlRejected(SqlError):
    """Writes, DDL, other tables, forbidden functions."""

    code = "sql_rejected"


class IdempotencyKeyReused(AppError):
    """An Idempotency-Key sent again with a different body or dataset (as payment APIs do)."""

    status, code = 422, "idempotency_key_reused"


class QueryTimeout(AppError):
    status, code = 400, "query_timeout"


class QueryLimit(SqlError):
    """The query hit a row, byte or result-size limit."""

    code = "query_limit"


class LimitExceeded(QueryLimit):
    """ClickHouse stopped the query at a limit we set; `setting` is ClickHouse's name for it
    (`max_result_rows`), so the SQL layer can say which of its settings that is."""

    def __init__(self, message: str, setting: str) -> None:
        super().__init__(message)
        self.setting = setting


class RetryLater(AppError):
    """A limit that frees up by itself; answered with `Retry-After: retry_after` seconds."""

    status, code = 503, "retry_later"

    def __init__(self, message: str, retry_after: int = 1, **detail: object) -> None:
        super().__init__(message, retry_after=retry_after, **detail)
        self.retry_after = retry_after


class Overloaded(RetryLater):
    """The write queue is full."""

    code = "overloaded"


class TooManyQueries(RetryLater):
    """The account (or the server) already runs and queues as many queries as it may."""

    status, code = 429, "too_many_queries"


class StorageUnavailable(AppError):
    status, code = 503, "storage_unavailable"


class InsertOutcomeUnknown(StorageUnavailable):
    """An insert failed where it may have been stored all the same (the connection broke, a
    timeout): repeating it with the same deduplication token stores it once."""
