"""``/api/campaigns``: make a campaign, preview it, start, pause, resume or cancel it, and follow its progress.

A campaign mails the contacts its filters pick (``tag``, ``vip``, ``responsible_id``, ``company_id``)
that the caller's role may edit, as the command line does: a manager their own contacts, a head their
department's, a director and an admin everyone's. A role that may edit no contact may make no
campaign (403). A campaign is seen and steered by whoever may edit its maker's contacts: its maker,
their head, a director. The preview and the start both pick the recipients as the caller's role
allows, so what the preview counts is what the start queues. Answers as ``sales_http`` says; a
command that does not fit the campaign's state is 409 with the state it is in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.bulk_mail import MailTemplate
from domain.campaign import CampaignCommand, CampaignStateRefused
from domain.errors import InvalidField
from domain.permissions import Action, Actor, Entity, Scope
from services.bulk_mail import Sender, filled
from services.console import campaign_records as campaigns
from services.console.accounts import Operator
from services.console.campaign_segment import segment_pages
from services.console.people_queries import PeopleFilter
from services.console.request_body import optional_text_field
from services.console.sales_access import NotAllowed, NotVisible, SalesAccess
from services.console.sales_http import Answer, Authenticate, Handler, flag_field, guarded, id_field, path_id

log = structlog.get_logger()
PATH = "/api/campaigns"
FIELDS = frozenset({"subject", "text", "mailbox", "tag", "vip", "responsible_id", "company_id"})
MAX_TAG = 100
PREVIEWED = 3
LISTED = 200
PREVIEW_LINK = "(the contact's own unsubscribe link)"


class CampaignsApi:
    """The campaign routes, over the permission rule and the configured mailboxes."""

    def __init__(
        self,
        sales: SalesAccess,
        pool: Callable[[], asyncpg.Pool],
        authenticate: Authenticate,
        mailboxes: dict[str, Sender],
        started: Callable[[], None],
    ) -> None:
        self._sales, self._pool, self._authenticate = sales, pool, authenticate
        self._mailboxes, self._started = mailboxes, started

    def routes(self) -> list[Route]:
        """The routes, to mount in the gateway."""
        one = f"{PATH}/{{campaign_id}}"
        routes = [
            self._route(PATH, "GET", self.listed),
            self._route(PATH, "POST", self.create),
            self._route(one, "GET", self.one),
            self._route(f"{one}/preview", "GET", self.preview),
            self._route(f"{one}/start", "POST", self.start),
        ]
        routes += [
            self._route(f"{one}/{given.value}", "POST", self._steering(given))
            for given in (CampaignCommand.PAUSE, CampaignCommand.RESUME, CampaignCommand.CANCEL)
        ]
        return routes

    def _route(self, path: str, method: str, handler: Handler) -> Route:
        async def refusing(operator: Operator, request: Request, body: dict[str, Any]) -> Answer:
            try:
                return await handler(operator, request, body)
            except CampaignStateRefused as refused:
                return 409, {"error": str(refused), "state": refused.state.value}
            except campaigns.UnknownCampaign:
                msg = "no campaign among those you may see"
                raise NotVisible(msg) from None

        async def endpoint(request: Request) -> Response:
            return await guarded(self._authenticate, request, refusing)

        endpoint.__doc__ = f"{method} {path}: {handler.__doc__}"
        return Route(path, endpoint, methods=[method])

    async def listed(self, operator: Operator, _request: Request, _body: dict[str, Any]) -> Answer:
        """The newest campaigns the caller may see, each with its progress."""
        who = await self._mailer(operator)
        rows = await campaigns.listed(self._pool(), self._makers(who), LISTED)
        return {"campaigns": await campaigns.described(self._pool(), rows)}

    async def create(self, operator: Operator, _request: Request, body: dict[str, Any]) -> Answer:
        """Keep a draft campaign (201); 400 naming the first field that is wrong, and nothing kept."""
        who = await self._mailer(operator)
        draft = self.draft(body, who.user_id)
        await campaigns.create(self._pool(), draft)
        return 201, await self._shown(draft.campaign_id)

    def draft(self, body: dict[str, Any], by: UUID) -> campaigns.CampaignDraft:
        """The campaign the body describes; InvalidField or InvalidText naming the field that is wrong."""
        unknown = sorted(set(body) - FIELDS)
        if unknown:  # refused, not ignored: a misspelt filter would mail everyone
            raise InvalidField(unknown[0], f"is no field of a campaign; send only: {', '.join(sorted(FIELDS))}")
        template = MailTemplate.checked(body.get("subject"), body.get("text"))
        mailbox = body.get("mailbox", next(iter(self._mailboxes), None))
        if not self._mailboxes:
            raise InvalidField("mailbox", "cannot be chosen: no mailbox is configured to send from")
        if not isinstance(mailbox, str) or mailbox not in self._mailboxes:
            raise InvalidField("mailbox", f"must be one of the configured mailboxes: {', '.join(self._mailboxes)}")
        only = PeopleFilter(
            tag=optional_text_field(body, "tag", max_length=MAX_TAG),
            vip=flag_field(body, "vip"),
            responsible_id=id_field(body, "responsible_id"),
            company_id=id_field(body, "company_id"),
        )
        return campaigns.CampaignDraft(uuid4(), template, str(mailbox), only, by)

    async def one(self, operator: Operator, request: Request, _body: dict[str, Any]) -> Answer:
        """The campaign with its progress: queued, sent, failed, uncertain, skipped_unsubscribed, cancelled."""
        row = await self._seen(await self._mailer(operator), request)
        return (await campaigns.described(self._pool(), [row]))[0]

    async def preview(self, operator: Operator, request: Request, _body: dict[str, Any]) -> Answer:
        """How many contacts the caller may mail with it, and the first few mails as they would go."""
        who = await self._mailer(operator)
        row = await self._seen(who, request)
        template = campaigns.template_of(row)
        counted, mails = 0, []
        async for page in segment_pages(self._pool(), self._sales.permissions, who, campaigns.segment_of(row)):
            for recipient in page[: max(PREVIEWED - counted, 0)]:
                subject, text = filled(template, recipient, PREVIEW_LINK)
                mails.append(
                    {"contact_id": str(recipient.contact_id), "to": recipient.email, "subject": subject, "text": text}
                )
            counted += len(page)
        return {"recipients": counted, "mails": mails}

    async def start(self, operator: Operator, request: Request, _body: dict[str, Any]) -> Answer:
        """Queue a mail for each contact the caller may mail with it, and send them; 409 unless it is a draft."""
        who = await self._mailer(operator)
        row = await self._seen(who, request)
        sender = self._mailboxes.get(row["mailbox"])
        if sender is None:
            return 409, {"error": f"the mailbox {row['mailbox']!r} is no longer configured; make the campaign again"}
        recipients = segment_pages(self._pool(), self._sales.permissions, who, campaigns.segment_of(row))
        queued = await campaigns.start(self._pool(), sender, row, recipients)
        self._started()
        log.info("campaign_started", campaign_id=str(row["campaign_id"]), manager_id=str(who.user_id), queued=queued)
        return await self._shown(row["campaign_id"])

    def _steering(self, given: CampaignCommand) -> Handler:
        async def steer(operator: Operator, request: Request, _body: dict[str, Any]) -> Answer:
            row = await self._seen(await self._mailer(operator), request)
            await campaigns.command(self._pool(), row["campaign_id"], given)
            if given is CampaignCommand.RESUME:
                self._started()
            return (await campaigns.described(self._pool(), [await campaigns.kept(self._pool(), row["campaign_id"])]))[
                0
            ]

        steer.__doc__ = f"{given.value.capitalize()} the campaign; 409 when its state does not allow it."
        return steer

    async def _shown(self, campaign_id: UUID) -> dict[str, Any]:
        row = await campaigns.kept(self._pool(), campaign_id)
        return (await campaigns.described(self._pool(), [row]))[0]

    async def _mailer(self, operator: Operator) -> Actor:
        who = await asyncio.to_thread(self._sales.actor, operator)
        if self._sales.permissions.scope(who.role, Entity.CONTACT, Action.EDIT) is Scope.NONE:
            msg = "your role may not mail contacts"
            raise NotAllowed(msg)
        return who

    def _makers(self, who: Actor) -> frozenset[UUID] | None:
        return self._sales.permissions.visible_holders(who, Entity.CONTACT, Action.EDIT)

    async def _seen(self, who: Actor, request: Request) -> asyncpg.Record:
        row = await campaigns.kept(self._pool(), path_id(request, "campaign_id"))
        makers = self._makers(who)
        if makers is not None and row["created_by"] not in makers:
            raise campaigns.UnknownCampaign(row["campaign_id"])
        return row
