"""`usagehouse demo` on the command line: flags, a progress bar, and the closing summary."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from ..console.client import ACCOUNT_ENV, URL_ENV
from .options import TOKEN_ENV, DemoError, DemoOptions
from .run import run_demo


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

    def close(self) -> None:
        """End the redrawn line so later output starts on a fresh one."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


# The CLI's flags: (option field, type, help); defaults come from DemoOptions.
FLAGS: tuple[tuple[str, type, str], ...] = (
    ("url", str, f"server base URL (${URL_ENV})"),
    ("account", str, f"account id to write to (${ACCOUNT_ENV})"),
    ("token", str, f"write token, sent as Bearer (default ${TOKEN_ENV}; none in local-dev mode)"),
    ("dataset", str, "dataset to write to"),
    ("customers", int, "number of customers"),
    ("days", float, "backfill span in days; keep it within the server's retention"),
    ("points", int, "backfill points in total"),
    ("live", float, "seconds of live traffic after the backfill; -1 runs until Ctrl-C"),
    ("rate", float, "live points per second"),
    ("seed", int, "random seed: the same seed writes the same traffic"),
    ("batch", int, "points per request"),
    ("concurrency", int, "requests in flight"),
    ("wait", float, "seconds to wait for the server to answer /health"),
)


def add_demo_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `usagehouse demo` on the CLI's subcommands."""
    demo = subparsers.add_parser(
        "demo",
        help="write realistic multi-customer traffic to a server",
        description="Backfill realistic API usage for many customers (Pareto volume, diurnal "
        "pattern, errors, latencies), then optionally keep sending live traffic.",
    )
    plain = DemoOptions()
    defaults = DemoOptions(
        url=os.environ.get(URL_ENV) or plain.url,
        account=os.environ.get(ACCOUNT_ENV) or plain.account,
        token=os.environ.get(TOKEN_ENV, ""),
    )
    for name, kind, text in FLAGS:
        default = getattr(defaults, name)
        shown = "" if name == "token" else f" (default {default})"
        demo.add_argument(f"--{name}", type=kind, default=default, help=text + shown)
    demo.set_defaults(run=_demo_command)


def _demo_command(args: argparse.Namespace) -> int:
    options = DemoOptions(**{name: getattr(args, name) for name, _, _ in FLAGS})
    bar = ProgressBar(sys.stderr)
    try:
        summary = asyncio.run(run_demo(options, bar.update))
    except DemoError as e:
        bar.close()
        print(f"usagehouse demo: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        bar.close()
        print(f"usagehouse demo: stopped after {bar.done:,} points", file=sys.stderr)
        return 0 if options.live == -1 else 130
    bar.close()
    print(
        f"wrote {summary.accepted:,} points ({summary.stored:,} stored after sampling) to "
        f"{options.url} account {options.account!r} dataset {options.dataset!r} in "
        f"{summary.elapsed_s:.1f} s ({summary.requests:,} requests, {summary.retries} retried)"
    )
    return 0
