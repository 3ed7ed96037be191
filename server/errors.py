"""The exception hierarchy (status and code live on each class) and the one middleware that
renders every error, so all endpoints fail in the same shape."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .config import env_name

log = logging.getLogger(__name__)


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


#: Routes whose errors use Cloudflare's v4 envelope for auth failures (the SQL API).
CLOUDFLARE_PREFIX = "/client/v4/"
#: What Cloudflare's API gateway answers before WAE sees the request: in the v4 envelope.
GATEWAY_STATUSES = frozenset({401, 403, 429})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _body(
    request: web.Request, status: int, code: str, message: str, detail: dict[str, object]
) -> bytes:
    path = request.path
    if path.startswith(CLOUDFLARE_PREFIX):
        if status in GATEWAY_STATUSES:
            # Cloudflare's API gateway answers auth failures and rate limits in its v4 envelope.
            return orjson.dumps(
                {
                    "success": False,
                    "errors": [{"code": status * 10 + 1, "message": message}],
                    "messages": [],
                    "result": None,
                }
            )
        # WAE answers bad SQL with a one-line plain-text reason.
        return message.replace("\n", " ").encode()
    if path.startswith("/grafana/"):
        # Grafana shows `message` in the panel.
        return orjson.dumps({"message": message, "code": code, "status": status, **detail})
    return orjson.dumps({"ok": False, "error": message, "code": code, "status": status, **detail})


def error_response(
    request: web.Request,
    status: int,
    code: str,
    message: str,
    detail: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Render one error in the shape the route's clients expect."""
    body = _body(request, status, code, message, detail or {})
    is_text = request.path.startswith(CLOUDFLARE_PREFIX) and status not in GATEWAY_STATUSES
    return web.Response(
        status=status,
        body=body,
        content_type="text/plain" if is_text else "application/json",
        headers=headers,
    )


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn AppError, HTTPException and unreadable bodies into the error shape; anything else
    is a logged 500."""
    try:
        return await handler(request)
    except AppError as e:
        headers = {"Retry-After": str(e.retry_after)} if isinstance(e, RetryLater) else None
        response = error_response(request, e.status, e.code, e.message, e.detail, headers)
        if not request.content.is_eof():
            # Refused before its body was read (too large, too slow, queue full, no token): do
            # not keep the connection for another request behind the rest of this body.
            response.force_close()
        return response
    except web.HTTPException as e:
        if e.status < 400:
            raise
        # aiohttp's 413 for a body over client_max_size gets our code for the same mistake.
        code = "payload_too_large" if e.status == 413 else e.reason.lower().replace(" ", "_")
        message = e.text if e.text and not e.text.startswith(f"{e.status}:") else e.reason
        if e.status == 413:  # only client_max_size raises it
            message = f"{message} (the limit is {env_name('max_body_bytes')})"
        headers = {k: v for k, v in e.headers.items() if k in ("Allow", "Retry-After")}
        return error_response(request, e.status, code, message, headers=headers)
    except web.RequestPayloadError as e:
        # aiohttp could not decode the body (a corrupt gzip/deflate/zstd Content-Encoding, a
        # broken chunk): the client's mistake, whichever route was reading it.
        cause = e.__cause__
        reason = cause.message if isinstance(cause, HttpProcessingError) else str(e)
        message = f"cannot read the request body: {' '.join(reason.split())}"
        # Answer, then close: the rest of the body cannot be read, and aiohttp's attempt to
        # drain it for keep-alive would hit the same error and log it as unhandled.
        request.content.feed_eof()
        response = error_response(request, 400, "bad_request", message)
        response.force_close()
        return response
    except Exception as e:
        if isinstance(e, ConnectionResetError) and _client_gone(request):
            # The client hung up mid-request (e.g. while sending the body): nobody will read an
            # answer, and it is no server fault, so no traceback.
            log.debug("client disconnected during %s %s", request.method, request.path)
            return error_response(request, 400, "client_disconnected", "client disconnected")
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(request, 500, "internal_error", "internal server error")
