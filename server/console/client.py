"""The console's HTTP client of a running server (stdlib only, so the commands work wherever the
server package installs), and the reason in any of the server's error shapes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote

URL_ENV = "USAGEHOUSE_URL"
ACCOUNT_ENV = "USAGEHOUSE_ACCOUNT"
TOKEN_ENV = "USAGEHOUSE_API_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8787"
DEFAULT_TIMEOUT_S = 60.0
DIALECT_HEADER = "Usagehouse-Dialect"
WARNING_HEADER = "Usagehouse-Warning"


class ConsoleError(Exception):
    """A request could not be answered; the message is printed after `error: `."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful SQL API answer: the raw body, its media type, the server's portability
    warning (empty when the query would run on WAE too) and the resolution the answer was read
    from (the Usagehouse-Resolution header: `100%`, `10%`, `1%`; empty if none)."""

    body: bytes
    content_type: str
    warning: str = ""
    resolution: str = ""


@dataclass(frozen=True, slots=True)
class SqlClient:
    """POSTs SQL to `/client/v4/accounts/{account}/analytics_engine/sql` of a server."""

    url: str
    account: str
    token: str = ""
    timeout_s: float = DEFAULT_TIMEOUT_S
    dialect: str = ""  # empty: the server's
    resolution: str = ""  # sent as the Usagehouse-Resolution header when set (`full`, `10%`)

    @property
    def endpoint(self) -> str:
        account = quote(self.account, safe="")
        return f"{self.url.rstrip('/')}/client/v4/accounts/{account}/analytics_engine/sql"

    def run(self, sql: str) -> Reply:
        """Send one statement; raise ConsoleError with the server's reason on any failure."""
        return self._send(self.endpoint, "POST", sql.encode(), "text/plain; charset=utf-8")

    def get(self, path: str) -> Reply:
        """GET an account-relative API path such as `billing/invoices/2026-03`."""
        account = quote(self.account, safe="")
        return self._send(f"{self.url.rstrip('/')}/v1/accounts/{account}/{path}", "GET")

    def _send(
        self, url: str, method: str, body: bytes | None = None, content_type: str = ""
    ) -> Reply:
        from ..sql.resolution import HEADER as RESOLUTION_HEADER

        headers = {"Content-Type": content_type} if content_type else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.dialect:
            headers[DIALECT_HEADER] = self.dialect
        if self.resolution:
            headers[RESOLUTION_HEADER] = self.resolution
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return Reply(
                    response.read(),
                    response.headers.get("Content-Type", ""),
                    response.headers.get(WARNING_HEADER, ""),
                    response.headers.get(RESOLUTION_HEADER, ""),
                )
        except urllib.error.HTTPError as e:
            raise ConsoleError(error_text(e.code, e.read())) from None
        except TimeoutError:
            raise ConsoleError(
                f"no answer from {self.url} within {self.timeout_s:g} s (see --timeout)"
            ) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise ConsoleError(
                f"cannot reach usagehouse at {self.url} ({reason}); start it with "
                f"`usagehouse serve` or point --url / {URL_ENV} at a running server"
            ) from None


def error_reason(body: bytes) -> str:
    """The reason in any of the server's error shapes: WAE's plain text, Cloudflare's v4
    envelope (auth), or the `{"error": ...}` shape of our own endpoints."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict):
        errors = document.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            text = str(errors[0].get("message", text))
        elif "error" in document:
            text = str(document["error"])
    return text


def error_text(status: int, body: bytes) -> str:
    """The reason and the status, for printing."""
    return f"{error_reason(body) or 'no reason given'} (HTTP {status})"
