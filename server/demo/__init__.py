"""`usagehouse demo`: realistic multi-customer API traffic, written to a usagehouse server.

`traffic` is the pure, seeded model (its docstring describes the data shape the dashboards rely
on), `sender` the HTTP side, `run` one backfill-then-live run, and `cli` the subcommand.
"""

from __future__ import annotations

from .cli import FLAGS, ProgressBar, add_demo_command
from .options import (
    DEFAULT_DATASET,
    EDGE_MARGIN_MS,
    TOKEN_ENV,
    DemoError,
    DemoOptions,
    DemoSummary,
)
from .run import LIVE_TICK_S, Progress, run_demo
from .sender import MAX_ATTEMPTS, RETRYABLE
from .traffic import (
    BUCKET_S,
    CLIENT_ERRORS,
    COLOS,
    ENDPOINTS,
    HOME_COLO_SHARE,
    INCIDENT_PATH,
    PARETO_SHAPE,
    SERVER_ERRORS,
    SUCCESS,
    Endpoint,
    Point,
    TrafficModel,
    diurnal,
    generate_points,
    live_points,
)

__all__ = [
    "BUCKET_S",
    "CLIENT_ERRORS",
    "COLOS",
    "DEFAULT_DATASET",
    "EDGE_MARGIN_MS",
    "ENDPOINTS",
    "FLAGS",
    "HOME_COLO_SHARE",
    "INCIDENT_PATH",
    "LIVE_TICK_S",
    "MAX_ATTEMPTS",
    "PARETO_SHAPE",
    "RETRYABLE",
    "SERVER_ERRORS",
    "SUCCESS",
    "TOKEN_ENV",
    "DemoError",
    "DemoOptions",
    "DemoSummary",
    "Endpoint",
    "Point",
    "Progress",
    "ProgressBar",
    "TrafficModel",
    "add_demo_command",
    "diurnal",
    "generate_points",
    "live_points",
    "run_demo",
]
