"""What a panel draws, as assertions on the answers: time series and table frames, stats, bar
gauges, and SQL rows as Infinity and the Altinity plugin read them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.grafana.plugins import is_number
from tests.grafana.provisioned import INFINITY, ds_type


def assert_time_series_frames(frames: list[dict[str, Any]], where: str) -> None:
    assert frames, f"{where}: no frames"
    drawn = 0
    for frame in frames:
        fields = frame["fields"]
        times = fields[0]
        assert times["type"] == "time", f"{where}: first field is {times['type']}, not time"
        assert all(isinstance(t, int) for t in times["values"]), f"{where}: times not epoch ms"
        assert times["values"] == sorted(times["values"]), f"{where}: times not ascending"
        for field in fields[1:]:
            assert field["type"] == "number", f"{where}: {field['name']} is {field['type']}"
            drawn += any(is_number(v) for v in field["values"])
    assert drawn, f"{where}: no number field holds data"


def assert_table_frames(
    frames: list[dict[str, Any]], columns: set[str], where: str
) -> dict[str, list[Any]]:
    assert len(frames) == 1, f"{where}: {len(frames)} frames"
    table = {f["name"]: f["values"] for f in frames[0]["fields"]}
    assert columns <= set(table), f"{where}: missing columns {columns - set(table)}"
    assert table and len(next(iter(table.values()))) >= 1, f"{where}: no rows"
    return table


def panel_columns(panel: dict[str, Any]) -> set[str]:
    """Columns the panel's config names: field overrides by name and the table's sort."""
    names = {
        o["matcher"]["options"]
        for o in panel.get("fieldConfig", {}).get("overrides", [])
        if o["matcher"]["id"] == "byName"
    }
    names |= {s["displayName"] for s in panel.get("options", {}).get("sortBy", [])}
    return names


def assert_panel_frames(panel: dict[str, Any], frames: list[dict[str, Any]], where: str) -> None:
    kind = panel["type"]
    if kind == "timeseries":
        assert_time_series_frames(frames, where)
    elif kind == "stat":
        assert len(frames) == 1, f"{where}: {len(frames)} frames"
        fields = frames[0]["fields"]
        assert fields and all(f["type"] == "number" for f in fields), where
        assert all(len(f["values"]) == 1 for f in fields), f"{where}: not a single value"
        assert any(is_number(f["values"][0]) and f["values"][0] > 0 for f in fields), where
    elif kind == "table":
        assert_table_frames(frames, panel_columns(panel), where)
    elif kind == "bargauge":
        table = assert_table_frames(frames, panel_columns(panel), where)
        kinds = {f["name"]: f["type"] for f in frames[0]["fields"]}
        pattern = panel["options"]["reduceOptions"]["fields"].strip("/") or ".*"
        shown = [
            name for name, kind in kinds.items() if kind == "number" and re.match(pattern, name)
        ]
        assert shown and "string" in kinds.values(), f"{where}: needs names and numbers"
        assert all(is_number(v) for v in table[shown[0]]), where
    else:
        pytest.fail(f"{where}: no shape check for panel type {kind!r}; add one")


def assert_sql_rows(panel: dict[str, Any], target: dict[str, Any], body: dict, where: str) -> None:
    """An Infinity or Altinity answer (`FORMAT JSON`) as the panel reads it."""
    rows = body["data"]
    assert rows and body["rows"] > 0, f"{where}: no rows (Altinity drops rows=0 answers)"
    if ds_type(panel) == INFINITY:
        # Backend parser, root_selector `data`, typed columns: values must already be JSON
        # numbers (output_format_json_quote_64bit_integers=0), times epoch ms ascending.
        columns = {c["selector"]: c["type"] for c in target["columns"]}
        for selector, kind in columns.items():
            values = [row[selector] for row in rows]
            if kind == "timestamp_epoch":
                assert all(isinstance(v, int) and v > 10**12 for v in values), f"{where}: ms"
                assert values == sorted(values), f"{where}: {selector} not ascending"
            elif kind == "number":
                assert all(is_number(v) for v in values), f"{where}: {selector} not numbers"
        if panel["type"] == "timeseries":
            assert "timestamp_epoch" in columns.values() and "number" in columns.values(), where
        return
    # Altinity: the first column is the time in ms (64-bit integers arrive quoted, as WAE
    # sends them), the other String columns name series, the numeric ones are drawn.
    meta = body["meta"]
    time_column = meta[0]["name"]
    times = [int(row[time_column]) for row in rows]
    assert times == sorted(times) and times[0] > 10**12, f"{where}: t not ascending ms"
    numeric = [m["name"] for m in meta[1:] if re.match(r"(U?Int|Float|Decimal)", m["type"])]
    assert numeric, f"{where}: no numeric column to draw"
    assert any(float(row[numeric[0]]) > 0 for row in rows), f"{where}: nothing above zero"
