"""schemathesis, a third-party fuzzer, against the real server and its /openapi.json: no 5xx,
no status the document does not declare, no response that breaks its declared schema.

Bounded so it stays well under a minute on a 2-core machine: deterministic generation (the same
cases every run), a few examples per operation, one worker.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

from tests.billing.priced import pricing_file
from tests.processes import server

pytestmark = [pytest.mark.no_blockbuster, pytest.mark.slow, pytest.mark.timeout(300)]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)
TOKEN = "fuzz-token"


async def schemathesis(base: str, cwd: Path, *args: str) -> None:
    st = Path(sys.executable).with_name("st")
    command = [str(st) if st.exists() else shutil.which("st") or "st", "run"]
    proc = await asyncio.create_subprocess_exec(
        *command,
        f"{base}/openapi.json",
        "--max-examples=8",
        "--generation-deterministic",
        "--workers=1",
        "--request-timeout=60",
        "--no-color",
        *args,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    report = out.decode(errors="replace")
    assert proc.returncode == 0, report[-20_000:]


async def test_schemathesis_finds_nothing_in_local_dev_mode(tmp_path):
    """Without tokens every account is open, so cases reach the handlers' own checks."""
    async with server(tmp_path / "data", "--pricing", pricing_file(tmp_path)) as (base, _):
        await schemathesis(base, tmp_path, f"--checks={CHECKS}")


async def test_schemathesis_finds_nothing_with_tokens(tmp_path):
    """With tokens: requests without one get the declared 401, others the declared 403."""
    env = {"USAGEHOUSE_TOKENS": f"{TOKEN}:acct:rw"}
    async with server(tmp_path / "data", env=env) as (base, _):
        await schemathesis(
            base,
            tmp_path,
            f"--checks={CHECKS},ignored_auth",
            f"--header=Authorization: Bearer {TOKEN}",
        )
