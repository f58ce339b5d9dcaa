"""Campaigns kept for the console and REST: a draft, its segment, its course, and how far its mail went.

A campaign is a row of ``campaigns``; its mails are rows of ``campaign_mails`` (``bulk_mail``),
queued when it starts, in the transaction that marks it sending, so a campaign is either a draft
with no mail or sending with all of it. A command changes the state only from the states it fits
(``domain/campaign.py``), under the row's lock, so two operators pausing and cancelling at once end
in one state and one answer each. Cancelling takes back what was still queued.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from domain.bulk_mail import MailTemplate
from domain.campaign import CampaignCommand, CampaignState, state_after
from services.bulk_mail import TABLES, Campaign, Recipient, Sender, queue_mails
from services.console.people_queries import PeopleFilter
from services.tables import Connection, ensure_tables

log = structlog.get_logger()
# How each mail stands, as progress counts it: claimed or being handed over is sending; skipped was unsubscribed.
PROGRESS = {
    "queued": "queued",
    "claimed": "sending",
    "sending": "sending",
    "sent": "sent",
    "failed": "failed",
    "uncertain": "uncertain",
    "skipped": "skipped_unsubscribed",
    "cancelled": "cancelled",
}


class UnknownCampaign(LookupError):
    """No campaign with this id."""


@dataclass(frozen=True)
class CampaignDraft:
    """What a new campaign is: its mail, the mailbox it goes from, and whom it is for."""

    campaign_id: UUID
    template: MailTemplate
    mailbox: str
    only: PeopleFilter
    created_by: UUID


def segment_json(only: PeopleFilter) -> dict[str, Any]:
    """The filters a campaign keeps, as JSON."""
    return {
        "tag": only.tag,
        "vip": only.vip,
        "responsible_id": None if only.responsible_id is None else str(only.responsible_id),
        "company_id": None if only.company_id is None else str(only.company_id),
    }


def segment_of(row: asyncpg.Record) -> PeopleFilter:
    """The filters kept with a campaign."""
    kept = json.loads(row["segment"])
    return PeopleFilter(
        tag=kept.get("tag"),
        vip=kept.get("vip"),
        responsible_id=None if kept.get("responsible_id") is None else UUID(kept["responsible_id"]),
        company_id=None if kept.get("company_id") is None else UUID(kept["company_id"]),
    )


async def create(pool: asyncpg.Pool, draft: CampaignDraft) -> None:
    """Keep the draft."""
    await ensure_tables(pool, TABLES)
    await pool.execute(
        "INSERT INTO campaigns (campaign_id, subject, text, mailbox, segment, created_by)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        draft.campaign_id, draft.template.subject, draft.template.text, draft.mailbox,
        json.dumps(segment_json(draft.only)), draft.created_by,
    )  # fmt: skip
    log.info("campaign_created", campaign_id=str(draft.campaign_id), manager_id=str(draft.created_by))


async def kept(pool: asyncpg.Pool, campaign_id: UUID) -> asyncpg.Record:
    """The campaign's row; UnknownCampaign if there is none."""
    await ensure_tables(pool, TABLES)
    row = await pool.fetchrow("SELECT * FROM campaigns WHERE campaign_id = $1", campaign_id)
    if row is None:
        raise UnknownCampaign(campaign_id)
    return row


def template_of(row: asyncpg.Record) -> MailTemplate:
    """The kept campaign's mail, as it was checked when made."""
    return MailTemplate(row["subject"], row["text"])


async def start(
    pool: asyncpg.Pool, sender: Sender, row: asyncpg.Record, recipients: AsyncIterable[Sequence[Recipient]]
) -> int:
    """Mark the draft sending and queue its mails, a page of recipients at a time, together; how many were queued.

    CampaignStateRefused unless it is a draft (checked before any recipient is read).
    """
    campaign = Campaign(row["campaign_id"], template_of(row), row["created_by"])
    async with pool.acquire() as conn, conn.transaction():
        await _change(conn, row["campaign_id"], CampaignCommand.START, None)
        queued = 0
        async for page in recipients:
            queued += await queue_mails(conn, sender, campaign, page)
        await conn.execute("UPDATE campaigns SET recipients = $2 WHERE campaign_id = $1", row["campaign_id"], queued)
        return queued


async def command(pool: asyncpg.Pool, campaign_id: UUID, given: CampaignCommand) -> CampaignState:
    """Pause, resume or cancel; the new state, or CampaignStateRefused naming the one it is in."""
    async with pool.acquire() as conn, conn.transaction():
        after = await _change(conn, campaign_id, given, None)
        if after is CampaignState.CANCELLED:
            await conn.execute(
                "UPDATE campaign_mails SET status = 'cancelled' WHERE campaign_id = $1 AND status = 'queued'",
                campaign_id,
            )
    log.info("campaign_changed", campaign_id=str(campaign_id), command=given.value, state=after.value)
    return after


