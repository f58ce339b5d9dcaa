"""Reading contacts, companies, leads and suggested duplicates for REST and the console, filtered by who may see.

Lists are paged like the deals list: the latest first, ``(created_at, id)`` as the cursor. A merged
contact is never listed (its survivor is); a search (``q``) matches a name, an e-mail, or the digits
of a phone number anywhere in them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from domain.text import TextKind, checked_text
from services.console.paging import Page
from services.console.sales_queries import Query, Visible, plain
from services.projections.schema import LIVE_SCHEMA

S = LIVE_SCHEMA
MAX_SEARCH = 100
MIN_PHONE_DIGITS = 3  # fewer digits match too many numbers to be a search for one
_CONTACT = (
    "SELECT c.id, c.name, c.phones, c.emails, c.messenger_ids, c.company_id, co.name AS company_name,"  # noqa: S608 - fixed schema
    " c.responsible_id, c.source, c.vip, c.language, c.region, c.tags, c.custom_fields, c.merged_into,"
    f" c.merged_from, c.created_at, c.version FROM {S}.contacts c LEFT JOIN {S}.companies co ON co.id = c.company_id"
)
_COMPANY = (
    "SELECT id, name, domain, address, industry, phones, emails, responsible_id, created_at, version"  # noqa: S608
    f" FROM {S}.companies c"
)
_LEAD = (
    "SELECT l.id, l.qualification AS status, l.junk_reason AS reason, l.status AS routing, l.source, l.channel,"  # noqa: S608
    " l.amount, l.currency, l.product_interest, l.comment, l.conversation_id, l.conversations, l.contact_id,"
    " c.name AS contact_name, c.vip AS contact_vip, c.company_id, l.manager_id AS responsible_id, l.arrived_at,"
    f" l.created_at, l.version FROM {S}.leads l LEFT JOIN {S}.contacts c ON c.id = l.contact_id"
)
# A suggestion names the contacts as they were; each is shown as the contact it is now (after merges).
_SUGGESTION = (
    f"SELECT d.id, ARRAY(SELECT coalesce(c.merged_into, c.id) FROM {S}.contacts c"  # noqa: S608 - fixed schema
    " WHERE c.id = ANY(d.contact_ids) ORDER BY c.id) AS contact_ids, d.reasons, d.status, d.suggested_at, d.version"
    f" FROM {S}.duplicate_suggestions d"
)


@dataclass(frozen=True)
class PeopleFilter:
    """What a list shows besides the role's scope (None: any)."""

    responsible_id: UUID | None = None
    company_id: UUID | None = None
    tag: str | None = None
    vip: bool | None = None
    source: str | None = None
    status: str | None = None  # a lead's qualification
    search: str | None = None


def search_text(value: str | None) -> str | None:
    """A search as typed: one line of at most ``MAX_SEARCH`` characters; None for none."""
    if value is None:
        return None
    return checked_text("q", value, max_length=MAX_SEARCH, kind=TextKind.LINE).strip() or None


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text.casefold()) + "%"


def _searched(query: Query, text: str, name: str, emails: str, phones: str) -> str:
    """The condition that a row's name, an e-mail or a phone number holds ``text``."""
    pattern = query.arg(_like(text))
    digits = re.sub(r"\D", "", text)
    found = [
        f"lower({name}) LIKE {pattern}",
        f"EXISTS (SELECT 1 FROM unnest({emails}) e WHERE e LIKE {pattern})",  # noqa: S608 - fixed columns
    ]
    if len(digits) >= MIN_PHONE_DIGITS:
        number = query.arg(f"%{digits}%")
        found.append(f"EXISTS (SELECT 1 FROM jsonb_array_elements({phones}) p WHERE p->>'number' LIKE {number})")  # noqa: S608
    return f"({' OR '.join(found)})"


