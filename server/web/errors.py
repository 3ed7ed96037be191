"""Errors as HTTP answers: one error middleware per API family, each rendering the family's
shape. The app mounts each family on its own (sub-)application with that family's middleware,
so the shape follows the route, not a test on the URL."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Middleware

from ..config import env_name
from ..errors import AppError, RetryLater

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: Renders one error as (content type, body) from its status, code, message and detail.
Renderer = Callable[[int, str, str, dict[str, object]], tuple[str, bytes]]

#: What Cloudflare's API gateway answers before WAE sees the request: in the v4 envelope.
GATEWAY_STATUSES = frozenset({401, 403, 429})


def render_ours(
    status: int, code: str, message: str, detail: dict[str, object]
) -> tuple[str, bytes]:
    """Our own endpoints (write API, billing, operations): `{"ok": false, "error", ...}`."""
    body = {"ok": False, "error": message, "code": code, "status": status, **detail}
    return "application/json", orjson.dumps(body)


def render_cloudflare(
    status: int, code: str, message: str, detail: dict[str, object]
) -> tuple[str, bytes]:
    """The SQL API, as Cloudflare answers it."""
    if status in GATEWAY_STATUSES:
        # Cloudflare's API gateway answers auth failures and rate limits in its v4 envelope.
        envelope = {
            "success": False,
            "errors": [{"code": status * 10 + 1, "message": message}],
            "messages": [],
            "result": None,
        }
        return "application/json", orjson.dumps(envelope)
    # WAE answers bad SQL with a one-line plain-text reason.
    return "text/plain", message.replace("\n", " ").encode()


def render_grafana(
    status: int, code: str, message: str, detail: dict[str, object]
) -> tuple[str, bytes]:
    """The Grafana datasource: Grafana shows `message` in the panel."""
    body = {"message": message, "code": code, "status": status, **detail}
    return "application/json", orjson.dumps(body)


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def error_middleware(render: Renderer) -> Middleware:
    """A middleware that turns AppError, HTTPException and unreadable bodies into `render`'s
    shape; anything else is a logged 500."""

    def respond(
        status: int,
        code: str,
        message: str,
        detail: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        content_type, body = render(status, code, message, detail or {})
        return web.Response(status=status, body=body, content_type=content_type, headers=headers)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except AppError as e:
            headers = {"Retry-After": str(e.retry_after)} if isinstance(e, RetryLater) else None
            response = respond(e.status, e.code, e.message, e.detail, headers)
            if not request.content.is_eof():
                # Refused before its body was read (too large, too slow, queue full, no token):
                # do not keep the connection for another request behind the rest of this body.
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
            return respond(e.status, code, message, headers=headers)
        except web.RequestPayloadError as e:
            # aiohttp could not decode the body (a corrupt gzip/deflate/zstd Content-Encoding, a
            # broken chunk): the client's mistake, whichever route was reading it.
            cause = e.__cause__
            reason = cause.message if isinstance(cause, HttpProcessingError) else str(e)
            message = f"cannot read the request body: {' '.join(reason.split())}"
            # Answer, then close: the rest of the body cannot be read, and aiohttp's attempt to
            # drain it for keep-alive would hit the same error and log it as unhandled.
            request.content.feed_eof()
            response = respond(400, "bad_request", message)
            response.force_close()
            return response
        except Exception as e:
            if isinstance(e, ConnectionResetError) and _client_gone(request):
                # The client hung up mid-request (e.g. while sending the body): nobody will read
                # an answer, and it is no server fault, so no traceback.
                log.debug("client disconnected during %s %s", request.method, request.path)
                return respond(400, "client_disconnected", "client disconnected")
            log.exception("unhandled error on %s %s", request.method, request.path)
            return respond(500, "internal_error", "internal server error")

    return middleware
