"""Hostile write bodies: does the server keep answering, and how much memory does it take?

Runs a real `python -m server serve` subprocess (as benchmarks/ingest.py does), sends large
bodies with curl (one at a time, then several at once) while a probe asks GET /health back to
back, and prints each body's answer, the longest /health wait during it and the server's peak
RSS. Run it from another checkout's directory to measure that checkout's server.

    python benchmarks/big_body.py [--mib 63] [--concurrent 8]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import make_points, start_server

URL = "/v1/accounts/bench/datasets/usage/points"


def bodies(mib: int) -> dict[str, tuple[bytes, str]]:
    size = mib * 1024 * 1024
    valid = orjson.dumps(make_points(100_000))
    return {
        f"[{{}},{{}},...] {mib} MiB": (
            b"[" + b"{}," * (size // 3 - 1) + b"{}]",
            "application/json",
        ),
        f"[[],[],...] {mib} MiB": (b"[" + b"[]," * (size // 3 - 1) + b"[]]", "application/json"),
        f"NDJSON {{}} lines {mib} MiB": (b"{}\n" * (size // 3), "application/x-ndjson"),
        f"100,000 valid points ({len(valid) // 1024 // 1024} MiB)": (valid, "application/json"),
    }


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def probe(http: aiohttp.ClientSession, base: str, stop: asyncio.Event) -> float:
    """The longest GET /health round trip until `stop` is set."""
    worst = 0.0
    while not stop.is_set():
        started = time.perf_counter()
        async with http.get(base + "/health") as resp:
            await resp.read()
        worst = max(worst, time.perf_counter() - started)
        await asyncio.sleep(0.005)
    return worst


async def run(http: aiohttp.ClientSession, base: str, path: str, ctype: str, n: int) -> str:
    """n concurrent POSTs of the body in `path`, each by its own curl process (so the load
    generator's CPU does not delay the /health probe, which runs in this process)."""
    stop = asyncio.Event()
    prober = asyncio.create_task(probe(http, base, stop))
    started = time.perf_counter()
    curl = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:"]
    procs = [
        await asyncio.create_subprocess_exec(
            *curl,
            "-H",
            f"Content-Type: {ctype}",
            "--data-binary",
            f"@{path}",
            base + URL,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(n)
    ]
    statuses = [(await p.communicate())[0].decode() for p in procs]
    elapsed = time.perf_counter() - started
    stop.set()
    worst = await prober
    return f"statuses {sorted(set(statuses))}  {elapsed:5.2f} s  worst /health {worst:5.3f} s"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=63)
    parser.add_argument("--concurrent", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        base, proc = await start_server(data_dir, sampling="off")
        try:
            timeout = aiohttp.ClientTimeout(total=600)
            async with aiohttp.ClientSession(timeout=timeout) as http:
                print(f"server idle: peak RSS {peak_rss_mib(proc.pid):7.0f} MiB")
                for name, (body, ctype) in bodies(args.mib).items():
                    path = Path(data_dir) / "body"
                    path.write_bytes(body)
                    for n in (1, args.concurrent):
                        result = await run(http, base, str(path), ctype, n)
                        rss = peak_rss_mib(proc.pid)
                        print(f"{n} x {name:32}  {result}  peak RSS {rss:7.0f} MiB", flush=True)
        finally:
            proc.terminate()
            await proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