def _of_contact(query: Query, only: PeopleFilter, equal: Sequence[tuple[str, object]]) -> None:
    """Keep the rows whose ``equal`` columns hold the values given, and whose contact ``c`` has the tag and search."""
    for column, value in equal:
        if value is not None:
            query.where(f"{column} = {query.arg(value)}")
    if only.tag is not None:
        query.where(f"{query.arg(only.tag)} = ANY(c.tags)")
    if only.search is not None:
        query.where(_searched(query, only.search, "c.name", "c.emails", "c.phones"))


async def _latest(
    pool: asyncpg.Pool, select: str, table: str, query: Query, page: Page
) -> tuple[list[asyncpg.Record], str | None]:
    """The page of ``select``'s rows that ``query`` keeps, the latest created first, and the next page's cursor."""
    if page.after is not None:
        query.where(f"({table}.created_at, {table}.id) < ({query.arg(page.after[0])}, {query.arg(page.after[1])})")
    rows = await pool.fetch(
        f"{select}{query.clause} ORDER BY {table}.created_at DESC, {table}.id DESC LIMIT {page.limit + 1}",
        *query.args,
    )
    return page.of(rows, lambda r: (r["created_at"], r["id"]))


def _contact(row: asyncpg.Record) -> dict[str, Any]:
    found = plain({k: v for k, v in row.items() if k not in ("phones", "custom_fields", "company_name")})
    company = None if row["company_id"] is None else {"id": str(row["company_id"]), "name": row["company_name"]}
    return {
        **found,
        "phones": json.loads(row["phones"]),
        "custom_fields": json.loads(row["custom_fields"]),
        "company": company,
    }


async def contacts(
    pool: asyncpg.Pool, seen: Visible, page: Page, only: PeopleFilter
) -> tuple[list[dict[str, Any]], str | None]:
    """The contacts ``seen`` covers that match ``only``, the latest first; merged ones are not listed."""
    query = Query()
    query.where("c.merged_into IS NULL")
    query.where(query.visible(seen, "c.responsible_id"))
    equal = (
        ("c.responsible_id", only.responsible_id),
        ("c.company_id", only.company_id),
        ("c.vip", only.vip),
        ("c.source", only.source),
    )
    _of_contact(query, only, equal)
    given, cursor = await _latest(pool, _CONTACT, "c", query, page)
    return [_contact(r) for r in given], cursor


async def contact(pool: asyncpg.Pool, contact_id: UUID) -> dict[str, Any] | None:
    """One contact as it stands (a merged one too), or None; callers check who may see it."""
    row = await pool.fetchrow(f"{_CONTACT} WHERE c.id = $1", contact_id)
    return None if row is None else _contact(row)


async def contacts_by_id(pool: asyncpg.Pool, ids: list[UUID]) -> list[dict[str, Any]]:
    """Contacts by id, unfiltered: callers filter per user."""
    return [_contact(r) for r in await pool.fetch(f"{_CONTACT} WHERE c.id = ANY($1::uuid[])", ids)]


def _company(row: asyncpg.Record) -> dict[str, Any]:
    return {**plain({k: v for k, v in row.items() if k != "phones"}), "phones": json.loads(row["phones"])}


async def companies(
    pool: asyncpg.Pool, seen: Visible, page: Page, only: PeopleFilter
) -> tuple[list[dict[str, Any]], str | None]:
    """The companies ``seen`` covers that match ``only``, the latest first."""
    query = Query()
    query.where(query.visible(seen, "c.responsible_id"))
    if only.responsible_id is not None:
        query.where(f"c.responsible_id = {query.arg(only.responsible_id)}")
    if only.search is not None:
        query.where(_searched(query, only.search, "c.name || ' ' || c.domain", "c.emails", "c.phones"))
    given, cursor = await _latest(pool, _COMPANY, "c", query, page)
    return [_company(r) for r in given], cursor


async def company(pool: asyncpg.Pool, company_id: UUID, seen: Visible) -> dict[str, Any] | None:
    """One company with those of its contacts ``seen`` covers, by name; None if it is not projected."""
    row = await pool.fetchrow(f"{_COMPANY} WHERE c.id = $1", company_id)
    if row is None:
        return None
    query = Query()
    query.where(f"c.company_id = {query.arg(company_id)}")
    query.where("c.merged_into IS NULL")
    query.where(query.visible(seen, "c.responsible_id"))
    people = await pool.fetch(f"{_CONTACT}{query.clause} ORDER BY c.name, c.id", *query.args)
    return {**_company(row), "contacts": [_contact(p) for p in people]}


