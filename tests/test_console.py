"""`usagehouse sql` and `usagehouse translate`: table rendering, and the commands against a real
`python -m server serve` subprocess."""

from __future__ import annotations

import io
import json
import socket
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from server import cli
from server.console.client import Reply, SqlClient, error_text
from server.console.shell import repl
from server.console.table import format_reply, is_numeric_type, render_table
from server.sql import translate
from tests.processes import free_port, served

pytestmark = pytest.mark.no_blockbuster

ACCOUNT = "acct_a"
POINTS = [
    {"indexes": ["cust-1"], "blobs": ["/api/users"], "doubles": [100]},
    {"indexes": ["cust-1"], "blobs": ["/api/users"], "doubles": [100]},
    {"indexes": ["cust-1"], "blobs": ["/api/search"], "doubles": [2500]},
    {"indexes": ["cust-22"], "blobs": ["/api/users"], "doubles": [7.5]},
    {"indexes": ["顧客-3"], "blobs": ["/api/users"], "doubles": [1000]},
]
BY_CUSTOMER = (
    "SELECT index1 AS customer, blob1 AS endpoint, sum(_sample_interval) AS requests, "
    "sum(double1) AS bytes FROM usage GROUP BY customer, endpoint ORDER BY customer, endpoint"
)


PRICING = """
currency = "EUR"
[[meters]]
name = "requests"
dataset = "usage"
measure = "count"
unit_price = "0.50"
"""


def usagehouse(*argv: str) -> int:
    """Run the CLI in-process."""
    return cli.main(list(argv))


# ---------------------------------------------------------------- rendering


def test_table_aligns_columns_and_right_aligns_numbers():
    meta = [
        {"name": "customer", "type": "String"},
        {"name": "count()", "type": "UInt64"},
        {"name": "avg_ms", "type": "Nullable(Float64)"},
        {"name": "top", "type": "Array(String)"},
    ]
    rows: list[dict[str, object]] = [
        {"customer": "cust-1", "count()": "12345", "avg_ms": 1.5, "top": ["/a", "/b"]},
        {"customer": "顧客", "count()": "7", "avg_ms": None, "top": []},
        {"customer": "two\nlines", "count()": "0", "avg_ms": 10, "top": ['say "hi"']},
    ]
    assert render_table(meta, rows) == (
        " customer   | count() | avg_ms | top\n"
        "------------+---------+--------+----------------\n"
        ' cust-1     |   12345 |    1.5 | ["/a","/b"]\n'
        " 顧客       |       7 |   NULL | []\n"
        ' two\\nlines |       0 |     10 | ["say \\"hi\\""]\n'
        "(3 rows)\n"
    )


def test_table_footer_counts_one_row_and_no_rows():
    meta = [{"name": "n", "type": "UInt8"}]
    assert render_table(meta, [{"n": 1}]) == " n\n---\n 1\n(1 row)\n"
    assert render_table(meta, []) == " n\n---\n(0 rows)\n"


@pytest.mark.parametrize(
    ("clickhouse_type", "numeric"),
    [
        ("UInt64", True),
        ("Int32", True),
        ("Float64", True),
        ("Decimal(18, 2)", True),
        ("Nullable(Float64)", True),
        ("LowCardinality(Nullable(UInt8))", True),
        ("String", False),
        ("DateTime('UTC')", False),
        ("Array(UInt64)", False),
    ],
)
def test_numeric_types_are_recognised_through_wrappers(clickhouse_type, numeric):
    assert is_numeric_type(clickhouse_type) is numeric


def test_json_numbers_keep_clickhouse_spelling():
    body = json.dumps(
        {"meta": [{"name": "x", "type": "Float64"}], "data": [{"x": 12345678901}], "rows": 1}
    ).replace("12345678901", "1.2345678901e10")
    reply = Reply(body.encode(), "application/json")
    expected = " " + " " * 14 + "x\n" + "-" * 17 + "\n 1.2345678901e10\n(1 row)\n"
    assert format_reply(reply) == expected


def test_non_json_answers_are_printed_as_sent():
    reply = Reply(b"cust-1\t3\n", "text/tab-separated-values; charset=utf-8")
    assert format_reply(reply) == "cust-1\t3\n"


