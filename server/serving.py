"""Running `usagehouse serve`: claim the data directory, bind, say where, wait for SIGINT or
SIGTERM, then stop within USAGEHOUSE_SHUTDOWN_TIMEOUT_S, saying what the stop waits for.

Start-up failures are one line naming the cause and the fix (`StartError`), never a
traceback: a port in use, an address not on this machine, a second server on the same data
directory.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from aiohttp import web

from .config import Settings, env_name
from .web.keys import IN_FLIGHT, WRITER

LOCK_FILE = ".usagehouse.lock"


class StartError(Exception):
    """The server cannot start; the message says why and what to do."""


@contextmanager
def data_directory_lock(settings: Settings) -> Iterator[None]:
    """Hold an exclusive lock on the embedded data directory while serving: two processes
    writing one chDB directory would corrupt it (a ClickHouse server needs no lock)."""
    if settings.is_remote_storage:
        yield
        return
    import fcntl

    directory = Path(settings.storage)
    directory.mkdir(parents=True, exist_ok=True)
    # Held until the server exits: closing the file releases the lock.
    with open(directory / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise StartError(
                f"another usagehouse server (pid {holder}) is using the data directory "
                f"{settings.storage}: stop it, or pass --storage with another directory"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def _bind_error(e: OSError, settings: Settings) -> StartError:
    where = f"{settings.host}:{settings.port}"
    if e.errno == errno.EADDRINUSE:
        return StartError(
            f"port {settings.port} on {settings.host} is in use (another usagehouse?): stop that "
            f"process, or pass --port ({env_name('port')}) with a free port"
        )
    if e.errno == errno.EACCES:
        return StartError(f"no permission to listen on {where}: use a port above 1023")
    if e.errno == errno.EADDRNOTAVAIL:
        return StartError(f"{settings.host} is not an address of this machine: check --host")
    return StartError(f"cannot listen on {where}: {e.strerror or e}")


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


async def serve(app: web.Application, settings: Settings, out: TextIO, err: TextIO) -> None:
    """Serve `app` until SIGINT or SIGTERM, then stop: requests in flight get up to the
    shutdown timeout, then the write queue is written (cleanup_ctx)."""
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=settings.shutdown_timeout_s
    )
    await runner.setup()  # runs the app's start-up: opens storage
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as e:
            raise _bind_error(e, settings) from None
        host, port = runner.addresses[0][:2]
        mode = "local-dev mode (no tokens)" if not settings.tokens else "token auth"
        print(
            f"usagehouse listening on http://{host}:{port} (storage: {settings.storage}, {mode})",
            file=out,
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        in_flight = app[IN_FLIGHT].count
        queued = app[WRITER].queued_points
        print(
            f"usagehouse: stopping: waiting up to {settings.shutdown_timeout_s:g} s for "
            f"{_plural(in_flight, 'request')} in flight ({env_name('shutdown_timeout_s')}), "
            f"then writing {_plural(queued, 'queued point')}",
            file=err,
            flush=True,
        )
    finally:
        await runner.cleanup()
    print("usagehouse: stopped", file=err, flush=True)
