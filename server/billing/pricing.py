"""The pricing file (`USAGEHOUSE_PRICING`, TOML): meters, prices, tiers and included units.

Parsing is strict so a typo fails at start-up instead of on an invoice: every error is a
`ConfigError` naming the file, the meter (by name, else `meters[i]`) and the problem, and unknown
keys are rejected. Money is `Decimal` throughout; floats are converted via `str` so `0.1` stays
`0.1`. Rules: a meter has either `unit_price` (optionally overridden per dimension value by
`[meters.prices]`) or graduated `[[meters.tiers]]`; tiers price the meter's whole monthly quantity,
so a tiered meter has no dimension. How `included` is applied is described in `invoice.py`.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..config import ConfigError
from ..names import DATASET_NAME

METER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
MEASURE = re.compile(r"count|sum\((double(?:[1-9]|1[0-9]|20))\)")
DIMENSION = re.compile(r"blob(?:[1-9]|1[0-9]|20)")
CURRENCY = re.compile(r"[A-Z]{3}")

TOP_KEYS = frozenset({"currency", "timezone", "meters"})
METER_KEYS = frozenset(
    {"name", "dataset", "measure", "dimension", "unit_price", "included", "prices", "tiers"}
    | {"unit", "description"}
)
TIER_KEYS = frozenset({"up_to", "unit_price"})
INFINITY = "inf"


@dataclass(frozen=True, slots=True)
class Tier:
    """One graduated band: units up to `up_to` (None = no upper bound) cost `unit_price` each."""

    up_to: Decimal | None
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class Meter:
    """One billable measure of one dataset, optionally split into lines by a blob."""

    name: str
    dataset: str
    measure: str
    dimension: str | None = None
    unit_price: Decimal | None = None
    included: Decimal = Decimal(0)
    prices: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    tiers: tuple[Tier, ...] = ()
    unit: str | None = None
    description: str | None = None

    @property
    def double_column(self) -> str | None:
        """The summed column (`double3`) for `sum(doubleN)` meters; None for `count`."""
        match = MEASURE.fullmatch(self.measure)
        return match.group(1) if match else None

    def price_for(self, dimension: str | None) -> Decimal | None:
        """The flat unit price of one line; None for tiered meters."""
        if dimension is not None and dimension in self.prices:
            return self.prices[dimension]
        return self.unit_price


@dataclass(frozen=True, slots=True)
class Pricing:
    """A whole pricing file: one currency and time zone for every meter."""

    currency: str
    timezone: str
    meters: tuple[Meter, ...]
    source: str = "<pricing>"

    def meter(self, name: str) -> Meter:
        """The meter called `name`; KeyError if none is declared."""
        for meter in self.meters:
            if meter.name == name:
                return meter
        raise KeyError(name)


def load_pricing(path: str) -> Pricing:
    """Read and validate a pricing file; ConfigError names the file and the problem."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read pricing file: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: pricing file is not UTF-8") from e
    return parse_pricing(text, source=path)


def parse_pricing(text: str, source: str = "<pricing>") -> Pricing:
    """Validate pricing TOML given as text; `source` prefixes every error message."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: invalid TOML: {e}") from e
    _reject_unknown(doc, TOP_KEYS, source)
    currency = doc.get("currency")
    if currency is None:
        raise ConfigError(f'{source}: currency is required (an ISO 4217 code such as "USD")')
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        raise ConfigError(f'{source}: currency {currency!r} is not an ISO 4217 code such as "USD"')
    timezone = doc.get("timezone", "UTC")
    if not isinstance(timezone, str) or not _is_zone(timezone):
        raise ConfigError(f"{source}: timezone {timezone!r} is not an IANA time zone")
    raw_meters = doc.get("meters")
    if not isinstance(raw_meters, list) or not raw_meters:
        raise ConfigError(f"{source}: declare at least one [[meters]] table")
    meters: list[Meter] = []
    for i, raw in enumerate(raw_meters):
        meter = _parse_meter(raw, f"{source}: meters[{i}]", source)
        if any(m.name == meter.name for m in meters):
            raise ConfigError(f"{source}: meter {meter.name!r}: name is declared twice")
        meters.append(meter)
    return Pricing(currency, timezone, tuple(meters), source)


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a directory
        return False
    return True


def _reject_unknown(table: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (expected one of {', '.join(sorted(allowed))})"
        )


def _decimal(value: object, what: str, where: str) -> Decimal:
    """A finite, non-negative Decimal from a TOML string, integer or float."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{where}: {what} must be a decimal string or a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ConfigError(f"{where}: {what} {value!r} is not a decimal number") from None
    if not number.is_finite() or number < 0:
        raise ConfigError(f"{where}: {what} {value!r} must be a finite number >= 0")
    return number


