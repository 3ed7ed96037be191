"""One customer's invoice for one calendar month, computed from usage quantities (no storage).

Rules, chosen so results are deterministic and never worse for the customer:
- `included` units cover the meter's total per customer per month. On a dimension meter they
  are consumed by lines in descending unit-price order (ties: dimension value ascending), so the
  free units go where they save the most and no line gets a fractional share.
- On a tiered meter, `included` is a free prefix of the month's quantity: tier bounds count from
  the first unit used, so with `included = 100` and a first tier `up_to = 1000`, units 101..1000
  are billed at the first tier's price (as if the price list began with a free tier).
- Tier amounts are exact products; each line's amount is rounded once (ROUND_HALF_UP) to the
  currency's minor unit, and the total is the sum of rounded lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from ..errors import BadRequest
from .pricing import Meter, Pricing, Tier

#: ISO 4217 currencies whose minor unit is not 2 digits; everything else rounds to cents.
MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
DEFAULT_MINOR_UNITS = 2
#: Where a line's quantity comes from: the pre-sampling counters; stored rows of which none was
#: sampled (points ingested before the meter existed); or an estimate from sampled rows.
EXACT_COUNTERS = "exact counters"
UNSAMPLED_ROWS = "unsampled rows"
SAMPLED_ESTIMATE = "sampled estimate"
MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True, slots=True)
class Usage:
    """A customer's monthly quantity of one meter and dimension value (from storage).

    `exact` is True when it comes from the pre-sampling counters (or from stored rows none of
    which was sampled: `source` says which); otherwise it is a sample-weighted estimate and
    `lower`/`upper` bound its 95% interval.
    """

    meter: str
    dimension: str | None
    quantity: Decimal
    exact: bool
    lower: Decimal | None = None
    upper: Decimal | None = None
    source: str = ""  # default: EXACT_COUNTERS when exact, else SAMPLED_ESTIMATE

    @property
    def origin(self) -> str:
        """`source`, or the default for exact and estimated usage."""
        return self.source or (EXACT_COUNTERS if self.exact else SAMPLED_ESTIMATE)


@dataclass(frozen=True, slots=True)
class DailyUsage:
    """One day (`YYYY-MM-DD` in the pricing time zone) of one meter line, for the breakdown."""

    date: str
    meter: str
    dimension: str | None
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class TierCharge:
    """The part of a line billed in one tier; `from_`/`to` are the tier's bounds (None = open)."""

    from_: Decimal
    to: Decimal | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    meter: str
    dimension: str | None
    quantity: Decimal
    unit: str | None
    included_applied: Decimal
    billable_quantity: Decimal
    unit_price: Decimal | None  # None on tiered meters: see `tiers`
    tiers: tuple[TierCharge, ...]
    amount: Decimal
    exact: bool
    lower: Decimal | None
    upper: Decimal | None
    source: str


@dataclass(frozen=True, slots=True)
class Invoice:
    customer: str
    month: str
    currency: str
    timezone: str
    period_start: str
    period_end: str
    lines: tuple[InvoiceLine, ...]
    total: Decimal
    exact: bool
    daily: tuple[DailyUsage, ...] = ()


def month_bounds(month: str, tz: str = "UTC") -> tuple[datetime, datetime]:
    """[start, end) of a `YYYY-MM` month in time zone `tz`, as aware UTC datetimes.

    Storage queries `timestamp >= start AND timestamp < end`; midnight falling in a DST gap or
    overlap resolves (fold=0) to the first instant of the local day.
    """
    match = MONTH.fullmatch(month)
    if not match or not 1970 <= int(match.group(1)) <= 9998:
        raise BadRequest(f"invalid month {month!r}: expected YYYY-MM, e.g. 2026-03")
    year, mon = int(match.group(1)), int(match.group(2))
    zone = ZoneInfo(tz)
    start = datetime(year, mon, 1, tzinfo=zone)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def minor_units(currency: str) -> int:
    """Digits after the decimal point for amounts in `currency`."""
    return MINOR_UNITS.get(currency, DEFAULT_MINOR_UNITS)


