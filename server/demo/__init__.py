"""`usagehouse demo`: realistic multi-customer API traffic, written to a usagehouse server.

`traffic` is the pure, seeded model (its docstring describes the data shape the dashboards rely
on), `sender` the HTTP side, `run` one backfill-then-live run, and `cli` the subcommand.
"""

from __future__ import annotations

from .cli import add_demo_command
from .options import DEFAULT_DATASET, TOKEN_ENV, DemoError, DemoOptions, DemoSummary
from .run import run_demo
from .traffic import ENDPOINTS, INCIDENT_PATH, TrafficModel, generate_points, live_points

__all__ = [
    "DEFAULT_DATASET",
    "ENDPOINTS",
    "INCIDENT_PATH",
    "TOKEN_ENV",
    "DemoError",
    "DemoOptions",
    "DemoSummary",
    "TrafficModel",
    "add_demo_command",
    "generate_points",
    "live_points",
    "run_demo",
]
