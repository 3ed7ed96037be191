"""Usage-based billing: a pricing file, and invoices computed from usage quantities.

A pure core: nothing here touches storage or aiohttp. Storage supplies `Usage` rows per
customer and month (see `invoice.month_bounds` for the [start, end) to query).
"""

from __future__ import annotations

from .export import CSV_COLUMNS, invoice_to_dict, invoices_to_csv
from .invoice import (
    DailyUsage,
    Invoice,
    InvoiceLine,
    TierCharge,
    Usage,
    compute_invoice,
    minor_units,
    month_bounds,
)
from .pricing import Meter, Pricing, Tier, load_pricing, parse_pricing

__all__ = [
    "CSV_COLUMNS",
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
    "minor_units",
    "month_bounds",
    "parse_pricing",
]
