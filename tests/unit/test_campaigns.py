"""A campaign's body is checked field by field, and its course follows the states it may be in."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from connectors.mail.smtp import SmtpServer
from domain.campaign import CampaignCommand, CampaignState, CampaignStateRefused, state_after
from domain.errors import DomainError
from services.bulk_mail import Sender
from services.console.campaigns_api import CampaignsApi
from services.console.sales_access import SalesAccess
from services.tokens import Signer

SENDER = Sender("sales@shop.example", "Shop", SmtpServer("127.0.0.1", 25), "http://x/unsubscribe", Signer("k" * 32))
GOOD: dict[str, Any] = {"subject": "News for {name}", "text": "Dear {first_name},\nprices fell."}


def api(mailboxes: dict[str, Sender] | None = None) -> CampaignsApi:
    unused = SalesAccess(lambda: pytest.fail("validation reads no record"))
    return CampaignsApi(unused, lambda: pytest.fail("nor the database"), _nobody, mailboxes or {}, lambda: None)


async def _nobody(_: object) -> None:
    return None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": None}, "subject"),
        ({"subject": 5}, "subject"),
        ({"subject": "Two\nlines"}, "subject"),
        ({"text": ""}, "text"),
        ({"text": "Your {phone}"}, "text"),
        ({"text": "A { brace"}, "text"),
        ({"subject": "Hi {name:d}"}, "subject"),
        ({"text": "Hi {name!r}"}, "text"),
        ({"segment": {"tag": "x"}}, "segment"),
        ({"tag": "two\nlines"}, "tag"),
        ({"tag": 7}, "tag"),
        ({"vip": "yes"}, "vip"),
        ({"responsible_id": "me"}, "responsible_id"),
        ({"company_id": 5}, "company_id"),
        ({"mailbox": "support"}, "mailbox"),
    ],
)
def test_a_wrong_field_is_named(change: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        api({"sales": SENDER}).draft({**GOOD, **change}, uuid4())
    assert getattr(refused.value, "field", None) == field, str(refused.value)


def test_without_a_mailbox_no_campaign_can_be_made() -> None:
    with pytest.raises(DomainError, match="no mailbox is configured") as refused:
        api().draft(GOOD, uuid4())
    assert getattr(refused.value, "field", None) == "mailbox"


def test_a_good_body_is_a_draft_from_the_first_mailbox_with_its_filters() -> None:
    company = uuid4()
    body = {**GOOD, "tag": "wholesale", "vip": True, "company_id": str(company)}
    draft = api({"sales": SENDER, "support": SENDER}).draft(body, uuid4())
    assert (draft.mailbox, draft.only.tag, draft.only.vip, draft.only.company_id) == (
        "sales",
        "wholesale",
        True,
        company,
    )
    assert draft.only.responsible_id is None
    assert "{unsubscribe_url}" in draft.template.text  # every mail ends with its link


@pytest.mark.parametrize(
    ("command", "state", "after"),
    [
        (CampaignCommand.START, CampaignState.DRAFT, CampaignState.SENDING),
        (CampaignCommand.PAUSE, CampaignState.SENDING, CampaignState.PAUSED),
        (CampaignCommand.RESUME, CampaignState.PAUSED, CampaignState.SENDING),
        (CampaignCommand.CANCEL, CampaignState.PAUSED, CampaignState.CANCELLED),
        (CampaignCommand.CANCEL, CampaignState.DRAFT, CampaignState.CANCELLED),
    ],
)
def test_a_command_that_fits_moves_the_campaign_on(
    command: CampaignCommand, state: CampaignState, after: CampaignState
) -> None:
    assert state_after(command, state) is after


@pytest.mark.parametrize(
    ("command", "state"),
    [
        (CampaignCommand.START, CampaignState.SENDING),
        (CampaignCommand.START, CampaignState.CANCELLED),
        (CampaignCommand.PAUSE, CampaignState.DRAFT),
        (CampaignCommand.RESUME, CampaignState.SENDING),
        (CampaignCommand.CANCEL, CampaignState.DONE),
        (CampaignCommand.RESUME, CampaignState.CANCELLED),
    ],
)
def test_a_command_that_does_not_fit_is_refused_with_the_state(command: CampaignCommand, state: CampaignState) -> None:
    with pytest.raises(CampaignStateRefused, match=f"is {state.value} cannot {command.value}"):
        state_after(command, state)
