"""The operator console socket (gateway): hostile commands from a signed-in director, and hostile first frames.

A command that breaks a rule gets ``{"type": "error", "code": "refused", "detail": ..., "request_id": ...}``
and the socket stays open; frames that are not JSON or not objects get ``invalid_json``/``invalid_frame``;
a frame over the limit closes with 1009; a first frame that is not a valid auth closes with 4401.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from domain.text import TextKind
from tests.hostile.corpus import Case, expect
from tests.hostile.values import hostile_values

SURFACE = "console"
REPLY_MAX = 10_000
REPLY_TEXT = "reply from the hostile corpus"
REFUSED = expect("error refused")
# Any frame limit the gateway chooses lies between a long reply's frame and this many bytes.
OVER_ANY_LIMIT = 1_000_000
FLOOD_FRAMES = 300


@dataclass(frozen=True)
class ConsoleInput:
    """A frame (JSON text, raw bytes in a text frame, or binary), after auth unless ``first``."""

    payload: str | bytes
    text_frame: bool = True
    first: bool = False
    request_id: str = ""
    origin: str | None = "own"


@dataclass(frozen=True)
class ConsoleFlood:
    """Many commands from one operator as fast as they can be sent."""

    frames: int


def _case(family: str, name: str, payload: str | bytes, answer: frozenset[str], **kw: object) -> Case:
    size = len(payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload)
    names_field = str(kw.pop("names_field", ""))
    note = str(kw.pop("note", ""))
    if size > OVER_ANY_LIMIT:
        answer, names_field = expect("close 1009"), ""
    return Case(SURFACE, family, name, ConsoleInput(payload, **kw), answer, names_field=names_field, note=note)  # type: ignore[arg-type]


def command_cases(conversation: uuid.UUID) -> list[Case]:
    """Every field of every command, against every hostile value."""
    commands: dict[str, dict[str, object]] = {
        "reply": {"conversation_id": str(conversation), "text": REPLY_TEXT},
        "history": {"conversation_id": str(conversation)},
        "accept": {"lead_id": str(uuid.uuid4())},
        "close": {"conversation_id": str(uuid.uuid4())},
        "work_day": {"action": "start"},
    }
    cases = []
    for value in hostile_values():
        for command, fields in commands.items():
            for field in fields:
                request_id = f"{command}.{field}/{value.name}"
                frame = {"type": command, **fields, field: value.value, "request_id": request_id}
                valid = (
                    field == "text"
                    and isinstance(value.value, str)
                    and value.valid_for(TextKind.TEXT)
                    and len(value.value) <= REPLY_MAX
                )
                answer = expect("ack") if valid else REFUSED
                family = f"{command}.{field}/{value.family}"
                payload = json.dumps(frame)
                names = "" if valid else field
                cases.append(_case(family, request_id, payload, answer, request_id=request_id, names_field=names))
        request_id = f"reply.request_id/{value.name}"
        frame = {"type": "reply", "conversation_id": str(conversation), "text": REPLY_TEXT, "request_id": value.value}
        valid = isinstance(value.value, str) and value.valid_for(TextKind.IDENTIFIER)
        answer = expect("ack") if valid else REFUSED
        rid = value.value if valid and isinstance(value.value, str) else ""
        cases.append(
            _case(
                f"reply.request_id/{value.family}",
                request_id,
                json.dumps(frame),
                answer,
                request_id=rid,
                names_field="" if valid else "request_id",
            )
        )
        request_id = f"type/{value.name}"
        frame = {"type": value.value, "conversation_id": str(conversation), "request_id": request_id}
        cases.append(_case(f"type/{value.family}", request_id, json.dumps(frame), REFUSED, request_id=request_id))
    return cases


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def frame_cases(conversation: uuid.UUID) -> list[Case]:
    """Frames that are not JSON, not objects, binary, not UTF-8, or ask for what is not there."""
    invalid_json = expect("error invalid_json")
    not_json = {
        "empty_frame": "",
        "open_brace": "{",
        "bare_word": "reply",
        "single_quotes": "{'type': 'history'}",
        "trailing_garbage": '{"type": "history"}x',
        "nul_only": "\x00",
        "deep_list_5000": _nested(5000),
        "deep_object_3000": '{"a":' * 3000 + "1" + "}" * 3000,
        "deep_in_field_5000": '{"type": "history", "conversation_id": ' + _nested(5000) + "}",
        "deep_list_10000": _nested(10_000),
    }
    cases = [_case("frame/not_json", name, raw, invalid_json) for name, raw in not_json.items()]
    not_object = {"list": "[]", "number": "1", "null": "null", "string": '"history"', "true": "true"}
    cases += [_case("frame/not_object", n, raw, expect("error invalid_frame")) for n, raw in not_object.items()]
    binary_note = "the contract names no code for binary frames; either parse error fits"
    binary = expect("error invalid_frame", "error invalid_json")
    for name, raw in {"json": b'{"type": "history"}', "nul": b"\x00", "invalid_utf8": b"\xff"}.items():
        cases.append(_case("frame/binary", f"binary_{name}", raw, binary, text_frame=False, note=binary_note))
    rfc = "RFC 6455: invalid UTF-8 in a text frame fails the connection with 1007"
    for name, raw in {"lone_ff": b"\xff", "encoded_surrogate": b'{"type": "\xed\xa0\x80"}'}.items():
        cases.append(_case("frame/not_utf8", f"utf8_{name}", raw, expect("close 1007"), note=rfc))
    absent = {
        "reply_to_unknown_conversation": {"type": "reply", "conversation_id": str(uuid.uuid4()), "text": "x"},
        "history_of_unknown_conversation": {"type": "history", "conversation_id": str(uuid.uuid4())},
        "close_unknown_conversation": {"type": "close", "conversation_id": str(uuid.uuid4())},
        "accept_unknown_lead": {"type": "accept", "lead_id": str(uuid.uuid4())},
        "reply_without_request_id": {"type": "reply", "conversation_id": str(conversation), "text": "x"},
        "reply_missing_text": {"type": "reply", "conversation_id": str(conversation)},
        "reply_over_its_limit": {"type": "reply", "conversation_id": str(conversation), "text": "r" * (REPLY_MAX + 1)},
    }
    for name, frame in absent.items():
        request_id = "" if name == "reply_without_request_id" else f"absent/{name}"
        payload = json.dumps({**frame, "request_id": request_id} if request_id else frame)
        cases.append(_case("frame/absent_or_missing", name, payload, REFUSED, request_id=request_id))
    cases.append(
        _case(
            "frame/duplicate_keys",
            "hostile_text_last",
            '{"type": "reply", "conversation_id": "' + str(conversation) + '", "text": "ok", "text": "a\\u0000b",'
            ' "request_id": "dup-1"}',
            REFUSED,
            request_id="dup-1",
            names_field="text",
        )
    )
    return cases


def first_frame_cases() -> list[Case]:
    """The first frame must authenticate; anything else closes with 4401, or the origin is refused."""
    unauthenticated = expect("close 4401")
    cases = []
    for value in hostile_values():
        payload = json.dumps({"type": "auth", "token": value.value})
        cases.append(
            _case(f"auth.token/{value.family}", f"auth.token/{value.name}", payload, unauthenticated, first=True)
        )
    first = {
        "reply_before_auth": json.dumps({"type": "reply", "conversation_id": str(uuid.uuid4()), "text": "x"}),
        "auth_without_token": json.dumps({"type": "auth"}),
        "auth_wrong_type": json.dumps({"type": "login", "token": "x"}),
        "not_json": "auth",
        "not_object": "[]",
        "deep_nesting": _nested(1500),  # deeper than any parser recurses, under an auth frame's size limit
    }
    cases += [_case("first_frame", f"first_{n}", raw, unauthenticated, first=True) for n, raw in first.items()]
    cases.append(
        _case("first_frame", "first_binary", b'{"type": "auth"}', unauthenticated, first=True, text_frame=False)
    )
    cases.append(_case("first_frame", "first_huge", "x" * (OVER_ANY_LIMIT + 1), unauthenticated, first=True))
    for name, origin in {"no_origin": None, "foreign_origin": "https://evil.example"}.items():
        payload = json.dumps({"type": "auth", "token": "x"})
        cases.append(_case("origin", name, payload, expect("handshake 403"), first=True, origin=origin))
    return cases


def console_cases(conversation: uuid.UUID) -> list[Case]:
    """The console corpus, with ``conversation`` as a conversation the director may answer."""
    flood = Case(SURFACE, "rate_limit", "operator_flood", ConsoleFlood(FLOOD_FRAMES), expect("rate_limited"))
    return [*command_cases(conversation), *frame_cases(conversation), *first_frame_cases(), flood]
