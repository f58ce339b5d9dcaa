"""The console gateway: HTTP routes, the operator websocket and the widget page."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from aiokafka.admin import AIOKafkaAdminClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from domain.channels import Channel
from domain.errors import DomainError
from domain.identities import conversation_id
from services.bootstrap import build_inbox, create_pool, instance_name
from services.console.accounts import Operator, create_accounts_table, find_operator, log_in
from services.console.attachments import download, find_attachment
from services.console.commands import dispatch
from services.console.health import check_health
from services.console.live import LiveUpdates, Seat
from services.console.metrics import metrics_endpoint
from services.console.presence import ConsolePresence
from services.console.queries import activities, mail_rejections, visible_conversations, visitor_history
from services.console.rest import Rest
from services.heartbeat import SCHEMA as HEARTBEATS
from services.heartbeat import beat
from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.router.inbox import Inbox
from services.settings import Settings
from services.tables import ensure_tables
from services.tokens import Signer

log = structlog.get_logger()

STATIC = Path(__file__).parent / "static"
SESSION, VISITOR = "session", "visitor"
AUTH_TIMEOUT_SECONDS = 10.0
VISITOR_TTL_SECONDS = 30 * 24 * 3600
CLOSE_POLICY = 1008
CLOSE_UNAUTHENTICATED = 4401


class Gateway:
    """Everything the routes need, built once per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.signer = Signer(settings.require_secret())
        self.pool: asyncpg.Pool
        self.inbox: Inbox
        self.live: LiveUpdates
        self.kafka: AIOKafkaAdminClient
        self.presence: ConsolePresence

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        """Open the pool, the event store, live updates and the Kafka client."""
        self.pool = await create_pool(self.settings, size=8)
        await create_accounts_table(self.pool)
        await create_read_models(self.pool, LIVE_SCHEMA)
        await ensure_tables(self.pool, HEARTBEATS)
        self.inbox = await asyncio.to_thread(build_inbox, self.settings)
        self.live = LiveUpdates(self.pool)
        await self.live.start()
        instance = instance_name("gateway")
        self.presence = ConsolePresence(self.pool, instance, self.inbox.come_online, self.inbox.go_offline)
        await self.presence.start()
        stop = asyncio.Event()
        # The heartbeat tells the other gateways this one's consoles are still open.
        background = [
            asyncio.create_task(beat(self.pool, "gateway", instance, stop)),
            asyncio.create_task(self.presence.sweep_forever(stop)),
        ]
        self.kafka = AIOKafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap)
        await self.kafka.start()
        log.info("gateway_started", url=self.settings.console_url)
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*background, return_exceptions=True)
            await self.kafka.close()
            await self.live.stop()
            await self.pool.close()
            self.inbox.close()

    async def healthz(self, _: Request) -> Response:
        """Each dependency and service; 200 when all are ok, else 503."""
        mailboxes = tuple(m.name for m in self.settings.mailboxes)
        report = await check_health(self.pool, self.kafka, listening=self.live.listening, mailboxes=mailboxes)
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    async def login(self, request: Request) -> Response:
        """Password login to a session token."""
        body = await _json_body(request)
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            return JSONResponse({"error": "send JSON with 'email' and 'password'"}, status_code=400)
        operator = await log_in(self.pool, email, password)
        if operator is None:
            log.info("login_refused")
            return JSONResponse({"error": "email or password is wrong"}, status_code=401)
        token = self.signer.issue(SESSION, str(operator.manager_id), self.settings.session_ttl_seconds)
        log.info("login", manager_id=str(operator.manager_id))
        return JSONResponse({"token": token, "operator": operator.as_dict()})

    async def conversations(self, request: Request) -> Response:
        """The conversations the bearer of the token may see."""
        operator = await _bearer(self, request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        return JSONResponse({"conversations": await visible_conversations(self.pool, operator)})

    async def attachment(self, request: Request) -> Response:
        """An attachment's bytes, for an operator who may see a message carrying it."""
        operator = await _bearer(self, request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        found = await find_attachment(self.pool, operator, request.path_params["sha256"])
        if found is None:
            return JSONResponse({"error": "no such attachment in a conversation you may see"}, status_code=404)
        return download(found)

    async def activities(self, request: Request) -> Response:
        """A contact's activities: mail managers exchanged with them, copied to the CRM address."""
        operator = await _bearer(self, request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        try:
            contact_id = UUID(request.path_params["contact_id"])
        except ValueError:
            return JSONResponse({"error": "contact id must be a UUID"}, status_code=400)
        found = await activities(self.pool, operator, contact_id)
        if found is None:
            return JSONResponse({"error": "no such contact among those you may see"}, status_code=404)
        return JSONResponse({"activities": found})

    async def rejected_mail(self, request: Request) -> Response:
        """The mails not accepted, and why: for heads, directors and admins, who look after the mailboxes."""
        operator = await _bearer(self, request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        if not operator.role.sees_everything:
            return JSONResponse({"error": "rejected mail is shown to heads, directors and admins"}, status_code=403)
        return JSONResponse({"rejections": await mail_rejections(self.pool)})

    async def widget_history(self, request: Request) -> Response:
        """The visitor's own conversation, for a widget opened again; the token comes in the body, not the URL."""
        token = (await _json_body(request)).get("token")
        visitor_id = self.signer.subject(VISITOR, token) if isinstance(token, str) else None
        if visitor_id is None:
            return JSONResponse({"error": "a valid visitor token is needed"}, status_code=401)
        conversation = conversation_id(Channel.WEBCHAT, visitor_id)
        return JSONResponse({"messages": await visitor_history(self.pool, conversation)})

    async def widget_session(self, request: Request) -> Response:
        """A visitor token for the widget; a still-valid token keeps its visitor."""
        body = await _json_body(request)
        previous = body.get("token")
        visitor_id = self.signer.subject(VISITOR, previous) if isinstance(previous, str) else None
        visitor_id = visitor_id or secrets.token_hex(16)
        token = self.signer.issue(VISITOR, visitor_id, VISITOR_TTL_SECONDS)
        return JSONResponse({"visitor_id": visitor_id, "token": token, "websocket_url": self.settings.webchat_url})

    async def console_socket(self, socket: WebSocket) -> None:
        """An operator's live console: origin-checked, then authenticated by its first frame."""
        if socket.headers.get("origin") not in self.settings.origins:
            await socket.close(CLOSE_POLICY, "origin not allowed")
            return
        await socket.accept()
        operator = await _authenticate(self, socket)
        if operator is None:
            return
        seat = Seat(operator, socket)
        self.live.join(seat)
        try:
            await self.presence.opened(operator.manager_id)
            conversations = await visible_conversations(self.pool, operator)
            seat.known.update(c["id"] for c in conversations)
            await seat.open({"type": "ready", "operator": operator.as_dict(), "conversations": conversations})
            while True:
                await _command(self, seat, await socket.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            self.live.leave(seat)
            await self.presence.closed(operator.manager_id)

    async def operator_for(self, token: str) -> Operator | None:
        """The operator a session token belongs to."""
        subject = self.signer.subject(SESSION, token)
        if subject is None:
            return None
        return await find_operator(self.pool, UUID(subject))


def build_app(settings: Settings) -> Starlette:
    """The gateway's ASGI application."""
    gateway = Gateway(settings)
    rest = Rest(lambda: gateway.inbox, lambda request: _bearer(gateway, request))
    return Starlette(
        routes=[
            Route("/api/leads/{lead_id}/routing", rest.routing),
            Route("/api/work-day", rest.work_day, methods=["POST"]),
            Route("/api/managers/{manager_id}/capacity", rest.capacity, methods=["PUT"]),
            Route("/api/managers/{manager_id}/working-hours", rest.working_hours, methods=["PUT"]),
            Route("/api/managers/{manager_id}/absences", rest.absences, methods=["POST"]),
            Route("/healthz", gateway.healthz),
            Route("/metrics", metrics_endpoint(lambda: gateway.pool)),
            Route("/api/login", gateway.login, methods=["POST"]),
            Route("/api/conversations", gateway.conversations),
            Route("/api/attachments/{sha256}", gateway.attachment),
            Route("/api/contacts/{contact_id}/activities", gateway.activities),
            Route("/api/mail/rejections", gateway.rejected_mail),
            Route("/api/widget/session", gateway.widget_session, methods=["POST"]),
            Route("/api/widget/history", gateway.widget_history, methods=["POST"]),
            Route("/", lambda _: FileResponse(STATIC / "console.html")),
            Route("/widget", lambda _: FileResponse(STATIC / "widget.html")),
            WebSocketRoute("/ws/console", gateway.console_socket),
        ],
        lifespan=gateway.lifespan,
    )


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def _bearer(gateway: Gateway, request: Request) -> Operator | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return await gateway.operator_for(token) if scheme.lower() == "bearer" else None


async def _authenticate(gateway: Gateway, socket: WebSocket) -> Operator | None:
    """The first frame must be {"type": "auth", "token": ...}; anything else closes."""
    try:
        frame = json.loads(await asyncio.wait_for(socket.receive_text(), AUTH_TIMEOUT_SECONDS))
    except (TimeoutError, ValueError, WebSocketDisconnect, KeyError):
        frame = {}
    token = frame.get("token") if isinstance(frame, dict) and frame.get("type") == "auth" else None
    operator = await gateway.operator_for(token) if isinstance(token, str) else None
    if operator is None:
        with contextlib.suppress(RuntimeError):
            await socket.close(CLOSE_UNAUTHENTICATED, "authenticate first with a valid session token")
    return operator


async def _command(gateway: Gateway, seat: Seat, raw: str) -> None:
    """Carry out one operator command; errors go back as frames and change nothing."""
    try:
        frame = json.loads(raw)
    except ValueError:
        await seat.send({"type": "error", "code": "invalid_json", "detail": "the frame is not valid JSON"})
        return
    if not isinstance(frame, dict):
        await seat.send({"type": "error", "code": "invalid_frame", "detail": "a frame must be a JSON object"})
        return
    request_id = frame.get("request_id")
    try:
        reply = await dispatch(gateway.inbox, gateway.pool, seat.operator, frame)
    except (DomainError, ValueError) as error:
        await seat.send({"type": "error", "code": "refused", "detail": str(error), "request_id": request_id})
        return
    except Exception:
        # The command failed on our side; the operator may retry with the same request id.
        log.exception("console_command_failed", command=frame.get("type"), manager_id=str(seat.operator.manager_id))
        await seat.send(
            {"type": "error", "code": "internal", "detail": "not done; try again", "request_id": request_id}
        )
        return
    await seat.send({**reply, "request_id": request_id})
