"""Month bounds: [start, end) in the pricing time zone, as UTC instants for storage queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.billing import compute_invoice, month_bounds, parse_pricing
from server.errors import BadRequest


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def test_utc_month() -> None:
    start, end = month_bounds("2026-03", "UTC")
    assert (start, end) == (utc(2026, 3, 1), utc(2026, 4, 1))
    assert start.isoformat() == "2026-03-01T00:00:00+00:00"
    assert start.tzinfo is UTC and end.tzinfo is UTC


def test_last_second_is_in_and_midnight_is_out() -> None:
    start, end = month_bounds("2026-03")
    assert start <= utc(2026, 3, 1, 0, 0, 0) < end
    assert start <= utc(2026, 3, 31, 23, 59, 59) < end
    assert not utc(2026, 4, 1, 0, 0, 0) < end
    assert not start <= utc(2026, 2, 28, 23, 59, 59)


def test_december_rolls_into_next_year_and_february_has_its_length() -> None:
    assert month_bounds("2026-12") == (utc(2026, 12, 1), utc(2027, 1, 1))
    assert month_bounds("2028-02") == (utc(2028, 2, 1), utc(2028, 3, 1))


def test_berlin_march_spans_the_dst_change() -> None:
    # CET (+01:00) at the start, CEST (+02:00) from 2026-03-29 on: 743 hours, not 744.
    start, end = month_bounds("2026-03", "Europe/Berlin")
    assert (start, end) == (utc(2026, 2, 28, 23), utc(2026, 3, 31, 22))
    assert (end - start).total_seconds() == 743 * 3600


def test_tokyo_month_starts_the_previous_utc_day() -> None:
    assert month_bounds("2026-01", "Asia/Tokyo") == (utc(2025, 12, 31, 15), utc(2026, 1, 31, 15))


def test_invoice_period_is_shown_in_local_time() -> None:
    p = parse_pricing(
        'currency = "EUR"\ntimezone = "Europe/Berlin"\n[[meters]]\nname = "m"\n'
        'dataset = "ds"\nmeasure = "count"\nunit_price = "1"\n'
    )
    inv = compute_invoice(p, "acme", "2026-03", [])
    assert (inv.timezone, inv.period_start, inv.period_end) == (
        "Europe/Berlin",
        "2026-03-01T00:00:00+01:00",
        "2026-04-01T00:00:00+02:00",
    )


@pytest.mark.parametrize(
    "month",
    [
        "2026-13",
        "2026-00",
        "２０２６-03",  # noqa: RUF001 (fullwidth digits, on purpose)
        "2026-3",
        "26-03",
        "2026-03-01",
        "",
        "abcd-ef",
        "1969-12",
        "9999-12",
    ],
)
def test_invalid_month_is_a_bad_request(month: str) -> None:
    with pytest.raises(BadRequest) as e:
        month_bounds(month, "UTC")
    assert e.value.message == f"invalid month {month!r}: expected YYYY-MM, e.g. 2026-03"
