"""The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json.

Every path parameter, request body and status code the server answers is declared, in the
error shape of its route family (tests/web/test_openapi_fuzz.py holds the server to it).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from ..config import SQL_DIALECTS
from ..ingest.points import LIMITS, NDJSON_TYPES
from ..ingest.sampler import MAX_INTERVAL
from ..names import ACCOUNT_ID, DATASET_NAME
from ..sql import resolution
from ..sql.run import CONTENT_TYPES
from ..storage.schema import RESOLUTIONS

_ERROR = {
    "type": "object",
    "required": ["ok", "error", "code", "status"],
    "properties": {
        "ok": {"const": False},
        "error": {"type": "string"},
        "code": {"type": "string"},
        "status": {"type": "integer"},
    },
}
_GRAFANA_ERROR = {
    "type": "object",
    "required": ["message", "code", "status"],
    "properties": {
        "message": {"type": "string"},
        "code": {"type": "string"},
        "status": {"type": "integer"},
    },
}
_CLOUDFLARE_ERROR = {
    "type": "object",
    "required": ["success", "errors", "messages", "result"],
    "properties": {
        "success": {"const": False},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
            },
        },
        "messages": {"type": "array"},
        "result": {"type": "null"},
    },
}

_POINT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "indexes": {
            "type": "array",
            "maxItems": LIMITS["indexes"],
            "items": {"type": ["string", "null"]},
            "description": "At most one index of at most 96 UTF-8 bytes; the sampling key.",
        },
        "blobs": {
            "type": "array",
            "maxItems": LIMITS["blobs"],
            "items": {"type": ["string", "null"]},
            "description": "blob1..blob20 in order; null keeps its slot. 16,000 bytes in total.",
        },
        "doubles": {
            "type": "array",
            "maxItems": LIMITS["doubles"],
            "items": {"type": "number"},
            "description": "double1..double20 in order; finite numbers.",
        },
        "timestamp": {
            "oneOf": [{"type": "number"}, {"type": "string", "format": "date-time"}],
            "description": "Backfill: epoch milliseconds or RFC 3339; default now. Must be "
            "within the retention window and at most 15 minutes ahead.",
        },
        "_sample_interval": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_INTERVAL,
            "description": "Only with ?sampling=off (an import): how many points the row "
            "stood for at its source, stored as it is; default 1.",
        },
    },
}

# Why each status happens, for the routes that can answer it.
_WHY = {
    400: "bad request: the message names what is wrong",
    401: "no valid bearer token (only when USAGEHOUSE_TOKENS is set)",
    403: "the token is for another account or lacks the scope",
    404: "not found",
    408: "the body did not arrive within USAGEHOUSE_HTTP_BODY_TIMEOUT_S",
    413: "body over USAGEHOUSE_MAX_BODY_BYTES, or too many points",
    415: "a Content-Encoding the server cannot decode",
    422: "SQL that cannot be parsed or is not allowed; on writes, an Idempotency-Key reused "
    "for another request",
    429: "the account already runs and queues as many queries as it may (with Retry-After)",
    503: "storage unavailable, or the write queue is full (then with Retry-After)",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "string"}, "required": False}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int, schema: str = "Error") -> dict[str, Any]:
    """Error responses in one route family's JSON shape."""
    out: dict[str, Any] = {}
    for status in statuses:
        out[str(status)] = {
            "description": _WHY[status],
            "content": {"application/json": {"schema": _ref(schema)}},
        }
        if status in (429, 503):
            out[str(status)]["headers"] = _RETRY_AFTER
    return out


