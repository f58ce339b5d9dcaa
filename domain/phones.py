"""Phone numbers: what a customer or a manager typed, and the one E.164 form that matches it anywhere.

Two contacts with "+371 2000 0000" and "20000000" (typed in Latvia) have the same phone; the E.164
form ("+37120000000") is what matching and the address book key on, the text as typed is kept to
show. A number typed without a country code is read in a default region, which is configuration
(``default_phone_region``) handed in by the caller: the domain reads no settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from domain.text import InvalidText, TextKind, checked_text

MAX_PHONE_TEXT_LENGTH = 64


class InvalidPhone(InvalidText):
    """A phone number that cannot be read as one; ``field`` names where it was given."""


@dataclass(frozen=True)
class Phone:
    """A phone number in E.164 (``number``) and as it was typed (``text``)."""

    number: str
    text: str


def phone_number(text: object, default_region: str = "", *, field: str = "phone") -> Phone:
    """``text`` read as a phone number, in ``default_region`` (ISO 3166 code) when it has no country code.

    Reading the E.164 form of a number gives the same number back, whatever the region.
    """
    typed = checked_text(field, text, max_length=MAX_PHONE_TEXT_LENGTH, kind=TextKind.LINE).strip()
    region = default_region.upper() or None
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        # Configuration, not the user's input: a wrong region must not pass for a wrong number.
        msg = f"default phone region {default_region!r} is not an ISO 3166 region phonenumbers knows"
        raise ValueError(msg)
    try:
        parsed = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException as error:
        hint = "" if region or typed.startswith("+") else " (write it with its country code, e.g. +371...)"
        raise InvalidPhone(field, f"is not a phone number: {_reason(error)}{hint}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(field, f"{typed!r} is not a valid number in its country")
    return Phone(number=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), text=typed)


def is_e164(number: str) -> bool:
    """Whether ``number`` is already a valid phone number in E.164."""
    try:
        return phone_number(number, field="phone").number == number
    except InvalidText:
        return False


_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "no known country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "it does not look like a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def _reason(error: phonenumbers.NumberParseException) -> str:
    return _REASONS.get(error.error_type, "it cannot be read")
