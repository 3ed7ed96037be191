"""The Altinity plugin's query editor: its metadata lookups, verbatim from its source
(Altinity/clickhouse-grafana: QueryBuilder/hooks/useConnectionData.ts, datasource/adhoc.ts), as
metricFindQuery sends them (` FORMAT JSON` appended), answered from the account's own catalog."""

from __future__ import annotations

from server.demo import ENDPOINTS
from tests.grafana.live import PROBE, Grafana

# The lookups for the demo's dataset, and what each answers.
DATASET = "usage_indexed_by_customer_id"
COLUMNS_OF = (
    f"SELECT name FROM system.columns WHERE database = 'default' AND table = '{DATASET}' AND "
)
ALTINITY_LOOKUPS = {
    "SELECT name FROM system.databases ORDER BY name": [{"name": "default"}],
    "SELECT name FROM system.tables WHERE database = 'default' ORDER BY name": [{"name": DATASET}],
    COLUMNS_OF + "(substring(type,1,8) = 'DateTime' OR substring(type,10,8) = 'DateTime') AND "
    "(substring(type,1,10) != 'DateTime64' OR substring(type,10,10) != 'DateTime64')"
    "ORDER BY name": [{"name": "timestamp"}],
    COLUMNS_OF + "type IN ('Date','Date32','Nullable(Date)','Nullable(Date32)') ORDER BY name "
    "UNION ALL SELECT ' ' AS name": [{"name": " "}],
}
ADHOC_KEYS = (
    "SELECT database, table, name, type FROM system.columns WHERE database NOT IN "
    "('system','INFORMATION_SCHEMA','information_schema') ORDER BY database, table"
)
ADHOC_VALUES = "SELECT DISTINCT {field} AS value FROM {database}.{table} LIMIT 300"


async def test_altinity_editor_lookups_answer_with_the_accounts_own_catalog(
    grafana: Grafana,
) -> None:
    """The query builder's pickers and the ad hoc filters read system.databases/tables/columns;
    through the provisioned datasource (the read token's account) they see this account's
    datasets and WAE columns, and a filter's values come from `default.<dataset>`."""
    uid = "usagehouse-clickhouse"
    resp = await grafana.client.post(  # another account's dataset must not show
        "/v1/accounts/probe/datasets/probe_only/points",
        json={"blobs": ["x"]},
        headers={"Authorization": f"Bearer {PROBE}"},
    )
    assert resp.status == 200
    for sql, expected in ALTINITY_LOOKUPS.items():
        body = await grafana.post(uid, "", data=f"{sql} FORMAT JSON".encode())
        assert body["data"] == expected, sql
    keys = (await grafana.post(uid, "", data=f"{ADHOC_KEYS} FORMAT JSON".encode()))["data"]
    assert {(k["database"], k["table"]) for k in keys} == {("default", DATASET)}
    assert [k["name"] for k in keys[:4]] == ["dataset", "timestamp", "_sample_interval", "index1"]
    assert {k["name"]: k["type"] for k in keys}["double1"] == "Float64" and len(keys) == 44
    values = ADHOC_VALUES.format(field="blob1", database="default", table=DATASET)
    found = (await grafana.post(uid, "", data=f"{values} FORMAT JSON".encode()))["data"]
    assert {row["value"] for row in found} == {e.path for e in ENDPOINTS}
    # Read-only and scoped: nothing else of system, no other database.
    for refused in ("SELECT name FROM system.functions", "SELECT 1 FROM usagehouse.points"):
        resp = await grafana.send("POST", uid, "", data=f"{refused} FORMAT JSON".encode())
        assert resp.status == 422, refused
