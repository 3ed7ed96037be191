"""Hand-computed invoices: flat prices, overrides, included units, tiers, currencies, estimates."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from server.billing import (
    DailyUsage,
    Invoice,
    InvoiceLine,
    TierCharge,
    Usage,
    compute_invoice,
    parse_pricing,
)
from server.billing.pricing import Pricing

D = Decimal
EXACT = "exact counters"


def pricing(meters: str, currency: str = "USD", timezone: str = "UTC") -> Pricing:
    return parse_pricing(f'currency = "{currency}"\ntimezone = "{timezone}"\n{meters}')


def meter(name: str = "requests", measure: str = "count", **keys: str) -> str:
    body = "".join(f"{k} = {v}\n" for k, v in keys.items())
    return f'[[meters]]\nname = "{name}"\ndataset = "usage"\nmeasure = "{measure}"\n{body}'


def line(
    meter: str, dimension: str | None, quantity: str, amount: str, **kw: object
) -> InvoiceLine:
    """An exact flat-priced line with nothing included unless overridden."""
    fields: dict[str, object] = {
        "meter": meter,
        "dimension": dimension,
        "quantity": D(quantity),
        "unit": None,
        "included_applied": D(0),
        "billable_quantity": D(quantity),
        "unit_price": None,
        "tiers": (),
        "amount": D(amount),
        "exact": True,
        "lower": None,
        "upper": None,
        "source": EXACT,
    }
    fields.update(kw)
    return InvoiceLine(**fields)  # type: ignore[arg-type]


def exact(meter: str, dimension: str | None, quantity: str) -> Usage:
    return Usage(meter, dimension, D(quantity), exact=True)


FLAT = pricing(meter(unit_price='"0.001"', unit='"requests"'))


def endpoints(**keys: str) -> str:
    """Requests by endpoint (blob1) at 0.001, with /api/export overridden to 0.01."""
    prices = '[meters.prices]\n"/api/export" = "0.01"\n'
    return meter(dimension='"blob1"', unit_price='"0.001"', **keys) + prices


ENDPOINTS = endpoints()
TIERS = (
    'tiers = [{up_to = 1000, unit_price = "0.002"}, {up_to = 10000, unit_price = "0.001"}, '
    '{unit_price = "0.0005"}]\n'
)
TIER_0 = (D(0), D(1000), D("0.002"))
TIER_1 = (D(1000), D(10000), D("0.001"))
TIER_2 = (D(10000), None, D("0.0005"))


def test_flat_unit_price_rounds_half_up_to_cents() -> None:
    inv = compute_invoice(FLAT, "acme", "2026-03", [exact("requests", None, "12345")])
    # 12345 * 0.001 = 12.345 -> 12.35 (HALF_UP; banker's rounding would give 12.34)
    assert inv == Invoice(
        customer="acme",
        month="2026-03",
        currency="USD",
        timezone="UTC",
        period_start="2026-03-01T00:00:00Z",
        period_end="2026-04-01T00:00:00Z",
        lines=(line("requests", None, "12345", "12.35", unit="requests", unit_price=D("0.001")),),
        total=D("12.35"),
        exact=True,
    )


def test_no_usage_gives_an_empty_zero_invoice() -> None:
    inv = compute_invoice(FLAT, "acme", "2026-03", [])
    assert (inv.lines, inv.total, str(inv.total), inv.exact) == ((), D(0), "0.00", True)


def test_per_dimension_overrides_price_each_line() -> None:
    usage = [
        exact("requests", "/api/items", "1000"),
        exact("requests", "/api/export", "250"),
        exact("requests", "/", "10"),
    ]
    inv = compute_invoice(pricing(ENDPOINTS), "acme", "2026-03", usage)
    assert inv.lines == (
        line("requests", "/", "10", "0.01", unit_price=D("0.001")),
        line("requests", "/api/export", "250", "2.50", unit_price=D("0.01")),
        line("requests", "/api/items", "1000", "1.00", unit_price=D("0.001")),
    )
    assert inv.total == D("3.51")


def test_included_units_go_to_the_dearest_lines_first() -> None:
    # 300 free: /api/export (0.01) takes 250, then the 0.001 lines in name order: "/" takes 10,
    # "/api/items" takes the last 40 and pays for 960.
    usage = [
        exact("requests", "/api/items", "1000"),
        exact("requests", "/api/export", "250"),
        exact("requests", "/", "10"),
    ]
    inv = compute_invoice(pricing(endpoints(included="300")), "acme", "2026-03", usage)
    assert inv.lines == (
        line(
            "requests",
            "/",
            "10",
            "0.00",
            unit_price=D("0.001"),
            included_applied=D(10),
            billable_quantity=D(0),
        ),
        line(
            "requests",
            "/api/export",
            "250",
            "0.00",
            unit_price=D("0.01"),
            included_applied=D(250),
            billable_quantity=D(0),
        ),
        line(
            "requests",
            "/api/items",
            "1000",
            "0.96",
            unit_price=D("0.001"),
            included_applied=D(40),
            billable_quantity=D(960),
        ),
    )
    assert inv.total == D("0.96")


def test_included_units_on_a_flat_meter_and_more_than_used() -> None:
    p = pricing(meter(unit_price='"0.001"', included="1000"))
    inv = compute_invoice(p, "acme", "2026-03", [exact("requests", None, "12345")])
    # (12345 - 1000) * 0.001 = 11.345 -> 11.35
    assert inv.lines[0].included_applied == D(1000)
    assert inv.lines[0].billable_quantity == D(11345)
    assert inv.total == D("11.35")
    small = compute_invoice(p, "acme", "2026-03", [exact("requests", None, "999")])
    assert (small.lines[0].included_applied, small.lines[0].billable_quantity) == (D(999), D(0))
    assert small.total == D("0.00")


def tiered(quantity: str, included: str = "0") -> InvoiceLine:
    p = pricing(meter(included=included) + TIERS)
    inv = compute_invoice(p, "acme", "2026-03", [exact("requests", None, quantity)])
    assert inv.total == inv.lines[0].amount
    return inv.lines[0]


def charge(tier: tuple[D, D | None, D], quantity: str) -> TierCharge:
    low, high, price = tier
    return TierCharge(low, high, D(quantity), price, D(quantity) * price)


def test_graduated_tiers_quantity_exactly_on_a_boundary() -> None:
    assert tiered("1000") == line("requests", None, "1000", "2.00", tiers=(charge(TIER_0, "1000"),))


def test_graduated_tiers_one_past_a_boundary() -> None:
    # 1000 * 0.002 + 1 * 0.001 = 2.001 -> 2.00
    got = tiered("1001")
    assert got.tiers == (charge(TIER_0, "1000"), charge(TIER_1, "1"))
    assert got.tiers[1].amount == D("0.001")
    assert (got.unit_price, got.amount) == (None, D("2.00"))


def test_graduated_tiers_reach_the_open_tier() -> None:
    # 1000 * 0.002 + 9000 * 0.001 + 15000 * 0.0005 = 2 + 9 + 7.5
    got = tiered("25000")
    assert got.tiers == (charge(TIER_0, "1000"), charge(TIER_1, "9000"), charge(TIER_2, "15000"))
    assert got.amount == D("18.50")


def test_zero_quantity_on_tiers_has_no_charges() -> None:
    assert tiered("0") == line("requests", None, "0", "0.00")


def test_included_units_are_a_free_prefix_of_the_tiers() -> None:
    # Units 1..100 free; 101..1000 at 0.002 (900 units); 1001..1500 at 0.001 (500 units).
    got = tiered("1500", included="100")
    assert got == line(
        "requests",
        None,
        "1500",
        "2.30",
        included_applied=D(100),
        billable_quantity=D(1400),
        tiers=(charge(TIER_0, "900"), charge(TIER_1, "500")),
    )


def test_included_units_beyond_the_first_tier() -> None:
    got = tiered("2500", included="2000")
    assert got.tiers == (charge(TIER_1, "500"),)
    assert got.amount == D("0.50")
    assert tiered("1500", included="2000").tiers == ()


def test_multiple_meters_in_pricing_order_and_a_double_sum_meter() -> None:
    p = pricing(
        meter(unit_price='"0.001"')
        + meter("egress", "sum(double1)", unit_price='"0.09"', unit='"GB"')
    )
    usage = [exact("egress", None, "12.5"), exact("requests", None, "1500")]
    inv = compute_invoice(p, "acme", "2026-03", usage)
    # 12.5 GB * 0.09 = 1.125 -> 1.13; 1500 * 0.001 = 1.50
    assert inv.lines == (
        line("requests", None, "1500", "1.50", unit_price=D("0.001")),
        line("egress", None, "12.5", "1.13", unit_price=D("0.09"), unit="GB"),
    )
    assert inv.total == D("2.63")


def test_jpy_rounds_to_whole_yen() -> None:
    p = pricing(meter(unit_price='"0.5"') + meter("calls", unit_price='"0.15"'), currency="JPY")
    usage = [exact("requests", None, "3"), exact("calls", None, "1234")]
    inv = compute_invoice(p, "acme", "2026-03", usage)
    # 3 * 0.5 = 1.5 -> 2; 1234 * 0.15 = 185.1 -> 185
    assert [str(x.amount) for x in inv.lines] == ["2", "185"]
    assert str(inv.total) == "187"


def test_three_digit_currency() -> None:
    p = pricing(meter(unit_price='"0.0005"'), currency="KWD")
    inv = compute_invoice(p, "acme", "2026-03", [exact("requests", None, "3")])
    assert str(inv.total) == "0.002"  # 0.0015 -> 0.002


def test_estimate_lines_carry_their_interval_and_source() -> None:
    est = Usage("requests", None, D(1000), exact=False, lower=D(940), upper=D(1060))
    inv = compute_invoice(FLAT, "acme", "2026-03", [est])
    assert inv.lines == (
        line(
            "requests",
            None,
            "1000",
            "1.00",
            unit="requests",
            unit_price=D("0.001"),
            exact=False,
            lower=D(940),
            upper=D(1060),
            source="sampled estimate",
        ),
    )
    assert inv.exact is False


def test_rows_for_one_line_add_up_exact_parts_widen_nothing() -> None:
    usage = [
        exact("requests", None, "500"),
        Usage("requests", None, D(1000), exact=False, lower=D(940), upper=D(1060)),
    ]
    got = compute_invoice(FLAT, "acme", "2026-03", usage).lines[0]
    assert (got.quantity, got.exact, got.lower, got.upper) == (D(1500), False, D(1440), D(1560))
    both = compute_invoice(FLAT, "acme", "2026-03", [usage[0], usage[0]]).lines[0]
    assert (both.quantity, both.exact, both.lower, both.upper) == (D(1000), True, None, None)
    unknown = [usage[0], Usage("requests", None, D(7), exact=False)]
    partial = compute_invoice(FLAT, "acme", "2026-03", unknown).lines[0]
    assert (partial.quantity, partial.lower, partial.upper) == (D(507), None, None)


def test_a_line_names_where_its_quantity_comes_from() -> None:
    counted = exact("requests", None, "500")
    stored = Usage("requests", None, D(20), exact=True, source="unsampled rows")
    sampled = Usage("requests", None, D(1000), exact=False, lower=D(940), upper=D(1060))
    sources = {
        (counted,): ("exact counters", True),
        (stored,): ("unsampled rows", True),
        (sampled,): ("sampled estimate", False),
        (counted, stored): ("exact counters and unsampled rows", True),
        (stored, sampled): ("sampled estimate", False),
    }
    for usage, (source, is_exact) in sources.items():
        line = compute_invoice(FLAT, "acme", "2026-03", usage).lines[0]
        assert (line.source, line.exact) == (source, is_exact), usage


def test_daily_breakdown_is_carried_as_given() -> None:
    daily = [DailyUsage("2026-03-01", "requests", None, D(7))]
    inv = compute_invoice(FLAT, "acme", "2026-03", [], daily=daily)
    assert inv.daily == (DailyUsage("2026-03-01", "requests", None, D(7)),)


@pytest.mark.parametrize(
    ("usage", "message"),
    [
        (exact("nope", None, "1"), "usage names undeclared meter 'nope'"),
        (exact("requests", "/a", "1"), "usage for meter 'requests' must have no dimension"),
        (exact("requests", None, "-1"), "usage for meter 'requests' is not >= 0: -1"),
        (exact("requests", None, "NaN"), "usage for meter 'requests' is not >= 0: NaN"),
    ],
)
def test_bad_usage_is_refused_not_billed(usage: Usage, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as e:
        compute_invoice(FLAT, "acme", "2026-03", [usage])
    assert str(e.value) == message


def test_dimension_meter_needs_a_dimension_value() -> None:
    with pytest.raises(ValueError, match="must have a dimension value"):
        compute_invoice(pricing(ENDPOINTS), "acme", "2026-03", [exact("requests", None, "1")])
