"""What a client sends is one JSON object, or a refusal that says which problem it has."""

from __future__ import annotations

import pytest

from services.console.floods import PendingSockets
from services.console.request_body import BadInput, parse_object


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{", "invalid_json"),
        ("", "invalid_json"),
        (b"\xff{}", "invalid_json"),
        ('{"a": NaN}', "invalid_json"),
        ('{"a": Infinity}', "invalid_json"),
        ("[" * 100_000 + "]" * 100_000, "invalid_json"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "invalid_json"),
        ("[]", "invalid_frame"),
        ("null", "invalid_frame"),
        ('"text"', "invalid_frame"),
    ],
)
def test_what_is_not_a_json_object_is_refused_with_its_code(raw: str | bytes, code: str) -> None:
    with pytest.raises(BadInput) as refused:
        parse_object(raw)
    assert refused.value.code == code


def test_a_json_object_is_read_as_it_is() -> None:
    assert parse_object(b'{"text": "\\ud800", "n": 1}') == {"text": "\ud800", "n": 1}


def test_sockets_waiting_to_authenticate_are_capped_per_address_and_released() -> None:
    pending = PendingSockets(cap=2)
    with pending.waiting("a") as first, pending.waiting("a") as second, pending.waiting("a") as third:
        assert (first, second, third) == (True, True, False)
        with pending.waiting("b") as other:
            assert other
    with pending.waiting("a") as again:
        assert again
