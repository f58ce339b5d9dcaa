"""A contact: one person, however many channels they write from.

Everything a contact can be reached at is an address written ``channel:value``: its e-mails
(``email:anna@example.com``), its phones in E.164 (``phone:+37120000000``) and its messenger ids
(``telegram:...``, ``vk:...``, ``webchat:VISITOR``). Each address belongs to one contact, which the
address book (``AddressBookEntry``) records under an id derived from the address: a new touch from a
known e-mail, phone or messenger id joins its contact, and two routers cannot both register it
(``domain/address_book.py``).

Every change records who made it (``by``, a manager's id; None when the system did, as routing).
A merged contact keeps its history and takes no more changes; it names the contact it was merged
into, which has everything it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.channels import Channel, ChannelAddress
from domain.contact_details import (
    MAX_REGION_LENGTH,
    MAX_SOURCE_LENGTH,
    CustomValue,
    Scalar,
    checked_custom_fields,
    checked_language,
    checked_line,
    checked_name,
    checked_tags,
    without_repeats,
)
from domain.errors import DomainError
from domain.phones import Phone

EMAIL_PREFIX = f"{Channel.EMAIL}:"
PHONE_PREFIX = f"{Channel.PHONE}:"


class ContactWasMerged(DomainError):
    """The contact was merged into another, which takes every change now; ``survivor_id`` names it."""

    def __init__(self, contact_id: UUID, survivor_id: UUID) -> None:
        super().__init__(f"contact {contact_id} was merged into contact {survivor_id}: change that one")
        self.contact_id = contact_id
        self.survivor_id = survivor_id


class CannotMerge(DomainError):
    """Two contacts that cannot be merged (the same one twice)."""


def email_key(email: str) -> str:
    """The address an e-mail is known by in the address book (the mail channel's own)."""
    return str(ChannelAddress(Channel.EMAIL, email))


def phone_key(number: str) -> str:
    """The address a phone number (E.164) is known by in the address book (the phone channel's own)."""
    return str(ChannelAddress(Channel.PHONE, number))


@dataclass(frozen=True)
class ContactDetails:
    """What a new contact is known by when it is registered: its name, and for an import's row all the row says."""

    name: str
    phones: tuple[Phone, ...] = ()
    emails: tuple[str, ...] = ()  # checked and lower-cased
    custom_fields: tuple[tuple[str, Scalar], ...] = ()
    company_id: UUID | None = None


@dataclass(frozen=True)
class Activity:
    """Something that happened with a customer: a mail a manager exchanged with them, copied to the CRM."""

    kind: str
    channel_message_id: str
    subject: str
    text: str
    occurred_at: datetime
    manager_id: UUID | None
    attachments: tuple[dict[str, Any], ...] = ()
    # Who forwarded the mail to the CRM address when they are not a manager (a colleague): their address.
    forwarded_by: str = ""


class Contact(Aggregate):
    """A customer known by one or more addresses: e-mails, phones, messenger ids."""

    @event("Registered")
    def __init__(  # noqa: PLR0913 - a contact as it comes: its name, and what an import knows of it
        self,
        name: str,
        address: str = "",
        by: UUID | None = None,
        source: str = "",
        phones: list[dict[str, str]] | None = None,
        emails: list[str] | None = None,
        custom_fields: dict[str, Scalar] | None = None,
        company_id: UUID | None = None,
    ) -> None:
        self.name = name
        self.addresses = [address] if address else []
        self.phone_texts: dict[str, str] = {}  # E.164 number -> as typed
        for phone in phones or ():
            self.addresses.append(phone_key(phone["number"]))
            self.phone_texts[phone["number"]] = phone["text"]
        self.addresses += [email_key(email) for email in emails or ()]
        self.source = source
        self.company_id: UUID | None = company_id
        self.responsible_manager_id: UUID | None = None
        self.vip = False
        self.language = ""
        self.region = ""
        self.tags: list[str] = []
        self.custom_fields: dict[str, Scalar] = dict(custom_fields or {})
        self.activities: list[str] = []  # channel message ids of the activities logged on the contact
        self.merged_into: UUID | None = None
        self.merged_from: list[UUID] = []
        self.duplicate_suggestions: list[UUID] = []  # DuplicateSuggestion ids naming this contact
        self.unsubscribed = False  # from campaigns' mail, by following a mail's link

    @classmethod
    def register(cls, name: str, by: UUID | None, source: str = "") -> Contact:
        """A contact a manager enters by hand; addresses are added to it after."""
        return cls(name=checked_name(name), by=by, source=checked_line("source", source, MAX_SOURCE_LENGTH))

    @classmethod
    def register_as(cls, contact_id: UUID | None, name: str, by: UUID | None, source: str = "") -> Contact:
        """A contact whose id its origin derives (a line of an import, a lead), so it cannot be registered twice."""
        return cls.register_known(contact_id, ContactDetails(name), by, source)

    @classmethod
    def register_known(
        cls, contact_id: UUID | None, details: ContactDetails, by: UUID | None, source: str = ""
    ) -> Contact:
        """A contact whose id its origin derives, registered with all it is known by in one event (an import's row).

        Its phones and e-mails must be in the address book for it already; ``Registered`` carries them,
        its custom fields and its company, where a contact entered by hand has an event for each.
        """
        source = checked_line("source", source, MAX_SOURCE_LENGTH)
        fields = {k: v for k, v in checked_custom_fields(dict(details.custom_fields), {}).items() if v is not None}
        registered: type[Any] = getattr(cls, "Registered")  # noqa: B009 - the @event decorator makes it
        return cls._create(
            registered,
            id=contact_id,
            name=checked_name(details.name),
            address="",
            by=by,
            source=source,
            phones=[{"number": p.number, "text": p.text} for p in dict.fromkeys(details.phones)] or None,
            emails=list(dict.fromkeys(details.emails)) or None,
            custom_fields=fields or None,
            company_id=details.company_id,
        )

    @property
    def emails(self) -> list[str]:
        """Its e-mail addresses."""
        return [a.removeprefix(EMAIL_PREFIX) for a in self.addresses if a.startswith(EMAIL_PREFIX)]

    @property
    def phones(self) -> list[Phone]:
        """Its phone numbers, in E.164 and as typed."""
        numbers = [a.removeprefix(PHONE_PREFIX) for a in self.addresses if a.startswith(PHONE_PREFIX)]
        return [Phone(number, self.phone_texts.get(number, number)) for number in numbers]

    @property
    def messenger_ids(self) -> list[str]:
        """Its addresses in the messengers and the web chat (``telegram:...``, ``webchat:...``)."""
        return [a for a in self.addresses if not a.startswith((EMAIL_PREFIX, PHONE_PREFIX))]

    @property
    def anonymous(self) -> bool:
        """Known by messenger ids only, as a touch registered it: no e-mail, phone, company or manager of its own.

        Such a contact is no one yet: when its customer shows an e-mail or phone another contact has,
        it is that contact, and is merged into it.
        """
        return (
            not self.emails
            and not self.phones
            and self.company_id is None
            and self.responsible_manager_id is None
            and not self.merged_from
        )

    def rename(self, name: str, by: UUID | None) -> None:
        """Call the contact by another name."""
        self._check_not_merged()
        checked = checked_name(name)
        if checked != self.name:
            self._renamed(name=checked, by=by)

    def change_source(self, source: str, by: UUID | None) -> None:
        """Where the contact came from (a campaign, a fair, a referral)."""
        self._check_not_merged()
        checked = checked_line("source", source, MAX_SOURCE_LENGTH)
        if checked != self.source:
            self._source_changed(source=checked, by=by)

    def update_profile(self, *, vip: bool, language: str, region: str, tags: list[str], by: UUID | None = None) -> None:
        """What routing rules may ask about the customer."""
        self._check_not_merged()
        if not isinstance(vip, bool):
            msg = "'vip' must be true or false"
            raise DomainError(msg)
        self._profile_updated(
            vip=vip,
            language=checked_language(language),
            region=checked_line("region", region, MAX_REGION_LENGTH),
            tags=checked_tags(tags),
            by=by,
        )

    def change_custom_fields(self, changes: dict[str, CustomValue], by: UUID | None) -> None:
        """Set custom fields (a value) or remove them (None); nothing changes when nothing differs."""
        self._check_not_merged()
        checked = checked_custom_fields(changes, self.custom_fields)
        values = {k: v for k, v in checked.items() if v is not None and self.custom_fields.get(k) != v}
        removed = sorted(k for k, v in checked.items() if v is None and k in self.custom_fields)
        if values or removed:
            self._custom_fields_changed(values=values, removed=removed, by=by)

    def add_phone(self, phone: Phone, by: UUID | None) -> bool:
        """Reach the contact at this phone too; False if it already had it."""
        self._check_not_merged()
        if phone_key(phone.number) in self.addresses:
            return False
        self._phone_added(number=phone.number, text=phone.text, by=by)
        return True

    def add_email(self, email: str, by: UUID | None) -> bool:
        """Reach the contact at this e-mail (already checked and lower-cased) too; False if it had it."""
        self._check_not_merged()
        if email_key(email) in self.addresses:
            return False
        self._email_added(email=email, by=by)
        return True

    def add_address(self, address: ChannelAddress, by: UUID | None) -> bool:
        """Reach the contact at this messenger id or channel address too; False if it had it."""
        self._check_not_merged()
        if str(address) in self.addresses:
            return False
        self._address_added(address=str(address), by=by)
        return True

    def join_company(self, company_id: UUID, by: UUID | None) -> None:
        """Work for this company (and no longer for the one before, if any)."""
        self._check_not_merged()
        if company_id != self.company_id:
            self._joined_company(company_id=company_id, by=by)

    def leave_company(self, by: UUID | None) -> None:
        """Work for no company we know of."""
        self._check_not_merged()
        if self.company_id is not None:
            self._left_company(company_id=self.company_id, by=by)

    def make_responsible(self, manager_id: UUID, by: UUID | None = None) -> None:
        """The manager who now answers for this customer; their next lead returns to them."""
        self._check_not_merged()
        if manager_id != self.responsible_manager_id:
            self._responsible_manager_changed(manager_id=manager_id, by=by)

    def note_possible_duplicate(self, suggestion_id: UUID, other_contact_id: UUID, reasons: list[str]) -> None:
        """Another contact may be the same person (a DuplicateSuggestion says so); a manager decides."""
        self._check_not_merged()
        if suggestion_id not in self.duplicate_suggestions:
            self._duplicate_suggested(suggestion_id=suggestion_id, other_contact_id=other_contact_id, reasons=reasons)

    def log_activity(self, activity: Activity) -> None:
        """Attach something that happened with the customer outside a conversation (a mail copied to the CRM)."""
        self._check_not_merged()
        self._activity_logged(
            kind=activity.kind,
            channel_message_id=activity.channel_message_id,
            subject=activity.subject,
            text=activity.text,
            occurred_at=activity.occurred_at,
            manager_id=activity.manager_id,
            attachments=[dict(attachment) for attachment in activity.attachments],
            forwarded_by=activity.forwarded_by,
        )

    def unsubscribe(self, campaign_id: UUID) -> bool:
        """The customer wants no more campaign mail (they followed a campaign's link); False if they had said so."""
        self._check_not_merged()
        if self.unsubscribed:
            return False
        self._unsubscribed(campaign_id=campaign_id)
        return True

    def _take_over(self, merged: Contact, by: UUID | None) -> None:
        """What ``merged`` has and this contact lacks, each recorded as an ordinary change."""
        for address in merged.addresses:
            if address in self.addresses:
                continue
            if address.startswith(PHONE_PREFIX):
                number = address.removeprefix(PHONE_PREFIX)
                self._phone_added(number=number, text=merged.phone_texts.get(number, number), by=by)
            elif address.startswith(EMAIL_PREFIX):
                self._email_added(email=address.removeprefix(EMAIL_PREFIX), by=by)
            else:
                self._address_added(address=address, by=by)
        profile = (self.vip or merged.vip, self.language or merged.language, self.region or merged.region)
        tags = sorted({*self.tags, *merged.tags})
        if (*profile, tags) != (self.vip, self.language, self.region, self.tags):
            self._profile_updated(vip=profile[0], language=profile[1], region=profile[2], tags=tags, by=by)
        gained = {k: v for k, v in merged.custom_fields.items() if k not in self.custom_fields}
        if gained:
            self._custom_fields_changed(values=gained, removed=[], by=by)
        if merged.source and not self.source:
            self._source_changed(source=merged.source, by=by)
        if merged.company_id is not None and self.company_id is None:
            self._joined_company(company_id=merged.company_id, by=by)
        if merged.responsible_manager_id is not None and self.responsible_manager_id is None:
            self._responsible_manager_changed(manager_id=merged.responsible_manager_id, by=by)

    def _check_not_merged(self) -> None:
        if self.merged_into is not None:
            raise ContactWasMerged(self.id, self.merged_into)

    @event("ActivityLogged")
    def _activity_logged(  # noqa: PLR0913 - the whole of an activity
        self,
        kind: str,
        channel_message_id: str,
        subject: str,
        text: str,
        occurred_at: datetime,
        manager_id: UUID | None,
        attachments: list[dict[str, Any]],
        forwarded_by: str = "",
    ) -> None:
        self.activities.append(channel_message_id)

    @event("Unsubscribed")
    def _unsubscribed(self, campaign_id: UUID | None) -> None:
        self.unsubscribed = True

    @event("DuplicateSuggested")
    def _duplicate_suggested(self, suggestion_id: UUID, other_contact_id: UUID, reasons: list[str]) -> None:
        self.duplicate_suggestions.append(suggestion_id)

    @event("Renamed")
    def _renamed(self, name: str, by: UUID | None) -> None:
        self.name = name

    @event("SourceChanged")
    def _source_changed(self, source: str, by: UUID | None) -> None:
        self.source = source

    @event("ResponsibleManagerChanged")
    def _responsible_manager_changed(self, manager_id: UUID, by: UUID | None = None) -> None:
        self.responsible_manager_id = manager_id

    @event("ProfileUpdated")
    def _profile_updated(self, vip: bool, language: str, region: str, tags: list[str], by: UUID | None = None) -> None:
        self.vip, self.language, self.region, self.tags = vip, language, region, tags

    @event("CustomFieldsChanged")
    def _custom_fields_changed(self, values: dict[str, Scalar], removed: list[str], by: UUID | None) -> None:
        self.custom_fields = {k: v for k, v in {**self.custom_fields, **values}.items() if k not in removed}

    @event("PhoneAdded")
    def _phone_added(self, number: str, text: str, by: UUID | None) -> None:
        self.addresses.append(phone_key(number))
        self.phone_texts[number] = text

    @event("EmailAdded")
    def _email_added(self, email: str, by: UUID | None) -> None:
        self.addresses.append(email_key(email))

    @event("AddressAdded")
    def _address_added(self, address: str, by: UUID | None) -> None:
        self.addresses.append(address)

    @event("JoinedCompany")
    def _joined_company(self, company_id: UUID, by: UUID | None) -> None:
        self.company_id = company_id

    @event("LeftCompany")
    def _left_company(self, company_id: UUID, by: UUID | None) -> None:
        self.company_id = None

    @event("Merged")
    def _merged(self, merged_id: UUID, by: UUID | None, why: str, name: str, activities: list[str]) -> None:
        self.activities = without_repeats([*self.activities, *activities])
        self.merged_from.append(merged_id)

    @event("MergedInto")
    def _merged_into(self, survivor_id: UUID, by: UUID | None, why: str) -> None:
        self.merged_into = survivor_id


def merge(survivor: Contact, merged: Contact, by: UUID | None, why: str) -> None:
    """Merge ``merged`` into ``survivor``: the survivor gains all it had; it keeps its history and names the survivor.

    ``Merged`` says when, who and why, and takes the merged contact's activities; what the survivor
    gains besides is recorded as its ordinary changes (AddressAdded, PhoneAdded, ProfileUpdated...),
    so whoever follows a contact's details needs to know nothing of merges. Where both have a value
    the survivor's stays (its name, company, manager, a custom field); the merged contact's stays in
    its own history. A merge may take a contact past the limits on tags and custom fields: losing
    what a customer told us is worse.
    """
    if survivor.id == merged.id:
        msg = f"contact {survivor.id} cannot be merged into itself"
        raise CannotMerge(msg)
    survivor._check_not_merged()  # noqa: SLF001 - the rule belongs to both contacts of a merge
    merged._check_not_merged()  # noqa: SLF001
    survivor._merged(  # noqa: SLF001
        merged_id=merged.id, by=by, why=why, name=merged.name, activities=list(merged.activities)
    )
    survivor._take_over(merged, by)  # noqa: SLF001
    if merged.unsubscribed and not survivor.unsubscribed:
        survivor._unsubscribed(campaign_id=None)  # noqa: SLF001 - the person asked, under the contact merged
    merged._merged_into(survivor_id=survivor.id, by=by, why=why)  # noqa: SLF001