@pytest.mark.parametrize(
    ("status", "body", "text"),
    [
        (422, b"function sleep is not allowed", "function sleep is not allowed (HTTP 422)"),
        (
            401,
            b'{"success": false, "errors": [{"code": 4011, "message": "missing token"}]}',
            "missing token (HTTP 401)",
        ),
        (400, b'{"ok": false, "error": "no SQL", "code": "bad_request"}', "no SQL (HTTP 400)"),
        (502, b"", "no reason given (HTTP 502)"),
    ],
)
def testerror_text_is_read_from_every_error_shape(status, body, text):
    assert error_text(status, body) == text


# ---------------------------------------------------------------- translate


def test_translate_prints_the_clickhouse_sql(capsys):
    text = "SELECT toLower(blob1) AS b FROM \"my-ds\" WHERE b = 'x' FORMAT TabSeparated"
    assert usagehouse("translate", text, "--account", "acct") == 0
    out, err = capsys.readouterr()
    expected = translate(text, account_id="acct", database="usagehouse").sql
    assert out == expected + " FORMAT TabSeparated\n"
    assert out.startswith("SELECT lowerUTF8(blob1) AS b FROM (SELECT blob1 FROM usagehouse.points")
    assert "FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct'" in out
    assert err == ""


def test_translate_without_format_prints_plain_sql(capsys):
    assert usagehouse("translate", "SELECT 1 AS one") == 0
    # no FROM: it runs wrapped, so that ClickHouse checks the result limits (sql/limits.py)
    assert capsys.readouterr().out == "SELECT * FROM (SELECT 1 AS one)\n"


def test_translate_rejection_is_an_error_on_stderr(capsys):
    assert usagehouse("translate", "SELECT * FROM system.parts") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: table system.parts is not allowed")
    assert err.count("\n") == 1


def test_translate_parse_error_names_the_position(capsys):
    assert usagehouse("translate", "SELECT (1") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "(line 1, column " in err


def test_translate_in_wae_prints_waes_message(capsys):
    assert usagehouse("translate", "--dialect", "wae", "SELECT DISTINCT blob1 FROM usage") == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", "error: selection used unsupported features: SELECT DISTINCT\n")


def test_translate_in_extended_warns_on_stderr(capsys):
    assert usagehouse("translate", "SELECT uniq(blob1) AS n FROM usage") == 0
    out, err = capsys.readouterr()
    assert out.startswith("SELECT uniq(blob1) AS n FROM (SELECT blob1 FROM ")
    assert err == "warning: not portable to WAE: uniq\n"


def test_translate_takes_its_default_dialect_from_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("USAGEHOUSE_SQL_DIALECT", "wae")
    assert usagehouse("translate", "SELECT uniq(blob1) FROM usage") == 1
    assert capsys.readouterr().err == "error: unsupported function: uniq\n"
    assert usagehouse("translate", "--dialect", "extended", "SELECT uniq(blob1) FROM usage") == 0


