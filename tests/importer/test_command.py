"""`usagehouse import` from a second local Usagehouse (sampled, so rows carry intervals > 1):
the destination answers the recipe's four queries exactly as the source does, an interrupted
import resumes without duplicates, and the command line shows progress and resumes."""

from __future__ import annotations

import asyncio
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from server.app import create_app
from server.importer.job import ImportFailed, Progress, start
from server.importer.run import run_import
from tests.processes import server

# The source is a `usagehouse serve` subprocess; the CLI test runs the command as one too.
pytestmark = [pytest.mark.no_blockbuster, pytest.mark.slow]
DATASET = "usage_indexed_by_customer_id"
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
SINCE, UNTIL = NOW - timedelta(days=21), NOW
MONTH = (NOW - timedelta(days=14), NOW - timedelta(days=2))  # the recipe's "one month"


def recipe_queries() -> list[str]:
    """Cloudflare's usage-based billing recipe, with a month inside the retention window."""
    start, end = (f"toDateTime('{t:%Y-%m-%d %H:%M:%S}')" for t in MONTH)
    month = f"WHERE customer_id = 'customer-1' AND timestamp >= {start} AND timestamp < {end}"
    return [
        f"SELECT index1 AS customer_id, sum(_sample_interval) AS count FROM {DATASET} "
        "GROUP BY customer_id ORDER BY customer_id",
        "SELECT index1 AS customer_id, blob1 AS request_endpoint, sum(_sample_interval) AS count "
        f"FROM {DATASET} GROUP BY customer_id, request_endpoint "
        "ORDER BY customer_id, request_endpoint",
        "SELECT index1 AS customer_id, blob1 AS request_endpoint, sum(_sample_interval) AS count "
        f"FROM {DATASET} {month} GROUP BY customer_id, request_endpoint "
        "ORDER BY request_endpoint",
        "SELECT index1 AS customer_id, "
        "toStartOfInterval(timestamp, INTERVAL '1' DAY) AS date, "
        "blob1 AS request_endpoint, sum(_sample_interval) AS count "
        f"FROM {DATASET} {month} GROUP BY customer_id, date, request_endpoint "
        "ORDER BY date, request_endpoint",
    ]


RAW = (
    "SELECT timestamp, _sample_interval, index1, blob1, blob2, double1, double2 "
    f"FROM {DATASET} ORDER BY timestamp, _sample_interval, index1, blob1, blob2, double1, double2"
)