def _sql_errors(*statuses: int) -> dict[str, Any]:
    """The SQL API: auth failures in Cloudflare's v4 envelope, anything else one line of text."""
    out = _errors(401, 403, 429, schema="CloudflareError")
    for status in statuses:
        out[str(status)] = {
            "description": _WHY[status],
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    return out


def _path(name: str, pattern: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if pattern is not None:
        schema["pattern"] = f"^{pattern}$"
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    param = {"name": name, "in": "query", "required": False, "schema": schema}
    return {**param, "description": description} if description else param


def _ok(description: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": description, "content": content}}


_ACCOUNT = {**_path("account_id", ACCOUNT_ID.pattern), "example": "acct_1"}
_JSON_BODY_ERRORS = (400, 401, 403, 408, 413, 415, 422, 503)

_WRITE = {
    "post": {
        "summary": "Write data points (writeDataPoint over HTTP)",
        "parameters": [
            _ACCOUNT,
            _path("dataset", DATASET_NAME.pattern),
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 256},
                "description": "A retry with the same key within 24 hours writes nothing "
                "and returns the first answer.",
            },
            {
                "name": "sampling",
                "in": "query",
                "required": False,
                "schema": {"enum": ["on", "off"], "default": "on"},
                "description": "off: an import or backfill, every point stored whatever "
                "the arrival rate (403 if USAGEHOUSE_UNSAMPLED_WRITES=refused).",
            },
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            _ref("DataPoint"),
                            {"type": "array", "items": _ref("DataPoint")},
                        ]
                    },
                    "example": [
                        {"indexes": ["acme"], "blobs": ["GET", "/api"], "doubles": [1, 0.25]},
                        {"indexes": ["globex"], "blobs": ["POST", "/api/export"]},
                    ],
                },
                **{ctype: {"schema": {"type": "string"}} for ctype in NDJSON_TYPES},
            },
        },
        "responses": {
            **_ok(
                "Committed: visible to the next query.",
                {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["ok", "accepted", "stored"],
                            "properties": {
                                "ok": {"const": True},
                                "accepted": {"type": "integer", "minimum": 0},
                                "stored": {"type": "integer", "minimum": 0},
                            },
                        }
                    }
                },
            ),
            **_errors(400, 401, 403, 408, 413, 415, 422, 503),
        },
    }
}

_SQL_EXAMPLE = "SELECT blob1 AS path, sum(_sample_interval) AS hits FROM usage GROUP BY path"
_SQL_JSON = {
    "type": "object",
    "required": ["meta", "data", "rows", "rows_before_limit_at_least"],
    "properties": {
        "meta": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "type"],
                "properties": {"name": {"type": "string"}, "type": {"type": "string"}},
            },
        },
        "data": {"type": "array", "items": {"type": "object"}},
        "rows": {"type": "integer", "minimum": 0},
        "rows_before_limit_at_least": {"type": "integer", "minimum": 0},
    },
}


#: The SQL dialect a request asks for, where users write SQL (the SQL API, Grafana code mode).
_DIALECT = [
    _query(
        "dialect",
        {"enum": list(SQL_DIALECTS)},
        "wae: only what Cloudflare accepts (else 422 with WAE's message); extended: also the "
        "ClickHouse extensions, with Usagehouse-Warning on what WAE would reject. Default: the "
        "Usagehouse-Dialect header, else USAGEHOUSE_SQL_DIALECT",
    ),
    {
        "name": "Usagehouse-Dialect",
        "in": "header",
        "required": False,
        "schema": {"enum": list(SQL_DIALECTS)},
        "description": "the dialect, when ?dialect= does not name one",
    },
]
_RESOLUTION_WHY = (
    "adaptive (default): the finest resolution whose rows fit USAGEHOUSE_SQL_READ_BUDGET_ROWS; "
    "full: every row, within the time limit; 10% or 1%: that copy of the points"
)
_RESOLUTION = [
    _query(resolution.PARAM, {"enum": list(resolution.DEMANDS)}, _RESOLUTION_WHY),
    {
        "name": resolution.HEADER,
        "in": "header",
        "required": False,
        "schema": {"enum": list(resolution.DEMANDS)},
        "description": "the resolution, when ?resolution= does not name one",
    },
]
_READ_AT = {
    resolution.HEADER: {
        "schema": {"enum": [r.label for r in RESOLUTIONS]},
        "required": True,
        "description": "the share of the points the answer was read from",
    }
}

