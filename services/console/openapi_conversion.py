"""Converting a lead in the gateway's OpenAPI document: its body, and its answers."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain import company, deal
from domain.contact_details import MAX_NAME_LENGTH
from domain.emails import MAX_EMAIL_LENGTH
from services.console.openapi_crm_bodies import DAY, Currency, Decimal, Edit
from services.console.openapi_parts import authed, path_id

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
Phones = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=company.MAX_PHONES)]
Emails = Annotated[list[Annotated[str, Field(max_length=MAX_EMAIL_LENGTH)]], Field(max_length=company.MAX_EMAILS)]


class ConvertedContact(BaseModel):
    """The contact: the lead's own customer, completed; a name is needed only when the lead knows none."""

    model_config = ConfigDict(extra="forbid")  # any other field is refused, naming it

    name: Name | None = None
    phones: Phones = []
    emails: Emails = []


class ConvertedCompany(BaseModel):
    """The company the customer works for, registered; the contact, if made too, works for it."""

    model_config = ConfigDict(extra="forbid")  # any other field is refused, naming it

    name: Name
    domain: str = Field(default="", max_length=253, examples=["nordic-freight.example"])
    address: str = Field(default="", max_length=company.MAX_ADDRESS_LENGTH)
    industry: str = Field(default="", max_length=company.MAX_INDUSTRY_LENGTH)
    phones: Phones = []
    emails: Emails = []


class ConvertedDeal(BaseModel):
    """The deal, for the contact and the company; the lead's currency and the default pipeline unless given."""

    model_config = ConfigDict(extra="forbid")  # any other field is refused, naming it

    title: str = Field(default="", max_length=deal.MAX_TITLE, description="empty: the company's or the contact's name")
    currency: Currency | None = None
    amount: Decimal | None = None
    pipeline_id: UUID | None = None
    stage_id: UUID | None = None
    expected_close: str | None = Field(default=None, pattern=DAY)


class ConversionBody(Edit):
    """POST /api/leads/{lead_id}/conversion: each record given is made; ``expected_version`` is the lead's."""

    contact: ConvertedContact | None = None
    company: ConvertedCompany | None = None
    deal: ConvertedDeal | None = None
    responsible_id: UUID | None = None


def conversion_paths() -> dict[str, dict[str, Any]]:
    """The conversion route's description."""
    return {
        "/api/leads/{lead_id}/conversion": {
            "post": authed(
                "convert a qualified lead into a contact, a company and a deal, any of them;"
                " 200 with the same ids if it had become them before",
                200,
                400,
                403,
                404,
                409,
                413,
                body=ConversionBody,
                parameters=[path_id("lead_id")],
                ok=201,
            )
        }
    }
