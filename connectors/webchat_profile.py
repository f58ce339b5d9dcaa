"""The widget's pre-chat form: who the visitor says they are, so operators see a person, not an id.

``{"type": "introduce", "name": "...", "email": "...", "phone": "...", "consent": true}``: a name, and an
e-mail or a phone, or both. An e-mail or a phone is taken only with the visitor's consent to be
contacted; each field is checked by the one text rule (and e-mails and phones read as the CRM reads
them), and a refused form changes nothing. The messages the visitor sends afterwards carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.emails import email_address
from domain.inbound import MAX_NAME_LENGTH
from domain.intake import Intake
from domain.phones import phone_number
from domain.text import InvalidText, TextKind, checked_text


class ProfileRefused(ValueError):
    """A pre-chat form that cannot be taken; the message names the field."""


@dataclass(frozen=True)
class VisitorProfile:
    """What the visitor told about themselves."""

    name: str = ""
    intake: Intake | None = None


def profile_of(frame: dict[str, Any], phone_region: str = "") -> VisitorProfile:
    """The profile a pre-chat form gives, or ProfileRefused saying which field is wrong."""
    try:
        name = checked_text("name", frame.get("name", ""), max_length=MAX_NAME_LENGTH, kind=TextKind.LINE)
        email = frame.get("email") or ""
        phone_typed = frame.get("phone") or ""
        if (email or phone_typed) and frame.get("consent") is not True:
            msg = "'consent' must be true to leave an e-mail or a phone: we contact you only if you agree"
            raise ProfileRefused(msg)
        address = email_address(email, field="email") if email else ""
        phone = phone_number(phone_typed, phone_region, field="phone") if phone_typed else None
    except InvalidText as invalid:
        raise ProfileRefused(str(invalid)) from None
    if not (address or phone):
        return VisitorProfile(name.strip())
    intake = Intake(email=address, phone=phone.number if phone else "", phone_text=phone.text if phone else "")
    return VisitorProfile(name.strip(), intake)
