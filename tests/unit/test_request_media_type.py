"""A webhook or form reads a body only as the type it takes: another named type is refused (415), none is read."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from connectors.request_body import WrongMediaType, check_media_type


def request(content_type: bytes | None) -> Request:
    headers = [(b"content-type", content_type)] if content_type is not None else []
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers})


@pytest.mark.parametrize(
    "given", [None, b"application/json", b"Application/JSON; charset=utf-8", b"application/vnd+json"]
)
def test_json_and_no_type_are_read(given: bytes | None) -> None:
    check_media_type(request(given), "application/json")


@pytest.mark.parametrize(
    "given", [b"text/plain", b"application/x-www-form-urlencoded", b"multipart/form-data; boundary=x", b"", b";"]
)
def test_another_type_is_refused_naming_the_one_taken(given: bytes) -> None:
    with pytest.raises(WrongMediaType, match="send the body as application/json"):
        check_media_type(request(given), "application/json")


def test_twilio_form_data_is_taken_where_it_is_the_format() -> None:
    check_media_type(request(b"application/x-www-form-urlencoded; charset=utf-8"), "application/x-www-form-urlencoded")
    with pytest.raises(WrongMediaType):
        check_media_type(request(b"application/json"), "application/x-www-form-urlencoded")
