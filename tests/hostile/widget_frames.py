"""Widget frames that break JSON, framing or encoding rather than a field, and the whole widget corpus."""

from __future__ import annotations

import json

from tests.hostile.corpus import Case, expect
from tests.hostile.widget import (
    PLAIN_TEXT,
    boundary_cases,
    field_cases,
    first_frame_cases,
    flood_case,
    message_frame,
    nested_json,
    widget_case,
)


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
        "trailing_garbage": json.dumps(message_frame(id="garbage")) + "x",
        "trailing_comma": '{"type": "message", "id": "a", "text": "b",}',
        "byte_order_mark": "\ufeff" + json.dumps(message_frame(id="bom")),
        "nul_only": "\x00",
        "deep_list_5000": nested_json(5000),
        "deep_object_2000": '{"a":' * 2000 + "1" + "}" * 2000,
        "deep_in_text_5000": json.dumps(message_frame(id="deep"))[:-1] + ', "text": ' + nested_json(5000) + "}",
    }
    cases = [widget_case("frame/not_json", name, raw, invalid_json, limit) for name, raw in not_json.items()]
    cases.append(widget_case("frame/not_json", "deep_list_10000", nested_json(10_000), invalid_json, limit))
    not_object = {
        "list": "[]",
        "list_of_frames": f"[{json.dumps(message_frame())}]",
        "number": "1",
        "null": "null",
        "string": '"message"',
        "true": "true",
    }
    cases += [
        widget_case("frame/not_object", name, raw, expect("error invalid_frame"), limit)
        for name, raw in not_object.items()
    ]
    cases += [
        widget_case(
            "frame/odd_numbers",
            "nan_id",
            '{"type": "message", "id": NaN, "text": "b"}',
            either,
            limit,
            note=either_note,
        ),
        widget_case(
            "frame/odd_numbers",
            "infinity_id",
            '{"type": "message", "id": Infinity, "text": "b"}',
            either,
            limit,
            note=either_note,
        ),
        widget_case(
            "frame/odd_numbers",
            "5000_digit_id",
            '{"type": "message", "id": ' + "9" * 5000 + ', "text": "b"}',
            either,
            limit,
            note="past Python's integer-parsing limit",
        ),
        widget_case(
            "frame/nested_value",
            "text_nested_10",
            json.dumps(message_frame(id="n10"))[:-1] + ', "text": ' + nested_json(10) + "}",
            expect("error invalid_message"),
            limit,
            names_field="text",
        ),
        widget_case(
            "frame/nested_value",
            "text_nested_100",
            json.dumps(message_frame(id="n100"))[:-1] + ', "text": ' + nested_json(100) + "}",
            expect("error invalid_json"),
            limit,
            note="deeper than any frame nests: refused by its depth before it is parsed",
        ),
    ]
    last_wins = "JSON leaves duplicate keys open; the last value is the one used, as in every parser we run"
    cases += [
        widget_case(
            "frame/duplicate_keys",
            "hostile_id_last",
            '{"type": "message", "id": "dup-ok", "id": "a\\u0000b", "text": "x"}',
            expect("error invalid_message"),
            limit,
            names_field="id",
            note=last_wins,
        ),
        widget_case(
            "frame/duplicate_keys",
            "hostile_id_first",
            '{"type": "message", "id": "a\\u0000b", "id": "dup-last-wins", "text": "x"}',
            expect("accepted"),
            limit,
            accepted_id="dup-last-wins",
            text="x",
            note=last_wins,
        ),
        widget_case(
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
        frame = json.dumps({**message_frame(id=f"unknown-field-{name}"), "x\x00": value})
        cases.append(
            widget_case(
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
        "json_message": json.dumps(message_frame(id="binary")).encode(),
        "nul": b"\x00",
        "invalid_utf8": b"\xff\xfe",
        "empty": b"",
    }
    cases += [
        widget_case("frame/binary", f"binary_{name}", raw, expect("error binary_frame"), limit, text_frame=False)
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
        widget_case(
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
        widget_case(
            "frame/hello_again",
            "hello_again",
            json.dumps({"type": "hello", "token": "x"}),
            expect("error already_greeted"),
            limit,
        )
    )
    cases += [
        widget_case(
            "frame/missing_field",
            f"missing_{name}",
            json.dumps({k: v for k, v in message_frame(id=f"missing-{name}").items() if k != name}),
            expect("error unknown_type" if name == "type" else "error invalid_message"),
            limit,
            names_field="" if name == "type" else name,
        )
        for name in ("type", "id", "text")
    ]
    return cases


def widget_cases(limit: int) -> list[Case]:
    """The widget corpus for a frame limit of ``limit`` bytes."""
    return [*field_cases(limit), *boundary_cases(limit), *frame_cases(limit), *first_frame_cases(limit), flood_case()]
