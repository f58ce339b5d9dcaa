"""The widget socket (ingest): hostile frames before and after hello, and the answers the contract names.

After hello, a frame that breaks a rule gets an error frame and the socket stays open; a frame over
the size limit closes with 1009; text frames that are not UTF-8 close with 1007 (the websocket
protocol's own answer). Before hello, anything but a hello with a valid token closes with 4401/4403.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from domain.text import TextKind
from tests.hostile.corpus import Case, expect
from tests.hostile.values import hostile_values

SURFACE = "widget"
ID_MAX = 128
TEXT_MAX = 65_536
PLAIN_TEXT = "hello from the hostile corpus"
UNAUTHENTICATED = expect("close 4401", "close 4403")
FLOOD_FRAMES = 300


@dataclass(frozen=True)
class WidgetInput:
    """A frame: JSON text, raw bytes sent as a text frame (``text_frame``), or a binary frame.

    ``greeted``: sent after a valid hello (else as the first frame). ``accepted_id``/``text``: what an
    accepted message must be stored as.
    """

    payload: str | bytes
    text_frame: bool = True
    greeted: bool = True
    accepted_id: str = ""
    text: str = ""


@dataclass(frozen=True)
class WidgetFlood:
    """Many valid messages from one visitor as fast as they can be sent."""

    frames: int


def _size(payload: str | bytes) -> int:
    return len(payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload)


def _case(  # noqa: PLR0913 - a case is all of these
    family: str,
    name: str,
    payload: str | bytes,
    answer: frozenset[str],
    limit: int,
    *,
    names_field: str = "",
    note: str = "",
    greeted: bool = True,
    text_frame: bool = True,
    accepted_id: str = "",
    text: str = "",
) -> Case:
    """A case whose frame is over the size limit expects 1009, whatever else it holds."""
    if _size(payload) > limit:
        answer, names_field, accepted_id = expect("close 1009"), "", ""
    data = WidgetInput(payload, text_frame=text_frame, greeted=greeted, accepted_id=accepted_id, text=text)
    return Case(SURFACE, family, name, data, answer, names_field=names_field, note=note)


def _message(**fields: object) -> dict[str, object]:
    return {"type": "message", "id": "x", "text": PLAIN_TEXT, **fields}


def field_cases(limit: int) -> list[Case]:
    """Every field of the message frame, and the hello's token, against every hostile value."""
    cases = []
    for value in hostile_values():
        for field, kind, longest in (("id", TextKind.IDENTIFIER, ID_MAX), ("text", TextKind.TEXT, TEXT_MAX)):
            frame = _message(id=f"{field}-{value.name}")
            frame[field] = value.value
            valid = value.valid_for(kind) and isinstance(value.value, str) and len(value.value) <= longest
            payload = json.dumps(frame)
            family = f"message.{field}/{value.family}"
            if valid:
                accepted_id, text = str(frame["id"]), str(frame["text"])
                name = f"message.{field}/{value.name}"
                cases.append(
                    _case(family, name, payload, expect("accepted"), limit, accepted_id=accepted_id, text=text)
                )
            else:
                answer = expect("error invalid_message")
                cases.append(_case(family, f"message.{field}/{value.name}", payload, answer, limit, names_field=field))
        payload = json.dumps(_message(type=value.value, id=f"type-{value.name}"))
        cases.append(
            _case(
                f"message.type/{value.family}",
                f"message.type/{value.name}",
                payload,
                expect("error unknown_type"),
                limit,
            )
        )
        hello = json.dumps({"type": "hello", "token": value.value})
        cases.append(
            _case(
                f"hello.token/{value.family}", f"hello.token/{value.name}", hello, UNAUTHENTICATED, limit, greeted=False
            )
        )
    return cases


