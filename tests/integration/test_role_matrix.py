"""What each role may do and see, over REST, over the console socket and in live pushes: one matrix, checked whole.

Roles as ``services/console/accounts.py`` defines them: a manager sees and acts on what they hold; a
head, a director and an admin see every conversation (a head sees the routing of their own team's
leads only); accounts are an admin's. ``None`` is a caller without a session.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from application.event_store import EventStore
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.rules import apply_rules
from application.work_day import change_work_day
from connectors.mail.parsing import parse_mail, to_inbound
from domain.conversation import Conversation
from domain.identities import lead_id
from domain.inbound import InboundMessage
from domain.live_update import ReadModelsChanged
from domain.rules import Conditions, Rule, RuleSet
from services.console.accounts import Role, add_account
from services.ingest.mail_state import PostgresMailboxState
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import NOTIFY_CHANNEL
from services.settings import Settings
from tests.integration.gateway_server import PASSWORD, serving
from tests.projected import project
from tests.router_reactions import routed

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(300)]

WAIT = 15.0
ROLES = (Role.MANAGER, Role.HEAD, Role.DIRECTOR, Role.ADMIN)
OPERATOR = {Role.MANAGER: "anna", Role.HEAD: "hanna", Role.DIRECTOR: "clara", Role.ADMIN: "ada"}
PDF = b"%PDF-1.4 the offer"


@dataclass
class Office:
    """The people, conversations and ids the matrix is about."""

    ids: dict[str, UUID]
    conversations: dict[str, UUID]
    contacts: dict[str, UUID]
    attachment: str

    def lead(self, name: str) -> UUID:
        return lead_id(self.conversations[name])


def mail_with_attachment() -> bytes:
    part = base64.b64encode(PDF).decode()
    return (
        "From: Carl <carl@client.example>\r\nTo: sales@shop.example\r\nSubject: Offer\r\n"
        'Message-ID: <offer@client.example>\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nSee the offer.\r\n"
        '--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="offer.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{part}\r\n--b--\r\n"
    ).encode()


def written(store: EventStore, name: str, source: str = "") -> UUID:
    message = InboundMessage.from_visitor(name, "m1", f"hello from {name}", datetime.now(UTC), source=source)
    (received,) = routed(store, receive_messages, [message])
    assert received.conversation_id is not None
    return received.conversation_id


@pytest_asyncio.fixture
async def office(settings: Settings, store: EventStore, pool: asyncpg.Pool) -> Office:
    people = {"anna": 5, "boris": 50, "hanna": 0, "clara": 0, "ada": 0, "temp": 0}
    ids = {
        name: register_manager(store, name, f"{name}@example.com", capacity, "sales")
        for name, capacity in people.items()
    }
    ids["sven"] = register_manager(store, "sven", "sven@example.com", 5, "support")
    support = Rule("support", Conditions(sources=frozenset({"support"})), team="support")
    routed(store, apply_rules, RuleSet((support, Rule("default", team="sales"))), "test")
    conversations = {}
    routed(store, change_work_day, ids["anna"], "start")
    conversations["anna"] = written(store, "visitor-a")
    routed(store, change_work_day, ids["anna"], "end")
    routed(store, change_work_day, ids["boris"], "start")
    for name in ("boris", *(f"close-{role}" for role in ROLES)):
        conversations[name] = written(store, f"visitor-{name}")
    routed(store, change_work_day, ids["sven"], "start")
    conversations["sven"] = written(store, "visitor-s", source="support")
    parsed = parse_mail(mail_with_attachment())
    (mail,) = routed(store, receive_messages, [to_inbound(parsed, "sales", datetime.now(UTC))])
    conversations["mail"] = mail.conversation_id
    contacts = {}
    for name in ("boris", "mail"):
        found = store.load(conversations[name])
        assert isinstance(found, Conversation)
        contacts[name] = found.contact_id

    for name, role in (*((n, r) for r, n in OPERATOR.items()), ("boris", Role.MANAGER), ("temp", Role.MANAGER)):
        await add_account(pool, f"{name}@example.com", ids[name], name, role, PASSWORD)
    state = PostgresMailboxState(pool)
    await state.create()
    await state.keep_attachments([a for a in parsed.attachments if a.content is not None])
    await project(settings, store)
    return Office(ids, conversations, contacts, parsed.attachments[0].sha256)


# REST: (method, path, body, answer per role, and without a session).
def rest_matrix(office: Office) -> list[tuple[str, str, dict[str, Any] | None, dict[Role | None, int]]]:
    boris, anna = office.ids["boris"], office.ids["anna"]
    everyone = dict.fromkeys(ROLES, 200)
    above_managers = {Role.MANAGER: 403, Role.HEAD: 200, Role.DIRECTOR: 200, Role.ADMIN: 200}
    seen_above = {Role.MANAGER: 404, Role.HEAD: 200, Role.DIRECTOR: 200, Role.ADMIN: 200}
    admins = {Role.MANAGER: 403, Role.HEAD: 403, Role.DIRECTOR: 403, Role.ADMIN: 200}
    hours = {"timezone": "Europe/Riga", "shifts": [{"day": "mon", "from": "09:00", "to": "18:00"}]}
    absence = {"first_day": "2031-01-01", "last_day": "2031-01-02"}
    return [
        ("GET", "/api/conversations", None, everyone),
        ("GET", f"/api/leads/{office.lead('boris')}/routing", None, seen_above),
        ("GET", f"/api/leads/{office.lead('anna')}/routing", None, everyone),  # hers: her day ended, the lead stays
        ("GET", f"/api/leads/{office.lead('sven')}/routing", None, {**seen_above, Role.HEAD: 404}),  # another team
        ("GET", f"/api/contacts/{office.contacts['boris']}/activities", None, seen_above),
        ("GET", f"/api/attachments/{office.attachment}", None, seen_above),
        ("GET", "/api/mail/rejections", None, above_managers),
        ("POST", "/api/work-day", {"action": "start"}, everyone),
        ("PUT", f"/api/managers/{boris}/capacity", {"capacity": 40}, above_managers),
        ("PUT", f"/api/managers/{anna}/capacity", {"capacity": 6}, above_managers),  # not even one's own
        ("PUT", f"/api/managers/{boris}/working-hours", hours, above_managers),
        ("PUT", f"/api/managers/{anna}/working-hours", hours, {**above_managers, Role.MANAGER: 200}),
        ("POST", f"/api/managers/{boris}/absences", absence, above_managers),
        ("POST", f"/api/managers/{anna}/absences", absence, {**above_managers, Role.MANAGER: 200}),
        ("GET", "/api/accounts", None, admins),
        ("PUT", f"/api/accounts/{office.ids['temp']}/password", {"password": "another long password"}, admins),
        ("DELETE", f"/api/accounts/{office.ids['temp']}", None, admins),
    ]


async def test_rest_answers_each_role_as_the_matrix_says(settings: Settings, office: Office) -> None:
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        headers: dict[Role | None, dict[str, str]] = {None: {}}
        for role in ROLES:
            login = {"email": f"{OPERATOR[role]}@example.com", "password": PASSWORD}
            headers[role] = {"Authorization": f"Bearer {(await http.post('/api/login', json=login)).json()['token']}"}
        wrong = []
        for method, path, body, expected in rest_matrix(office):
            for role in (None, *ROLES):  # the admin last: what it changes, the others were refused first
                answer = await http.request(method, path, json=body, headers=headers[role])
                want = expected.get(role, 401) if role is not None else 401
                if answer.status_code != want:
                    wrong.append(f"{method} {path} as {role}: {answer.status_code} {answer.text[:120]}, not {want}")
        listed = {
            role: {
                c["id"] for c in (await http.get("/api/conversations", headers=headers[role])).json()["conversations"]
            }
            for role in ROLES
        }
        details = {role: "checks" in (await http.get("/healthz", headers=headers[role])).json() for role in ROLES}
        made = {
            role: (
                await http.post(
                    "/api/accounts",
                    json={"email": f"new-{role}@example.com", "name": "New", "password": "a long new password"},
                    headers=headers[role],
                )
            ).status_code
            for role in ROLES
        }
    assert not wrong, "\n".join(wrong)
    everything = {str(c) for c in office.conversations.values()}
    assert listed == {
        Role.MANAGER: {str(office.conversations["anna"])},
        Role.HEAD: everything,
        Role.DIRECTOR: everything,
        Role.ADMIN: everything,
    }
    assert details == {Role.MANAGER: False, Role.HEAD: False, Role.DIRECTOR: False, Role.ADMIN: True}
    assert made == {Role.MANAGER: 403, Role.HEAD: 403, Role.DIRECTOR: 403, Role.ADMIN: 201}


async def console(settings: Settings, role: Role) -> tuple[ClientConnection, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        login = {"email": f"{OPERATOR[role]}@example.com", "password": PASSWORD}
        token = (await http.post("/api/login", json=login)).json()["token"]
    socket = await connect(f"ws://127.0.0.1:{settings.http_port}/ws/console", origin=Origin(settings.console_url))
    await socket.send(json.dumps({"type": "auth", "token": token}))
    ready: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
    assert ready["type"] == "ready"
    return socket, ready


async def answer_to(socket: ClientConnection, command: dict[str, Any]) -> dict[str, Any]:
    await socket.send(json.dumps({**command, "request_id": "matrix"}))
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
        if frame.get("request_id") == "matrix":
            return frame


async def test_socket_commands_and_live_pushes_follow_the_matrix(
    settings: Settings, office: Office, pool: asyncpg.Pool
) -> None:
    boris = str(office.conversations["boris"])
    async with serving(settings):
        consoles = {role: await console(settings, role) for role in ROLES}
        got: dict[Role, dict[str, str]] = {}
        listed: dict[tuple[Role, str], tuple[set[str], dict[str, int]]] = {}
        for role, (socket, _) in consoles.items():
            commands = {
                "history": {"type": "history", "conversation_id": boris},
                "reply": {"type": "reply", "conversation_id": boris, "text": f"from the {role}"},
                "close": {"type": "close", "conversation_id": str(office.conversations[f"close-{role}"])},
                "accept": {"type": "accept", "lead_id": str(office.lead("boris"))},
                "work_day": {"type": "work_day", "action": "start"},
            }
            got[role] = {name: (await answer_to(socket, command))["type"] for name, command in commands.items()}
            # The list's pages and counts, whatever filter is asked, hold only what the role may see.
            for only in ("all", "team", "offered"):
                page = await answer_to(socket, {"type": "conversations", "filter": only})
                listed[role, only] = ({c["id"] for c in page["conversations"]}, page["counts"])
        # Live: Boris's conversation and message change, then Anna's. The consoles that may see Boris's
        # get both of his frames; the manager's, which may not, gets Anna's and nothing of his before it.
        # (Both changes may reach the gateway together and go out as one push, conversations first:
        # so a privileged console waits for Boris's frames themselves, not for Anna's.)
        message = await pool.fetchval(
            f"SELECT max(notification_id) FROM {LIVE_SCHEMA}.messages WHERE conversation_id = $1",
            office.conversations["boris"],
        )
        for change in (
            ReadModelsChanged((office.conversations["boris"],), (message,)),
            ReadModelsChanged((office.conversations["anna"],)),
        ):
            for payload in change.payloads():
                await pool.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, payload)
        pushed = {
            role: await (
                pushes_until_anna(socket, str(office.conversations["anna"]))
                if role is Role.MANAGER
                else pushes_about(socket, boris, {"conversation", "message"})
            )
            for role, (socket, _) in consoles.items()
        }
        ready = {role: {c["id"] for c in frame["conversations"]} for role, (_, frame) in consoles.items()}
        for socket, _ in consoles.values():
            await socket.close()
    refused = {"history": "error", "reply": "error", "close": "error", "accept": "error", "work_day": "ack"}
    allowed = {"history": "history", "reply": "ack", "close": "ack", "accept": "error", "work_day": "ack"}
    assert got == {Role.MANAGER: refused, Role.HEAD: allowed, Role.DIRECTOR: allowed, Role.ADMIN: allowed}
    assert boris not in ready[Role.MANAGER]
    for only in ("all", "team", "offered"):
        rows, counts = listed[Role.MANAGER, only]
        assert boris not in rows
        assert rows <= ready[Role.MANAGER]
        assert counts["all"] == len(listed[Role.MANAGER, "all"][0])  # counted among the manager's own only
    assert all(boris in listed[role, "all"][0] for role in (Role.HEAD, Role.DIRECTOR, Role.ADMIN))
    assert all(boris in ready[role] for role in (Role.HEAD, Role.DIRECTOR, Role.ADMIN))
    assert pushed[Role.MANAGER] == set()
    assert all(pushed[role] == {"conversation", "message"} for role in (Role.HEAD, Role.DIRECTOR, Role.ADMIN))


async def pushes_about(socket: ClientConnection, conversation: str, wanted: set[str]) -> set[str]:
    """The kinds of frames about ``conversation`` pushed, read until each of ``wanted`` came."""
    kinds: set[str] = set()
    while not wanted <= kinds:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
        about = frame.get("conversation", {}).get("id") or frame.get("message", {}).get("conversation_id")
        if frame["type"] in ("conversation", "message", "conversation_removed") and about == conversation:
            kinds.add(frame["type"])
    return kinds


async def pushes_until_anna(socket: ClientConnection, anna: str) -> set[str]:
    """The kinds of frames about Boris's conversation pushed before Anna's conversation came."""
    kinds = set()
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
        if frame["type"] == "conversation" and frame["conversation"]["id"] == anna:
            return kinds
        if frame["type"] in ("conversation", "message", "conversation_removed"):
            kinds.add(frame["type"])
