"""What the load benchmarks share: a real `python -m server serve` subprocess on a free loopback
port, synthetic usage points, and percentiles."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = [f"/api/v1/endpoint{i}" for i in range(20)]


def make_points(n: int, seed: int = 0, customers: int = 10_000) -> list[dict[str, object]]:
    """Points with a Pareto-distributed customer index, as usage traffic has."""
    rng = random.Random(seed)
    return [
        {
            "indexes": [f"customer-{int(rng.paretovariate(1.2)) % customers}"],
            "blobs": [rng.choice(ENDPOINTS), rng.choice(["GET", "POST"]), "200"],
            "doubles": [rng.random() * 100, float(rng.randint(100, 50_000))],
        }
        for _ in range(n)
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_server(data_dir: str, **settings: str) -> tuple[str, asyncio.subprocess.Process]:
    """Start this checkout's server (embedded storage in `data_dir`) with `settings` as its
    USAGEHOUSE_* variables (any others in the environment are dropped); return its base URL
    once it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("USAGEHOUSE_")}
    env.update({f"USAGEHOUSE_{name.upper()}": value for name, value in settings.items()})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        "serve",
        "--port",
        str(port),
        "--storage",
        data_dir,
        env=env,
        cwd=ROOT,  # `-m server` then imports this checkout's package
        stdout=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            try:
                async with http.get(base + "/health") as r:
                    if r.status == 200:
                        return base, proc
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    proc.terminate()
    await proc.wait()
    raise RuntimeError("server did not start")


def pct(values: list[float], q: float) -> float:
    """The q-quantile of `values` (nearest rank); NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")
