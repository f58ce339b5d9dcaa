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


def widget_case(  # noqa: PLR0913 - a case is all of these
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


def message_frame(**fields: object) -> dict[str, object]:
    return {"type": "message", "id": "x", "text": PLAIN_TEXT, **fields}


def field_cases(limit: int) -> list[Case]:
    """Every field of the message frame, and the hello's token, against every hostile value."""
    cases = []
    for value in hostile_values():
        for field, kind, longest in (("id", TextKind.IDENTIFIER, ID_MAX), ("text", TextKind.TEXT, TEXT_MAX)):
            frame = message_frame(id=f"{field}-{value.name}")
            frame[field] = value.value
            valid = value.valid_for(kind) and isinstance(value.value, str) and len(value.value) <= longest
            payload = json.dumps(frame)
            family = f"message.{field}/{value.family}"
            if valid:
                accepted_id, text = str(frame["id"]), str(frame["text"])
                name = f"message.{field}/{value.name}"
                cases.append(
                    widget_case(family, name, payload, expect("accepted"), limit, accepted_id=accepted_id, text=text)
                )
            else:
                answer = expect("error invalid_message")
                cases.append(
                    widget_case(family, f"message.{field}/{value.name}", payload, answer, limit, names_field=field)
                )
        payload = json.dumps(message_frame(type=value.value, id=f"type-{value.name}"))
        cases.append(
            widget_case(
                f"message.type/{value.family}",
                f"message.type/{value.name}",
                payload,
                expect("error unknown_type"),
                limit,
            )
        )
        hello = json.dumps({"type": "hello", "token": value.value})
        cases.append(
            widget_case(
                f"hello.token/{value.family}", f"hello.token/{value.name}", hello, UNAUTHENTICATED, limit, greeted=False
            )
        )
    return cases


def boundary_cases(limit: int) -> list[Case]:
    """Lengths at and just past each limit."""
    at_limit = json.dumps(message_frame(id="frame-at-limit", text=""))
    filler = "a" * (limit - len(at_limit))
    exact = json.dumps(message_frame(id="frame-at-limit", text=filler))
    return [
        widget_case(
            "limits",
            "id_at_128",
            json.dumps(message_frame(id="i" * ID_MAX)),
            expect("accepted"),
            limit,
            accepted_id="i" * ID_MAX,
            text=PLAIN_TEXT,
        ),
        widget_case(
            "limits",
            "id_at_129",
            json.dumps(message_frame(id="i" * (ID_MAX + 1))),
            expect("error invalid_message"),
            limit,
            names_field="id",
        ),
        widget_case(
            "limits", "frame_at_size_limit", exact, expect("accepted"), limit, accepted_id="frame-at-limit", text=filler
        ),
        widget_case(
            "limits",
            "frame_one_byte_over",
            json.dumps(message_frame(id="frame-at-limit", text=filler + "a")),
            expect(),
            limit,
        ),
        widget_case(
            "limits",
            "text_over_its_limit",
            json.dumps(message_frame(id="long", text="t" * (TEXT_MAX + 1))),
            expect(),
            limit,
        ),
    ]


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def first_frame_cases(limit: int) -> list[Case]:
    """Whatever comes first but a hello with a valid token closes the socket as unauthenticated."""
    first = {
        "message_before_hello": json.dumps(message_frame(id="early")),
        "not_json": "hello",
        "not_object": "[]",
        "deep_nesting": nested_json(1500),  # deeper than any parser recurses, under a hello's size limit
        "hello_without_token": json.dumps({"type": "hello"}),
        "hello_with_forged_token": json.dumps({"type": "hello", "token": "v1.forged.token"}),
    }
    cases = [
        widget_case("first_frame", f"first_{name}", raw, UNAUTHENTICATED, limit, greeted=False)
        for name, raw in first.items()
    ]
    cases.append(
        widget_case(
            "first_frame",
            "first_binary",
            b'{"type": "hello", "token": "x"}',
            UNAUTHENTICATED,
            limit,
            greeted=False,
            text_frame=False,
        )
    )
    cases.append(widget_case("first_frame", "first_not_utf8", b"\xff\xfe", expect("close 1007"), limit, greeted=False))
    cases.append(widget_case("first_frame", "first_huge", "x" * (limit + 1), expect(), limit, greeted=False))
    return cases


def flood_case() -> Case:
    """One visitor sends far more than a person types: some frames are refused with rate_limited."""
    return Case(SURFACE, "rate_limit", "visitor_flood", WidgetFlood(FLOOD_FRAMES), expect("rate_limited"))
