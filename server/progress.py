"""Progress of the commands that send points to a server (`usagehouse demo`, `usagehouse
import`), on standard error."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TextIO


class ProgressBar:
    """Progress on a stream: one redrawn bar on a terminal, an occasional line otherwise."""

    def __init__(
        self, stream: TextIO, clock: Callable[[], float] = time.monotonic, unit: str = "points"
    ) -> None:
        self._stream = stream
        self._unit = unit
        self._tty = stream.isatty()
        self._clock = clock
        self._started = clock()
        self._last_draw = -math.inf
        self._drawn = False
        self.done = 0

    def update(self, done: int, total: int) -> None:
        self.done = done
        now = self._clock()
        finished = total > 0 and done >= total
        if now - self._last_draw < (0.1 if self._tty else 10.0) and not finished:
            return
        self._last_draw = now
        rate = done / max(now - self._started, 1e-9)
        if total > 0:
            share = min(done / total, 1.0)
            filled = int(share * 30)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}]"
            text = f"{bar} {share:6.1%} {done:,}/{total:,} {self._unit}"
        else:
            text = f"{done:,} {self._unit}"
        text += f"  {rate:,.0f} {self._unit}/s"
        if self._tty:
            self._stream.write(f"\r{text}\x1b[K")
            self._drawn = True
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """End the redrawn line so later output starts on a fresh one."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False
