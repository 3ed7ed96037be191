"""Invoices from storage: exact counters for everything ingested since a meter existed, and
sample-weighted estimates (with 95% intervals) for points ingested before that.

A meter's start is recorded once, as a batch id (the write path's time-ordered flush id), so
"ingested before the meter" is `points._batch < start`, whatever the points' timestamps.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson

from ..estimates import estimate_sql, variance_sql, z_score
from ..storage import Storage, new_batch_id, schema, sql_string
from .invoice import UNSAMPLED_ROWS, DailyUsage, Invoice, Usage, compute_invoice, month_bounds
from .pricing import Meter, Pricing

Z95 = z_score(0.95)
# meter, customer, dimension value: None on a meter without a dimension; on a meter with one,
# the blob's value, "" included (a point without that blob is still billed)
Key = tuple[str, str, str | None]
DayKey = tuple[str, str, str | None, str]  # Key plus the day


class Ledger:
    """Prices an account's month from what storage holds."""

    def __init__(self, storage: Storage, pricing: Pricing, grace_hours: float) -> None:
        self._storage = storage
        self._pricing = pricing
        self._grace = timedelta(hours=grace_hours)
        self._db = storage.database

    @property
    def pricing(self) -> Pricing:
        return self._pricing

    async def _rows(self, sql: str) -> list[dict[str, Any]]:
        data = await self._storage.query(sql, "JSONEachRow")
        return [orjson.loads(line) for line in data.splitlines() if line.strip()]

    async def start(self) -> None:
        """Record when each meter's counters begin (the first start with that meter)."""
        starts = await self._read_starts()
        new = [m.name for m in self._pricing.meters if m.name not in starts]
        if new:
            await self._storage.insert_columns(
                schema.METER_STARTS_TABLE,
                ("meter", "batch"),
                orjson.dumps([new, [new_batch_id()] * len(new)]),
            )

    async def _read_starts(self) -> dict[str, int]:
        """Each meter's first recorded start. Read per invoice, not cached: servers sharing a
        ClickHouse may record the same new meter at once, and the earliest must win for all."""
        rows = await self._rows(
            f"SELECT meter, min(batch) AS batch FROM {self._db}.{schema.METER_STARTS_TABLE} "
            "GROUP BY meter"
        )
        return {r["meter"]: int(r["batch"]) for r in rows}

    def finalized(self, month: str, now: float) -> bool:
        """A month is final once it ended more than the grace period ago (see counters.py)."""
        _, end = month_bounds(month, self._pricing.timezone)
        return now >= (end + self._grace).timestamp()

    async def invoices(
        self, account_id: str, month: str, customer: str | None = None
    ) -> list[Invoice]:
        """One invoice per customer with usage in the month (or just `customer`)."""
        start, end = month_bounds(month, self._pricing.timezone)
        window = (int(start.timestamp()), int(end.timestamp()))
        quantities: dict[Key, list[Usage]] = defaultdict(list)
        daily: dict[DayKey, Decimal] = defaultdict(Decimal)
        await self._exact(account_id, window, customer, quantities, daily)
        starts = await self._read_starts()
        for meter in self._pricing.meters:
            if meter.name in starts:
                await self._estimated(
                    account_id, meter, starts[meter.name], window, customer, quantities, daily
                )
        wanted = set() if customer is None else {customer}  # "" is a customer: no index1
        customers = sorted({c for _, c, _ in quantities} | wanted)
        result = []
        for name in customers:
            usage = [u for (_, c, _), parts in quantities.items() if c == name for u in parts]
            days = [
                DailyUsage(day, meter, dim, q)
                for (meter, c, dim, day), q in sorted(daily.items(), key=lambda kv: kv[0][3])
                if c == name
            ]
            result.append(compute_invoice(self._pricing, name, month, usage, days))
        return result

    async def _exact(
        self,
        account_id: str,
        window: tuple[int, int],
        customer: str | None,
        quantities: dict[Key, list[Usage]],
        daily: dict[DayKey, Decimal],
    ) -> None:
        measures = {m.name: m for m in self._pricing.meters}
        where = (
            f"account_id = {sql_string(account_id)} AND bucket >= toDateTime({window[0]}) "
            f"AND bucket < toDateTime({window[1]})"
        )
        if customer is not None:
            where += f" AND customer = {sql_string(customer)}"
        zone = sql_string(self._pricing.timezone)
        rows = await self._rows(
            "SELECT meter, customer, dimension, toString(toDate(bucket, "
            f"{zone})) AS day, sum(points) AS n, sum(total) AS t "
            f"FROM ({schema.COUNTERS_VIEW.format(database=self._db)}) WHERE {where} "
            "GROUP BY meter, customer, dimension, day"
        )
        for r in rows:
            meter = measures.get(r["meter"])
            if meter is None:
                continue  # a meter since removed from the pricing file
            amount = Decimal(int(r["n"])) if meter.double_column is None else _dec(r["t"])
            dim = r["dimension"] if meter.dimension else None
            quantities[(meter.name, r["customer"], dim)].append(
                Usage(meter.name, dim, amount, exact=True)
            )
            daily[(meter.name, r["customer"], dim, r["day"])] += amount

    async def _estimated(
        self,
        account_id: str,
        meter: Meter,
        started: int,
        window: tuple[int, int],
        customer: str | None,
        quantities: dict[Key, list[Usage]],
        daily: dict[DayKey, Decimal],
    ) -> None:
        y = f"toFloat64({meter.double_column})" if meter.double_column else None
        where = (
            f"account_id = {sql_string(account_id)} AND dataset = {sql_string(meter.dataset)} "
            f"AND timestamp >= toDateTime({window[0]}) AND timestamp < toDateTime({window[1]}) "
            f"AND _batch < {started}"
        )
        if customer is not None:
            where += f" AND index1 = {sql_string(customer)}"
        dimension = meter.dimension or "''"
        rows = await self._rows(
            f"SELECT index1 AS customer, {dimension} AS dimension, "
            f"toString(toDate(timestamp, {sql_string(self._pricing.timezone)})) AS day, "
            f"{estimate_sql(y)} AS q, {variance_sql(y)} AS v, count() AS n, "
            "max(_sample_interval) AS most "
            f"FROM {self._db}.{schema.TABLE} WHERE {where} GROUP BY customer, dimension, day"
        )
        totals: dict[tuple[str, str | None], list[float]] = defaultdict(
            lambda: [0.0, 0.0, 0.0, 1.0]
        )
        for r in rows:
            dim = r["dimension"] if meter.dimension else None
            acc = totals[(r["customer"], dim)]
            acc[0] += float(r["q"])
            acc[1] += float(r["v"])
            acc[2] += float(r["n"])
            acc[3] = max(acc[3], float(r["most"]))
            daily[(meter.name, r["customer"], dim, r["day"])] += _dec(r["q"])
        for (name, dim), (q, v, n, most) in totals.items():
            if most == 1:  # no row of this line was sampled: the rows are every point
                exact = Usage(meter.name, dim, _dec(q), exact=True, source=UNSAMPLED_ROWS)
                quantities[(meter.name, name, dim)].append(exact)
                continue
            half = Z95 * math.sqrt(v)
            lower = q - half
            if meter.double_column is None:
                lower = max(lower, n)  # the rows read are known events
            quantities[(meter.name, name, dim)].append(
                Usage(
                    meter.name,
                    dim,
                    _dec(q),
                    exact=False,
                    lower=_dec(lower),
                    upper=_dec(q + half),
                )
            )


def _dec(value: object) -> Decimal:
    """Floats from ClickHouse to Decimal through their shortest repr (`0.1` stays `0.1`);
    whole numbers without a fraction (`16`, not `16.0`)."""
    number = float(str(value))
    if number.is_integer() and abs(number) < 2**53:
        return Decimal(int(number))
    return Decimal(repr(number))
