"""Widget frames: what the web-chat connector accepts, and how it says no."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.webchat import FrameError, _message_frame, error_frame, parse_frame
from domain.inbound import MAX_ID_LENGTH, MAX_TEXT_LENGTH

MAX_CLIENT_ID = MAX_ID_LENGTH // 2  # the connector prefixes the visitor id to the client's id


def code_of(raw: str | bytes) -> str:
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    return caught.value.code


def message_frame(**fields: Any) -> str:
    return json.dumps({"type": "message", **fields})


def test_a_message_frame_is_returned_as_sent() -> None:
    assert parse_frame(message_frame(id="c1", text="hi")) == {"type": "message", "id": "c1", "text": "hi"}


def test_a_hello_frame_is_returned_as_sent() -> None:
    assert parse_frame('{"type": "hello", "token": "t"}') == {"type": "hello", "token": "t"}


@pytest.mark.parametrize("raw", [b'{"type": "hello", "token": "t"}', b""])
def test_binary_frames_are_refused(raw: bytes) -> None:
    with pytest.raises(FrameError, match="frames must be JSON text, not binary") as caught:
        parse_frame(raw)
    assert caught.value.code == "binary_frame"


@pytest.mark.parametrize(
    "raw",
    ["", "{", "{'type': 'hello'}", "hello", '{"type": "message",}', '{"type": "typing", "n": NaN}'],
)
def test_invalid_json(raw: str) -> None:
    assert code_of(raw) == "invalid_json"


@pytest.mark.parametrize("raw", ["[]", '["message"]', "42", '"message"', "null", "true"])
def test_a_frame_must_be_an_object(raw: str) -> None:
    assert code_of(raw) == "invalid_frame"


@pytest.mark.parametrize("raw", ['{"type": "shouting"}', "{}", '{"type": null}', '{"type": "MESSAGE"}'])
def test_unknown_type(raw: str) -> None:
    with pytest.raises(FrameError, match="expected 'hello', 'message', 'typing' or 'introduce'") as caught:
        parse_frame(raw)
    assert caught.value.code == "unknown_type"


def test_unknown_type_names_what_was_sent() -> None:
    with pytest.raises(FrameError, match="unknown frame type 'shouting'"):
        parse_frame('{"type": "shouting"}')


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "hi"},
        {"id": "", "text": "hi"},
        {"id": 7, "text": "hi"},
        {"id": None, "text": "hi"},
        {"id": "x" * (MAX_CLIENT_ID + 1), "text": "hi"},
    ],
    ids=["missing", "empty", "number", "null", "too-long"],
)
def test_a_message_needs_a_bounded_id(fields: dict[str, Any]) -> None:
    with pytest.raises(FrameError, match=r"needs an 'id' of 1\.\.128 characters") as caught:
        parse_frame(message_frame(**fields))
    assert caught.value.code == "invalid_message"


def test_an_id_at_the_limit_is_accepted() -> None:
    assert parse_frame(message_frame(id="x" * MAX_CLIENT_ID, text="hi"))["id"] == "x" * MAX_CLIENT_ID


@pytest.mark.parametrize(
    "fields",
    [{"id": "c1"}, {"id": "c1", "text": ""}, {"id": "c1", "text": " \n\t "}, {"id": "c1", "text": ["hi"]}],
    ids=["missing", "empty", "blank", "list"],
)
def test_a_message_needs_non_empty_text(fields: dict[str, Any]) -> None:
    with pytest.raises(FrameError, match="needs a non-empty 'text'") as caught:
        parse_frame(message_frame(**fields))
    assert caught.value.code == "invalid_message"


def test_frame_error_carries_code_and_detail() -> None:
    error = FrameError("invalid_json", "the frame is not valid JSON")
    assert (error.code, error.detail, str(error)) == ("invalid_json", "the frame is not valid JSON", error.detail)


def test_error_frame_shape() -> None:
    assert json.loads(error_frame("invalid_json", "bad")) == {"type": "error", "code": "invalid_json", "detail": "bad"}


def test_a_second_hello_is_refused_after_greeting() -> None:
    with pytest.raises(FrameError) as caught:
        _message_frame('{"type": "hello", "token": "t"}')
    assert caught.value.code == "already_greeted"
    assert _message_frame(message_frame(id="c1", text="hi"))["id"] == "c1"


def test_deeply_nested_json_is_refused_as_a_frame_error() -> None:
    # 2 KB of brackets fits well inside the default 16 KB frame limit.
    assert code_of("[" * 2000 + "]" * 2000) in {"invalid_json", "invalid_frame"}


# The one text rule, applied where the frame arrives: the visitor hears which field, nothing is published.
# label: (value, what the refusal says)
_BROKEN = {
    "NUL": ("a\x00b", "NUL"),
    "surrogate": ("a\ud800b", "surrogate"),
    "low surrogate": ("\udfff", "surrogate"),
    "escape": ("a\x1bb", r"U\+001B"),
}


@pytest.mark.parametrize("problem", list(_BROKEN))
def test_an_id_that_breaks_the_text_rule_is_refused_by_name(problem: str) -> None:
    value, says = _BROKEN[problem]
    with pytest.raises(FrameError, match=f"'id' .*{says}") as caught:
        parse_frame(message_frame(id=value, text="hi"))
    assert caught.value.code == "invalid_message"


@pytest.mark.parametrize("problem", list(_BROKEN))
def test_text_that_breaks_the_text_rule_is_refused_by_name(problem: str) -> None:
    value, says = _BROKEN[problem]
    with pytest.raises(FrameError, match=f"'text' .*{says}") as caught:
        parse_frame(message_frame(id="c1", text=value))
    assert caught.value.code == "invalid_message"


@pytest.mark.parametrize("client_id", [" c1", "c1 ", "c\n1", "c1\t"])
def test_an_id_is_one_line_without_surrounding_blanks(client_id: str) -> None:
    with pytest.raises(FrameError, match="'id'") as caught:
        parse_frame(message_frame(id=client_id, text="hi"))
    assert caught.value.code == "invalid_message"


def test_text_keeps_its_line_breaks_and_tabs() -> None:
    assert parse_frame(message_frame(id="c1", text="one\r\ntwo\tthree"))["text"] == "one\r\ntwo\tthree"


def test_text_over_the_message_limit_is_refused_in_the_frame() -> None:
    with pytest.raises(FrameError, match=f"'text' is longer than {MAX_TEXT_LENGTH} characters") as caught:
        parse_frame(message_frame(id="c1", text="x" * (MAX_TEXT_LENGTH + 1)))
    assert caught.value.code == "invalid_message"


def test_the_error_frame_of_a_surrogate_is_plain_ascii_json() -> None:
    # The detail must itself be sendable: a frame naming the problem, not a second failure.
    with pytest.raises(FrameError) as caught:
        parse_frame(message_frame(id="\ud800", text="hi"))
    sent = error_frame(caught.value.code, caught.value.detail)
    sent.encode()
    assert json.loads(sent)["code"] == "invalid_message"
