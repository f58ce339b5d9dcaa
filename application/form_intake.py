"""What a web form's submission leaves besides its lead: the submission itself and, if the form says, a deal.

Called by receiving, in the router's transaction that opens and routes the lead, so the submission,
its consent and its deal are stored exactly when the lead is, and once.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from application.open_deal import DealOpening, open_in
from application.unit_of_work import UnitOfWork
from domain.form_touch import FormTouch
from domain.inbound import InboundMessage
from domain.lead import Lead
from domain.manager import Manager
from domain.submitted_form import SubmittedForm, submitted_form_id

_DEALS = UUID("5c0f7a52-1f57-4c55-a0c8-3d1d1ea2b6e4")
MAX_TITLE = 200


def form_deal_id(lead_id: UUID) -> UUID:
    """The deal a form's submission opened with its lead."""
    return uuid5(_DEALS, f"form-deal/{lead_id}")


def responsible_for(work: UnitOfWork, touch: FormTouch | None) -> UUID | None:
    """The form's responsible manager, when the form names one who is still a manager."""
    wanted = touch.responsible_manager_id if touch is not None else None
    return wanted if wanted is not None and work.find(wanted, Manager) is not None else None


def record_submission(work: UnitOfWork, message: InboundMessage, lead: Lead) -> None:
    """Keep the form's answers, consent and source beside ``lead``; open its deal if the form creates one."""
    touch = message.form
    if touch is None or work.get(submitted_form_id(lead.id)) is not None:
        return
    work.add(SubmittedForm.of(touch, lead.id, lead.contact_id, lead.conversation_id, message.received_at))
    if touch.creates != "deal":
        return
    # The deal is its lead's holder's; while nobody holds the lead yet, the form's responsible manager's.
    responsible = lead.manager_id or responsible_for(work, touch)
    details = lead.details
    if responsible is None or not details.currency:
        return
    title = f"{message.subject}: {message.sender_name or message.sender.value}"[:MAX_TITLE]
    opening = DealOpening(
        title=title,
        currency=details.currency,
        amount=details.amount,
        responsible_id=responsible,
        contact_id=lead.contact_id,
        lead_id=lead.id,
        deal_id=form_deal_id(lead.id),
    )
    open_in(work, opening, responsible, message.received_at)
