"""Delivering the mail corpus into a real mailbox and judging each mail by what the system kept."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import asyncpg

from bench.waiting import TimedOut, until
from devstack.dovecot import LocalDovecot
from domain.text import TextKind, is_clean
from services.projections.schema import LIVE_SCHEMA
from tests.hostile.corpus import Case, Outcome
from tests.hostile.mail import DOMAIN, MailInput


async def kept(pool: asyncpg.Pool) -> tuple[dict[str, list[Any]], dict[int, str]]:
    """Customer messages by sender address, and rejection reasons by UID."""
    rows = await pool.fetch(
        f"SELECT c.address, m.subject, m.text FROM {LIVE_SCHEMA}.conversations c"
        f" JOIN {LIVE_SCHEMA}.messages m ON m.conversation_id = c.id"
        " WHERE m.author = 'customer' AND c.address LIKE $1",
        f"email:%@{DOMAIN}",
    )
    stored: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        stored[row["address"].removeprefix("email:")].append(row)
    rejected: dict[int, str] = {}
    if await pool.fetchval("SELECT to_regclass('mail_rejections')") is not None:
        rejected = {r["uid"]: r["reason"] for r in await pool.fetch("SELECT uid, reason FROM mail_rejections")}
    return stored, rejected


def judge(case: Case, uid: int, stored: dict[str, list[Any]], rejected: dict[int, str]) -> Outcome:
    """Stored once and clean, rejected with a reason, or what went wrong."""
    data = case.input
    assert isinstance(data, MailInput)
    messages = stored.get(data.sender, [])
    if messages and uid in rejected:
        return Outcome(case, "stored and rejected")
    if len(messages) > 1:
        return Outcome(case, f"stored {len(messages)} times")
    if messages:
        (message,) = messages
        problem = ""
        if not is_clean(message["subject"], TextKind.LINE):
            problem = f"subject not clean: {message['subject'][:40]!r}"
        elif not is_clean(message["text"], TextKind.TEXT):
            problem = f"text not clean: {message['text'][:40]!r}"
        elif data.shown and data.shown not in message["subject"] and data.shown not in message["text"]:
            problem = f"{data.shown!r} not kept exactly: {message['subject'][:40]!r} / {message['text'][:40]!r}"
        return Outcome(case, "stored", problem)
    if uid in rejected:
        return Outcome(case, "rejected", "" if rejected[uid] else "no reason")
    return Outcome(case, "neither stored nor rejected")


async def run_mail(
    cases: list[Case], dovecot: LocalDovecot, user: str, pool: asyncpg.Pool, within: float
) -> list[Outcome]:
    """Put every mail in the mailbox (a fresh one: the n-th mail gets UID n) and wait until each is decided."""
    raws = [case.input.raw for case in cases if isinstance(case.input, MailInput)]
    await asyncio.to_thread(dovecot.put_mails, user, "INBOX", raws)
    senders = [case.input.sender for case in cases if isinstance(case.input, MailInput)]

    async def all_decided() -> tuple[dict[str, list[Any]], dict[int, str]] | None:
        stored, rejected = await kept(pool)
        undecided = [s for uid, s in enumerate(senders, start=1) if s not in stored and uid not in rejected]
        return None if undecided else (stored, rejected)

    try:
        stored, rejected = await until(all_decided, within, "every hostile mail stored or rejected", interval=0.5)
    except TimedOut:
        stored, rejected = await kept(pool)
    return [judge(case, uid, stored, rejected) for uid, case in enumerate(cases, start=1)]
