"""`usagehouse import` on the command line: flags, the progress bar, resuming, the summary."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..config import DEFAULT_ACCOUNT
from ..progress import ProgressBar
from ..remote import ACCOUNT_ENV, DEFAULT_URL, TOKEN_ENV, URL_ENV
from .job import ImportFailed, parse_time, start
from .run import run_import

SOURCE_TOKEN_ENV = "USAGEHOUSE_SOURCE_TOKEN"
#: WAE shows a point about a minute after it is written: by default stop 10 minutes ago so
#: the last window is complete at the source.
SETTLE_S = 600
#: WAE keeps three months.
DEFAULT_DAYS = 90


def add_import_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `usagehouse import` on the CLI's subcommands."""
    command = subparsers.add_parser(
        "import",
        help="copy a dataset from a WAE-compatible SQL API into a usagehouse server",
        description="Copy DATASET from Cloudflare's Analytics Engine SQL API (--from-url "
        "https://api.cloudflare.com) or another usagehouse, window by window, keeping "
        "timestamps and _sample_interval (rows are not sampled again). Resumable: run the same "
        "command again after an interruption. The destination token needs scope w, and the "
        "server must allow unsampled writes (USAGEHOUSE_UNSAMPLED_WRITES=allowed).",
    )
    command.add_argument("source_dataset", metavar="DATASET", help="the dataset to copy")
    command.add_argument(
        "--from-url", dest="source_url", required=True, help="the source's base URL"
    )
    command.add_argument(
        "--from-account", dest="source_account", required=True, help="the source's account id"
    )
    command.add_argument(
        "--from-token",
        dest="source_token",
        default=os.environ.get(SOURCE_TOKEN_ENV, ""),
        help=f"the source's API token (${SOURCE_TOKEN_ENV}; Cloudflare: Account Analytics Read)",
    )
    command.add_argument(
        "--url",
        default=os.environ.get(URL_ENV) or DEFAULT_URL,
        help=f"destination server (${URL_ENV}, default {DEFAULT_URL})",
    )
    command.add_argument(
        "--account",
        default=os.environ.get(ACCOUNT_ENV) or DEFAULT_ACCOUNT,
        help=f"destination account id (${ACCOUNT_ENV}, default {DEFAULT_ACCOUNT})",
    )
    command.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV, ""),
        help=f"destination token with scope w (${TOKEN_ENV}; none in local-dev mode)",
    )
    command.add_argument("--dataset", help="destination dataset (default: DATASET)")
    command.add_argument(
        "--since", help=f"first time to copy, ISO 8601, UTC (default {DEFAULT_DAYS} days ago)"
    )
    command.add_argument(
        "--until", help=f"copy up to this time (default {SETTLE_S // 60} minutes ago)"
    )
    command.add_argument("--window", type=int, help="seconds per window (default 3600)")
    command.add_argument("--page", type=int, help="rows per request (default 10000)")
    command.add_argument(
        "--state", help="progress file (default usagehouse-import-DATASET.json, here)"
    )
    command.set_defaults(run=_import_command)


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The job's fields named on this command line (the rest default or come from the state)."""
    given: dict[str, Any] = {
        "source_url": args.source_url,
        "source_account": args.source_account,
        "source_dataset": args.source_dataset,
        "url": args.url,
        "account": args.account,
        "dataset": args.dataset or args.source_dataset,
    }
    for name, value in (("since", args.since), ("until", args.until)):
        if value is not None:
            given[name] = parse_time(value)
    if args.window is not None:
        given["window_s"] = args.window
    if args.page is not None:
        given["page_rows"] = args.page
    return given


def _import_command(args: argparse.Namespace) -> int:
    state = Path(args.state or f"usagehouse-import-{args.source_dataset}.json")
    bar = ProgressBar(sys.stderr, unit="rows")
    try:
        until = int(time.time() - SETTLE_S) // 60 * 60
        given = _given(args)
        defaults = {"until": until, "since": given.get("until", until) - DEFAULT_DAYS * 86400}
        job, progress = start(state, given, defaults)
        if progress.done_until > job.since:
            print(f"resuming from {_iso(progress.done_until)} ({state})", file=sys.stderr)
        with bar:
            summary = asyncio.run(
                run_import(job, progress, state, args.source_token, args.token, bar.update)
            )
    except ImportFailed as e:
        print(f"usagehouse import: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"usagehouse import: interrupted; run the same command again to resume ({state})",
            file=sys.stderr,
        )
        return 130
    print(
        f"imported {summary.rows:,} rows ({summary.points:,} points) of "
        f"{job.source_dataset!r} from {job.source_url} into {job.url} account {job.account!r} "
        f"dataset {job.dataset!r}, {_iso(job.since)} to {_iso(job.until)}, in "
        f"{summary.elapsed_s:.1f} s"
    )
    return 0


def _iso(epoch_s: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch_s))