async def companies_by_id(pool: asyncpg.Pool, ids: list[UUID]) -> list[dict[str, Any]]:
    """Companies by id, unfiltered: callers filter per user."""
    return [_company(r) for r in await pool.fetch(f"{_COMPANY} WHERE c.id = ANY($1::uuid[])", ids)]


def _lead(row: asyncpg.Record) -> dict[str, Any]:
    found = plain({k: v for k, v in row.items() if not k.startswith("contact_") or k == "contact_id"})
    contact_of = {"id": str(row["contact_id"]), "name": row["contact_name"], "vip": row["contact_vip"]}
    return {**found, "contact": contact_of if row["contact_name"] is not None else None}


async def leads(
    pool: asyncpg.Pool, seen: Visible, page: Page, only: PeopleFilter, default_team: str = ""
) -> tuple[list[dict[str, Any]], str | None]:
    """The leads ``seen`` covers (held, or on offer or queued where seen) that match ``only``, the latest first.

    VIP, tag, company and the search are their contact's. A lead with no place is ``default_team``'s (an
    export covers what the role holds: no offers, no queues).
    """
    query = Query()
    query.where(query.visible_lead(seen, default_team))
    equal = (
        ("l.manager_id", only.responsible_id),
        ("l.qualification", only.status),
        ("l.source", only.source),
        ("c.company_id", only.company_id),
        ("c.vip", only.vip),
    )
    _of_contact(query, only, equal)
    given, cursor = await _latest(pool, _LEAD, "l", query, page)
    return [_lead(r) for r in given], cursor


async def lead(pool: asyncpg.Pool, lead_id: UUID) -> dict[str, Any] | None:
    """One lead with its contact's name, or None; callers check who may see it."""
    row = await pool.fetchrow(f"{_LEAD} WHERE l.id = $1", lead_id)
    return None if row is None else _lead(row)


async def leads_by_id(pool: asyncpg.Pool, ids: list[UUID]) -> list[dict[str, Any]]:
    """Leads by id, unfiltered: callers filter per user."""
    return [_lead(r) for r in await pool.fetch(f"{_LEAD} WHERE l.id = ANY($1::uuid[])", ids)]


async def suggestions(
    pool: asyncpg.Pool, seen: Visible, page: Page, contact_id: UUID | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Open suggested duplicates whose two contacts ``seen`` both covers (only they can be merged), the latest first.

    With ``contact_id`` (a contact as it is now, not merged), those naming it or a contact merged into it.
    """
    query = Query()
    query.where("d.status = 'open'")
    query.where("cardinality(d.contact_ids) = 2 AND d.contact_ids[1] <> d.contact_ids[2]")
    if seen.holders is not None:
        holders = query.arg(list(seen.holders))
        query.where(
            f"NOT EXISTS (SELECT 1 FROM {S}.contacts c WHERE c.id = ANY(d.contact_ids)"  # noqa: S608 - fixed schema
            f" AND (c.responsible_id IS NULL OR NOT c.responsible_id = ANY({holders}::uuid[])))"
        )
    if contact_id is not None:
        query.where(f"{query.arg(contact_id)} = ANY(d.contact_ids)")
    if page.after is not None:
        query.where(f"(d.suggested_at, d.id) < ({query.arg(page.after[0])}, {query.arg(page.after[1])})")
    rows = await pool.fetch(
        f"SELECT * FROM ({_SUGGESTION}) d{query.clause} ORDER BY d.suggested_at DESC, d.id DESC"  # noqa: S608
        f" LIMIT {page.limit + 1}",
        *query.args,
    )
    given, cursor = page.of(rows, lambda r: (r["suggested_at"], r["id"]))
    return [
        {**plain({k: v for k, v in r.items() if k != "reasons"}), "reasons": json.loads(r["reasons"])} for r in given
    ], cursor
