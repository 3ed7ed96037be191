"""Invoices as JSON-ready dicts and as CSV, with every Decimal written as a plain string.

Money never passes through float: amounts and quantities are `format(d, "f")` strings, so
`"0.10"` stays `"0.10"` and nothing is printed in exponent form.

CSV columns (one row per invoice line, then one total row per invoice):
`customer, month, currency, meter, dimension, quantity, unit_price, amount, exact`.
`dimension` is empty for meters without one, `unit_price` is empty on tiered lines, `exact` is
`true`/`false`. The total row has empty `meter`, `dimension`, `quantity` and `unit_price` (meter
names are never empty), the invoice total in `amount`, and `exact` for the whole invoice.
Text cells starting with `= + - @` or a control character get a leading `'` so spreadsheets
do not run customer-supplied blob values as formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import TypeAlias

from .invoice import DailyUsage, Invoice, InvoiceLine, TierCharge

CSV_COLUMNS = (
    "customer",
    "month",
    "currency",
    "meter",
    "dimension",
    "quantity",
    "unit_price",
    "amount",
    "exact",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

JsonValue: TypeAlias = str | bool | list["JsonDict"] | None
JsonDict: TypeAlias = dict[str, JsonValue]


def decimal_str(value: Decimal | None) -> str | None:
    """A Decimal as a plain (never exponent) string; None stays None."""
    return None if value is None else format(value, "f")


def invoice_to_dict(inv: Invoice) -> JsonDict:
    """The invoice as JSON-ready data: Decimals become strings, never floats."""
    return {
        "customer": inv.customer,
        "month": inv.month,
        "currency": inv.currency,
        "timezone": inv.timezone,
        "period_start": inv.period_start,
        "period_end": inv.period_end,
        "lines": [_line(line) for line in inv.lines],
        "total": decimal_str(inv.total),
        "exact": inv.exact,
        "daily": [_day(day) for day in inv.daily],
    }


def _line(line: InvoiceLine) -> JsonDict:
    return {
        "meter": line.meter,
        "dimension": line.dimension,
        "quantity": decimal_str(line.quantity),
        "unit": line.unit,
        "included_applied": decimal_str(line.included_applied),
        "billable_quantity": decimal_str(line.billable_quantity),
        "unit_price": decimal_str(line.unit_price),
        "tiers": [_tier(tier) for tier in line.tiers],
        "amount": decimal_str(line.amount),
        "exact": line.exact,
        "lower": decimal_str(line.lower),
        "upper": decimal_str(line.upper),
        "source": line.source,
    }


def _tier(tier: TierCharge) -> JsonDict:
    return {
        "from": decimal_str(tier.from_),
        "to": decimal_str(tier.to),
        "quantity": decimal_str(tier.quantity),
        "unit_price": decimal_str(tier.unit_price),
        "amount": decimal_str(tier.amount),
    }


def _day(day: DailyUsage) -> JsonDict:
    return {
        "date": day.date,
        "meter": day.meter,
        "dimension": day.dimension,
        "quantity": decimal_str(day.quantity),
    }


def invoices_to_csv(invs: Iterable[Invoice]) -> str:
    """Every line of every invoice, then a total row per invoice (columns in the docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for inv in invs:
        head = [_cell(inv.customer), inv.month, inv.currency]
        for line in inv.lines:
            writer.writerow(
                [
                    *head,
                    line.meter,
                    _cell(line.dimension or ""),
                    decimal_str(line.quantity),
                    decimal_str(line.unit_price) or "",
                    decimal_str(line.amount),
                    _flag(line.exact),
                ]
            )
        writer.writerow([*head, "", "", "", "", decimal_str(inv.total), _flag(inv.exact)])
    return out.getvalue()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _cell(text: str) -> str:
    """Defuse spreadsheet formulas in customer-supplied text (OWASP CSV injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
