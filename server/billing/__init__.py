"""Usage-based billing: a pricing file, and invoices computed from usage quantities.

`pricing`, `invoice` and `export` are a pure core (no storage, no aiohttp); `counters` turns
ingested points into exact counter rows, and `ledger` reads storage to price a month.
"""

from __future__ import annotations

from .export import invoice_to_dict, invoices_to_csv
from .invoice import (
    DailyUsage,
    Invoice,
    InvoiceLine,
    TierCharge,
    Usage,
    compute_invoice,
    month_bounds,
)
from .pricing import Meter, Pricing, Tier, load_pricing, parse_pricing

__all__ = [
    "DailyUsage",
    "Invoice",
    "InvoiceLine",
    "Meter",
    "Pricing",
    "Tier",
    "TierCharge",
    "Usage",
    "compute_invoice",
    "invoice_to_dict",
    "invoices_to_csv",
    "load_pricing",
    "month_bounds",
    "parse_pricing",
]
