"""The console's HTTP client of a running server (stdlib only, so the commands work wherever the
server package installs and start quickly)."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from ..remote import SQL_TEXT, URL_ENV, account_url, error_reason, headers, sql_url

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

    def run(self, sql: str) -> Reply:
        """Send one statement; raise ConsoleError with the server's reason on any failure."""
        return self._send(sql_url(self.url, self.account), "POST", sql.encode(), SQL_TEXT)

    def get(self, path: str) -> Reply:
        """GET an account-relative API path such as `billing/invoices/2026-03`."""
        return self._send(account_url(self.url, self.account, path), "GET")

    def _send(
        self, url: str, method: str, body: bytes | None = None, content_type: str = ""
    ) -> Reply:
        from ..sql.resolution import HEADER as RESOLUTION_HEADER

        sent = headers(self.token, content_type)
        if self.dialect:
            sent[DIALECT_HEADER] = self.dialect
        if self.resolution:
            sent[RESOLUTION_HEADER] = self.resolution
        request = urllib.request.Request(url, data=body, headers=sent, method=method)
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


def error_text(status: int, body: bytes) -> str:
    """The reason and the status, for printing."""
    return f"{error_reason(body) or 'no reason given'} (HTTP {status})"
