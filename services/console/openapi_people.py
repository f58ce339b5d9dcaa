"""The routes of contacts, companies, duplicates and leads in the gateway's OpenAPI document, with their bodies.

Each body lists the fields its route reads, with the limits the domain checks; the route still
answers 400 naming the field for what a schema cannot say (a phone that is no number anywhere).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from domain import company, contact_details, lead_details
from domain.emails import MAX_EMAIL_LENGTH
from domain.lead import Qualification
from domain.phones import MAX_PHONE_TEXT_LENGTH
from services.console.openapi_crm import EDIT, RESPONSIBLE, UUID_TEXT
from services.console.openapi_crm_bodies import Currency, Decimal, Edit
from services.console.openapi_parts import PAGE, authed, path_id, query
from services.console.people_queries import MAX_SEARCH

Line = Annotated[str, Field(max_length=contact_details.MAX_SOURCE_LENGTH)]
Name = Annotated[str, Field(min_length=1, max_length=contact_details.MAX_NAME_LENGTH)]
PhoneText = Annotated[str, Field(min_length=1, max_length=MAX_PHONE_TEXT_LENGTH, examples=["+371 2000 0000"])]
Email = Annotated[str, Field(min_length=3, max_length=MAX_EMAIL_LENGTH, examples=["anna@example.com"])]
MessengerId = Annotated[str, Field(pattern=r"^(telegram|vk|webchat):\S+$", max_length=600, examples=["telegram:1"])]
Tag = Annotated[str, Field(max_length=contact_details.MAX_TAG_LENGTH)]
Language = Annotated[str, Field(max_length=contact_details.MAX_LANGUAGE_LENGTH, examples=["lv", "en-GB"])]
Region = Annotated[str, Field(max_length=contact_details.MAX_REGION_LENGTH)]
Custom = dict[str, str | int | float | bool | None]
Reason = Annotated[str, Field(max_length=contact_details.MAX_REASON_LENGTH)]


class NewContactBody(BaseModel):
    """POST /api/contacts: the caller answers for the contact unless ``responsible_id`` says who does."""

    name: Name
    phones: list[PhoneText] = Field(default=[], max_length=20)
    emails: list[Email] = Field(default=[], max_length=20)
    messenger_ids: list[MessengerId] = Field(default=[], max_length=20)
    source: Line = ""
    vip: bool = False
    language: Language = ""
    region: Region = ""
    tags: list[Tag] = Field(default=[], max_length=contact_details.MAX_TAGS)
    custom_fields: Custom = Field(default={}, max_length=contact_details.MAX_CUSTOM_FIELDS)
    responsible_id: UUID | None = None
    company_id: UUID | None = None


class ContactChangeBody(Edit):
    """PATCH /api/contacts/{contact_id}: the fields given change; a custom field set to null is removed."""

    name: Name | None = None
    source: Line | None = None
    vip: bool | None = None
    language: Language | None = None
    region: Region | None = None
    tags: list[Tag] | None = Field(default=None, max_length=contact_details.MAX_TAGS)
    custom_fields: Custom | None = Field(default=None, max_length=contact_details.MAX_CUSTOM_FIELDS)
    responsible_id: UUID | None = None


class ContactCompanyBody(Edit):
    """PUT /api/contacts/{contact_id}/company: null for no company."""

    company_id: UUID | None


class PhoneBody(Edit):
    """POST /api/contacts/{contact_id}/phones: as typed; without a country code, read in the default region."""

    phone: PhoneText


class EmailBody(Edit):
    """POST /api/contacts/{contact_id}/emails."""

    email: Email


class MessengerIdBody(Edit):
    """POST /api/contacts/{contact_id}/messenger-ids."""

    messenger_id: MessengerId


class MergeBody(Edit):
    """POST /api/contacts/{contact_id}/merge: ``expected_version`` is this contact's, ``merged_version`` the other's."""

    merged_id: UUID
    why: Reason = ""
    merged_version: int | None = Field(default=None, ge=1)


class DismissalBody(BaseModel):
    """POST /api/duplicates/{suggestion_id}/dismissal: they are two people."""

    why: Reason = ""


class NewCompanyBody(BaseModel):
    """POST /api/companies: the caller answers for it unless ``responsible_id`` says who does."""

    name: Name
    domain: str = Field(default="", max_length=MAX_EMAIL_LENGTH, examples=["example.com"])
    address: str = Field(default="", max_length=company.MAX_ADDRESS_LENGTH)
    industry: str = Field(default="", max_length=company.MAX_INDUSTRY_LENGTH)
    phones: list[PhoneText] = Field(default=[], max_length=company.MAX_PHONES)
    emails: list[Email] = Field(default=[], max_length=company.MAX_EMAILS)
    responsible_id: UUID | None = None


class CompanyChangeBody(Edit):
    """PATCH /api/companies/{company_id}: the fields given change; phones and e-mails given replace the old."""

    name: Name | None = None
    domain: str | None = Field(default=None, max_length=MAX_EMAIL_LENGTH)
    address: str | None = Field(default=None, max_length=company.MAX_ADDRESS_LENGTH)
    industry: str | None = Field(default=None, max_length=company.MAX_INDUSTRY_LENGTH)
    phones: list[PhoneText] | None = Field(default=None, max_length=company.MAX_PHONES)
    emails: list[Email] | None = Field(default=None, max_length=company.MAX_EMAILS)
    responsible_id: UUID | None = None


class LeadDetailsBody(Edit):
    """PATCH /api/leads/{lead_id}: the fields given change; a currency is needed with an amount."""

    amount: Decimal | None = None
    currency: Currency | None = None
    product_interest: str | None = Field(default=None, max_length=lead_details.MAX_PRODUCT_INTEREST_LENGTH)
    comment: str | None = Field(default=None, max_length=lead_details.MAX_COMMENT_LENGTH)


class JunkBody(Edit):
    """POST /api/leads/{lead_id}/junk: why it is no business."""

    reason: Annotated[str, Field(min_length=1, max_length=contact_details.MAX_REASON_LENGTH)]


CONFLICT = EDIT  # with 409 also for an address another contact has, or a contact merged already


def _contacts() -> dict[str, dict[str, Any]]:
    one = path_id("contact_id")
    only = [
        RESPONSIBLE,
        query("company", UUID_TEXT),
        query("tag", {"type": "string", "maxLength": 256}),
        query("vip", {"type": "string", "enum": ["true", "false"]}),
        query("source", {"type": "string", "maxLength": 256}),
        query("q", {"type": "string", "maxLength": MAX_SEARCH}, "a name, an e-mail or a phone number"),
    ]
    return {
        "/api/contacts": {
            "get": authed(
                "a page of the contacts the caller may see, the latest first", 400, parameters=[*PAGE, *only]
            ),
            "post": authed("enter a contact", 400, 403, 409, 413, body=NewContactBody, ok=201),
        },
        "/api/contacts/{contact_id}": {
            "get": authed("a contact; a merged one's id answers with its survivor", 400, 404, parameters=[one]),
            "patch": authed("change a contact's details", *CONFLICT, body=ContactChangeBody, parameters=[one]),
        },
        "/api/contacts/{contact_id}/company": {
            "put": authed("the company the contact works for", *CONFLICT, body=ContactCompanyBody, parameters=[one])
        },
        "/api/contacts/{contact_id}/phones": {
            "post": authed("add a phone", *CONFLICT, body=PhoneBody, parameters=[one], ok=201)
        },
        "/api/contacts/{contact_id}/emails": {
            "post": authed("add an e-mail", *CONFLICT, body=EmailBody, parameters=[one], ok=201)
        },
        "/api/contacts/{contact_id}/messenger-ids": {
            "post": authed("add a messenger id", *CONFLICT, body=MessengerIdBody, parameters=[one], ok=201)
        },
        "/api/contacts/{contact_id}/merge": {
            "post": authed("merge another contact into this one", *CONFLICT, body=MergeBody, parameters=[one])
        },
        "/api/contacts/{contact_id}/duplicates": {
            "get": authed("a page of the contact's suggested duplicates", 400, 404, parameters=[one, *PAGE])
        },
        "/api/duplicates": {
            "get": authed("a page of the suggested duplicates the caller may merge", 400, parameters=PAGE)
        },
        "/api/duplicates/{suggestion_id}/dismissal": {
            "post": authed(
                "the two are different people", *CONFLICT, body=DismissalBody, parameters=[path_id("suggestion_id")]
            )
        },
    }


def _companies_and_leads() -> dict[str, dict[str, Any]]:
    company_id, lead_id = path_id("company_id"), path_id("lead_id")
    search = query("q", {"type": "string", "maxLength": MAX_SEARCH}, "a name, a domain, an e-mail or a phone")
    statuses = {"type": "string", "enum": [q.value for q in Qualification]}
    of_contact = [
        query("vip", {"type": "string", "enum": ["true", "false"]}),
        query("tag", {"type": "string", "maxLength": 256}),
        query("company", UUID_TEXT),
        query("source", {"type": "string", "maxLength": 256}),
        query("status", statuses),
        query("q", {"type": "string", "maxLength": MAX_SEARCH}, "the contact's name, e-mail or phone"),
    ]
    acts = {
        "take": ("take the lead in progress", Edit),
        "qualify": ("the lead is real business", Edit),
        "junk": ("the lead is no business, and why", JunkBody),
    }
    return {
        "/api/companies": {
            "get": authed("a page of the companies the caller may see", 400, parameters=[*PAGE, RESPONSIBLE, search]),
            "post": authed("enter a company", 400, 403, 413, body=NewCompanyBody, ok=201),
        },
        "/api/companies/{company_id}": {
            "get": authed("a company with the contacts the caller may see", 400, 404, parameters=[company_id]),
            "patch": authed("change a company", *EDIT, body=CompanyChangeBody, parameters=[company_id]),
        },
        "/api/leads": {
            "get": authed("a page of the leads the caller may see", 400, parameters=[*PAGE, RESPONSIBLE, *of_contact])
        },
        "/api/leads/{lead_id}": {
            "get": authed("a lead with its details, conversations and contact", 400, 404, parameters=[lead_id]),
            "patch": authed("change what the lead is about", *EDIT, body=LeadDetailsBody, parameters=[lead_id]),
        },
        **{
            f"/api/leads/{{lead_id}}/{act}": {"post": authed(summary, *EDIT, body=body, parameters=[lead_id])}
            for act, (summary, body) in acts.items()
        },
    }


def people_paths() -> dict[str, dict[str, Any]]:
    """Every route of people and leads, described."""
    return _contacts() | _companies_and_leads()
