"""The tests' emulation of Grafana: Infinity's URL joining, and where the bill panels' time
range ends."""

from __future__ import annotations

from datetime import datetime

from tests.grafana.live import bill_to_ms
from tests.grafana.plugins import infinity_allows, infinity_url


def test_infinity_url_joins_as_request_go_does() -> None:
    base = "http://usagehouse:8787/client/v4/accounts/demo"
    assert infinity_url(base, "http://usagehouse:8787/ready") == (
        "http://usagehouse:8787/client/v4/accounts/demohttp://usagehouse:8787/ready"
    )
    assert infinity_url(base, base + "/x?b=2&a=1") == base + "/x?a=1&b=2"
    params = [{"key": "q", "value": "SELECT 1"}]
    assert infinity_url(base, "/sql?z=0", params) == base + "/sql?q=SELECT+1&z=0"
    assert infinity_allows(base + "/sql", ["http://usagehouse:8787"])
    assert not infinity_allows("http://other:8787/sql", ["http://usagehouse:8787"])


def test_bill_panels_range_ends_in_a_month_with_billable_demo_usage() -> None:
    def ms(when: str) -> int:
        return int(datetime.fromisoformat(when).timestamp() * 1000)

    assert bill_to_ms(datetime.fromisoformat("2026-12-01T00:30Z")) == ms("2026-12-01T00:00Z") - 1
    assert bill_to_ms(datetime.fromisoformat("2027-01-03T23:59Z")) == ms("2027-01-01T00:00Z") - 1
    assert bill_to_ms(datetime.fromisoformat("2026-12-04T00:00Z")) == ms("2026-12-04T00:00Z")
    assert bill_to_ms(datetime.fromisoformat("2026-11-23T20:00Z")) == ms("2026-11-23T20:00Z")
