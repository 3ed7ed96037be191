"""The server as a real process (`python -m server serve`), as the CLI tests, the tests of other
programs against it and the load benchmarks (benchmarks/loadgen.py) run it. It listens on a port
the kernel picks (`--port 0`) and the address is read from its "listening on" line, so parallel
test workers never share a port and nobody polls.

Only the standard library, so the benchmarks can import it from the checkout as they import
`server`: one way to start the server, kept with the tests that check it starts that way."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

#: The checkout: `-m server` run from here imports this checkout's package.
ROOT = Path(__file__).resolve().parent.parent
LISTENING = "usagehouse listening on "


def free_port() -> int:
    """A port free right now, for programs that cannot be told to pick one (workerd)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without USAGEHOUSE_* settings, plus `extra`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("USAGEHOUSE_")}
    environment.update(extra or {})
    return environment


def serve_argv(data: Path, *args: str) -> list[str]:
    """`serve` on a port of the kernel's choice, with embedded storage in `data`."""
    return [sys.executable, "-m", "server", "serve", "--port", "0", "--storage", str(data), *args]


def address(line: str) -> str:
    """The base URL in the server's "listening on" line."""
    return line.removeprefix(LISTENING).split()[0]


async def spawn_server(
    data: Path,
    *args: str,
    env: dict[str, str] | None = None,
    stderr: int | None = asyncio.subprocess.STDOUT,
) -> asyncio.subprocess.Process:
    """Start `serve` with only the USAGEHOUSE_* settings in `env`. Its stdout (the "listening
    on" line) is a pipe; its stderr (the log) joins that pipe, or with `stderr=None` stays this
    process's, so a long run never blocks on a full pipe nobody reads."""
    return await asyncio.create_subprocess_exec(
        *serve_argv(data, *args),
        env=clean_environment(env),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
    )


async def listening_line(proc: asyncio.subprocess.Process, timeout_s: float = 60) -> str:
    """The server's "listening on" line (printed once the port is bound); what it printed
    before is skipped, and an exit before it fails with the output."""
    assert proc.stdout is not None
    before: list[bytes] = []
    async with asyncio.timeout(timeout_s):
        while line := await proc.stdout.readline():
            if line.decode().startswith(LISTENING):
                return line.decode()
            before.append(line)
    raise AssertionError(f"server exited before listening: {b''.join(before).decode()}")


async def start_server(
    data: Path,
    *args: str,
    env: dict[str, str] | None = None,
    stderr: int | None = asyncio.subprocess.STDOUT,
) -> tuple[str, asyncio.subprocess.Process]:
    """`spawn_server`, and its base URL once it listens (the process killed if it never does)."""
    proc = await spawn_server(data, *args, env=env, stderr=stderr)
    try:
        return address(await listening_line(proc)), proc
    except BaseException:
        proc.kill()
        await proc.wait()
        raise


@asynccontextmanager
async def server(
    data: Path, *args: str, env: dict[str, str] | None = None
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """Run the server as a subprocess until the block ends (killed if still running); yields
    its base URL and the process. Sampling is off unless `env` says otherwise, so row counts
    are exact."""
    base, proc = await start_server(data, *args, env={"USAGEHOUSE_SAMPLING": "off", **(env or {})})
    try:
        yield base, proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


def run_server(
    data: Path,
    log: Path,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[str, subprocess.Popen[bytes]]:
    """`serve` for synchronous callers, with only the USAGEHOUSE_* settings in `env` and its
    output in `log`: its base URL once it listens, and the process (killed if it never does)."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            serve_argv(data, *args),
            cwd=cwd,
            env=clean_environment(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        return _logged_address(proc, log), proc
    except BaseException:
        proc.kill()
        proc.wait()
        raise


@contextmanager
def served(data: Path, *args: str, cwd: Path | None = None) -> Iterator[str]:
    """The server as a subprocess for synchronous tests (CLI commands run beside it): yields its
    base URL; `data/server.log` holds its output. Sampling follows the server's default."""
    data.mkdir(parents=True, exist_ok=True)
    base, proc = run_server(data / "data", data / "server.log", *args, cwd=cwd)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _logged_address(proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if line.startswith(LISTENING):
                return address(line)
        if proc.poll() is not None:
            raise AssertionError(f"server exited before listening: {log.read_text()}")
        time.sleep(0.05)
    raise AssertionError(f"server did not listen within {timeout_s:g} s: {log.read_text()}")
