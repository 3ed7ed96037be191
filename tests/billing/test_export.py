"""Invoice JSON and CSV, byte for byte: money as strings, one CSV row per line plus totals."""

from __future__ import annotations

import json
from decimal import Decimal

from server.billing import (
    DailyUsage,
    Invoice,
    Usage,
    compute_invoice,
    invoice_to_dict,
    invoices_to_csv,
    parse_pricing,
)

D = Decimal
PRICING = parse_pricing(
    """
currency = "USD"

[[meters]]
name = "requests"
dataset = "usage_indexed_by_customer_id"
measure = "count"
dimension = "blob1"
unit_price = "0.001"
included = 100
unit = "requests"
[meters.prices]
"/api/export" = "0.01"

[[meters]]
name = "egress"
dataset = "usage_indexed_by_customer_id"
measure = "sum(double1)"
unit = "GB"
tiers = [{up_to = 10, unit_price = "0.10"}, {unit_price = "0.05"}]
"""
)


def invoice_for(customer: str = "acme") -> Invoice:
    usage = [
        Usage("requests", "/api/items", D(2500), exact=True),
        Usage("requests", "/api/export", D(40), exact=False, lower=D("31.5"), upper=D("48.5")),
        Usage("egress", None, D("12.5"), exact=True),
    ]
    daily = [
        DailyUsage("2026-03-01", "requests", "/api/items", D(1500)),
        DailyUsage("2026-03-02", "requests", "/api/items", D(1000)),
        DailyUsage("2026-03-02", "egress", None, D("12.5")),
    ]
    return compute_invoice(PRICING, customer, "2026-03", usage, daily)


def test_invoice_to_dict_is_exact_and_json_ready() -> None:
    # requests: 100 included go to /api/export (0.01) first: 40 there, 60 on /api/items.
    #   /api/export 0 billable -> 0.00; /api/items 2440 * 0.001 = 2.44
    # egress: 10 * 0.10 + 2.5 * 0.05 = 1.125 -> 1.13
    got = invoice_to_dict(invoice_for())
    assert got == {
        "customer": "acme",
        "month": "2026-03",
        "currency": "USD",
        "timezone": "UTC",
        "period_start": "2026-03-01T00:00:00Z",
        "period_end": "2026-04-01T00:00:00Z",
        "lines": [
            {
                "meter": "requests",
                "dimension": "/api/export",
                "quantity": "40",
                "unit": "requests",
                "included_applied": "40",
                "billable_quantity": "0",
                "unit_price": "0.01",
                "tiers": [],
                "amount": "0.00",
                "exact": False,
                "lower": "31.5",
                "upper": "48.5",
                "source": "sampled estimate",
            },
            {
                "meter": "requests",
                "dimension": "/api/items",
                "quantity": "2500",
                "unit": "requests",
                "included_applied": "60",
                "billable_quantity": "2440",
                "unit_price": "0.001",
                "tiers": [],
                "amount": "2.44",
                "exact": True,
                "lower": None,
                "upper": None,
                "source": "exact counters",
            },
            {
                "meter": "egress",
                "dimension": None,
                "quantity": "12.5",
                "unit": "GB",
                "included_applied": "0",
                "billable_quantity": "12.5",
                "unit_price": None,
                "tiers": [
                    {
                        "from": "0",
                        "to": "10",
                        "quantity": "10",
                        "unit_price": "0.10",
                        "amount": "1.00",  # 10 * 0.10 keeps the price's scale
                    },
                    {
                        "from": "10",
                        "to": None,
                        "quantity": "2.5",
                        "unit_price": "0.05",
                        "amount": "0.125",
                    },
                ],
                "amount": "1.13",
                "exact": True,
                "lower": None,
                "upper": None,
                "source": "exact counters",
            },
        ],
        "total": "3.57",
        "exact": False,
        "daily": [
            {
                "date": "2026-03-01",
                "meter": "requests",
                "dimension": "/api/items",
                "quantity": "1500",
            },
            {
                "date": "2026-03-02",
                "meter": "requests",
                "dimension": "/api/items",
                "quantity": "1000",
            },
            {"date": "2026-03-02", "meter": "egress", "dimension": None, "quantity": "12.5"},
        ],
    }
    assert json.loads(json.dumps(got)) == got  # nothing but JSON types, no floats anywhere


def test_decimals_never_use_exponent_form() -> None:
    p = parse_pricing(
        'currency = "USD"\n[[meters]]\nname = "m"\ndataset = "d"\nmeasure = "count"\n'
        'unit_price = "1E-3"\n'
    )
    inv = compute_invoice(p, "acme", "2026-03", [Usage("m", None, D("1E+3"), exact=True)])
    lines = invoice_to_dict(inv)["lines"]
    assert isinstance(lines, list)
    line = lines[0]
    assert (line["quantity"], line["unit_price"], line["amount"]) == ("1000", "0.001", "1.00")


def test_csv_has_one_row_per_line_and_a_total_per_customer() -> None:
    other = compute_invoice(PRICING, "globex", "2026-03", [])
    assert invoices_to_csv([invoice_for(), other]) == (
        "customer,month,currency,meter,dimension,quantity,unit_price,amount,exact\n"
        "acme,2026-03,USD,requests,/api/export,40,0.01,0.00,false\n"
        "acme,2026-03,USD,requests,/api/items,2500,0.001,2.44,true\n"
        "acme,2026-03,USD,egress,,12.5,,1.13,true\n"
        "acme,2026-03,USD,,,,,3.57,false\n"
        "globex,2026-03,USD,,,,,0.00,true\n"
    )


def test_csv_quotes_and_defuses_formulas_in_customer_text() -> None:
    usage = [Usage("requests", '=HYPERLINK("x"),1', D(1), exact=True)]
    inv = compute_invoice(PRICING, "-cmd", "2026-03", usage)
    assert invoices_to_csv([inv]).splitlines()[1:] == [
        '\'-cmd,2026-03,USD,requests,"\'=HYPERLINK(""x""),1",1,0.001,0.00,true',
        "'-cmd,2026-03,USD,,,,,0.00,true",
    ]


def test_csv_of_no_invoices_is_just_the_header() -> None:
    assert invoices_to_csv([]) == (
        "customer,month,currency,meter,dimension,quantity,unit_price,amount,exact\n"
    )
