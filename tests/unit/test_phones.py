"""Phone numbers: one E.164 form for every way of typing a number, the text as typed kept."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.phones import InvalidPhone, phone_number
from domain.text import InvalidText

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


@pytest.mark.parametrize(
    ("typed", "region", "number"),
    [
        ("+371 2000 0000", "", "+37120000000"),
        ("20000000", "LV", "+37120000000"),
        ("20 00 00 00", "lv", "+37120000000"),
        ("8 (912) 345-67-89", "RU", "+79123456789"),
        ("0044 20 7946 0958", "DE", "+442079460958"),
        ("+1 650-253-0000", "LV", "+16502530000"),
    ],
)
def test_a_number_typed_any_way_is_one_number_and_keeps_its_text(typed: str, region: str, number: str) -> None:
    phone = phone_number(typed, region)
    assert phone.number == number
    assert phone.text == typed


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("abc", "not a phone number"),
        ("20000000", "country code"),  # no region to read it in
        ("+1 555 0100", "not a valid number"),
        ("+371 2000\x00 0000", "NUL"),
        ("", "must not be empty"),
    ],
)
def test_what_is_no_number_is_refused_naming_the_field(typed: str, problem: str) -> None:
    with pytest.raises(InvalidText, match=problem) as refused:
        phone_number(typed, "", field="phones[0]")
    assert refused.value.field == "phones[0]"


def test_a_wrong_default_region_is_a_configuration_error_not_a_wrong_number() -> None:
    with pytest.raises(ValueError, match="region") as refused:
        phone_number("20000000", "XX")
    assert not isinstance(refused.value, InvalidPhone)


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, str]:
    region = draw(st.sampled_from(REGIONS))
    example = phonenumbers.example_number(region)
    if example is None:
        example = phonenumbers.example_number("LV")
        region = "LV"
    assert example is not None
    formats = phonenumbers.PhoneNumberFormat
    style = draw(st.sampled_from([formats.E164, formats.INTERNATIONAL, formats.NATIONAL, formats.RFC3966]))
    return phonenumbers.format_number(example, style), region


@given(valid_numbers(), st.sampled_from(REGIONS))
def test_normalizing_is_idempotent_whatever_the_region(typed_in: tuple[str, str], other_region: str) -> None:
    typed, region = typed_in
    number = phone_number(typed, region).number
    assert phone_number(number, region).number == number
    assert phone_number(number, other_region).number == number
    assert phone_number(number).number == number


@given(st.text(max_size=30), st.sampled_from(["", *REGIONS[:20]]))
def test_any_text_is_a_number_or_a_field_error_never_anything_else(typed: str, region: str) -> None:
    try:
        phone = phone_number(typed, region)
    except InvalidText as refused:
        field = refused.field
    else:
        field = ""
        assert phone.number.startswith("+")
        assert phone_number(phone.number).number == phone.number
    assert field in {"", "phone"}
