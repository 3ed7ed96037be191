"""Typed application state keys shared by the app factory and the handlers."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from ..auth import Authenticator
from ..billing.ledger import Ledger
from ..config import Settings
from ..ingest import Ingestor
from ..ingest.writer import BatchWriter
from ..metrics import Metrics
from ..sql.admission import QueryGate
from ..storage import Storage


@dataclass(slots=True)
class InFlight:
    """Requests being handled right now (an upload still arriving counts), for shutdown."""

    count: int = 0


SETTINGS = web.AppKey("settings", Settings)
AUTH = web.AppKey("auth", Authenticator)
METRICS = web.AppKey("metrics", Metrics)
STORAGE = web.AppKey("storage", Storage)
WRITER = web.AppKey("writer", BatchWriter)
INGESTOR = web.AppKey("ingestor", Ingestor)
LEDGER = web.AppKey("ledger", Ledger)
IN_FLIGHT = web.AppKey("in_flight", InFlight)
QUERY_GATE = web.AppKey("query_gate", QueryGate)
