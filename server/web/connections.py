"""How the HTTP server treats connections: how long a client may take to send a request's
headers, and what it logs about clients that do not speak HTTP."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from ..config import Settings


class ConnectionLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """aiohttp's server logger without tracebacks for requests that were never valid HTTP: garbage
    bytes, a bad request line or header, a broken chunked or compressed body. Those got a 400;
    they are the client's mistake and, on a public port, constant noise."""

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kw: Any) -> None:
        if isinstance(exc_info, HttpProcessingError | RequestPayloadError):
            self.debug("malformed request: %s", " ".join(str(exc_info).split())[:200])
            return
        super().exception(msg, *args, exc_info=exc_info, **kw)


def handler_args(settings: Settings) -> Mapping[str, Any]:
    """Arguments for aiohttp's request handler (`web.Application(handler_args=...)`), so that
    `usagehouse serve` and the tests' servers behave alike.

    aiohttp closes a connection that is idle, or whose next request has not fully arrived,
    `keepalive_timeout` after it opened or after its previous response: that is the header
    deadline against slow-header (slowloris) clients. The body has its own deadline, in
    `bodies.read_body`."""
    return {
        "keepalive_timeout": settings.http_header_timeout_s,
        "logger": ConnectionLog(logging.getLogger("aiohttp.server")),
    }