_WARNING = {
    "Usagehouse-Warning": {
        "schema": {"type": "string"},
        "required": False,
        "description": "extended dialect only: 'not portable to WAE: ' and what the query "
        "uses that WAE rejects",
    }
}


def _sql(method: str) -> dict[str, Any]:
    sql_content = {
        ctype.split(";")[0]: {"schema": _SQL_JSON if fmt == "JSON" else {}}
        for fmt, ctype in CONTENT_TYPES.items()
    }
    operation: dict[str, Any] = {
        "summary": "WAE SQL API (Cloudflare's URL shape); the body or ?query= is the SQL",
        "parameters": [
            _ACCOUNT,
            {
                **_query("query", {"type": "string"}, "the SQL, when the body is empty"),
                "examples": {"group by": {"value": _SQL_EXAMPLE + " FORMAT JSON"}},
            },
            _query(
                "output_format_json_quote_64bit_integers",
                {"enum": ["0", "1", "true", "false"]},
                "1 (default) quotes 64-bit integers in FORMAT JSON, as Cloudflare does",
            ),
            *_DIALECT,
            *_RESOLUTION,
        ],
        "responses": {
            "200": {
                "description": "FORMAT JSON (meta, data, rows, rows_before_limit_at_least), "
                "JSONEachRow or TabSeparated",
                "content": sql_content,
                "headers": {**_WARNING, **_READ_AT},
            },
            **_sql_errors(400, 408, 413, 415, 422, 503),
        },
    }
    if method == "post":
        operation["requestBody"] = {
            "required": False,
            "content": {
                "text/plain": {
                    "schema": {"type": "string"},
                    "examples": {
                        "JSON": {"value": _SQL_EXAMPLE + " ORDER BY hits DESC FORMAT JSON"},
                        "lines": {"value": _SQL_EXAMPLE + " FORMAT JSONEachRow"},
                        "text": {"value": "SELECT count() FROM usage WHERE index1 = 'acme'"},
                    },
                }
            },
        }
    return operation


def _invoices(summary: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [
                _ACCOUNT,
                _path("month"),
                *extra,
                _query("format", {"enum": ["json", "csv"]}),
            ],
            "responses": {
                **_ok(
                    "Invoices (finalized once the month's grace period is over)",
                    {
                        "application/json": {"schema": {"type": "object"}},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                ),
                **_errors(400, 401, 403, 404, 503),
            },
        }
    }


_GRAFANA_ACCOUNT = [
    {
        "name": "X-Usagehouse-Account",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "The account in local-dev mode (no USAGEHOUSE_TOKENS)",
    },
    _query("account", {"type": "string"}, "The account in local-dev mode, without the header"),
]
_OBJECT = {"type": "object"}
_TEXT = {"type": "string"}
_RANGE = {
    "type": "object",
    "properties": {
        "from": {"type": ["string", "number"]},
        "to": {"type": ["string", "number"]},
    },
}
_DAY = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
_FILTER = {
    "type": "object",
    "properties": {"key": _TEXT, "operator": _TEXT, "value": _TEXT},
}
_TARGET = {
    "type": "object",
    "properties": {
        "refId": _TEXT,
        "target": _TEXT,
        "payload": {"type": ["object", "string"]},
        "hide": {"type": "boolean"},
    },
}
_SERIES_SQL = "SELECT $timeSeries AS t, count() FROM usage WHERE $timeFilter GROUP BY t ORDER BY t"
# The simPod plugin's request bodies (the fields it sends; others are ignored), with an example.
_GRAFANA_BODIES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "/metrics": ({"metric": _TEXT, "payload": _OBJECT}, {"metric": "", "payload": {}}),
    "/metric-payload-options": (
        {"metric": _TEXT, "name": _TEXT, "payload": _OBJECT},
        {"metric": "usage", "name": "index", "payload": {}},
    ),
    "/query": (
        {
            "range": _RANGE,
            "intervalMs": {"type": "number"},
            "maxDataPoints": {"type": "number"},
            "targets": {"type": "array", "items": _TARGET},
            "filters": {"type": "array", "items": _FILTER},
        },
        {
            "range": _DAY,
            "intervalMs": 60_000,
            "maxDataPoints": 500,
            "targets": [
                {"refId": "A", "target": "usage", "payload": {"groupBy": "index1"}},
                {"refId": "B", "payload": {"sql": _SERIES_SQL}},
            ],
            "filters": [{"key": "blob1", "operator": "=", "value": "GET"}],
        },
    ),
    "/variable": (
        {"payload": {"type": ["object", "string"]}, "range": _RANGE},
        {"payload": {"target": "SELECT DISTINCT index1 FROM usage"}, "range": _DAY},
    ),
    "/tag-keys": ({}, {}),
    "/tag-values": ({"key": _TEXT, "range": _RANGE}, {"key": "index1", "range": _DAY}),
}