def compute_invoice(
    pricing: Pricing,
    customer: str,
    month: str,
    usage: Iterable[Usage],
    daily: Iterable[DailyUsage] = (),
) -> Invoice:
    """Price one customer's month. Several `Usage` rows for one line are added together.

    Raises ValueError when usage names an undeclared meter, mismatches its dimension, or is
    negative: those are caller bugs or corrupt data, never something to bill silently.
    """
    start, end = month_bounds(month, pricing.timezone)
    quantum = Decimal(1).scaleb(-minor_units(pricing.currency))
    merged = _merge(pricing, usage)
    lines = [
        line
        for meter in pricing.meters
        if meter.name in merged
        for line in _meter_lines(meter, merged[meter.name], quantum)
    ]
    zone = ZoneInfo(pricing.timezone)
    return Invoice(
        customer=customer,
        month=month,
        currency=pricing.currency,
        timezone=pricing.timezone,
        period_start=_iso(start.astimezone(zone)),
        period_end=_iso(end.astimezone(zone)),
        lines=tuple(lines),
        total=sum((line.amount for line in lines), Decimal(0)).quantize(quantum),
        exact=all(line.exact for line in lines),
        daily=tuple(daily),
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _merge(pricing: Pricing, usage: Iterable[Usage]) -> dict[str, dict[str | None, Usage]]:
    """Group usage by meter and dimension, adding up rows that share a line."""
    merged: dict[str, dict[str | None, Usage]] = {}
    for row in usage:
        try:
            meter = pricing.meter(row.meter)
        except KeyError:
            raise ValueError(f"usage names undeclared meter {row.meter!r}") from None
        if (meter.dimension is None) != (row.dimension is None):
            want = "a dimension value" if meter.dimension else "no dimension"
            raise ValueError(f"usage for meter {row.meter!r} must have {want}")
        if not row.quantity.is_finite() or row.quantity < 0:
            raise ValueError(f"usage for meter {row.meter!r} is not >= 0: {row.quantity}")
        lines = merged.setdefault(row.meter, {})
        lines[row.dimension] = _add(lines[row.dimension], row) if row.dimension in lines else row
    return merged


def _add(a: Usage, b: Usage) -> Usage:
    """Sum two parts of a line; an exact part counts as a zero-width interval."""
    exact = a.exact and b.exact
    lower = _plus(a.quantity if a.exact else a.lower, b.quantity if b.exact else b.lower)
    upper = _plus(a.quantity if a.exact else a.upper, b.quantity if b.exact else b.upper)
    if exact:
        lower = upper = None
    source = " and ".join(sorted({a.origin, b.origin})) if exact else SAMPLED_ESTIMATE
    return Usage(a.meter, a.dimension, a.quantity + b.quantity, exact, lower, upper, source)


def _plus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """A sum of interval bounds; unknown if either part is."""
    return None if a is None or b is None else a + b


def _meter_lines(
    meter: Meter, rows: dict[str | None, Usage], quantum: Decimal
) -> list[InvoiceLine]:
    """Lines of one meter, in dimension order, with included units and prices applied."""

    def richest_first(u: Usage) -> tuple[Decimal, str]:
        return -(meter.price_for(u.dimension) or Decimal(0)), u.dimension or ""

    by_price = sorted(rows.values(), key=richest_first)
    remaining = meter.included
    lines: list[InvoiceLine] = []
    for row in by_price:
        applied = min(row.quantity, remaining)
        remaining -= applied
        price = meter.price_for(row.dimension)
        if price is None:
            tiers = _tier_charges(meter.tiers, applied, row.quantity)
            raw = sum((t.amount for t in tiers), Decimal(0))
        else:
            tiers, raw = (), (row.quantity - applied) * price
        lines.append(
            InvoiceLine(
                meter=meter.name,
                dimension=row.dimension,
                quantity=row.quantity,
                unit=meter.unit,
                included_applied=applied,
                billable_quantity=row.quantity - applied,
                unit_price=price,
                tiers=tiers,
                amount=raw.quantize(quantum, rounding=ROUND_HALF_UP),
                exact=row.exact,
                lower=None if row.exact else row.lower,
                upper=None if row.exact else row.upper,
                source=row.origin,
            )
        )
    return sorted(lines, key=lambda line: line.dimension or "")


def _tier_charges(tiers: tuple[Tier, ...], start: Decimal, end: Decimal) -> tuple[TierCharge, ...]:
    """Charges for units (start, end] of the month, split at the tier bounds."""
    charges: list[TierCharge] = []
    low = Decimal(0)
    for tier in tiers:
        high = end if tier.up_to is None else min(tier.up_to, end)
        quantity = high - max(low, start)
        if quantity > 0:
            amount = quantity * tier.unit_price
            charges.append(TierCharge(low, tier.up_to, quantity, tier.unit_price, amount))
        if tier.up_to is None or tier.up_to >= end:
            break
        low = tier.up_to
    return tuple(charges)