# ---------------------------------------------------------------- sql, against a real server


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `python -m server serve` subprocess in local-dev mode, holding POINTS for acct_a."""
    data = tmp_path_factory.mktemp("console")
    (data / "pricing.toml").write_text(PRICING)
    with served(data, "--pricing", str(data / "pricing.toml")) as base:
        request = urllib.request.Request(
            f"{base}/v1/accounts/{ACCOUNT}/datasets/usage/points",
            data=json.dumps(POINTS).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.load(response)["stored"] == len(POINTS)
        yield base


@pytest.mark.slow
def test_sql_prints_an_aligned_table(base_url, capsys):
    assert usagehouse("sql", BY_CUSTOMER, "--url", base_url, "--account", ACCOUNT) == 0
    out, err = capsys.readouterr()
    assert out == (
        " customer | endpoint    | requests | bytes\n"
        "----------+-------------+----------+-------\n"
        " cust-1   | /api/search |        1 |  2500\n"
        " cust-1   | /api/users  |        2 |   200\n"
        " cust-22  | /api/users  |        1 |   7.5\n"
        " 顧客-3   | /api/users  |        1 |  1000\n"
        "(4 rows)\n"
    )
    assert err == ""


@pytest.mark.slow
def test_bill_prints_the_month_as_csv_and_json(base_url, capsys):
    month = time.strftime("%Y-%m", time.gmtime())
    args = ("bill", "--month", month, "--url", base_url, "--account", ACCOUNT)
    assert usagehouse(*args, "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines() == [
        "customer,month,currency,meter,dimension,quantity,unit_price,amount,exact",
        f"cust-1,{month},EUR,requests,,3,0.50,1.50,true",
        f"cust-1,{month},EUR,,,,,1.50,true",
        f"cust-22,{month},EUR,requests,,1,0.50,0.50,true",
        f"cust-22,{month},EUR,,,,,0.50,true",
        f"顧客-3,{month},EUR,requests,,1,0.50,0.50,true",
        f"顧客-3,{month},EUR,,,,,0.50,true",
    ]
    assert usagehouse(*args, "--customer", "cust-1") == 0
    invoice = json.loads(capsys.readouterr().out)
    assert (invoice["customer"], invoice["total"], invoice["exact"]) == ("cust-1", "1.50", True)
    assert usagehouse("bill", "--month", "2026-13", "--url", base_url, "--account", ACCOUNT) == 1
    assert "invalid month" in capsys.readouterr().err


@pytest.mark.slow
def test_sql_sees_only_its_own_account(base_url, capsys):
    assert usagehouse("sql", BY_CUSTOMER, "--url", base_url, "--account", "acct_b") == 0
    out, err = capsys.readouterr()
    assert out.endswith("(0 rows)\n")
    assert err == (
        "note: account 'acct_b' has no data yet: write points first, or pass the account that "
        "has them (--account or $USAGEHOUSE_ACCOUNT)\n"
    )


@pytest.mark.slow
def test_a_dataset_without_data_is_named_with_the_datasets_that_have_some(base_url, capsys):
    """WAE's answer stays (zero rows, or a zero count); the note goes to stderr."""
    args = ("--url", base_url, "--account", ACCOUNT)
    assert usagehouse("sql", "SELECT count() AS n FROM usgae", *args) == 0
    out, err = capsys.readouterr()
    assert out.endswith(" 0\n(1 row)\n")
    assert (
        err
        == f"note: dataset usgae has no data in account '{ACCOUNT}'; datasets with data: usage\n"
    )
    assert usagehouse("sql", "SELECT count() AS n FROM usage", *args) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_sql_with_format_json_prints_the_raw_body_too(base_url, capsys):
    assert usagehouse("sql", "SELECT 1 AS one FORMAT JSON;", "--url", base_url) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["data"] == [{"one": 1}] and body["rows"] == 1


@pytest.mark.slow
def test_sql_with_its_own_format_prints_the_raw_body(base_url, capsys):
    query = "SELECT index1, count() AS n FROM usage GROUP BY index1 ORDER BY index1"
    args = ("--url", base_url, "--account", ACCOUNT)
    assert usagehouse("sql", query + " FORMAT TabSeparated", *args) == 0
    assert capsys.readouterr().out == "cust-1\t3\ncust-22\t1\n顧客-3\t1\n"
    assert usagehouse("sql", query + " FORMAT JSONEachRow", *args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"index1": "cust-1", "n": "3"},
        {"index1": "cust-22", "n": "1"},
        {"index1": "顧客-3", "n": "1"},
    ]


@pytest.mark.slow
def test_sql_error_prints_the_reason_and_exits_1(base_url, capsys):
    assert usagehouse("sql", "SELECT sleep(1)", "--url", base_url) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: function sleep is not allowed")
    assert err.endswith("(HTTP 422)\n")