def _grafana(path: str) -> dict[str, Any]:
    answer = _ok("see the simPod protocol", {"application/json": {"schema": {}}})
    answer["200"]["headers"] = _WARNING
    if not path:
        return {
            "get": {
                "summary": "simPod JSON datasource: Save & test",
                "parameters": [*_GRAFANA_ACCOUNT, *_DIALECT, *_RESOLUTION],
                "responses": {**answer, **_errors(400, 401, 403, 429, 503, schema="GrafanaError")},
            }
        }
    properties, example = _GRAFANA_BODIES[path]
    return {
        "post": {
            "summary": f"simPod JSON datasource: {path}",
            "parameters": [*_GRAFANA_ACCOUNT, *_DIALECT, *_RESOLUTION],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": properties},
                        "example": example,
                    }
                },
            },
            "responses": {**answer, **_errors(*_JSON_BODY_ERRORS, 429, schema="GrafanaError")},
        }
    }


def _open(summary: str, content: dict[str, Any], *errors: int) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "security": [],
            "responses": {**_ok("ok", content), **_errors(*errors)},
        }
    }


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Usagehouse",
        "version": version("usagehouse"),
        "description": "Self-hosted Workers Analytics Engine: write data points, query with SQL.",
    },
    "components": {
        "schemas": {
            "Error": _ERROR,
            "GrafanaError": _GRAFANA_ERROR,
            "CloudflareError": _CLOUDFLARE_ERROR,
            "DataPoint": _POINT,
        },
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "security": [{"bearer": []}],
    "paths": {
        "/v1/accounts/{account_id}/datasets/{dataset}/points": _WRITE,
        "/client/v4/accounts/{account_id}/analytics_engine/sql": {
            method: _sql(method) for method in ("get", "post")
        },
        "/v1/accounts/{account_id}/billing/invoices/{month}": _invoices(
            "Invoices of every customer for a month (YYYY-MM); ?format=csv"
        ),
        "/v1/accounts/{account_id}/billing/invoices/{month}/{customer}": _invoices(
            "One customer's invoice for a month; ?format=csv", _path("customer")
        ),
        **{f"/grafana/json{path}": _grafana(path) for path in ("", *_GRAFANA_BODIES)},
        "/openapi.json": _open("This document", {"application/json": {"schema": {}}}),
        "/health": _open(
            "Process is up",
            {"application/json": {"schema": {"type": "object", "required": ["ok"]}}},
        ),
        "/ready": _open(
            "Storage is reachable",
            {"application/json": {"schema": {"type": "object", "required": ["ok", "storage"]}}},
            503,
        ),
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (bearer USAGEHOUSE_METRICS_TOKEN when it is set)",
                "security": [{}, {"bearer": []}],
                "responses": {
                    **_ok("text exposition", {"text/plain": {"schema": {"type": "string"}}}),
                    **_errors(401),
                },
            }
        },
    },
}
