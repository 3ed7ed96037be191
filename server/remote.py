"""A running usagehouse server as the command line's clients see it (`sql`, `bill`, `demo`,
`import`): where it is, the URLs of its APIs, the headers a request carries, and the reason in
any of its error answers. Standard library only, so `usagehouse sql` stays quick to start."""

from __future__ import annotations

import json
from urllib.parse import quote

URL_ENV = "USAGEHOUSE_URL"
ACCOUNT_ENV = "USAGEHOUSE_ACCOUNT"
TOKEN_ENV = "USAGEHOUSE_API_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8787"
JSON = "application/json"
SQL_TEXT = "text/plain; charset=utf-8"


def account_url(base: str, account: str, path: str) -> str:
    """An account's path under `/v1` (the write API, billing)."""
    return f"{base.rstrip('/')}/v1/accounts/{quote(account, safe='')}/{path}"


def points_url(base: str, account: str, dataset: str) -> str:
    """Where a dataset's points are written."""
    return account_url(base, account, f"datasets/{quote(dataset, safe='')}/points")


def sql_url(base: str, account: str) -> str:
    """The SQL API, at Cloudflare's path (so the same client reads WAE itself)."""
    account = quote(account, safe="")
    return f"{base.rstrip('/')}/client/v4/accounts/{account}/analytics_engine/sql"


def headers(token: str, content_type: str = "") -> dict[str, str]:
    """The body's type, when there is a body, and the token as Bearer (none in local-dev mode)."""
    found = {"Content-Type": content_type} if content_type else {}
    if token:
        found["Authorization"] = f"Bearer {token}"
    return found


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
