"""Mail in the console: attachments downloaded only by those who may see them, and CRM copies as activities."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from application.event_store import EventStore
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.receiving import Outcome
from application.work_day import change_work_day
from connectors.mail.limits import MailLimits
from connectors.mail.parsing import Routing, parse_mail, to_inbound
from connectors.mail.watcher import Rejection
from services.bootstrap import build_event_store, create_pool
from services.console.accounts import Role, add_account
from services.console.app import build_app
from services.ingest.mail_state import PostgresMailboxState
from services.settings import Settings
from tests.projected import project
from tests.router_reactions import routed

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4 small"
BIG = b"x" * 500
LIMITS = MailLimits(max_attachment_bytes=100)
CRM = Routing(
    own_addresses=frozenset({"crm@shop.example"}), crm_address="crm@shop.example", authserv_ids=frozenset({"mx.shop"})
)
# The shop's mail server vouches for its managers' mail (the CRM copies of a manager are theirs only so).
VOUCHED = b"Authentication-Results: mx.shop; dmarc=pass header.from=shop.example\r\n"


def with_attachments() -> bytes:
    def part(content: bytes, name: str, kind: str) -> bytes:
        import base64  # noqa: PLC0415

        return (
            f'Content-Type: {kind}\r\nContent-Disposition: attachment; filename="{name}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode() + base64.b64encode(content)

    parts = [b"Content-Type: text/plain\r\n\r\nSee the files.", part(PDF, "offer.pdf", "application/pdf")]
    parts.append(part(BIG, "<script>big.html", "text/html"))
    body = b"".join(b"--b\r\n" + p + b"\r\n" for p in parts) + b"--b--\r\n"
    return (
        b"From: Anna Customer <anna@customer.example>\r\nTo: sales@shop.example\r\nSubject: Files\r\n"
        b'Message-ID: <files@customer.example>\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' + body
    )


def received(store: EventStore, raw: bytes, mailbox: str = "sales", routing: Routing | None = None) -> Any:
    parsed = parse_mail(raw, LIMITS)
    (result,) = receive_messages(store, [to_inbound(parsed, mailbox, datetime.now(tz=UTC), routing)])
    return result, parsed


@pytest.fixture
def console(settings: Settings) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    store = build_event_store(settings)
    ids: dict[str, Any] = {}
    for name, role in (("anna", Role.MANAGER), ("boris", Role.MANAGER), ("clara", Role.DIRECTOR)):
        ids[name] = register_manager(store, name, f"{name}@shop.example", 5, settings.team)

        async def account(name: str = name, role: Role = role) -> None:
            pool = await create_pool(settings, size=1)
            await add_account(pool, f"{name}@shop.example", ids[name], name, role, "secret-password")
            await pool.close()

        asyncio.run(account())
    routed(store, change_work_day, ids["anna"], "start")
    mail, parsed = received(store, with_attachments())
    ids["attachments"] = parsed.attachments

    async def keep() -> None:
        pool = await create_pool(settings, size=1)
        state = PostgresMailboxState(pool)
        await state.create()
        await state.keep_attachments([a for a in parsed.attachments if a.content is not None])
        await state.record_rejections("sales", [Rejection(7, 12, "too_deep", "MIME parts nest deeper than 24 levels")])
        await pool.close()

    asyncio.run(keep())
    # Boris writes to a customer with the CRM address in CC, and forwards another customer's mail to it.
    cc = VOUCHED + (
        b"From: Boris <boris@shop.example>\r\nTo: Carl <carl@client.example>\r\nCc: crm@shop.example\r\n"
        b"Subject: Your quote\r\nMessage-ID: <q1@shop.example>\r\n\r\nHere is the quote.\r\n"
    )
    forward = VOUCHED + (
        b"From: Boris <boris@shop.example>\r\nTo: crm@shop.example\r\nSubject: Fwd: Order\r\n"
        b"Message-ID: <fw1@shop.example>\r\n\r\nFYI\r\n\r\n---------- Forwarded message ---------\r\n"
        b"From: Anna Customer <anna@customer.example>\r\nSubject: Order\r\n\r\nMy order\r\n"
    )
    # A colleague who is no manager forwards the same customer's next mail.
    colleague = (
        forward.replace(b"Boris <boris@shop.example>", b"Cora <cora@shop.example>")
        .replace(b"fw1@", b"fw2@")
        .replace(b"Fwd: Order", b"Fwd: Delivery")
    )
    ids["cc"] = received(store, cc, "crm", CRM)[0]
    ids["forward"] = received(store, forward, "crm", CRM)[0]
    ids["colleague"] = received(store, colleague, "crm", CRM)[0]
    ids["anna_contact"] = store.repository.get(mail.conversation_id).contact_id
    ids["conversation"] = mail.conversation_id
    asyncio.run(project(settings, store))
    store.close()
    with TestClient(build_app(settings)) as http:
        for name in ("anna", "boris", "clara"):
            login = {"email": f"{name}@shop.example", "password": "secret-password"}
            ids[f"{name}_token"] = http.post("/api/login", json=login).json()["token"]
        yield http, ids


def auth(ids: dict[str, Any], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids[who + '_token']}"}


def test_an_attachment_is_downloaded_only_by_those_who_may_see_it(console: tuple[TestClient, dict[str, Any]]) -> None:
    http, ids = console
    pdf, big = ids["attachments"]
    url = f"/api/attachments/{hashlib.sha256(PDF).hexdigest()}"
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert http.get(url).status_code == 401
    mine = http.get(url, headers=auth(ids, "anna"))
    assert mine.status_code == 200
    assert mine.content == PDF
    assert mine.headers["content-type"] == "application/pdf"
    assert mine.headers["content-disposition"] == "attachment; filename*=UTF-8''offer.pdf"
    assert mine.headers["x-content-type-options"] == "nosniff"
    assert http.get(url, headers=auth(ids, "boris")).status_code == 404  # not his conversation
    assert http.get(url, headers=auth(ids, "clara")).status_code == 200
    # Over the size limit: described, but its bytes were not kept.
    assert not big.content
    assert http.get(f"/api/attachments/{big.sha256}", headers=auth(ids, "anna")).status_code == 410
    assert http.get("/api/attachments/not-a-hash", headers=auth(ids, "anna")).status_code == 404


def test_an_operator_uploads_files_and_replies_with_them_and_only_uploaded_files_are_taken(
    console: tuple[TestClient, dict[str, Any]], settings: Settings
) -> None:
    http, ids = console
    contract = b"%PDF-1.4 the contract"
    headers = auth(ids, "anna") | {"Content-Type": "application/pdf", "X-Filename": quote("договор.pdf")}
    assert http.post("/api/attachments", content=contract, headers=headers | {"Authorization": ""}).status_code == 401
    empty = http.post("/api/attachments", content=b"", headers=headers)
    assert (empty.status_code, empty.json()["error"]) == (400, "the body must hold the file's bytes; it is empty")
    nameless = http.post("/api/attachments", content=contract, headers=headers | {"X-Filename": "a%00b"})
    assert nameless.status_code == 400
    assert "X-Filename" in nameless.json()["error"]
    uploaded = http.post("/api/attachments", content=contract, headers=headers)
    assert uploaded.status_code == 201, uploaded.text
    file = uploaded.json()
    assert file == {
        "sha256": hashlib.sha256(contract).hexdigest(),
        "filename": "договор.pdf",
        "content_type": "application/pdf",
        "size": len(contract),
    }
    conversation = str(ids["conversation"])
    with http.websocket_connect("/ws/console", headers={"origin": settings.console_url}) as socket:
        socket.send_json({"type": "auth", "token": ids["anna_token"]})
        assert socket.receive_json()["type"] == "ready"
        unknown = {**file, "sha256": "0" * 64}
        socket.send_json(
            {"type": "reply", "conversation_id": conversation, "request_id": "r1", "attachments": [unknown]}
        )
        refused = socket.receive_json()
        assert (refused["type"], refused["code"]) == ("error", "refused"), refused
        assert refused["detail"].startswith("'attachments[0]': no uploaded file"), refused
        sent = {"type": "reply", "conversation_id": conversation, "request_id": "r2", "text": "", "attachments": [file]}
        socket.send_json(sent)
        assert socket.receive_json()["type"] == "ack"
    store = build_event_store(settings)
    replied = [e for e in store.history(ids["conversation"]) if type(e).__qualname__ == "Conversation.OperatorReplied"]
    assert [(e.text, e.attachments) for e in replied] == [("", [{**file, "kept": True}])]
    asyncio.run(project(settings, store))
    store.close()
    url = f"/api/attachments/{file['sha256']}"
    assert http.get(url, headers=auth(ids, "anna")).content == contract
    assert http.get(url, headers=auth(ids, "boris")).status_code == 404  # a file in a conversation not his


def test_mail_copied_to_the_crm_address_is_an_activity_of_the_customer(
    console: tuple[TestClient, dict[str, Any]],
) -> None:
    http, ids = console
    assert ids["cc"].outcome is Outcome.ACTIVITY
    assert ids["forward"].outcome is Outcome.ACTIVITY
    # The forward concerns the original sender, who is already a contact: it joins her.
    assert ids["forward"].contact_id == ids["anna_contact"]
    anna = http.get(f"/api/contacts/{ids['anna_contact']}/activities", headers=auth(ids, "anna"))
    assert anna.status_code == 200
    listed = anna.json()["activities"]
    assert [(a["subject"], a["forwarded_by"]) for a in listed] == [
        ("Fwd: Order", ""),
        ("Fwd: Delivery", "cora@shop.example"),
    ]
    assert ids["colleague"].outcome is Outcome.ACTIVITY
    assert ids["colleague"].contact_id == ids["anna_contact"]
    assert listed[1]["manager_id"] is None
    carl = f"/api/contacts/{ids['cc'].contact_id}/activities"
    assert http.get(carl, headers=auth(ids, "anna")).status_code == 404
    director = http.get(carl, headers=auth(ids, "clara"))
    assert director.status_code == 200
    (activity,) = director.json()["activities"]
    assert (activity["subject"], activity["manager_id"]) == ("Your quote", str(ids["boris"]))
    # No lead was opened for a manager's own mail.
    conversations = http.get("/api/conversations", headers=auth(ids, "clara")).json()["conversations"]
    assert len(conversations) == 1


def test_rejected_mail_is_listed_for_those_who_look_after_the_mailboxes(
    console: tuple[TestClient, dict[str, Any]],
) -> None:
    http, ids = console
    assert http.get("/api/mail/rejections").status_code == 401
    assert http.get("/api/mail/rejections", headers=auth(ids, "anna")).status_code == 403
    (rejection,) = http.get("/api/mail/rejections", headers=auth(ids, "clara")).json()["rejections"]
    assert (rejection["mailbox"], rejection["uid"], rejection["reason"]) == ("sales", 12, "too_deep")
