"""Settings come from USAGEHOUSE_* variables and flags; bad values name the variable."""

from __future__ import annotations

import dataclasses

import pytest

from server.app import create_app
from server.config import ConfigError, Settings, env_name, load_settings


def test_defaults_match_the_design():
    s = load_settings({})
    assert (s.host, s.port, s.storage, s.tokens, s.sampling) == (
        "127.0.0.1",
        8787,
        "./usagehouse-data",
        "",
        "equitable",
    )
    assert s.retention_days == 92
    assert s.sql_dialect == "extended"
    assert s.is_loopback and not s.is_remote_storage


def test_environment_variables_set_every_field():
    env = {
        "USAGEHOUSE_HOST": "0.0.0.0",
        "USAGEHOUSE_PORT": "9000",
        "USAGEHOUSE_STORAGE": "http://u:p@ch:8123/db",
        "USAGEHOUSE_SAMPLING": "off",
        "USAGEHOUSE_SAMPLE_INDEX_BUDGET": "250.5",
        "USAGEHOUSE_RETENTION_DAYS": "30",
        "USAGEHOUSE_MAX_POINTS_PER_REQUEST": "1_000",
    }
    s = load_settings(env)
    assert (s.host, s.port, s.sampling, s.sample_index_budget, s.retention_days) == (
        "0.0.0.0",
        9000,
        "off",
        250.5,
        30,
    )
    assert s.max_points_per_request == 1000
    assert s.is_remote_storage and not s.is_loopback


def test_flags_override_environment():
    s = load_settings({"USAGEHOUSE_PORT": "9000"}, port=9100, host=None)
    assert s.port == 9100 and s.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("USAGEHOUSE_PORT", "eighty", "USAGEHOUSE_PORT='eighty' is invalid: expected a int"),
        ("USAGEHOUSE_PORT", "70000", "USAGEHOUSE_PORT=70000 is out of range"),
        ("USAGEHOUSE_SAMPLING", "sometimes", "USAGEHOUSE_SAMPLING='sometimes' is invalid"),
        ("USAGEHOUSE_SQL_DIALECT", "strict", "expected one of extended, wae"),
        ("USAGEHOUSE_RETENTION_DAYS", "0", "USAGEHOUSE_RETENTION_DAYS=0 is out of range"),
        ("USAGEHOUSE_SQL_TIMEOUT_S", "-1", "USAGEHOUSE_SQL_TIMEOUT_S=-1.0 is out of range"),
        ("USAGEHOUSE_SAMPLE_TOTAL_BUDGET", "lots", "USAGEHOUSE_SAMPLE_TOTAL_BUDGET='lots'"),
        ("USAGEHOUSE_STORAGE", "clickhouse://ch:9000/db", "expected a directory or http(s)://"),
    ],
)
def test_invalid_values_fail_naming_the_variable(var, value, message):
    with pytest.raises(ConfigError) as info:
        load_settings({var: value})
    assert message in str(info.value)


SERVER = {"USAGEHOUSE_STORAGE": "http://u:p@ch:8123/db"}


def test_cluster_mode_takes_a_cluster_name_and_a_quorum():
    s = load_settings(
        SERVER | {"USAGEHOUSE_CLICKHOUSE_CLUSTER": "uh", "USAGEHOUSE_CLICKHOUSE_INSERT_QUORUM": "2"}
    )
    assert (s.clickhouse_cluster, s.clickhouse_insert_quorum) == ("uh", 2)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"USAGEHOUSE_CLICKHOUSE_CLUSTER": "uh"},
            "USAGEHOUSE_CLICKHOUSE_CLUSTER needs USAGEHOUSE_STORAGE to be a ClickHouse server URL",
        ),
        (
            SERVER | {"USAGEHOUSE_CLICKHOUSE_CLUSTER": "my cluster"},
            "USAGEHOUSE_CLICKHOUSE_CLUSTER='my cluster' is invalid",
        ),
        (
            SERVER | {"USAGEHOUSE_CLICKHOUSE_INSERT_QUORUM": "2"},
            "USAGEHOUSE_CLICKHOUSE_INSERT_QUORUM needs USAGEHOUSE_CLICKHOUSE_CLUSTER",
        ),
    ],
    ids=["embedded", "not-a-name", "quorum-without-cluster"],
)
def test_cluster_settings_that_cannot_work_fail_at_start(env, message):
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert message in str(info.value)


def test_every_field_has_an_environment_variable():
    for f in dataclasses.fields(Settings):
        assert env_name(f.name) == "USAGEHOUSE_" + f.name.upper()


def test_refuses_non_loopback_host_without_tokens():
    with pytest.raises(
        ConfigError, match=r"refusing to listen on 0\.0\.0\.0 without USAGEHOUSE_TOKENS"
    ):
        create_app(load_settings({}, host="0.0.0.0"))
    create_app(load_settings({}, host="0.0.0.0", tokens="t0k:acct:rw"))
    create_app(load_settings({}, host="::1"))


@pytest.mark.parametrize("tokens", ["justatoken", "t:acct:x", "t::rw", ":acct:r"])
def test_malformed_tokens_fail_at_start(tokens):
    with pytest.raises(ConfigError, match="USAGEHOUSE_TOKENS"):
        create_app(load_settings({}, tokens=tokens))
