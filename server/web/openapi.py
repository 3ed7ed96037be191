"""The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json."""

from __future__ import annotations

from typing import Any, cast

from ..ingest.points import LIMITS

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
    },
}


def _errors(*statuses: int) -> dict[str, Any]:
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {str(s): {"description": "error", "content": content} for s in statuses}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Usagehouse",
        "version": "0.1.0",
        "description": "Self-hosted Workers Analytics Engine: write data points, query with SQL.",
    },
    "components": {
        "schemas": {"Error": _ERROR, "DataPoint": _POINT},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "security": [{"bearer": []}],
    "paths": {
        "/v1/accounts/{account_id}/datasets/{dataset}/points": {
            "post": {
                "summary": "Write data points (writeDataPoint over HTTP)",
                "parameters": [
                    {
                        "name": "account_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "dataset",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_-]{0,63}$"},
                    },
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 256},
                        "description": "A retry with the same key within 24 hours writes nothing "
                        "and returns the first answer.",
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"$ref": "#/components/schemas/DataPoint"},
                                    {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/DataPoint"},
                                    },
                                ]
                            }
                        },
                        "application/x-ndjson": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "200": {
                        "description": "Committed: visible to the next query.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "ok": {"const": True},
                                        "accepted": {"type": "integer"},
                                        "stored": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    },
                    **_errors(400, 401, 403, 413, 415, 503),
                },
            }
        },
        "/client/v4/accounts/{account_id}/analytics_engine/sql": {
            method: {
                "summary": "WAE SQL API (Cloudflare's URL shape); body or ?query= is the SQL",
                "parameters": [
                    {
                        "name": "account_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "query",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "output_format_json_quote_64bit_integers",
                        "in": "query",
                        "required": False,
                        "schema": {"enum": ["0", "1"]},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "FORMAT JSON (meta, data, rows, "
                        "rows_before_limit_at_least), JSONEachRow or TabSeparated"
                    },
                    "422": {"description": "invalid or rejected SQL: one line of text/plain"},
                    "401": {"description": "Cloudflare v4 envelope"},
                    "403": {"description": "Cloudflare v4 envelope"},
                    "429": {"description": "too many queries of this account: Retry-After, v4"},
                },
            }
            for method in ("get", "post")
        },
        "/v1/accounts/{account_id}/billing/invoices/{month}": {
            "get": {
                "summary": "Invoices of every customer for a month (YYYY-MM); ?format=csv",
                "responses": {"200": {"description": "JSON or CSV"}, **_errors(400, 401, 403, 404)},
            }
        },
        "/v1/accounts/{account_id}/billing/invoices/{month}/{customer}": {
            "get": {
                "summary": "One customer's invoice for a month; ?format=csv",
                "responses": {"200": {"description": "JSON or CSV"}, **_errors(400, 401, 403, 404)},
            }
        },
        **{
            f"/grafana/json{path}": {
                method: {
                    "summary": f"simPod JSON datasource: {path or '/'}",
                    "responses": {
                        "200": {"description": "see the simPod protocol"},
                        "429": {"description": "too many queries of this account: Retry-After"},
                    },
                }
            }
            for path, method in (
                ("", "get"),
                ("/metrics", "post"),
                ("/metric-payload-options", "post"),
                ("/query", "post"),
                ("/variable", "post"),
                ("/tag-keys", "post"),
                ("/tag-values", "post"),
            )
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1"}},
            }
        },
        "/health": {
            "get": {
                "summary": "Process is up",
                "security": [],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/ready": {
            "get": {
                "summary": "Storage is reachable",
                "security": [],
                "responses": {"200": {"description": "ok"}, **_errors(503)},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (bearer USAGEHOUSE_METRICS_TOKEN when it is set)",
                "security": [{}, {"bearer": []}],
                "responses": {"200": {"description": "text exposition"}, **_errors(401)},
            }
        },
    },
}

# The import route takes the write route's shape, with each point's `_sample_interval`.
_IMPORT_POINT: dict[str, Any] = {
    **_POINT,
    "properties": {
        **cast(dict[str, Any], _POINT["properties"]),
        "_sample_interval": {
            "type": "integer",
            "minimum": 1,
            "maximum": 2**32 - 1,
            "description": "How many points the row stands for at its source; default 1.",
        },
    },
}
_WRITE = OPENAPI["paths"]["/v1/accounts/{account_id}/datasets/{dataset}/points"]["post"]
_IMPORT_ARRAY = {"type": "array", "items": {"$ref": "#/components/schemas/ImportPoint"}}
OPENAPI["components"]["schemas"]["ImportPoint"] = _IMPORT_POINT
OPENAPI["paths"]["/v1/accounts/{account_id}/datasets/{dataset}/import"] = {
    "post": {
        **_WRITE,
        "summary": "Import rows from another WAE store: not sampled, _sample_interval kept "
        "(scope i; `usagehouse import` uses it)",
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _IMPORT_ARRAY},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
    }
}