async def _change(
    conn: Connection,
    campaign_id: UUID,
    given: CampaignCommand,
    recipients: int | None,
) -> CampaignState:
    state = await conn.fetchval("SELECT state FROM campaigns WHERE campaign_id = $1 FOR UPDATE", campaign_id)
    if state is None:
        raise UnknownCampaign(campaign_id)
    after = state_after(given, CampaignState(state))
    await conn.execute(
        "UPDATE campaigns SET state = $2, recipients = coalesce($3, recipients),"
        " started_at = CASE WHEN $4 THEN now() ELSE started_at END,"
        " finished_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE finished_at END"
        " WHERE campaign_id = $1",
        campaign_id, after.value, recipients, given is CampaignCommand.START,
    )  # fmt: skip
    return after


async def sending(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    """The campaigns sending now, the first started first."""
    await ensure_tables(pool, TABLES)
    return list(await pool.fetch("SELECT * FROM campaigns WHERE state = 'sending' ORDER BY started_at, campaign_id"))


async def take_over_stopped(pool: asyncpg.Pool, lease_seconds: float) -> None:
    """Settle the mails a stopped sender left claimed in campaigns paused or cancelled since.

    Those of campaigns sending are settled by the sender as it sends them (``bulk_mail``).
    """
    await ensure_tables(pool, TABLES)
    await pool.execute(
        "UPDATE campaign_mails m SET status = CASE WHEN m.status = 'sending' THEN 'uncertain'"
        "  WHEN c.state = 'cancelled' THEN 'cancelled' ELSE 'queued' END,"
        " detail = CASE m.status WHEN 'sending' THEN 'the sender stopped while handing it over; not sent again' END"
        " FROM campaigns c WHERE c.campaign_id = m.campaign_id AND c.state <> 'sending'"
        " AND m.status IN ('claimed', 'sending') AND m.claimed_at < now() - make_interval(secs => $1)",
        lease_seconds,
    )


async def pause_for_mailbox(pool: asyncpg.Pool, campaign_id: UUID) -> None:
    """Pause a campaign whose mailbox is no longer configured."""
    await pool.execute(
        "UPDATE campaigns SET state = 'paused' WHERE campaign_id = $1 AND state = 'sending'", campaign_id
    )


async def finish_if_sent(pool: asyncpg.Pool, campaign_id: UUID) -> bool:
    """Mark the campaign done once none of its mail waits or is in flight; whether it was."""
    done = await pool.execute(
        "UPDATE campaigns SET state = 'done', finished_at = now() WHERE campaign_id = $1 AND state = 'sending'"
        " AND NOT EXISTS (SELECT 1 FROM campaign_mails WHERE campaign_id = $1"
        "  AND status IN ('queued', 'claimed', 'sending'))",
        campaign_id,
    )
    return str(done).endswith(" 1")


async def described(pool: asyncpg.Pool, rows: Sequence[asyncpg.Record]) -> list[dict[str, Any]]:
    """The campaigns as the API shows them, each with its progress."""
    counts: dict[UUID, dict[str, int]] = {
        row["campaign_id"]: dict.fromkeys(sorted(set(PROGRESS.values())), 0) for row in rows
    }
    for found in await pool.fetch(
        "SELECT campaign_id, status, count(*) AS n FROM campaign_mails WHERE campaign_id = any($1::uuid[])"
        " GROUP BY campaign_id, status",
        list(counts),
    ):
        these = counts[found["campaign_id"]]
        key = PROGRESS.get(found["status"], found["status"])
        these[key] = these.get(key, 0) + found["n"]
    return [
        {
            "id": str(row["campaign_id"]),
            "subject": row["subject"],
            "text": row["text"],
            "mailbox": row["mailbox"],
            "segment": json.loads(row["segment"]),
            "created_by": str(row["created_by"]),
            "state": row["state"],
            "recipients": row["recipients"],
            "created_at": row["created_at"].isoformat(),
            "started_at": None if row["started_at"] is None else row["started_at"].isoformat(),
            "finished_at": None if row["finished_at"] is None else row["finished_at"].isoformat(),
            "progress": counts[row["campaign_id"]],
        }
        for row in rows
    ]


async def listed(pool: asyncpg.Pool, creators: frozenset[UUID] | None, limit: int) -> list[asyncpg.Record]:
    """The newest campaigns made by ``creators`` (None: by anyone)."""
    await ensure_tables(pool, TABLES)
    return list(
        await pool.fetch(
            "SELECT * FROM campaigns WHERE $1::uuid[] IS NULL OR created_by = any($1::uuid[])"
            " ORDER BY created_at DESC, campaign_id LIMIT $2",
            None if creators is None else sorted(creators),
            limit,
        )
    )