def test_sql_against_no_server_says_so_and_exits_1(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert usagehouse("sql", "SELECT 1", "--url", url) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot reach usagehouse at {url} (")
    assert "usagehouse serve" in err


@pytest.mark.slow
def test_sql_reads_one_statement_from_stdin(base_url, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT count() AS n\nFROM usage;\n"))
    assert usagehouse("sql", "--url", base_url, "--account", ACCOUNT) == 0
    assert capsys.readouterr().out == " n\n---\n 5\n(1 row)\n"


@pytest.mark.slow
def test_sql_with_empty_stdin_is_an_error(base_url, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert usagehouse("sql", "--url", base_url) == 1
    assert capsys.readouterr().err == "error: no SQL given on standard input\n"


@pytest.mark.slow
def test_account_and_url_default_from_the_environment(base_url, capsys, monkeypatch):
    monkeypatch.setenv("USAGEHOUSE_URL", base_url)
    monkeypatch.setenv("USAGEHOUSE_ACCOUNT", ACCOUNT)
    assert usagehouse("sql", "SELECT count() AS n FROM usage") == 0
    assert capsys.readouterr().out == " n\n---\n 5\n(1 row)\n"


@pytest.mark.slow
def test_prompt_runs_semicolon_terminated_statements_until_quit(base_url):
    lines = iter(["", "SELECT count() AS n", "FROM usage;", "SELECT nope(;", "\\q", "SELECT 1;"])
    prompts: list[str] = []

    def read_line(prompt: str) -> str:
        prompts.append(prompt)
        return next(lines)

    out, err = io.StringIO(), io.StringIO()
    assert repl(SqlClient(base_url, ACCOUNT), read_line, out, err) == 0
    assert out.getvalue() == " n\n---\n 5\n(1 row)\n\n"
    assert err.getvalue().startswith("error: ") and err.getvalue().endswith("(HTTP 422)\n")
    assert prompts == [
        "usagehouse> ",
        "usagehouse> ",
        "        -> ",
        "usagehouse> ",
        "usagehouse> ",
    ]
    assert next(lines) == "SELECT 1;"  # nothing read after \q


@pytest.mark.slow
def test_prompt_quits_on_ctrl_d_after_running_an_unterminated_statement(base_url):
    lines = iter(["SELECT count() AS n FROM usage"])

    def read_line(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out, err = io.StringIO(), io.StringIO()
    assert repl(SqlClient(base_url, ACCOUNT), read_line, out, err) == 0
    assert out.getvalue() == " n\n---\n 5\n(1 row)\n\n"
    assert err.getvalue() == ""


def test_sql_against_a_silent_server_times_out_with_exit_1(capsys):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts connections (backlog) but never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        assert usagehouse("sql", "SELECT 1", "--url", url, "--timeout", "0.2") == 1
    assert capsys.readouterr().err == f"error: no answer from {url} within 0.2 s (see --timeout)\n"


def test_sql_notes_a_reduced_resolution_and_asks_for_one(base_url, capsys):
    args = ("--url", base_url, "--account", ACCOUNT)
    assert usagehouse("sql", "SELECT count() AS n FROM usage", "--resolution", "10%", *args) == 0
    out, err = capsys.readouterr()
    assert out.endswith("(1 row)\n")
    assert err == (
        "note: read from the 10% resolution to stay within the read budget: counts and sums "
        "are estimates (--resolution full reads every row)\n"
    )
    assert usagehouse("sql", BY_CUSTOMER, "--resolution", "full", *args) == 0
    assert capsys.readouterr().err == ""


def test_a_bad_resolution_is_the_servers_400(base_url, capsys):
    args = ("--url", base_url, "--account", ACCOUNT, "--resolution", "most")
    assert usagehouse("sql", BY_CUSTOMER, *args) == 1
    assert "resolution must be one of" in capsys.readouterr().err


@pytest.mark.slow
def test_sql_prints_the_portability_warning_on_stderr(base_url, capsys):
    query = "SELECT uniq(index1) AS customers FROM usage"
    assert usagehouse("sql", query, "--url", base_url, "--account", ACCOUNT) == 0
    out, err = capsys.readouterr()
    assert out == " customers\n-----------\n         3\n(1 row)\n"
    assert err == "warning: not portable to WAE: uniq\n"


@pytest.mark.slow
def test_sql_in_wae_prints_waes_422(base_url, capsys):
    query = "SELECT uniq(index1) AS customers FROM usage"
    args = ("--url", base_url, "--account", ACCOUNT, "--dialect", "wae")
    assert usagehouse("sql", query, *args) == 1
    assert capsys.readouterr().err == "error: unsupported function: uniq (HTTP 422)\n"
