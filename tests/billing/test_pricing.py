"""The pricing file: a full valid example, and every invalid shape with its exact message."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from server.billing import Meter, Pricing, Tier, load_pricing, parse_pricing
from server.config import ConfigError

FULL = """
currency = "USD"
timezone = "Europe/Berlin"

[[meters]]
name = "requests"
dataset = "usage_indexed_by_customer_id"
measure = "count"
dimension = "blob1"
unit_price = "0.001"
included = 100
unit = "requests"
description = "API requests"
[meters.prices]
"/api/export" = "0.01"

[[meters]]
name = "egress"
dataset = "usage_indexed_by_customer_id"
measure = "sum(double2)"
unit = "GB"
included = "1.5"
tiers = [
  { up_to = 1000, unit_price = "0.002" },
  { up_to = "10000", unit_price = 0.001 },
  { unit_price = "0.0005" },
]
"""

METER = """currency = "USD"
[[meters]]
name = "m"
dataset = "ds"
measure = "count"
"""


def test_full_example_parses_to_frozen_values() -> None:
    pricing = parse_pricing(FULL, source="prices.toml")
    assert pricing == Pricing(
        currency="USD",
        timezone="Europe/Berlin",
        meters=(
            Meter(
                name="requests",
                dataset="usage_indexed_by_customer_id",
                measure="count",
                dimension="blob1",
                unit_price=Decimal("0.001"),
                included=Decimal(100),
                prices={"/api/export": Decimal("0.01")},
                unit="requests",
                description="API requests",
            ),
            Meter(
                name="egress",
                dataset="usage_indexed_by_customer_id",
                measure="sum(double2)",
                included=Decimal("1.5"),
                tiers=(
                    Tier(Decimal(1000), Decimal("0.002")),
                    Tier(Decimal(10000), Decimal("0.001")),
                    Tier(None, Decimal("0.0005")),
                ),
                unit="GB",
            ),
        ),
        source="prices.toml",
    )
    requests, egress = pricing.meters
    assert requests.double_column is None
    assert egress.double_column == "double2"
    assert requests.price_for("/api/export") == Decimal("0.01")
    assert requests.price_for("/other") == Decimal("0.001")
    assert pricing.meter("egress") is egress
    with pytest.raises(KeyError):
        pricing.meter("nope")
    with pytest.raises(TypeError):
        requests.prices["/x"] = Decimal(1)  # type: ignore[index]


def test_defaults_and_number_forms() -> None:
    pricing = parse_pricing(METER + "unit_price = 0.1\nincluded = 2.5\n")
    meter = pricing.meters[0]
    assert pricing.timezone == "UTC"
    assert pricing.source == "<pricing>"
    assert meter.unit_price == Decimal("0.1")  # float via str: not 0.1000000000000000055...
    assert meter.included == Decimal("2.5")
    assert (meter.dimension, meter.unit, meter.description, meter.tiers) == (None, None, None, ())
    integer = parse_pricing(METER + "unit_price = 3\n").meters[0]
    assert integer.unit_price == Decimal(3)
    inf = parse_pricing(
        METER + 'tiers = [{up_to = 10, unit_price = "1"}, {up_to = "inf", unit_price = "0"}]\n'
    )
    assert inf.meters[0].tiers == (Tier(Decimal(10), Decimal(1)), Tier(None, Decimal(0)))
    bare = parse_pricing(
        METER + 'tiers = [{up_to = 10, unit_price = "1"}, {up_to = inf, unit_price = "0"}]\n'
    )
    assert bare.meters[0].tiers == inf.meters[0].tiers


def test_load_pricing_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "pricing.toml"
    path.write_text(FULL, encoding="utf-8")
    pricing = load_pricing(str(path))
    assert pricing.source == str(path)
    assert [m.name for m in pricing.meters] == ["requests", "egress"]


def test_load_pricing_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as e:
        load_pricing(str(path))
    assert str(e.value) == f"{path}: cannot read pricing file: No such file or directory"


def test_load_pricing_non_utf8_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'currency = "\xe9"\n')
    with pytest.raises(ConfigError) as e:
        load_pricing(str(path))
    assert str(e.value) == f"{path}: pricing file is not UTF-8"


TOP = "prices.toml"
M = "prices.toml: meter 'm'"
META = "dataset, description, dimension, included, measure, name, prices, tiers, unit, unit_price"
TWO_TIERS = 'tiers = [{up_to = 10, unit_price = "1"}, {unit_price = "0.5"}]\n'

INVALID = [
    (
        "toml_syntax",
        'currency = "USD"\nfoo bar',
        f"{TOP}: invalid TOML: Expected '=' after a key in a key/value pair (at line 2, column 5)",
    ),
    (
        "currency_missing",
        "[[meters]]\nname = 'm'\n",
        f'{TOP}: currency is required (an ISO 4217 code such as "USD")',
    ),
    (
        "currency_lowercase",
        'currency = "usd"',
        f"{TOP}: currency 'usd' is not an ISO 4217 code such as \"USD\"",
    ),
    (
        "currency_number",
        "currency = 840",
        f'{TOP}: currency 840 is not an ISO 4217 code such as "USD"',
    ),
    (
        "timezone_unknown",
        'currency = "USD"\ntimezone = "Mars/Olympus"',
        f"{TOP}: timezone 'Mars/Olympus' is not an IANA time zone",
    ),
    (
        "timezone_path",
        'currency = "USD"\ntimezone = "../etc/passwd"',
        f"{TOP}: timezone '../etc/passwd' is not an IANA time zone",
    ),
    (
        "timezone_directory",
        'currency = "USD"\ntimezone = "Europe"',
        f"{TOP}: timezone 'Europe' is not an IANA time zone",
    ),
    (
        "timezone_number",
        'currency = "USD"\ntimezone = 1',
        f"{TOP}: timezone 1 is not an IANA time zone",
    ),
    (
        "top_level_typo",
        'currency = "USD"\ncurency = "EUR"',
        f"{TOP}: unknown key 'curency' (expected one of currency, meters, timezone)",
    ),
    ("no_meters", 'currency = "USD"', f"{TOP}: declare at least one [[meters]] table"),
    (
        "meters_not_array",
        'currency = "USD"\nmeters = "x"',
        f"{TOP}: declare at least one [[meters]] table",
    ),
    ("meter_not_table", 'currency = "USD"\nmeters = [1]', f"{TOP}: meters[0]: must be a table"),
    (
        "meter_name_missing",
        'currency = "USD"\n[[meters]]\ndataset = "ds"',
        f"{TOP}: meters[0]: name None must match [A-Za-z_][A-Za-z0-9_.-]{{0,63}}",
    ),
    (
        "meter_name_invalid",
        METER + 'unit_price = "1"\n[[meters]]\nname = "bad name"',
        f"{TOP}: meters[1]: name 'bad name' must match [A-Za-z_][A-Za-z0-9_.-]{{0,63}}",
    ),
    (
        "meter_name_twice",
        METER + 'unit_price = "1"\n' + METER.split("\n", 1)[1] + 'unit_price = "2"\n',
        f"{M}: name is declared twice",
    ),
    (
        "meter_key_typo",
        METER + 'unit_prise = "1"',
        f"{M}: unknown key 'unit_prise' (expected one of {META})",
    ),
    (
        "dataset_missing",
        'currency = "USD"\n[[meters]]\nname = "m"',
        f"{M}: dataset None is not a valid dataset name",
    ),
    (
        "dataset_invalid",
        'currency = "USD"\n[[meters]]\nname = "m"\ndataset = "1ds"',
        f"{M}: dataset '1ds' is not a valid dataset name",
    ),
    (
        "measure_avg",
        'currency = "USD"\n[[meters]]\nname = "m"\ndataset = "ds"\nmeasure = "avg(double1)"',
        f'{M}: measure \'avg(double1)\' must be "count" or "sum(doubleN)" with N in 1..20',
    ),
    (
        "measure_double21",
        'currency = "USD"\n[[meters]]\nname = "m"\ndataset = "ds"\nmeasure = "sum(double21)"',
        f'{M}: measure \'sum(double21)\' must be "count" or "sum(doubleN)" with N in 1..20',
    ),
    (
        "dimension_index",
        METER + 'dimension = "index1"\nunit_price = "1"',
        f"{M}: dimension 'index1' must be one of blob1..blob20",
    ),
    (
        "dimension_blob21",
        METER + 'dimension = "blob21"\nunit_price = "1"',
        f"{M}: dimension 'blob21' must be one of blob1..blob20",
    ),
    ("no_price", METER, f"{M}: set exactly one of unit_price or tiers"),
    (
        "price_and_tiers",
        METER + 'unit_price = "1"\n' + TWO_TIERS,
        f"{M}: set exactly one of unit_price or tiers",
    ),
    ("price_text", METER + 'unit_price = "abc"', f"{M}: unit_price 'abc' is not a decimal number"),
    (
        "price_negative",
        METER + 'unit_price = "-1"',
        f"{M}: unit_price '-1' must be a finite number >= 0",
    ),
    (
        "price_nan",
        METER + 'unit_price = "NaN"',
        f"{M}: unit_price 'NaN' must be a finite number >= 0",
    ),
    (
        "price_float_inf",
        METER + "unit_price = inf",
        f"{M}: unit_price inf must be a finite number >= 0",
    ),
    (
        "price_bool",
        METER + "unit_price = true",
        f"{M}: unit_price must be a decimal string or a number, got True",
    ),
    (
        "included_negative",
        METER + 'unit_price = "1"\nincluded = -5',
        f"{M}: included -5 must be a finite number >= 0",
    ),
    (
        "prices_without_dimension",
        METER + 'unit_price = "1"\n[meters.prices]\n"/a" = "2"',
        f"{M}: prices overrides need a dimension",
    ),
    (
        "prices_not_table",
        METER + 'dimension = "blob1"\nunit_price = "1"\nprices = "x"',
        f"{M}: prices must be a table of dimension value = price",
    ),
    (
        "prices_value_invalid",
        METER + 'dimension = "blob1"\nunit_price = "1"\n[meters.prices]\n"/a" = "x"',
        f"{M}: prices['/a'] 'x' is not a decimal number",
    ),
    ("tiers_empty", METER + "tiers = []", f"{M}: tiers must be a non-empty array of tables"),
    ("tier_not_table", METER + "tiers = [1]", f"{M}: tiers[0]: must be a table"),
    (
        "tier_key_typo",
        METER + 'tiers = [{upto = 10, unit_price = "1"}]',
        f"{M}: tiers[0]: unknown key 'upto' (expected one of unit_price, up_to)",
    ),
    (
        "tier_price_missing",
        METER + "tiers = [{up_to = 10}, {unit_price = 1}]",
        f"{M}: tiers[0]: unit_price is required",
    ),
    (
        "tier_bound_missing",
        METER + 'tiers = [{unit_price = "1"}, {unit_price = "0.5"}]',
        f"{M}: tiers[0]: up_to is required on every tier but the last",
    ),
    (
        "tier_float_inf_not_last",
        METER + 'tiers = [{up_to = inf, unit_price = "1"}, {unit_price = "0.5"}]',
        f"{M}: tiers[0]: only the last tier may be unbounded",
    ),
    (
        "tier_inf_not_last",
        METER + 'tiers = [{up_to = "inf", unit_price = "1"}, {unit_price = "0.5"}]',
        f"{M}: tiers[0]: only the last tier may be unbounded",
    ),
    (
        "tier_last_bounded",
        METER + 'tiers = [{up_to = 10, unit_price = "1"}, {up_to = 20, unit_price = "0.5"}]',
        f"{M}: tiers[1]: the last tier must be unbounded (omit up_to)",
    ),
    (
        "tier_not_increasing",
        METER
        + 'tiers = [{up_to = 10, unit_price = "1"}, {up_to = 10, unit_price = "0.5"}, '
        + '{unit_price = "0.1"}]',
        f"{M}: tiers[1]: up_to 10 must be greater than 10",
    ),
    (
        "tier_bound_zero",
        METER + 'tiers = [{up_to = 0, unit_price = "1"}, {unit_price = "0.5"}]',
        f"{M}: tiers[0]: up_to 0 must be greater than 0",
    ),
    (
        "tier_bound_text",
        METER + 'tiers = [{up_to = "ten", unit_price = "1"}, {unit_price = "0.5"}]',
        f"{M}: tiers[0]: up_to 'ten' is not a decimal number",
    ),
    (
        "tier_price_negative",
        METER + 'tiers = [{up_to = 10, unit_price = "-1"}, {unit_price = "0.5"}]',
        f"{M}: tiers[0]: unit_price '-1' must be a finite number >= 0",
    ),
    (
        "tiers_with_dimension",
        METER + 'dimension = "blob1"\n' + TWO_TIERS,
        f"{M}: tiers price the meter's total, so it cannot have a dimension",
    ),
    ("unit_not_text", METER + 'unit_price = "1"\nunit = 5', f"{M}: unit must be a string, got 5"),
    (
        "description_not_text",
        METER + 'unit_price = "1"\ndescription = [1]',
        f"{M}: description must be a string, got [1]",
    ),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_pricing_is_rejected_naming_file_meter_and_problem(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_pricing(text, source="prices.toml")
    assert str(e.value) == message
