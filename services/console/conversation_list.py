"""The console's list of conversations: each filter and search on the server, paged, and counted.

Every filter the console offers (open, mine, my team's, unassigned, offers, closed), a channel and a
search of name, address and text are answered here, among the conversations the operator may see, so
that a page past the first holds what the filter holds and the counts are of all of them, not of the
rows a browser happens to have read.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from domain.channels import Channel
from domain.errors import InvalidField
from domain.text import InvalidText, TextKind, checked_text
from services.console.accounts import Operator
from services.console.paging import DEFAULT_PAGE, Page
from services.console.queries import CONVERSATION_ROWS, plain
from services.console.sales_queries import Query
from services.projections.schema import LIVE_SCHEMA

S = LIVE_SCHEMA
MAX_SEARCH, MAX_WORDS = 200, 10


class ListFilter(enum.StrEnum):
    """The console's tabs over the list, in the order it shows them."""

    ALL = "all"  # the open ones
    MINE = "mine"
    TEAM = "team"  # held by or offered to someone who shares a team with the operator
    UNASSIGNED = "unassigned"
    OFFERED = "offered"  # offered to the operator, waiting to be accepted
    CLOSED = "closed"


class BadListQuery(InvalidField):
    """A ``filter``, ``channel`` or ``q`` that the list does not take; ``field`` names which."""


@dataclass(frozen=True)
class ConversationQuery:
    """Which conversations: one filter (None: every one the operator may see), a channel, the search's words."""

    only: ListFilter | None = None
    channel: Channel | None = None
    words: tuple[str, ...] = ()

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> ConversationQuery:
        """The query a query string asks for (``filter``, ``channel``, ``q``); BadListQuery naming the field."""
        only, channel, search = params.get("filter"), params.get("channel"), params.get("q") or ""
        for field, value in (("filter", only), ("channel", channel), ("q", search)):
            if value is not None and not isinstance(value, str):
                raise BadListQuery(field, "must be text")
        try:
            chosen = None if only is None else ListFilter(only)
        except ValueError:
            raise BadListQuery("filter", f"must be one of {', '.join(ListFilter)}") from None
        try:
            through = Channel(channel) if channel else None
        except ValueError:
            raise BadListQuery("channel", f"must be one of {', '.join(Channel)}") from None
        try:
            checked_text("q", search, max_length=MAX_SEARCH, kind=TextKind.LINE, required=False)
        except InvalidText as invalid:  # a NUL or a lone surrogate would fail in PostgreSQL, not here
            raise BadListQuery("q", invalid.problem) from None
        words = tuple(dict.fromkeys(search.lower().split()))
        if len(words) > MAX_WORDS:
            raise BadListQuery("q", f"may hold at most {MAX_WORDS} words")
        return cls(chosen, through, words)


def _mates(me: str) -> str:
    return (
        f"ARRAY(SELECT mate.manager_id FROM {S}.team_members mine"  # noqa: S608 - fixed schema
        f" JOIN {S}.team_members mate ON mate.team_id = mine.team_id WHERE mine.manager_id = {me})"
    )


_NAMING_ME = frozenset({ListFilter.MINE, ListFilter.TEAM, ListFilter.OFFERED})


def filter_sql(only: ListFilter, me: str) -> str:
    """The condition of one tab, ``me`` being the operator's id as an argument."""
    return {
        ListFilter.ALL: "c.status <> 'closed'",
        ListFilter.MINE: f"c.status <> 'closed' AND c.manager_id = {me}",
        ListFilter.TEAM: f"c.status <> 'closed' AND (c.manager_id = ANY({_mates(me)}) OR c.offered_to && {_mates(me)})",
        ListFilter.UNASSIGNED: "c.status <> 'closed' AND c.manager_id IS NULL",
        ListFilter.OFFERED: f"c.manager_id IS NULL AND {me} = ANY(c.offered_to)",
        ListFilter.CLOSED: "c.status = 'closed'",
    }[only]


def _scoped(operator: Operator, query: ConversationQuery) -> Query:
    """What the operator may see, in the channel, found by every word: the rows every tab is taken from."""
    where = Query()
    if not operator.role.sees_everything:
        me = where.arg(operator.manager_id)
        where.where(f"(c.manager_id = {me} OR {me} = ANY(c.offered_to) OR {me} = ANY(c.participants))")
    if query.channel is not None:
        where.where(f"c.channel = {where.arg(query.channel.value)}")
    for word in query.words:
        # strpos, not LIKE: a search for "50%" or "a_b" means those characters.
        w = where.arg(word)
        where.where(
            f"(strpos(lower(COALESCE(c.customer_name, '')), {w}) > 0 OR strpos(lower(c.address), {w}) > 0"  # noqa: S608
            f" OR strpos(lower(COALESCE(c.last_message, '')), {w}) > 0"
            f" OR EXISTS (SELECT 1 FROM {S}.messages m WHERE m.conversation_id = c.id"
            f" AND strpos(lower(COALESCE(m.subject, '') || ' ' || m.text), {w}) > 0))"
        )
    return where


async def listed_conversations(
    pool: asyncpg.Pool, operator: Operator, page: Page | None = None, query: ConversationQuery | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the conversations the query finds among those the operator may see, newest activity first."""
    page = page or Page(DEFAULT_PAGE)
    query = query or ConversationQuery()
    where = _scoped(operator, query)
    if query.only is not None:
        # An argument no clause names has no type PostgreSQL can tell: the operator's id only where it counts.
        me = where.arg(operator.manager_id) if query.only in _NAMING_ME else ""
        where.where(filter_sql(query.only, me))
    if page.after is not None:
        at, after_id = page.after
        n = where.arg(after_id)
        if at is None:  # past the conversations with messages: those without, by id
            where.where(f"(c.last_message_at IS NULL AND c.id < {n})")
        else:
            t = where.arg(at)
            where.where(
                f"(c.last_message_at < {t} OR (c.last_message_at = {t} AND c.id < {n}) OR c.last_message_at IS NULL)"
            )
    limit = where.arg(page.limit + 1)
    rows = await pool.fetch(
        f"SELECT * FROM ({CONVERSATION_ROWS}) c{where.clause}"  # noqa: S608 - fixed schema, numbered arguments
        f" ORDER BY c.last_message_at DESC NULLS LAST, c.id DESC LIMIT {limit}",
        *where.args,
    )
    given, cursor = page.of(rows, lambda r: (r["last_message_at"], r["id"]))
    return [plain(r) for r in given], cursor


async def counted_conversations(pool: asyncpg.Pool, operator: Operator, query: ConversationQuery) -> dict[str, int]:
    """How many conversations each tab holds, in the query's channel and search, among those the operator may see."""
    where = _scoped(operator, query)
    me = where.arg(operator.manager_id)
    counts = ", ".join(f"count(*) FILTER (WHERE {filter_sql(tab, me)}) AS {tab.value}" for tab in ListFilter)
    row = await pool.fetchrow(
        f"SELECT {counts} FROM ({CONVERSATION_ROWS}) c{where.clause}",  # noqa: S608 - fixed schema
        *where.args,
    )
    return {tab.value: int(row[tab.value]) if row else 0 for tab in ListFilter}


async def conversation_list(
    pool: asyncpg.Pool, operator: Operator, page: Page, query: ConversationQuery
) -> dict[str, Any]:
    """A page of the list and, with its first page, how many each tab holds: the console's and REST's answer."""
    rows, more = await listed_conversations(pool, operator, page, query)
    counts = await counted_conversations(pool, operator, query) if page.after is None else None
    return {"conversations": rows, "next_cursor": more, "counts": counts}
