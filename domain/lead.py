"""A lead: a customer's request that exactly one manager must take on, and that a manager qualifies.

Two things move on a lead, apart: where routing has it (``status``: new, queued, offered, assigned,
closed) and how far a manager has judged it (``qualification``: new, in progress, then qualified or
junk with a reason). Routing never changes the qualification, and qualifying never routes.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.conversion import ConversionPlan, ConversionRefused, Converted, Record, plan_conversion
from domain.errors import DomainError
from domain.identities import lead_id
from domain.lead_details import LeadDetails
from domain.timers import TimerKind


class LeadAlreadyAssigned(DomainError):
    """The lead has a manager; it cannot be given to a second one."""


class NotOffered(DomainError):
    """The lead is not on offer to this manager (never was, or someone took it first)."""


class LeadClosed(DomainError):
    """The lead's conversation is closed: nobody is to take it until the customer writes again."""


class QualificationRefused(DomainError):
    """The lead's qualification cannot move that way from where it stands; the message says why."""


class Qualification(enum.StrEnum):
    """How far a manager has judged a lead."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    QUALIFIED = "qualified"
    JUNK = "junk"


class LeadStatus(enum.StrEnum):
    """Where a lead stands."""

    NEW = "new"
    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class Lead(Aggregate):
    """A lead opened by a conversation: waiting, on offer, or held by one manager."""

    @staticmethod
    def create_id(conversation_id: UUID, contact_id: UUID, channel: str, source: str) -> UUID:  # noqa: ARG004
        """One lead per conversation."""
        return lead_id(conversation_id)

    @event("Created")
    def __init__(
        self, conversation_id: UUID, contact_id: UUID, channel: str, source: str, arrived_at: datetime | None = None
    ) -> None:
        self.conversation_id = conversation_id
        # When the channel accepted the customer's first message: the lead's place in a queue.
        self.arrived_at = arrived_at
        self.contact_id = contact_id
        self.channel = channel
        self.source = source
        self.status = LeadStatus.NEW
        self.manager_id: UUID | None = None
        self.offered_to: list[UUID] = []
        self.offer_expires_at: datetime | None = None
        self.tried: list[UUID] = []
        self.answer_by: datetime | None = None
        self.answered = False
        self.queue_name: str | None = None
        self.queue_position: int | None = None
        self.qualification = Qualification.NEW
        self.junk_reason = ""
        self.details = LeadDetails()
        self.conversations = [conversation_id]  # the one that opened it, then any linked to it
        self.handed_to: str | None = None  # the team an operator handed it to, for the router to route within

    @property
    def queued(self) -> bool:
        """Whether the lead waits in a queue."""
        return self.status is LeadStatus.QUEUED

    def assign(self, manager_id: UUID, reasons: dict[str, Any], answer_by: datetime | None = None) -> None:
        """Give the lead to a manager, recording why and by when they must answer."""
        if self.status is LeadStatus.CLOSED:
            msg = f"lead {self.id} is closed: it goes to a manager again only when the customer writes again"
            raise LeadClosed(msg)
        if self.manager_id is not None:
            msg = f"lead {self.id} is already assigned to manager {self.manager_id}"
            raise LeadAlreadyAssigned(msg)
        self._assigned(
            manager_id=manager_id, conversation_id=self.conversation_id, reasons=reasons, answer_by=answer_by
        )

    def queue(self, queue: str | None, position: int, reasons: dict[str, Any]) -> None:
        """Wait in a queue because nobody can take the lead now."""
        if self.status in (LeadStatus.NEW, LeadStatus.OFFERED):
            self._queued(conversation_id=self.conversation_id, queue=queue, position=position, reasons=reasons)

    def move_in_queue(self, position: int, why: str) -> None:
        """A waiting lead's place changed (a lead that arrived earlier joined ahead): the customer is told."""
        if self.status is LeadStatus.QUEUED and position != self.queue_position:
            self._queued(
                conversation_id=self.conversation_id, queue=self.queue_name, position=position, reasons={"moved": why}
            )

    def offer(self, manager_ids: list[UUID], reasons: dict[str, Any], expires_at: datetime | None = None) -> None:
        """Offer the lead to every eligible manager; the first to accept takes it, until ``expires_at``."""
        if self.status is LeadStatus.CLOSED:
            msg = f"lead {self.id} is closed: it is offered again only when the customer writes again"
            raise LeadClosed(msg)
        if self.manager_id is None:
            self._offered(
                conversation_id=self.conversation_id, manager_ids=manager_ids, reasons=reasons, expires_at=expires_at
            )

    def offer_expired(self, at: datetime) -> bool:
        """Whether the lead is on offer and nobody accepted it before its offer expired."""
        expires = self.offer_expires_at
        return self.status is LeadStatus.OFFERED and expires is not None and expires <= at

    def timers(self) -> dict[TimerKind, datetime | None]:
        """The answer deadline while an assigned lead is unanswered; the offer's expiry while on offer."""
        answering = self.status is LeadStatus.ASSIGNED and not self.answered
        offered = self.status is LeadStatus.OFFERED
        return {
            TimerKind.ANSWER: self.answer_by if answering else None,
            TimerKind.OFFER: self.offer_expires_at if offered else None,
        }

    def withdraw_offer(self, why: str) -> None:
        """Take the lead off offer (nobody accepted it in time); it is to be routed again."""
        if self.status is LeadStatus.OFFERED:
            self._offer_withdrawn(conversation_id=self.conversation_id, why=why)

    def accept(self, manager_id: UUID, answer_by: datetime | None = None) -> None:
        """A manager takes a lead on offer to them."""
        if self.status is not LeadStatus.OFFERED or manager_id not in self.offered_to:
            msg = f"lead {self.id} is not on offer to you (anymore)"
            raise NotOffered(msg)
        self.assign(manager_id, {"strategy": "offer_to_all", "accepted_by": str(manager_id)}, answer_by)

    def mark_answered(self, manager_id: UUID, at: datetime) -> None:
        """The holder answered the customer: no idle re-route any more."""
        if self.manager_id == manager_id and not self.answered:
            self._answered(manager_id=manager_id, at=at)

    def release(self, why: str) -> UUID | None:
        """Take the lead back from its manager (for re-routing); returns who had it."""
        holder = self.manager_id
        if holder is not None:
            self._released(manager_id=holder, conversation_id=self.conversation_id, why=why)
        return holder

    def close(self, by: UUID | None) -> None:
        """Close the lead, waiting, on offer or held; the caller frees its holder's capacity and its queue place."""
        if self.status is not LeadStatus.CLOSED:
            self._closed(conversation_id=self.conversation_id, by=by)

    def reopen(self, arrived_at: datetime | None = None) -> None:
        """A closed lead comes back when the customer writes again; it is routed anew, arriving ``arrived_at``."""
        if self.status is LeadStatus.CLOSED:
            self._reopened(conversation_id=self.conversation_id, arrived_at=arrived_at)

    def transfer(self, to: UUID, by: UUID, *, override: str = "") -> UUID | None:
        """An operator hands the lead to a named colleague, who holds it from now; returns who held it.

        ``override`` says why the colleague's presence or capacity was not respected, when it was not.
        """
        if self.status is LeadStatus.CLOSED:
            msg = f"lead {self.id} is closed: reopen its conversation before transferring it"
            raise LeadClosed(msg)
        holder = self.manager_id
        if holder == to:
            msg = f"lead {self.id} is already held by manager {to}"
            raise LeadAlreadyAssigned(msg)
        reasons = {"strategy": "transfer", "transferred_by": str(by), "from": str(holder) if holder else None}
        if override:
            reasons["override"] = override
        self._transferred(manager_id=to, conversation_id=self.conversation_id, reasons=reasons, answer_by=None)
        return holder

    def hand_to_team(self, team: str, by: UUID) -> UUID | None:
        """An operator hands the lead to a team: the router routes it among the team; returns who held it."""
        if self.status is LeadStatus.CLOSED:
            msg = f"lead {self.id} is closed: reopen its conversation before handing it to a team"
            raise LeadClosed(msg)
        holder = self.manager_id
        self._handed_to_team(conversation_id=self.conversation_id, team=team, by=by, manager_id=holder)
        return holder

    @property
    def awaits_team(self) -> str | None:
        """The team the lead was handed to while nobody has taken it yet there."""
        return self.handed_to if self.status is LeadStatus.NEW else None

    @event("Transferred")
    def _transferred(
        self, manager_id: UUID, conversation_id: UUID, reasons: dict[str, Any], answer_by: datetime | None
    ) -> None:
        if self.manager_id is not None:
            self.tried.append(self.manager_id)
        self._routed(LeadStatus.ASSIGNED, manager_id, answer_by)
        self.answered = False
        self.handed_to = None

    @event("HandedToTeam")
    def _handed_to_team(self, conversation_id: UUID, team: str, by: UUID, manager_id: UUID | None) -> None:
        if manager_id is not None:
            self.tried.append(manager_id)
        self._routed(LeadStatus.NEW, None, None)
        self.offer_expires_at = None
        self.handed_to = team

    def take_in_progress(self, by: UUID) -> None:
        """A manager starts working the lead (a junk one too, found to be real after all)."""
        if self.qualification not in (Qualification.NEW, Qualification.JUNK):
            msg = f"lead {self.id} is {self.qualification}: only a new or junk lead is taken in progress"
            raise QualificationRefused(msg)
        self._taken_in_progress(by=by)

    def qualify(self, by: UUID) -> None:
        """The lead is real business, ready to convert."""
        if self.qualification is not Qualification.IN_PROGRESS:
            msg = f"lead {self.id} is {self.qualification}: take it in progress before qualifying it"
            raise QualificationRefused(msg)
        self._qualified(by=by)

    def mark_junk(self, reason: str, by: UUID) -> None:
        """The lead is not business (spam, a wrong number, a job seeker): ``reason`` says which."""
        if self.qualification not in (Qualification.NEW, Qualification.IN_PROGRESS):
            msg = f"lead {self.id} is {self.qualification}: only a new or in-progress lead is marked junk"
            raise QualificationRefused(msg)
        self._marked_junk(reason=reason, by=by)

    def change_details(self, details: LeadDetails, by: UUID | None) -> None:
        """What the lead is about: amount and currency, product interest, comment (all of them, as given)."""
        if details != self.details:
            self._details_changed(
                amount=details.amount,
                currency=details.currency,
                product_interest=details.product_interest,
                comment=details.comment,
                by=by,
            )

    def link_conversation(self, conversation_id: UUID, by: UUID | None) -> None:
        """Another conversation of the customer belongs to this lead too."""
        if conversation_id not in self.conversations:
            self._conversation_linked(conversation_id=conversation_id, by=by)

    # What the lead was converted into: nothing, until a conversion records it.
    converted: Converted = Converted()

    def plan_conversion(self, asked: frozenset[Record], known_contact: UUID | None) -> ConversionPlan:
        """What converting the lead into ``asked`` makes; ``known_contact``: its contact, if that exists."""
        return plan_conversion(
            self.id,
            qualified=self.qualification is Qualification.QUALIFIED,
            asked=asked,
            known_contact=known_contact,
            before=self.converted,
        )

    def convert(self, plan: ConversionPlan, by: UUID, at: datetime) -> None:
        """Record the conversion ``plan`` made of this lead as it stands; nothing when it adds nothing."""
        before = self.converted
        kept = all(before.id_of(r) in (None, plan.result.id_of(r)) for r in Record)
        if plan.lead_id != self.id or not kept:
            msg = f"lead {self.id} changed since its conversion was planned: plan it again"
            raise ConversionRefused(msg)
        if plan.nothing_new:
            return
        self._converted(
            contact_id=plan.result.contact_id,
            company_id=plan.result.company_id,
            deal_id=plan.result.deal_id,
            created=sorted(record.value for record in plan.new),
            conversation_ids=list(self.conversations),
            by=by,
            at=at,
        )

    @event("Converted")
    def _converted(  # noqa: PLR0913 - every record the lead became, what of it is new, whose and when
        self,
        contact_id: UUID | None,
        company_id: UUID | None,
        deal_id: UUID | None,
        created: list[str],
        conversation_ids: list[UUID],
        by: UUID,
        at: datetime,
    ) -> None:
        self.converted = Converted(contact_id, company_id, deal_id)

    @event("TakenInProgress")
    def _taken_in_progress(self, by: UUID) -> None:
        self.qualification = Qualification.IN_PROGRESS
        self.junk_reason = ""

    @event("Qualified")
    def _qualified(self, by: UUID) -> None:
        self.qualification = Qualification.QUALIFIED

    @event("MarkedJunk")
    def _marked_junk(self, reason: str, by: UUID) -> None:
        self.qualification = Qualification.JUNK
        self.junk_reason = reason

    @event("DetailsChanged")
    def _details_changed(
        self, amount: Decimal | None, currency: str, product_interest: str, comment: str, by: UUID | None
    ) -> None:
        self.details = LeadDetails(amount, currency, product_interest, comment)

    @event("ConversationLinked")
    def _conversation_linked(self, conversation_id: UUID, by: UUID | None) -> None:
        self.conversations.append(conversation_id)

    @event("Reopened")
    def _reopened(self, conversation_id: UUID, arrived_at: datetime | None = None) -> None:
        self.arrived_at = arrived_at or self.arrived_at
        self.status = LeadStatus.NEW
        self.manager_id = None
        self.answer_by = None
        self.answered = False
        self.tried = []

    @event("Assigned")
    def _assigned(
        self, manager_id: UUID, conversation_id: UUID, reasons: dict[str, Any], answer_by: datetime | None
    ) -> None:
        self._routed(LeadStatus.ASSIGNED, manager_id, answer_by)
        self.answered = False

    @event("Queued")
    def _queued(self, conversation_id: UUID, queue: str | None, position: int, reasons: dict[str, Any]) -> None:
        self.status = LeadStatus.QUEUED
        self.queue_name = queue
        self.queue_position = position
        self.offered_to = []

    @event("Offered")
    def _offered(
        self,
        conversation_id: UUID,
        manager_ids: list[UUID],
        reasons: dict[str, Any],
        expires_at: datetime | None = None,
    ) -> None:
        self.status = LeadStatus.OFFERED
        self.offered_to = list(manager_ids)
        self.offer_expires_at = expires_at

    @event("OfferWithdrawn")
    def _offer_withdrawn(self, conversation_id: UUID, why: str) -> None:
        self.status = LeadStatus.NEW
        self.offered_to = []
        self.offer_expires_at = None

    @event("Answered")
    def _answered(self, manager_id: UUID, at: datetime) -> None:
        self.answered = True

    @event("Released")
    def _released(self, manager_id: UUID, conversation_id: UUID, why: str) -> None:
        self.tried.append(manager_id)
        self.manager_id = None
        self.answer_by = None
        self.status = LeadStatus.NEW

    @event("Closed")
    def _closed(self, conversation_id: UUID, by: UUID | None) -> None:
        # No deadline runs on a closed lead: neither re-routing an unanswered one nor expiring an offer.
        self._routed(LeadStatus.CLOSED, None, None)
        self.offer_expires_at = None

    def _routed(self, status: LeadStatus, manager_id: UUID | None, answer_by: datetime | None) -> None:
        """Where routing has the lead now: ``status``, held by ``manager_id`` (or nobody), no queue, no offer."""
        self.status = status
        self.manager_id = manager_id
        self.answer_by = answer_by
        self.offered_to = []
        self.queue_name = None
        self.queue_position = None