def _optional_str(raw: Mapping[str, object], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, got {value!r}")
    return value


def _parse_meter(raw: object, index_label: str, source: str) -> Meter:
    if not isinstance(raw, dict):
        raise ConfigError(f"{index_label}: must be a table")
    name = raw.get("name")
    if not isinstance(name, str) or not METER_NAME.fullmatch(name):
        raise ConfigError(f"{index_label}: name {name!r} must match {METER_NAME.pattern}")
    where = f"{source}: meter {name!r}"
    _reject_unknown(raw, METER_KEYS, where)
    dataset = raw.get("dataset")
    if not isinstance(dataset, str) or not DATASET_NAME.fullmatch(dataset):
        raise ConfigError(f"{where}: dataset {dataset!r} is not a valid dataset name")
    measure = raw.get("measure")
    if not isinstance(measure, str) or not MEASURE.fullmatch(measure):
        raise ConfigError(
            f'{where}: measure {measure!r} must be "count" or "sum(doubleN)" with N in 1..20'
        )
    dimension = raw.get("dimension")
    if dimension is not None and (
        not isinstance(dimension, str) or not DIMENSION.fullmatch(dimension)
    ):
        raise ConfigError(f"{where}: dimension {dimension!r} must be one of blob1..blob20")
    has_price, has_tiers = "unit_price" in raw, "tiers" in raw
    if has_price == has_tiers:
        raise ConfigError(f"{where}: set exactly one of unit_price or tiers")
    unit_price = _decimal(raw["unit_price"], "unit_price", where) if has_price else None
    tiers = _parse_tiers(raw["tiers"], where) if has_tiers else ()
    if tiers and dimension is not None:
        raise ConfigError(f"{where}: tiers price the meter's total, so it cannot have a dimension")
    prices = _parse_prices(raw.get("prices"), dimension, where)
    included = _decimal(raw.get("included", 0), "included", where)
    return Meter(
        name=name,
        dataset=dataset,
        measure=measure,
        dimension=dimension,
        unit_price=unit_price,
        included=included,
        prices=prices,
        tiers=tiers,
        unit=_optional_str(raw, "unit", where),
        description=_optional_str(raw, "description", where),
    )


def _parse_prices(raw: object, dimension: str | None, where: str) -> MappingProxyType[str, Decimal]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: prices must be a table of dimension value = price")
    if dimension is None:
        raise ConfigError(f"{where}: prices overrides need a dimension")
    return MappingProxyType(
        {value: _decimal(price, f"prices[{value!r}]", where) for value, price in raw.items()}
    )


def _parse_tiers(raw: object, where: str) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{where}: tiers must be a non-empty array of tables")
    tiers: list[Tier] = []
    for i, band in enumerate(raw):
        at = f"{where}: tiers[{i}]"
        if not isinstance(band, dict):
            raise ConfigError(f"{at}: must be a table")
        _reject_unknown(band, TIER_KEYS, at)
        if "unit_price" not in band:
            raise ConfigError(f"{at}: unit_price is required")
        price = _decimal(band["unit_price"], "unit_price", at)
        last = i == len(raw) - 1
        bound = band.get("up_to", INFINITY if last else None)
        bound = INFINITY if bound == math.inf else bound  # TOML's bare `inf` means the same
        if bound is None:
            raise ConfigError(f"{at}: up_to is required on every tier but the last")
        if bound == INFINITY and not last:
            raise ConfigError(f"{at}: only the last tier may be unbounded")
        if last:
            if bound != INFINITY:
                raise ConfigError(f"{at}: the last tier must be unbounded (omit up_to)")
            tiers.append(Tier(None, price))
            continue
        up_to = _decimal(bound, "up_to", at)
        previous = tiers[-1].up_to if tiers else Decimal(0)
        if previous is not None and up_to <= previous:
            raise ConfigError(f"{at}: up_to {bound!r} must be greater than {previous}")
        tiers.append(Tier(up_to, price))
    return tuple(tiers)