def boundary_cases(limit: int) -> list[Case]:
    """Lengths at and just past each limit."""
    at_limit = json.dumps(_message(id="frame-at-limit", text=""))
    filler = "a" * (limit - len(at_limit))
    exact = json.dumps(_message(id="frame-at-limit", text=filler))
    return [
        _case(
            "limits",
            "id_at_128",
            json.dumps(_message(id="i" * ID_MAX)),
            expect("accepted"),
            limit,
            accepted_id="i" * ID_MAX,
            text=PLAIN_TEXT,
        ),
        _case(
            "limits",
            "id_at_129",
            json.dumps(_message(id="i" * (ID_MAX + 1))),
            expect("error invalid_message"),
            limit,
            names_field="id",
        ),
        _case(
            "limits", "frame_at_size_limit", exact, expect("accepted"), limit, accepted_id="frame-at-limit", text=filler
        ),
        _case(
            "limits",
            "frame_one_byte_over",
            json.dumps(_message(id="frame-at-limit", text=filler + "a")),
            expect(),
            limit,
        ),
        _case(
            "limits", "text_over_its_limit", json.dumps(_message(id="long", text="t" * (TEXT_MAX + 1))), expect(), limit
        ),
    ]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def frame_cases(limit: int) -> list[Case]:
    """Frames that are not JSON, not objects, nested, duplicated, binary or not UTF-8."""
    invalid_json = expect("error invalid_json")
    either = expect("error invalid_json", "error invalid_message")
    either_note = "valid for Python's json, not for JSON: the contract allows either answer"
    not_json = {
        "empty_frame": "",
        "open_brace": "{",
        "bare_word": "hello",
        "single_quotes": "{'type': 'message', 'id': 'a', 'text': 'b'}",
        "trailing_garbage": json.dumps(_message(id="garbage")) + "x",
        "trailing_comma": '{"type": "message", "id": "a", "text": "b",}',
        "byte_order_mark": "\ufeff" + json.dumps(_message(id="bom")),
        "nul_only": "\x00",
        "deep_list_5000": _nested(5000),
        "deep_object_2000": '{"a":' * 2000 + "1" + "}" * 2000,
        "deep_in_text_5000": json.dumps(_message(id="deep"))[:-1] + ', "text": ' + _nested(5000) + "}",
    }
    cases = [_case("frame/not_json", name, raw, invalid_json, limit) for name, raw in not_json.items()]
    cases.append(_case("frame/not_json", "deep_list_10000", _nested(10_000), invalid_json, limit))
    not_object = {
        "list": "[]",
        "list_of_frames": f"[{json.dumps(_message())}]",
        "number": "1",
        "null": "null",
        "string": '"message"',
        "true": "true",
    }
    cases += [
        _case("frame/not_object", name, raw, expect("error invalid_frame"), limit) for name, raw in not_object.items()
    ]
    cases += [
        _case(
            "frame/odd_numbers",
            "nan_id",
            '{"type": "message", "id": NaN, "text": "b"}',
            either,
            limit,
            note=either_note,
        ),
        _case(
            "frame/odd_numbers",
            "infinity_id",
            '{"type": "message", "id": Infinity, "text": "b"}',
            either,
            limit,
            note=either_note,
        ),
        _case(
            "frame/odd_numbers",
            "5000_digit_id",
            '{"type": "message", "id": ' + "9" * 5000 + ', "text": "b"}',
            either,
            limit,
            note="past Python's integer-parsing limit",
        ),
        _case(
            "frame/nested_value",
            "text_nested_100",
            json.dumps(_message(id="n100"))[:-1] + ', "text": ' + _nested(100) + "}",
            expect("error invalid_message"),
            limit,
            names_field="text",
        ),
    ]
    last_wins = "JSON leaves duplicate keys open; the last value is the one used, as in every parser we run"
    cases += [
        _case(
            "frame/duplicate_keys",
            "hostile_id_last",
            '{"type": "message", "id": "dup-ok", "id": "a\\u0000b", "text": "x"}',
            expect("error invalid_message"),
            limit,
            names_field="id",
            note=last_wins,
        ),
        _case(
            "frame/duplicate_keys",
            "hostile_id_first",
            '{"type": "message", "id": "a\\u0000b", "id": "dup-last-wins", "text": "x"}',
            expect("accepted"),
            limit,
            accepted_id="dup-last-wins",
            text="x",
            note=last_wins,
        ),
        _case(
            "frame/duplicate_keys",
            "type_twice",
            '{"type": "hello", "type": "message", "id": "dup-type", "text": "x"}',
            expect("accepted"),
            limit,
            accepted_id="dup-type",
            text="x",
            note=last_wins,
        ),
    ]
    unknown = {"nul": "\x00", "surrogate": "\ud800", "nested": [[["x"]]], "huge_number": 10**300}
    for name, value in unknown.items():
        frame = json.dumps({**_message(id=f"unknown-field-{name}"), "x\x00": value})
        cases.append(
            _case(
                "frame/unknown_field",
                f"unknown_field_{name}",
                frame,
                expect("accepted"),
                limit,
                accepted_id=f"unknown-field-{name}",
                text=PLAIN_TEXT,
                note="unknown fields are ignored, never stored",
            )
        )
    binary = {
        "json_message": json.dumps(_message(id="binary")).encode(),
        "nul": b"\x00",
        "invalid_utf8": b"\xff\xfe",
        "empty": b"",
    }
    cases += [
        _case("frame/binary", f"binary_{name}", raw, expect("error binary_frame"), limit, text_frame=False)
        for name, raw in binary.items()
    ]
    not_utf8 = {
        "lone_ff": b"\xff",
        "broken_pair_in_json": b'{"type": "message", "id": "u", "text": "\xc3\x28"}',
        "overlong_slash": b"\xc0\xaf",
        "encoded_surrogate": b'{"type": "message", "id": "u", "text": "\xed\xa0\x80"}',
        "beyond_unicode": b"\xf4\x90\x80\x80",
    }
    cases += [
        _case(
            "frame/not_utf8",
            f"utf8_{name}",
            raw,
            expect("close 1007"),
            limit,
            note="RFC 6455: invalid UTF-8 in a text frame fails the connection with 1007",
        )
        for name, raw in not_utf8.items()
    ]
    cases.append(
        _case(
            "frame/hello_again",
            "hello_again",
            json.dumps({"type": "hello", "token": "x"}),
            expect("error already_greeted"),
            limit,
        )
    )
    cases += [
        _case(
            "frame/missing_field",
            f"missing_{name}",
            json.dumps({k: v for k, v in _message(id=f"missing-{name}").items() if k != name}),
            expect("error unknown_type" if name == "type" else "error invalid_message"),
            limit,
            names_field="" if name == "type" else name,
        )
        for name in ("type", "id", "text")
    ]
    return cases