async def answers(base: str, queries: list[str], token: str = "") -> list[Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    out = []
    async with aiohttp.ClientSession() as http:
        for sql in queries:
            url = f"{base}/client/v4/accounts/acct/analytics_engine/sql"
            async with http.post(url, data=sql, headers=headers) as resp:
                body = await resp.json(content_type=None)
                assert resp.status == 200, body
                out.append(body["data"])
    return out


@pytest.fixture
async def servers(aiohttp_server, make_settings, storage, tmp_path):
    """A source server (its own process and chDB) that samples hard, holding three weeks of
    recipe traffic, and an empty destination that takes imports with a write token."""
    sampling = {
        "USAGEHOUSE_SAMPLING": "equitable",
        "USAGEHOUSE_SAMPLE_INDEX_BUDGET": "10",
        "USAGEHOUSE_SAMPLE_TOTAL_BUDGET": "40",
    }
    tokens = "imp:acct:w,read:acct:r"
    dest_app = create_app(make_settings(tokens=tokens), storage=storage)
    dest = await aiohttp_server(dest_app)
    rng = random.Random(7)
    endpoints = ["/api/export", "/api/list", "/api/pay", "/"]
    async with server(tmp_path / "source", env=sampling) as (source, _):
        async with aiohttp.ClientSession() as http:
            for day in range(21):
                batch = []
                for _ in range(150):
                    moment = SINCE + timedelta(days=day, seconds=rng.randrange(86400))
                    batch.append(
                        {
                            "indexes": [f"customer-{rng.randrange(4)}"],
                            "blobs": [rng.choice(endpoints), "GET"],
                            "doubles": [rng.randrange(1000), 0.5],
                            "timestamp": int(moment.timestamp() * 1000),
                        }
                    )
                url = f"{source}/v1/accounts/acct/datasets/{DATASET}/points"
                async with http.post(url, json=batch) as resp:
                    assert resp.status == 200, await resp.text()
        yield source, str(dest.make_url("")).rstrip("/")


def job_fields(source: str, dest: str, **overrides: Any) -> dict[str, Any]:
    fields = {
        "source_url": source,
        "source_account": "acct",
        "source_dataset": DATASET,
        "url": dest,
        "account": "acct",
        "dataset": DATASET,
        "since": int(SINCE.timestamp()),
        "until": int(UNTIL.timestamp()),
        "window_s": 6 * 3600,
        "page_rows": 40,
    }
    return fields | overrides


async def test_round_trip_answers_the_recipe_queries_identically(servers, tmp_path):
    source, dest = servers
    state = tmp_path / "state.json"
    job, progress = start(state, job_fields(source, dest), {})
    summary = await run_import(job, progress, state, "", "imp")
    intervals = await answers(source, [f"SELECT max(_sample_interval) AS k FROM {DATASET}"])
    assert int(intervals[0][0]["k"]) > 1  # the source sampled: intervals must be kept
    queries = recipe_queries()
    expected = await answers(source, queries)
    assert all(expected), "each recipe query has rows"
    assert await answers(dest, queries, "read") == expected
    assert await answers(dest, [RAW], "read") == await answers(source, [RAW])
    assert summary.rows == len((await answers(source, [RAW]))[0])
    total = await answers(source, [f"SELECT sum(_sample_interval) AS n FROM {DATASET}"])
    assert summary.points == int(total[0][0]["n"])  # the source's estimate, kept


class Interrupted(Exception):
    pass


async def test_interrupted_import_resumes_without_duplicates(servers, tmp_path):
    source, dest = servers
    state = tmp_path / "state.json"
    given = job_fields(source, dest, page_rows=5)
    job, progress = start(state, given, {})
    last, full_pages = 0, 0

    def crash_in_a_window(done: int, total: int) -> None:
        # Called after a page is committed at the destination, before its window is saved.
        # A full page has more of its window after it: crash there, so the resumed run sends
        # the committed pages of that window again.
        nonlocal last, full_pages
        if done - last == job.page_rows:
            full_pages += 1
            if full_pages == 3:
                raise Interrupted
        last = done

    with pytest.raises(Interrupted):
        await run_import(job, progress, state, "", "imp", crash_in_a_window)
    job, progress = start(state, given, {})
    assert job.since <= progress.done_until < job.until
    partial = await answers(dest, [f"SELECT count() AS n FROM {DATASET}"], "read")
    assert int(partial[0][0]["n"]) > progress.rows  # rows past the saved window were committed
    await run_import(job, progress, state, "", "imp")
    assert await answers(dest, [RAW], "read") == await answers(source, [RAW])
    assert await answers(dest, recipe_queries(), "read") == await answers(source, recipe_queries())


async def test_state_file_of_another_import_is_refused(servers, tmp_path):
    source, dest = servers
    state = tmp_path / "state.json"
    job, progress = start(state, job_fields(source, dest), {})
    await run_import(job, progress, state, "", "imp")
    with pytest.raises(ImportFailed, match="dataset was 'usage_indexed_by_customer_id'"):
        start(state, job_fields(source, dest, dataset="other"), {})
    job, progress = start(state, job_fields(source, dest), {})
    assert progress == Progress(job.until, progress.rows, progress.points)


async def test_a_token_without_scope_w_stops_the_import_with_a_hint(servers, tmp_path):
    source, dest = servers
    state = tmp_path / "state.json"
    job, progress = start(state, job_fields(source, dest), {})
    with pytest.raises(ImportFailed, match=r"403.*needs scope w"):
        await run_import(job, progress, state, "", "read")
    assert not state.exists()


async def test_command_line_shows_progress_and_a_second_run_copies_nothing(servers, tmp_path):
    source, dest = servers
    args = [
        "-m",
        "server",
        "import",
        DATASET,
        "--from-url",
        source,
        "--from-account",
        "acct",
        "--url",
        dest,
        "--account",
        "acct",
        "--token",
        "imp",
        "--since",
        SINCE.strftime("%Y-%m-%dT%H:%M:%S"),
        "--until",
        UNTIL.isoformat(),
        "--page",
        "500",
    ]

    # Run from tmp_path (the default state file goes there), importing this checkout.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    async def run() -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=tmp_path, env=env, stdout=-1, stderr=-1
        )
        out, err = await proc.communicate()
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()

    code, out, err = await run()
    assert code == 0, err
    rows = len((await answers(source, [RAW]))[0])
    total = await answers(source, [f"SELECT sum(_sample_interval) AS n FROM {DATASET}"])
    assert f"imported {rows:,} rows ({int(total[0][0]['n']):,} points)" in out
    assert f"100.0% {rows:,}/{rows:,} rows" in err
    assert Path(tmp_path / f"usagehouse-import-{DATASET}.json").exists()
    code, out, err = await run()
    assert code == 0 and "resuming from" in err
    assert f"imported {rows:,} rows" in out  # the totals so far; nothing was sent again
    assert await answers(dest, [RAW], "read") == await answers(source, [RAW])
