"""The sampling stage between validation and the writer.

A sampler decides, per point, how many points the stored row stands for (`_sample_interval`)
or that the point is dropped (0). `PassThrough` keeps everything at interval 1.
"""

from __future__ import annotations

from typing import Protocol


class Sampler(Protocol):
    def sample(
        self, account_id: str, dataset: str, indexes: list[str], now: float
    ) -> list[int] | None:
        """Intervals for each point (0 = drop), or None when every point is kept at 1."""


class PassThrough:
    """Sampling off: every point is stored exactly."""

    def sample(
        self, account_id: str, dataset: str, indexes: list[str], now: float
    ) -> list[int] | None:
        return None
