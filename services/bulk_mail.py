"""Campaign mail: a template sent to a segment of contacts through a mailbox's SMTP, each contact once.

A campaign's mails are queued in ``campaign_mails`` keyed by the campaign and the contact, so
queueing again adds no second mail. A sender claims a queued mail (a claim token, and a lease a
stopped sender's claim expires after), marks it ``sending`` just before it goes over the wire, and
records the outcome; one left ``sending`` by a stopped sender is marked uncertain, never sent again.
A contact who unsubscribed before their mail goes is skipped. Each mail sent is an activity on the
contact; sending is throttled to the configured rate.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, make_msgid
from uuid import UUID, uuid4

import asyncpg
import structlog

from application.event_store import EventStore
from application.log_campaign_mail import log_campaign_mail
from connectors.mail.smtp import Handover, SmtpServer, hand_over
from domain.bulk_mail import MailTemplate
from domain.contact import Contact
from services.tables import Connection, ensure_tables
from services.tokens import Signer

log = structlog.get_logger()
# Lines up to SMTP's limit: the unsubscribe link is one long word, which a 78-column fold would encode.
_POLICY = SMTP.clone(max_line_length=998)
UNSUBSCRIBE = "unsubscribe"
UNSUBSCRIBE_TTL_SECONDS = 5 * 365 * 24 * 3600  # a mail read years later still unsubscribes
MAX_RETRY_WAIT = 600.0
TABLES = """
CREATE TABLE IF NOT EXISTS campaign_mails (
    campaign_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    email text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    unsubscribe_link text NOT NULL,
    sent_by uuid NOT NULL,
    status text NOT NULL DEFAULT 'queued',
    attempts integer NOT NULL DEFAULT 0,
    claim uuid,
    claimed_at timestamptz,
    detail text,
    queued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX IF NOT EXISTS campaign_mails_queued ON campaign_mails (queued_at) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS campaign_mails_in_flight ON campaign_mails (campaign_id)
    WHERE status IN ('claimed', 'sending');
-- Campaigns made over REST; one that is not sending has none of its mails claimed. The command line's are not here.
CREATE TABLE IF NOT EXISTS campaigns (
    campaign_id uuid PRIMARY KEY,
    subject text NOT NULL,
    text text NOT NULL,
    mailbox text NOT NULL,
    segment jsonb NOT NULL,
    created_by uuid NOT NULL,
    state text NOT NULL DEFAULT 'draft',
    recipients integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS campaigns_sending ON campaigns (started_at) WHERE state = 'sending';
"""


@dataclass(frozen=True)
class Recipient:
    """A contact a campaign goes to, with what its fields are filled from."""

    contact_id: UUID
    email: str
    name: str
    company: str = ""


@dataclass(frozen=True)
class Campaign:
    """One sending of one template: its id keys its mails, so a contact gets it once."""

    campaign_id: UUID
    template: MailTemplate
    sent_by: UUID


@dataclass(frozen=True)
class Sender:
    """The mailbox campaigns go out from, the link unsubscribing goes to, and how fast mail may go."""

    address: str
    display_name: str
    server: SmtpServer
    unsubscribe_url: str  # the gateway's /unsubscribe, to which the token is appended
    signer: Signer
    per_second: float = 10.0
    max_attempts: int = 5
    lease_seconds: float = 300.0
    retry_seconds: float = 30.0  # the first wait after the server asked to try later; it doubles each time


def unsubscribe_token(signer: Signer, campaign_id: UUID, contact_id: UUID) -> str:
    """The signed token of one contact's unsubscribe link in one campaign."""
    return signer.issue(UNSUBSCRIBE, f"{campaign_id}/{contact_id}", UNSUBSCRIBE_TTL_SECONDS)


def unsubscribing(signer: Signer, token: str) -> tuple[UUID, UUID] | None:
    """The campaign and contact a genuine unsubscribe token names; None for anything else."""
    subject = signer.subject(UNSUBSCRIBE, token)
    campaign, _, contact = (subject or "").partition("/")
    try:
        return UUID(campaign), UUID(contact)
    except ValueError:
        return None


def filled(template: MailTemplate, recipient: Recipient, unsubscribe_link: str) -> tuple[str, str]:
    """The subject and text of one recipient's mail."""
    r = recipient
    first = r.name.split()[0] if r.name.split() else ""
    values = {"name": r.name, "first_name": first, "email": r.email, "company": r.company}
    return template.filled({**values, "unsubscribe_url": unsubscribe_link})


def unsubscribe_link(sender: Sender, campaign_id: UUID, contact_id: UUID) -> str:
    """The link at the foot of one contact's mail of one campaign."""
    return f"{sender.unsubscribe_url}?token={unsubscribe_token(sender.signer, campaign_id, contact_id)}"


async def queue_campaign(
    pool: asyncpg.Pool, sender: Sender, campaign: Campaign, recipients: Sequence[Recipient]
) -> int:
    """Queue one mail per recipient, filled for them; those queued before are left alone. How many were new."""
    await ensure_tables(pool, TABLES)
    async with pool.acquire() as conn, conn.transaction():
        return await queue_mails(conn, sender, campaign, recipients)


async def queue_mails(conn: Connection, sender: Sender, campaign: Campaign, recipients: Sequence[Recipient]) -> int:
    """``queue_campaign`` in the caller's transaction."""
    rows = []
    for r in recipients:
        link = unsubscribe_link(sender, campaign.campaign_id, r.contact_id)
        subject, body = filled(campaign.template, r, link)
        rows.append((r.contact_id, r.email, subject, body, link))
    if not rows:
        return 0
    columns = list(zip(*rows, strict=True))
    new = await conn.fetch(
        "INSERT INTO campaign_mails (campaign_id, contact_id, email, subject, body, unsubscribe_link, sent_by)"
        " SELECT $1, contact_id, email, subject, body, link, $7"
        " FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])"
        " AS given (contact_id, email, subject, body, link)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        campaign.campaign_id, *map(list, columns), campaign.sent_by,
    )  # fmt: skip
    log.info("campaign_queued", campaign_id=str(campaign.campaign_id), queued=len(new))
    return len(new)


async def send_queued(  # noqa: PLR0913 - the campaign, where its mail goes, and how long to keep at it
    pool: asyncpg.Pool,
    store: EventStore,
    sender: Sender,
    campaign_id: UUID,
    stop: asyncio.Event | None = None,
    *,
    until_none_left: bool = True,
) -> dict[str, int]:
    """Send the campaign's queued mails at the sender's rate; the count of each outcome.

    A mail the server asked to try later waits its turn (``retry_seconds``, doubling with each
    attempt) while the others go on. With ``until_none_left`` it returns once no mail is left queued,
    waiting out the last deferred ones; without, once none is due now (a sender serving several
    campaigns comes back for the rest). A campaign paused or cancelled over REST stops after the mail
    in hand, and so does a set ``stop``.
    """
    await ensure_tables(pool, TABLES)
    await _expire_leases(pool, sender, campaign_id)
    outcomes: dict[str, int] = {}
    interval = 1.0 / sender.per_second
    deferred = 0
    while not (stop is not None and stop.is_set()):
        claimed = await _claim(pool, campaign_id)
        if claimed is None:
            due_in = await _next_due_in(pool, campaign_id) if until_none_left else None
            if due_in is None:
                break
            await _pause(stop, max(due_in, interval))
            continue
        started = asyncio.get_running_loop().time()
        outcome = await _send(pool, store, sender, claimed)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        wait = interval - (asyncio.get_running_loop().time() - started)  # the throttle
        deferred = deferred + 1 if outcome == "queued" else 0
        if deferred > 1:
            # Mail after mail put off: whatever troubles the server troubles the next one too.
            wait = max(wait, min(sender.retry_seconds * 2 ** (deferred - 2), MAX_RETRY_WAIT))
        if wait > 0:
            await _pause(stop, wait)
    log.info("campaign_sent", campaign_id=str(campaign_id), **outcomes)
    return outcomes


async def _pause(stop: asyncio.Event | None, seconds: float) -> None:
    if stop is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _next_due_in(pool: asyncpg.Pool, campaign_id: UUID) -> float | None:
    """Seconds until the campaign's next deferred mail is due; None when none is queued (or it is paused)."""
    due = await pool.fetchval(
        "SELECT extract(epoch FROM min(queued_at) - now()) FROM campaign_mails WHERE campaign_id = $1"
        " AND status = 'queued'"
        " AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.campaign_id = $1 AND c.state <> 'sending')",
        campaign_id,
    )
    return None if due is None else max(float(due), 0.0)


async def _claim(pool: asyncpg.Pool, campaign_id: UUID) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "UPDATE campaign_mails SET status = 'claimed', claim = $2, claimed_at = now(), attempts = attempts + 1"
        " WHERE (campaign_id, contact_id) = (SELECT campaign_id, contact_id FROM campaign_mails"
        "  WHERE campaign_id = $1 AND status = 'queued' AND queued_at <= now()"
        "  AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.campaign_id = $1 AND c.state <> 'sending')"
        "  ORDER BY queued_at, contact_id LIMIT 1 FOR UPDATE OF campaign_mails SKIP LOCKED)"
        " RETURNING *",
        campaign_id,
        uuid4(),
    )


async def _expire_leases(pool: asyncpg.Pool, sender: Sender, campaign_id: UUID) -> None:
    # Claimed but not yet sending: nothing went out, so it may go. Sending: it may have gone; never again.
    await pool.execute(
        "UPDATE campaign_mails SET status = CASE status WHEN 'claimed' THEN 'queued' ELSE 'uncertain' END,"
        " detail = CASE status WHEN 'sending' THEN 'the sender stopped while handing it over; not sent again' END"
        " WHERE campaign_id = $1 AND status IN ('claimed', 'sending')"
        " AND claimed_at < now() - make_interval(secs => $2)",
        campaign_id,
        sender.lease_seconds,
    )


async def _mark(pool: asyncpg.Pool, row: asyncpg.Record, status: str, detail: str = "", due_in: float = 0.0) -> bool:
    # A mail queued again is due ``due_in`` seconds from now: the claim takes only what is due.
    done = await pool.execute(
        "UPDATE campaign_mails SET status = $4, detail = $5,"
        " queued_at = CASE WHEN $4 = 'queued' THEN now() + make_interval(secs => $6) ELSE queued_at END"
        " WHERE campaign_id = $1 AND contact_id = $2 AND claim = $3",
        row["campaign_id"],
        row["contact_id"],
        row["claim"],
        status,
        detail,
        due_in,
    )
    return str(done).endswith(" 1")


async def _send(pool: asyncpg.Pool, store: EventStore, sender: Sender, row: asyncpg.Record) -> str:
    # asyncpg's own UUID type is not one the event store can record.
    contact_id, campaign_id, sent_by = (UUID(str(row[k])) for k in ("contact_id", "campaign_id", "sent_by"))
    contact = await asyncio.to_thread(store.load, contact_id)
    if not isinstance(contact, Contact) or contact.unsubscribed:
        await _mark(pool, row, "skipped", "the contact unsubscribed")
        return "skipped"
    mail = EmailMessage(policy=_POLICY)
    mail["From"] = formataddr((sender.display_name, sender.address))
    mail["To"] = row["email"]
    mail["Subject"] = row["subject"]
    mail["Message-ID"] = make_msgid(domain=sender.address.rpartition("@")[2] or None)
    mail["List-Unsubscribe"] = f"<{row['unsubscribe_link']}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(row["body"])

    async def sending() -> None:
        if not await _mark(pool, row, "sending"):
            raise asyncio.CancelledError  # the claim was taken over: this sender must not send it

    result = await hand_over(sender.server, mail, sender.address, row["email"], before_data=sending)
    if result.handover is Handover.ACCEPTED:
        sent_at = datetime.now(tz=UTC)
        await asyncio.to_thread(
            log_campaign_mail, store, contact_id, campaign_id, row["subject"], row["body"], sent_at, sent_by
        )
        await _mark(pool, row, "sent", result.detail)
        return "sent"
    retry = result.handover is Handover.RETRY and row["attempts"] < sender.max_attempts
    status = "queued" if retry else "uncertain" if result.handover is Handover.UNCERTAIN else "failed"
    later = min(sender.retry_seconds * 2 ** (row["attempts"] - 1), MAX_RETRY_WAIT) if retry else 0.0
    await _mark(pool, row, status, result.detail, due_in=later)
    log.info("campaign_mail_not_sent", contact_id=str(row["contact_id"]), status=status, detail=result.detail)
    return status
