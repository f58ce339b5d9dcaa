"""``switchboard campaign send``: mail a template to the contacts a filter picks, as an operator account.

The account's role decides whom it may mail (see ``bulk_mail_segment``). Sending again with the same
``--campaign`` id sends only what was not sent yet: nobody gets a campaign twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from application.departments import actor
from domain.bulk_mail import MailTemplate
from domain.errors import DomainError
from domain.identities import manager_id
from domain.permissions import DEFAULT_PERMISSIONS, Role
from services.bootstrap import build_event_store, create_pool
from services.bulk_mail import Campaign, Sender, queue_campaign, send_queued
from services.console.accounts import find_operator
from services.console.campaign_segment import segment_pages
from services.console.people_queries import PeopleFilter
from services.ingest.mail import sending_mailbox
from services.settings import Settings
from services.tokens import Signer


def add_parser(commands: Any) -> None:  # noqa: ANN401 - argparse's private subparsers type
    """The ``campaign`` command and its options."""
    campaign = commands.add_parser("campaign", help="mail a template to a segment of contacts")
    actions = campaign.add_subparsers(dest="action", required=True)
    send = actions.add_parser("send", help="queue and send; the report is JSON on stdout")
    send.add_argument("--subject", required=True, help="the subject; {name}, {first_name}, {company}, {email}")
    send.add_argument("--text-file", type=Path, required=True, help="the plain-text body, with the same fields")
    send.add_argument("--by", required=True, help="the e-mail of the operator account it is sent as")
    send.add_argument("--mailbox", default="", help="the configured mailbox it goes out from (default: the first)")
    send.add_argument("--campaign", type=UUID, default=None, help="continue this campaign instead of a new one")
    send.add_argument("--tag", default=None)
    send.add_argument("--vip", choices=("true", "false"), default=None)
    send.add_argument("--responsible", type=UUID, default=None)
    send.add_argument("--company", type=UUID, default=None)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Send the campaign; exit 1 with a line on stderr when the template, account or mailbox is wrong."""
    try:
        template = MailTemplate.checked(args.subject, args.text_file.read_text(encoding="utf-8"))
        report = asyncio.run(_send(settings, args, template))
    except (OSError, ValueError, DomainError) as error:
        print(error, file=sys.stderr)  # noqa: T201
        return 1
    print(json.dumps(report))  # noqa: T201
    return 0


async def _send(settings: Settings, args: argparse.Namespace, template: MailTemplate) -> dict[str, Any]:
    mailboxes = [m for m in settings.mailboxes if not args.mailbox or m.name == args.mailbox]
    if not mailboxes:
        msg = f"no mailbox named {args.mailbox!r} is configured"
        raise ValueError(msg)
    mailbox = sending_mailbox(mailboxes[0], settings.mail_command_timeout)
    sender = Sender(
        mailbox.address, mailbox.display_name, mailbox.server, f"{settings.console_url}/unsubscribe",
        Signer(settings.require_secret()), per_second=settings.campaign_mails_per_second,
        retry_seconds=settings.mail_retry_seconds, lease_seconds=settings.mail_send_lease_seconds,
    )  # fmt: skip
    store = build_event_store(settings)
    pool = await create_pool(settings, size=2)
    try:
        operator = await find_operator(pool, manager_id(args.by))
        if operator is None:
            msg = f"no operator account {args.by!r}"
            raise ValueError(msg)
        who = await asyncio.to_thread(actor, store, operator.manager_id, Role(operator.role.value))
        vip = None if args.vip is None else args.vip == "true"
        only = PeopleFilter(responsible_id=args.responsible, company_id=args.company, tag=args.tag, vip=vip)
        campaign = Campaign(args.campaign or uuid4(), template, operator.manager_id)
        in_segment = queued = 0
        async for page in segment_pages(pool, DEFAULT_PERMISSIONS, who, only):
            in_segment += len(page)
            queued += await queue_campaign(pool, sender, campaign, page)
        outcomes = await send_queued(pool, store, sender, campaign.campaign_id)
        return {"campaign_id": str(campaign.campaign_id), "segment": in_segment, "queued": queued, **outcomes}
    finally:
        await pool.close()
        store.close()
