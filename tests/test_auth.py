"""Tokens reach only their own account and scopes; local-dev mode accepts any account."""

from __future__ import annotations

import pytest

from server.app import create_app

TOKENS = "writer-a:acct_a:w,reader-a:acct_a:r,admin-b:acct_b:rw"


@pytest.fixture
async def authed(aiohttp_client, make_settings, storage):
    return await aiohttp_client(create_app(make_settings(tokens=TOKENS), storage=storage))


def url(account: str) -> str:
    return f"/v1/accounts/{account}/datasets/usage/points"


@pytest.mark.parametrize(
    ("headers", "account", "status"),
    [
        ({"Authorization": "Bearer writer-a"}, "acct_a", 200),
        ({"Authorization": "bearer   admin-b  "}, "acct_b", 200),
        ({}, "acct_a", 401),
        ({"Authorization": "Bearer nope"}, "acct_a", 401),
        ({"Authorization": "Basic d3JpdGVyLWE="}, "acct_a", 401),
        ({"Authorization": "Bearer "}, "acct_a", 401),
        ({"Authorization": "Bearer reader-a"}, "acct_a", 403),
        ({"Authorization": "Bearer writer-a"}, "acct_b", 403),
        ({"Authorization": "Bearer admin-b"}, "acct_a", 403),
    ],
)
async def test_write_requires_a_token_for_the_account_with_w_scope(
    authed, headers, account, status
):
    resp = await authed.post(url(account), json={}, headers=headers)
    assert resp.status == status
    if status != 200:
        body = await resp.json()
        assert body["ok"] is False and body["status"] == status


async def test_local_dev_mode_accepts_any_account_without_token(client):
    for account in ("a", "b", "0123456789abcdef0123456789abcdef"):
        assert (await client.post(url(account), json={})).status == 200
