"""The live gateway answers whatever its OpenAPI document leads a client to send, and what it does not, without a 5xx
it does not document (only /healthz's 503, degraded).

A fixed budget of requests per operation, drawn by hypothesis from the document the gateway serves
(``tests/api_fuzzing.py``), derandomized so a run is repeatable; a 5xx is shrunk to the smallest
request that gives it, and every operation's findings are listed together.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as budget

from application.add_deal_line import NewLine, add_deal_line
from application.create_company import create_company
from application.create_contact import create_contact
from application.create_pipeline import create_pipeline
from application.create_product import create_product
from application.managers import register_manager
from application.open_deal import DealOpening, open_deal
from application.receive_messages import receive_messages
from application.schedule_activity import NewActivity, schedule_activity
from application.work_day import change_work_day
from bench.waiting import until
from domain.company import CompanyDetails
from domain.conversation import Conversation
from domain.inbound import InboundMessage
from domain.pipeline import Pipeline, StageDraft
from services.bootstrap import build_event_store
from services.console.accounts import Role, add_account
from services.console.sessions import open_session
from services.settings import Settings
from tests.api_fuzzing import Drawn, Operation, operations, request_for
from tests.router_reactions import routed
from tests.services_running import services

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(900)]

EXAMPLES = 150  # requests per operation
ENDS_SESSIONS = (  # in this order, the admin's own session last
    ("PUT", "/api/accounts/{manager_id}/password"),
    ("DELETE", "/api/accounts/{manager_id}"),
    ("POST", "/api/logout"),
)
ROLES = (("ada", Role.ADMIN), ("clara", Role.DIRECTOR), ("hanna", Role.HEAD), ("anna", Role.MANAGER))


def populated(settings: Settings) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Operators of every role with a session each, a lead, and the ids a client could know."""
    store = build_event_store(settings)
    ids = {name: register_manager(store, name, f"{name}@example.com", 5, settings.team) for name, _ in ROLES}
    routed(store, change_work_day, ids["anna"], "start")
    (received,) = routed(store, receive_messages, [InboundMessage.from_visitor("v1", "m1", "hi", datetime.now(UTC))])
    store.close()

    async def sessions() -> dict[str, str]:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
        assert pool is not None
        tokens = {}
        try:
            for name, role in ROLES:
                await add_account(pool, f"{name}@example.com", ids[name], name, role, "a fuzzing password")
                tokens[name] = await open_session(pool, ids[name], role, 3600)
        finally:
            await pool.close()
        return tokens

    tokens = asyncio.run(sessions())
    conversation = store_conversation(settings, received.conversation_id)
    known = {
        "lead_id": [str(received.lead_id)],
        "contact_id": [str(conversation.contact_id)],
        # The admin's own id is left out: a fuzzed password change would end the sessions the fuzzing uses.
        "manager_id": [str(ids[name]) for name in ("clara", "hanna", "anna")],
        **crm_records(settings, ids["anna"], conversation.contact_id),
    }
    return known, {name: f"Bearer {token}" for name, token in tokens.items()}


def crm_records(settings: Settings, manager: UUID, contact: UUID) -> dict[str, list[str]]:
    """A pipeline, a product, a deal with a line and an activity, held by ``manager``: the CRM's ids by name."""
    store = build_event_store(settings)
    try:
        stages = [StageDraft("Call", "in_progress", 10), StageDraft("Paid", "won", 100), StageDraft("Gone", "lost", 0)]
        pipeline_id = create_pipeline(store, "Rentals", stages, manager)
        found = store.load(pipeline_id)
        assert isinstance(found, Pipeline)
        product_id = create_product(store, "Chair", "19.90", "EUR", manager)
        opening = DealOpening("Chairs", "EUR", pipeline_id=pipeline_id, contact_id=contact, responsible_id=manager)
        deal_id = open_deal(store, opening, manager).deal_id
        line = add_deal_line(store, deal_id, NewLine(product_id=product_id), manager).line_id
        activity = schedule_activity(store, NewActivity("call", "deal", deal_id, "Call back"), manager)
        company = create_company(store, manager, CompanyDetails("Chairs Ltd"), responsible_manager_id=manager)
        twins = [create_contact(store, manager, "Anna Ozola") for _ in range(2)]
    finally:
        store.close()
    return {
        "pipeline_id": [str(pipeline_id)],
        "stage_id": [str(stage) for stage in found.order],
        "product_id": [str(product_id)],
        "deal_id": [str(deal_id)],
        "line_id": [str(line)],
        "activity_id": [str(activity)],
        "company_id": [str(company.company_id)],
        "suggestion_id": [str(s) for s in twins[1].suggested_duplicates],
        "subject_id": [str(deal_id), str(contact)],
        "subject_kind": ["deal", "contact", "company", "lead"],
    }


def store_conversation(settings: Settings, conversation_id: Any) -> Conversation:
    store = build_event_store(settings)
    try:
        found = store.load(conversation_id)
    finally:
        store.close()
    assert isinstance(found, Conversation)
    return found


@pytest.mark.runs_long(350)
def test_no_request_the_document_leads_to_gets_a_5xx(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"login_seconds": 0.001})
    known, bearers = populated(settings)
    sessions = list(bearers.values())
    others = ["Bearer not-a-session", "Basic YWRhOng=", "Bearer \u202e", "bearer", "Bearer " + "A" * 5000]
    findings: list[str] = []
    with services(settings, tmp_path, ("gateway",)), httpx.Client(base_url=settings.console_url, timeout=30) as http:

        async def serving() -> dict[str, Any] | None:
            try:
                answer = httpx.get(f"{settings.console_url}/api/openapi.json", timeout=2)
            except httpx.HTTPError:
                return None
            found: dict[str, Any] = answer.json()
            return found

        document = asyncio.run(until(serving, 60, "the gateway to serve its OpenAPI document", interval=0.2))
        # Those that end sessions (a logout, a new password, a removed account) last, or the rest is all 401s.
        for operation in sorted(operations(document), key=_ends_sessions):
            try:
                _fuzz(http, operation, known, sessions, others)
            except AssertionError as error:
                findings.append(f"{operation.method} {operation.path}: {error}")
    assert not findings, "\n".join(findings)


def _ends_sessions(operation: Operation) -> int:
    """0 for an operation that leaves sessions be, else its place among those that end them."""
    named = (operation.method, operation.path)
    return ENDS_SESSIONS.index(named) + 1 if named in ENDS_SESSIONS else 0


def _fuzz(
    http: httpx.Client, operation: Operation, known: dict[str, list[str]], sessions: list[str], others: list[str]
) -> None:
    @budget(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(drawn=request_for(operation, known, sessions, others))
    def answers_without_5xx(drawn: Drawn) -> None:
        headers = {name: value.encode() for name, value in drawn.headers.items()}  # any bytes, as a client may send
        answer = http.request(drawn.method, drawn.url, headers=headers, content=drawn.content)
        documented = str(answer.status_code) in operation.spec["responses"]  # /healthz says 503 when degraded
        assert answer.status_code < 500 or documented, f"{answer.status_code} for {drawn!r}: {answer.text[:300]}"

    answers_without_5xx()
