"""Page requests: limits within bounds, cursors that come back as they went out, anything else refused."""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidField
from services.console.paging import DEFAULT_PAGE, MAX_PAGE, BadPage, Page, decode, encode, requested

SHAPES = [("at?", "id"), ("int",), ("at", "int"), ("at", "text", "int", "int")]


def test_a_cursor_comes_back_as_it_went_out() -> None:
    key = (datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC), uuid4())
    assert decode(encode(key), ("at?", "id")) == key
    assert decode(encode((None, key[1])), ("at?", "id")) == (None, key[1])
    assert decode(encode((datetime(2026, 1, 1, tzinfo=UTC), "sales", 7, 12)), SHAPES[3])[1:] == ("sales", 7, 12)


@pytest.mark.parametrize(
    ("params", "limit"), [({}, DEFAULT_PAGE), ({"limit": "1"}, 1), ({"limit": str(MAX_PAGE)}, MAX_PAGE)]
)
def test_limits_within_bounds_are_taken(params: dict[str, str], limit: int) -> None:
    assert requested(params, ("int",)) == Page(limit)


@pytest.mark.parametrize("limit", ["0", str(MAX_PAGE + 1), "-3", "x", " 5", "5 ", "²", "1_0"])
def test_limits_out_of_bounds_or_not_numbers_are_refused(limit: str) -> None:
    with pytest.raises(BadPage, match="'limit' must be a whole number"):
        requested({"limit": limit}, ("int",))


@pytest.mark.parametrize("limit", ["5", 5.0, True, None, [5]])
def test_a_frame_gives_its_limit_as_a_number(limit: object) -> None:
    if limit is None:
        assert requested({"limit": None}, ("int",), in_query=False).limit == DEFAULT_PAGE
        return
    with pytest.raises(BadPage, match="'limit'"):
        requested({"limit": limit}, ("int",), in_query=False)


def test_a_cursor_of_another_list_is_refused() -> None:
    conversations = encode((datetime(2026, 1, 1, tzinfo=UTC), uuid4()))
    with pytest.raises(BadPage, match="'cursor'"):
        decode(conversations, ("int",))
    with pytest.raises(BadPage, match="'cursor'"):
        decode(encode((None, 3)), ("at", "int"))  # only "at?" may be null
    with pytest.raises(BadPage, match="'cursor'"):
        decode(encode(("2026-01-01T00:00:00", 3)), ("at", "int"))  # a time without its zone


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_a_cursor_with_a_number_json_has_not_is_refused(word: str) -> None:
    forged = base64.urlsafe_b64encode(f"[{word}]".encode()).decode().rstrip("=")
    with pytest.raises(BadPage, match="'cursor'"):
        decode(forged, ("int",))


PARTS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40))
ENCODED = st.lists(PARTS, max_size=5).map(lambda parts: base64.urlsafe_b64encode(json.dumps(parts).encode()).decode())


@given(cursor=st.one_of(ENCODED, st.text(max_size=600), st.integers(), st.none()))
def test_nothing_but_badpage_comes_of_any_cursor(cursor: object) -> None:
    for shape in SHAPES:
        with contextlib.suppress(BadPage):
            decode(cursor, shape)


def test_a_limit_of_more_digits_than_any_page_is_refused_without_reading_it() -> None:
    with pytest.raises(BadPage, match="'limit' must be a whole number"):
        requested({"limit": "1" * 5000}, ("int",))


def test_a_refused_page_names_its_field_as_every_field_error_does() -> None:
    with pytest.raises(InvalidField) as refused:
        requested({"cursor": "nope"}, ("int",))
    assert (refused.value.field, str(refused.value)) == (
        "cursor",
        "'cursor' is not one this list gave; start again without it",
    )
