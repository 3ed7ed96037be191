"""The server's URLs and headers as the command line's clients build them."""

from __future__ import annotations

from server.remote import JSON, headers, points_url, sql_url


def test_urls_quote_the_account_and_the_dataset():
    assert points_url("http://h:1/", "a/b", "my ds") == (
        "http://h:1/v1/accounts/a%2Fb/datasets/my%20ds/points"
    )
    assert sql_url("http://h:1", "a b") == (
        "http://h:1/client/v4/accounts/a%20b/analytics_engine/sql"
    )


def test_headers_carry_a_token_only_when_there_is_one():
    assert headers("", JSON) == {"Content-Type": "application/json"}
    assert headers("t0k") == {"Authorization": "Bearer t0k"}
