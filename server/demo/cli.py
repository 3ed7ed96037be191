"""`usagehouse demo` on the command line: flags, progress, and the closing summary."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from ..progress import ProgressBar
from ..remote import ACCOUNT_ENV, URL_ENV
from .options import TOKEN_ENV, DemoError, DemoOptions
from .run import run_demo

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
        with bar:
            summary = asyncio.run(run_demo(options, bar.update))
    except DemoError as e:
        print(f"usagehouse demo: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"usagehouse demo: stopped after {bar.done:,} points", file=sys.stderr)
        return 0 if options.live == -1 else 130
    print(
        f"wrote {summary.accepted:,} points ({summary.stored:,} stored after sampling) to "
        f"{options.url} account {options.account!r} dataset {options.dataset!r} in "
        f"{summary.elapsed_s:.1f} s ({summary.requests:,} requests, {summary.retries} retried)"
    )
    return 0