def first_frame_cases(limit: int) -> list[Case]:
    """Whatever comes first but a hello with a valid token closes the socket as unauthenticated."""
    first = {
        "message_before_hello": json.dumps(_message(id="early")),
        "not_json": "hello",
        "not_object": "[]",
        "deep_nesting": _nested(1500),  # deeper than any parser recurses, under a hello's size limit
        "hello_without_token": json.dumps({"type": "hello"}),
        "hello_with_forged_token": json.dumps({"type": "hello", "token": "v1.forged.token"}),
    }
    cases = [
        _case("first_frame", f"first_{name}", raw, UNAUTHENTICATED, limit, greeted=False) for name, raw in first.items()
    ]
    cases.append(
        _case(
            "first_frame",
            "first_binary",
            b'{"type": "hello", "token": "x"}',
            UNAUTHENTICATED,
            limit,
            greeted=False,
            text_frame=False,
        )
    )
    cases.append(_case("first_frame", "first_not_utf8", b"\xff\xfe", expect("close 1007"), limit, greeted=False))
    cases.append(_case("first_frame", "first_huge", "x" * (limit + 1), expect(), limit, greeted=False))
    return cases


def flood_case() -> Case:
    """One visitor sends far more than a person types: some frames are refused with rate_limited."""
    return Case(SURFACE, "rate_limit", "visitor_flood", WidgetFlood(FLOOD_FRAMES), expect("rate_limited"))


def widget_cases(limit: int) -> list[Case]:
    """The widget corpus for a frame limit of ``limit`` bytes."""
    return [*field_cases(limit), *boundary_cases(limit), *frame_cases(limit), *first_frame_cases(limit), flood_case()]
