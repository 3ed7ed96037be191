"""Bearer tokens -> (account, scopes). No tokens configured means local-dev mode."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from .config import ConfigError
from .errors import Forbidden, Unauthorized

SCOPES = {"r": frozenset("r"), "w": frozenset("w"), "rw": frozenset("rw"), "wr": frozenset("rw")}


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: str
    scopes: frozenset[str]


def _digest(token: str) -> bytes:
    # Tokens are looked up by hash so the lookup time does not depend on a secret's prefix.
    return hashlib.sha256(token.encode()).digest()


class Authenticator:
    """Resolves `Authorization: Bearer` headers against `USAGEHOUSE_TOKENS`."""

    def __init__(self, spec: str) -> None:
        self._tokens: dict[bytes, Principal] = {}
        for entry in filter(None, (e.strip() for e in spec.split(","))):
            parts = entry.rsplit(":", 2)
            if len(parts) != 3 or not all(parts) or parts[2] not in SCOPES:
                raise ConfigError(
                    "USAGEHOUSE_TOKENS entries must look like token:account_id:scopes with "
                    f"scopes r, w or rw; got {entry.split(':', 1)[0][:4]}...:{':'.join(parts[1:])}"
                )
            token, account, scopes = parts
            self._tokens[_digest(token)] = Principal(account, SCOPES[scopes])

    @property
    def local_dev(self) -> bool:
        """No tokens configured: any account is accepted without a token."""
        return not self._tokens

    def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal for a header, None in local-dev mode; raises Unauthorized."""
        if self.local_dev:
            return None
        if not authorization:
            raise Unauthorized("missing Authorization: Bearer <token> header")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization header must be 'Bearer <token>'")
        principal = self._tokens.get(_digest(token.strip()))
        if principal is None:
            raise Unauthorized("invalid API token")
        return principal

    def authorize(self, authorization: str | None, account_id: str, scope: str) -> None:
        """Check the header grants `scope` on `account_id` (the account named in the path)."""
        principal = self.authenticate(authorization)
        if principal is None:
            return
        if principal.account_id != account_id:
            raise Forbidden(f"this token cannot access account {account_id!r}")
        if scope not in principal.scopes:
            raise Forbidden(f"this token lacks the {scope!r} scope")

    def account_of(self, authorization: str | None, scope: str, default: str) -> str:
        """The token's own account (for routes without an account in the path)."""
        principal = self.authenticate(authorization)
        if principal is None:
            return default
        if scope not in principal.scopes:
            raise Forbidden(f"this token lacks the {scope!r} scope")
        return principal.account_id


def check_metrics_token(expected: str, authorization: str | None) -> None:
    """/metrics is open unless USAGEHOUSE_METRICS_TOKEN is set; then it needs that bearer token
    (its labels name every account's datasets, so multi-tenant servers should set one)."""
    if not expected:
        return
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        _digest(token.strip()), _digest(expected)
    ):
        raise Unauthorized("/metrics needs Authorization: Bearer <USAGEHOUSE_METRICS_TOKEN>")
