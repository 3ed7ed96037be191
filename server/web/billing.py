"""GET /v1/accounts/{account_id}/billing/invoices/{month}[/{customer}] (JSON or ?format=csv).

`…/invoices/{month}/` is the invoice of the empty customer (points written without an index):
also what Grafana's bill panels ask for while their customer variable is still empty.
"""

from __future__ import annotations

import time

from aiohttp import web

from ..billing import invoice_to_dict, invoices_to_csv
from ..errors import BadRequest, NotFound
from .keys import AUTH, LEDGER


async def invoices(request: web.Request) -> web.Response:
    return await _invoices(request, request.match_info.get("customer"))


async def unindexed_invoice(request: web.Request) -> web.Response:
    return await _invoices(request, "")


async def _invoices(request: web.Request, customer: str | None) -> web.Response:
    account_id = request.match_info["account_id"]
    request.app[AUTH].authorize(request.headers.get("Authorization"), account_id, "r")
    ledger = request.app.get(LEDGER)
    if ledger is None:
        raise NotFound(
            "billing is not configured: start the server with --pricing <file> "
            "(USAGEHOUSE_PRICING); the repository's pricing.example.toml is a ready example"
        )
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise BadRequest(f"format must be json or csv, not {fmt[:20]!r}")
    month = request.match_info["month"]
    found = await ledger.invoices(account_id, month, customer)
    if fmt == "csv":
        return web.Response(text=invoices_to_csv(found), content_type="text/csv")
    finalized = ledger.finalized(month, time.time())
    if customer is not None:
        return web.json_response({**invoice_to_dict(found[0]), "finalized": finalized})
    return web.json_response(
        {
            "account": account_id,
            "month": month,
            "currency": ledger.pricing.currency,
            "finalized": finalized,
            "invoices": [invoice_to_dict(inv) for inv in found],
        }
    )
