"""Estimates from sampled rows, for SQL answers and invoices alike.

Each stored row stands for `_sample_interval` (w) points, so `sum(w*y)` is the Horvitz-Thompson
estimate of the total of y, `sum(w*(w-1)*y^2)` an unbiased estimate of its variance (rows
stored exactly, w = 1, add nothing), and `estimate ± z*sqrt(variance)` its normal interval.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Final

#: A row's weight: how many points it stands for.
WEIGHT: Final = "toFloat64(_sample_interval)"


def estimate_sql(y: str | None = None) -> str:
    """ClickHouse SQL for the estimated total of the expression `y` (a count when None)."""
    return f"sum({WEIGHT})" if y is None else f"sum({WEIGHT} * {y})"


def variance_sql(y: str | None = None) -> str:
    """ClickHouse SQL for the estimated variance of `estimate_sql(y)`."""
    squared = "" if y is None else f" * {y} * {y}"
    return f"sum({WEIGHT} * ({WEIGHT} - 1){squared})"


def z_score(level: float) -> float:
    """The half-width of a two-sided normal interval at `level`, in standard deviations."""
    return NormalDist().inv_cdf((1 + level) / 2)
