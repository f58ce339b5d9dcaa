"""A campaign's mail: a subject and a plain-text body with ``{name}``-style fields, filled for each contact.

The mail is plain text: a field's value goes in as the text it is, never as markup, and the subject
stays one line whatever a contact's name holds. Every mail ends with the contact's own unsubscribe
link; a template may place it itself with ``{unsubscribe_url}``. A contact gets one mail per
campaign: the delivery is keyed by the campaign and the contact.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from uuid import UUID, uuid5

from domain.errors import InvalidField
from domain.text import TextKind, checked_text

_NAMESPACE = UUID("4a3c2f0e-8b1d-4c7e-a6f5-9d2b7e1c3a58")
MAX_SUBJECT = 200
MAX_TEXT = 50_000
FIELDS = ("name", "first_name", "email", "company", "unsubscribe_url")
UNSUBSCRIBE_FOOTER = "\n\n--\nTo receive no more of these mails: {unsubscribe_url}\n"


@dataclass(frozen=True)
class MailTemplate:
    """A campaign's subject and text, checked: known fields only, well-formed braces."""

    subject: str
    text: str

    @classmethod
    def checked(cls, subject: object, text: object) -> MailTemplate:
        """The template; InvalidText or InvalidField naming ``subject`` or ``text`` and what is wrong."""
        subject = checked_text("subject", subject, max_length=MAX_SUBJECT, kind=TextKind.LINE).strip()
        text = checked_text("text", text, max_length=MAX_TEXT, kind=TextKind.TEXT)
        for name, value in (("subject", subject), ("text", text)):
            for field in _fields(name, value):
                if field not in FIELDS:
                    raise InvalidField(name, f"has the field {{{field}}}, which is not one of: {', '.join(FIELDS)}")
        if "{unsubscribe_url}" not in text:
            text = text.rstrip("\n") + UNSUBSCRIBE_FOOTER
        return cls(subject, text)

    def filled(self, values: dict[str, str]) -> tuple[str, str]:
        """The subject and text for one contact; a value's line breaks cannot break the subject's line."""
        known = {f: values.get(f, "") for f in FIELDS}
        one_line = {f: " ".join(v.split()) for f, v in known.items()}
        return self.subject.format_map(one_line), self.text.format_map(known)


def _fields(name: str, value: str) -> list[str]:
    try:
        parsed = [(field, spec, conversion) for _, field, spec, conversion in string.Formatter().parse(value)]
    except ValueError as error:
        raise InvalidField(name, f"has a brace that opens no field ({error}); write {{{{ for a brace") from None
    for field, spec, conversion in parsed:
        # "{name:d}" or "{name!r}" would fail, or show quotes, only when filled for a contact: refused here.
        if field is not None and (spec or conversion):
            raise InvalidField(name, f"has the field {{{field}}} with a format or conversion; write just {{{field}}}")
    return [field for field, _, _ in parsed if field is not None]


def delivery_id(campaign_id: UUID, contact_id: UUID) -> UUID:
    """The one mail of a campaign to a contact: a second queueing of it is the same delivery."""
    return uuid5(_NAMESPACE, f"delivery/{campaign_id}/{contact_id}")
