"""What a demo run is asked to do (`DemoOptions`), what it did (`DemoSummary`), and its error."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import DEFAULT_ACCOUNT
from ..remote import DEFAULT_URL

TOKEN_ENV = "USAGEHOUSE_DEMO_TOKEN"
DEFAULT_DATASET = "usage_indexed_by_customer_id"
EDGE_MARGIN_MS = 3_600_000  # stay an hour inside the old edge of the window


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What `usagehouse demo` writes and where; defaults match the CLI's."""

    url: str = DEFAULT_URL
    account: str = DEFAULT_ACCOUNT
    token: str = ""
    dataset: str = DEFAULT_DATASET
    customers: int = 50
    days: float = 7.0
    points: int = 200_000
    live: float = 0.0  # seconds of live traffic after the backfill; -1 = until interrupted
    rate: float = 200.0
    seed: int = 1
    batch: int = 1000
    concurrency: int = 4
    wait: float = 0.0  # seconds to wait for the server to come up

    def check(self) -> None:
        """Raise DemoError for values that cannot produce valid traffic."""
        if not 1 <= self.customers <= 99_999:
            raise DemoError("--customers must be between 1 and 99999")
        if self.days * 86_400_000 < EDGE_MARGIN_MS + 60_000:
            raise DemoError("--days must span more than an hour (the backfill stays 1 h inside)")
        if self.points < 0 or self.batch < 1 or self.concurrency < 1 or self.rate <= 0:
            raise DemoError("--points must be >= 0; --batch, --concurrency and --rate positive")
        if self.live < 0 and self.live != -1:
            raise DemoError("--live takes seconds, or -1 to run until interrupted")


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What a demo run wrote: points the server accepted and stored (after sampling)."""

    accepted: int
    stored: int
    requests: int
    retries: int
    elapsed_s: float
