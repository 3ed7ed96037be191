"""Large write bodies are parsed a piece at a time, stop at the point limit, and give exactly
the result (or the error) of parsing the whole body at once."""

from __future__ import annotations

import asyncio
import threading
from unittest import mock

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.errors import BadRequest, PayloadTooLarge
from server.ingest import pieces
from server.ingest import points as pts
from tests.helpers import count

URL = "/v1/accounts/acct_a/datasets/usage/points"


class LoadsSpy:
    """Records the size of every orjson.loads call made by the points module."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self._loads = orjson.loads

    def __call__(self, data: bytes) -> object:
        self.sizes.append(len(data))
        return self._loads(data)


@pytest.fixture
def loads_spy(monkeypatch: pytest.MonkeyPatch) -> LoadsSpy:
    spy = LoadsSpy()
    monkeypatch.setattr(orjson, "loads", spy)
    return spy


def big_array(n: int) -> tuple[list[dict], bytes]:
    points = [{"indexes": [f"c{i}"], "blobs": ["GET", "/a},{b"], "doubles": [i]} for i in range(n)]
    return points, orjson.dumps(points)


def test_a_large_array_is_parsed_in_pieces_with_the_whole_result(loads_spy):
    points, body = big_array(40_000)
    assert len(body) > 8 * pieces.PIECE_BYTES
    assert pts.parse_body(body, "application/json") == points
    assert len(loads_spy.sizes) >= 8
    assert max(loads_spy.sizes) < pieces.PIECE_BYTES + 200  # a piece ends at the next point


def test_a_large_array_past_the_point_limit_is_refused_after_parsing_about_the_limit(loads_spy):
    body = b"[" + b"{}," * 5_000_000 + b"{}]"  # 15 MB, 5 million points
    with pytest.raises(PayloadTooLarge) as info:
        pts.parse_body(body, "application/json", max_points=100_000)
    assert "USAGEHOUSE_MAX_POINTS_PER_REQUEST" in info.value.message
    assert info.value.detail == {"limit": 100_000}
    assert sum(loads_spy.sizes) < 3 * 100_000 + 2 * pieces.PIECE_BYTES


@pytest.mark.parametrize(
    "element",
    [b"[]", b"0", b'"x"', b"null", b"[[]]"],
    ids=["arrays", "numbers", "strings", "nulls", "nested"],
)
def test_a_large_array_of_non_objects_is_also_refused_after_about_the_limit(loads_spy, element):
    body = b"[" + (element + b",") * 3_000_000 + element + b"]"
    with pytest.raises(PayloadTooLarge):
        pts.parse_body(body, "application/json", max_points=100_000)
    assert sum(loads_spy.sizes) < len(element + b",") * 100_000 + 2 * pieces.PIECE_BYTES


@pytest.mark.parametrize(
    "body",
    [
        b'[{"doubles": [' + b"0," * 5_000_000 + b"0]}]",  # one huge point
        b"[{}, [" + b"[]," * 5_000_000 + b"[]]]",  # one huge non-object
        b'[{"blobs": ["' + b"x}, {" * 2_000_000 + b'"]}]',  # a string with cuts, never closed
    ],
    ids=["huge point", "huge element", "open string"],
)
def test_no_more_than_two_pieces_of_a_megabyte_are_parsed_for_a_point_that_never_ends(
    loads_spy, body
):
    with pytest.raises(BadRequest) as info:
        pts.parse_body(body, "application/json")
    assert max(loads_spy.sizes) < 2 * pieces.MAX_POINT_BYTES + 10
    assert sum(loads_spy.sizes) < 4 * pieces.MAX_POINT_BYTES
    assert "ends within 1048576 bytes" in info.value.message or "invalid JSON" in info.value.message


def test_a_large_body_that_is_not_an_array_is_refused_unparsed(loads_spy):
    body = b'{"doubles": [' + b"0," * 1_000_000 + b"0]}"
    with pytest.raises(BadRequest, match="more than any data point can be"):
        pts.parse_body(body, "application/json")
    assert loads_spy.sizes == []


def test_an_ndjson_line_longer_than_any_point_is_refused_unparsed(loads_spy):
    body = b"{}\n" + b'{"doubles": [' + b"0," * 1_000_000 + b"0]}\n"
    with pytest.raises(BadRequest, match="NDJSON line 2 is over 1048576 bytes"):
        pts.parse_body(body, "application/x-ndjson")
    assert loads_spy.sizes == [2]


def test_large_ndjson_past_the_point_limit_is_refused_after_parsing_about_the_limit(loads_spy):
    body = b"{}\n" * 5_000_000
    with pytest.raises(PayloadTooLarge):
        pts.parse_body(body, "application/x-ndjson", max_points=100_000)
    assert len(loads_spy.sizes) < 100_000 + pieces.PIECE_BYTES // 3


def test_large_ndjson_is_parsed_like_small(loads_spy):
    points, _ = big_array(30_000)
    body = b"\n".join(orjson.dumps(p) for p in points) + b"\r\n\n"
    assert pts.parse_body(body, "application/x-ndjson", max_points=30_000) == points
    bad = body + b"{oops}\n"
    with pytest.raises(BadRequest) as info:
        pts.parse_body(bad, "application/x-ndjson")
    assert f"NDJSON line {30_000 + 2}" in info.value.message


def whole_body_error(body: bytes) -> str:
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as e:
        return f"invalid JSON: {e}"
    raise AssertionError("the body is valid JSON")


@pytest.mark.parametrize(
    "damage",
    [
        b'{"indexes": ["x"] "blobs": []}',  # missing comma inside a point
        b'{"indexes": ["x"]}, , {}',  # empty element
        b'{"blobs": ["unterminated}, {"}',  # the string swallows a cut
        b"{}, [1, 2}",  # mismatched bracket
    ],
)
def test_an_error_in_a_large_array_is_reported_where_whole_parsing_reports_it(damage):
    _, body = big_array(20_000)
    middle = body.index(b']},{"indexes"', len(body) // 2) + 3
    broken = body[:middle] + damage + b"," + body[middle:]
    with pytest.raises(BadRequest) as info:
        pts.parse_body(broken, "application/json")
    assert info.value.message == whole_body_error(broken)


def test_a_large_array_that_does_not_close_is_a_bad_request():
    _, body = big_array(20_000)
    with pytest.raises(BadRequest, match="does not end with"):
        pts.parse_body(body[:-1], "application/json")


# Strings that put cut-like text where a cut could be tried: inside blobs, at their ends,
# and objects nested inside points (invalid as points, valid JSON).
nasty_text = st.sampled_from(["}", "},{", '},{"', "},{}", "\\", '"', ",", "{", "a"])
blob = st.lists(nasty_text, max_size=6).map("".join)
element: st.SearchStrategy[object] = st.one_of(
    st.fixed_dictionaries({"blobs": st.lists(blob, max_size=3)}),
    st.fixed_dictionaries({"x": st.fixed_dictionaries({"y": st.lists(st.just({}), max_size=2)})}),
    st.just({}),
    st.just([]),
    st.integers(0, 9),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(element, max_size=60), st.sampled_from([0, orjson.OPT_INDENT_2]))
def test_pieces_give_the_whole_parse_for_any_array(items, option):
    body = orjson.dumps(items, option=option)
    with mock.patch.object(pieces, "PIECE_BYTES", 16):
        assert pts.parse_body(body, "application/json") == items


@settings(max_examples=300, deadline=None)
@given(st.lists(element, min_size=1, max_size=40), st.data())
def test_pieces_fail_like_the_whole_parse_on_any_damage(items, data):
    body = orjson.dumps(items)
    at = data.draw(st.integers(1, len(body) - 1))
    junk = data.draw(st.sampled_from([b"", b",", b"}", b"{", b'"', b"]", b"x", b"},{"]))
    broken = body[:at] + junk + body[at + 1 :]
    try:
        expected: object = orjson.loads(broken)
    except orjson.JSONDecodeError:
        expected = None
    with mock.patch.object(pieces, "PIECE_BYTES", 16):
        try:
            got: object = pts.parse_body(broken, "application/json")
        except BadRequest as e:
            # Either outcome may be right; when it is an error, the whole parse must fail too.
            assert expected is None or not isinstance(expected, list), e.message  # noqa: PT017
            return
    if isinstance(expected, dict):
        expected = [expected]
    assert got == expected


async def test_a_large_body_is_parsed_while_the_server_keeps_answering(
    client, storage, monkeypatch
):
    """Validation of a large body waits, in its thread, for /health to answer: on the event loop
    it would block the very request it waits for."""
    started, health_answered = threading.Event(), threading.Event()
    real_validate = pts.validate

    def validate(*args):
        started.set()
        assert health_answered.wait(30), "/health did not answer while the body was validated"
        return real_validate(*args)

    monkeypatch.setattr(pts, "validate", validate)
    _, body = big_array(5_000)
    assert len(body) > pieces.PIECE_BYTES
    write = asyncio.create_task(client.post(URL, data=body))
    for _ in range(3000):
        if started.is_set():
            break
        await asyncio.sleep(0.01)
    assert started.is_set()
    assert (await client.get("/health")).status == 200
    health_answered.set()
    resp = await write
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"ok": True, "accepted": 5_000, "stored": 5_000}
    assert await count(storage) == 5_000
