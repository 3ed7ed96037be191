"""What an import copies (`ImportJob`) and how far it got (the state file), so an interrupted
import resumes at the first window it had not finished.

The state file is rewritten (atomically) after each committed window. Every page of a window is
sent with an Idempotency-Key derived from the job and the page, so pages of the unfinished
window that had reached the destination before the interruption are not written twice when
they are sent again (within the destination's 24-hour idempotency period).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ..names import DATASET_NAME


class ImportFailed(Exception):
    """The import cannot go on; the message says why and what to do."""


def parse_time(text: str) -> int:
    """`2026-03-01`, `2026-03-01T12:00`, `2026-03-01 12:00:00+02:00` -> epoch seconds (UTC when
    no offset is given)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ImportFailed(f"{text!r} is not a date or an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


@dataclass(frozen=True, slots=True)
class ImportJob:
    """Copy `source_dataset` rows with timestamps in [since, until) to `dataset`."""

    source_url: str
    source_account: str
    source_dataset: str
    url: str
    account: str
    dataset: str
    since: int
    until: int
    window_s: int = 3600
    page_rows: int = 10_000

    def check(self) -> None:
        for name in (self.source_dataset, self.dataset):
            if not DATASET_NAME.fullmatch(name):
                raise ImportFailed(f"invalid dataset name {name!r}")
        if self.since >= self.until:
            raise ImportFailed("--since must be before --until")
        if self.window_s < 1 or self.page_rows < 1:
            raise ImportFailed("--window and --page must be at least 1")

    @property
    def key_prefix(self) -> str:
        """The same for every run of this copy (source, destination, range and windows), so a
        resumed run sends the same Idempotency-Keys as the interrupted one."""
        digest = hashlib.blake2b(orjson.dumps(asdict(self)), digest_size=8).hexdigest()
        return f"import-{digest}"

    def windows(self, start: int) -> list[tuple[int, int]]:
        """The windows from `start` (a window boundary) to `until`."""
        edges = range(start, self.until, self.window_s)
        return [(s, min(s + self.window_s, self.until)) for s in edges]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a job stands: the windows before `done_until` are committed."""

    done_until: int
    rows: int = 0
    points: int = 0


def start(
    path: Path, given: dict[str, Any], defaults: dict[str, Any]
) -> tuple[ImportJob, Progress]:
    """The job to run and where to start it. With a state file, its job is resumed: the range
    and windows come from the file, and anything `given` on this run must agree with it (a
    state file of another job is refused rather than overwritten). Without one, a new job from
    `given` over `defaults`."""
    if not path.exists():
        job = ImportJob(**{**defaults, **given})
        job.check()
        return job, Progress(job.since)
    try:
        saved = orjson.loads(path.read_bytes())
        job, progress = ImportJob(**saved["job"]), Progress(**saved["progress"])
    except (orjson.JSONDecodeError, KeyError, TypeError) as e:
        raise ImportFailed(f"cannot read the state file {path}: {e}") from None
    for name, value in given.items():
        if getattr(job, name) != value:
            raise ImportFailed(
                f"the state file {path} is for another import ({name} was "
                f"{getattr(job, name)!r}, now {value!r}); pass --state with a new path to "
                "start another import, or delete the file to start this one over"
            )
    return job, progress


def save_state(path: Path, job: ImportJob, progress: Progress) -> None:
    """Write the state file atomically: an interruption leaves the old or the new one."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(
        orjson.dumps({"job": asdict(job), "progress": asdict(progress)}, option=orjson.OPT_INDENT_2)
    )
    os.replace(temporary, path)
