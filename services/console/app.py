"""The console gateway: HTTP routes, the operator websocket and the widget page."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from aiokafka.admin import AIOKafkaAdminClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket

from application.event_store import EventStore
from application.widget_availability import anyone_available
from application.work_day import come_online, go_offline
from domain.channels import Channel
from domain.chat_signal import ChatSignal, ColleagueTyping
from domain.identities import conversation_id
from domain.text import InvalidText, TextKind
from services.attachment_store import create_store
from services.bootstrap import build_admin, build_event_store, create_pool, instance_name
from services.chat_signals import AMONG_COLLEAGUES, FROM_VISITORS, SignalListener
from services.console import openapi
from services.console.account_routes import AccountRoutes
from services.console.accounts import Operator, Role, create_accounts_table, log_in, session_operator
from services.console.attachments import download, find_attachment
from services.console.body_limit import BodyLimit
from services.console.campaign_sender import CampaignSender, senders
from services.console.campaigns_api import CampaignsApi
from services.console.chat_rest import ChatRest
from services.console.chat_typing import colleague_typing, visitor_typing
from services.console.client_address import client_address
from services.console.console_page import console_files, console_page, console_policy
from services.console.conversation_list import BadListQuery, ConversationQuery, conversation_list
from services.console.crm_routes import crm_routes
from services.console.exports_api import ExportsApi
from services.console.floods import Floods, too_many
from services.console.forms_api import FormsApi
from services.console.health import CachedHealth, check_health
from services.console.imports_api import PATH as IMPORTS_PATH
from services.console.imports_api import ImportsApi
from services.console.lead_conversion import ConversionApi
from services.console.live import LiveUpdates
from services.console.metrics import metrics_endpoint
from services.console.operator_socket import serve_console
from services.console.paging import BadPage, requested
from services.console.people_routes import people_routes
from services.console.presence import ConsolePresence
from services.console.queries import (
    ACTIVITIES,
    CONVERSATIONS,
    REJECTIONS,
    activities,
    mail_rejections,
    visitor_history,
)
from services.console.read_retries import ReadRetries
from services.console.request_body import BadInput, bad_request, json_object, optional_text_field, text_field
from services.console.rest import Rest
from services.console.sales_access import SalesAccess
from services.console.sales_live import SalesPushes
from services.console.security_headers import SecurityHeaders, page_policy, websocket_origin
from services.console.sessions import SessionWatch, create_sessions_table, end_session, open_session
from services.console.unsubscribe_route import unsubscribe_route
from services.console.uploads import upload_route
from services.console.widget_availability import WidgetAvailability
from services.console.widget_chat import WidgetChat, chat_state
from services.heartbeat import TABLES as HEARTBEATS
from services.heartbeat import beat
from services.imports.jobs import ImportJobs, JobSettings
from services.ingest.leading import supervised
from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.settings import Settings
from services.tables import ensure_tables
from services.tokens import Signer

log = structlog.get_logger()

STATIC = Path(__file__).parent / "static"
VISITOR = "visitor"
VISITOR_TTL_SECONDS = 30 * 24 * 3600
MAX_EMAIL, MAX_PASSWORD, MAX_TOKEN = 320, 1024, 1024


class Gateway:
    """Everything the routes need, built once per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.signer = Signer(settings.require_secret())
        self.floods = Floods(settings)
        self.health = CachedHealth(self._check_health, settings.health_cache_seconds)
        self.sales = SalesAccess(lambda: self.store)
        self.imports = ImportJobs(
            lambda: self.store,
            lambda: self.pool,
            JobSettings(
                settings.import_batch_rows,
                settings.default_phone_region,
                settings.import_lease_seconds,
                settings.import_poll_seconds,
            ),
        )
        self.mailboxes = senders(settings, self.signer)
        self.campaigns = CampaignSender(
            lambda: self.store, lambda: self.pool, self.mailboxes, settings.mail_send_lease_seconds
        )
        self.pool: asyncpg.Pool
        self.store: EventStore
        self.live: LiveUpdates
        self.kafka: AIOKafkaAdminClient
        self.presence: ConsolePresence
        self.sessions: SessionWatch

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        """Open the pool, the event store, live updates and the Kafka client."""
        self.pool = await create_pool(self.settings, size=10)  # two of them listen for visitors' and colleagues' typing
        stop = asyncio.Event()
        background: list[asyncio.Task[None]] = []
        opened: list[Callable[[], Awaitable[object]]] = [self.pool.close]
        # Whatever fails while starting (Kafka or the database away), what was opened is closed again,
        # so the process ends and its supervisor starts it anew instead of it hanging half started.
        try:
            await create_accounts_table(self.pool)
            await create_sessions_table(self.pool)
            await create_read_models(self.pool, LIVE_SCHEMA)
            await ensure_tables(self.pool, HEARTBEATS)
            await create_store(self.pool)
            self.store = await asyncio.to_thread(build_event_store, self.settings)
            opened.append(functools.partial(asyncio.to_thread, self.store.close))
            self.sessions = SessionWatch(self.pool, self.settings.console_session_recheck_seconds)
            self.live = LiveUpdates(
                self.pool, SalesPushes(self.pool, self.sales), on_sessions_ended=self.sessions.sessions_ended
            )
            await self.live.start()
            opened.append(self.live.stop)
            visitors = SignalListener(
                self.pool, FROM_VISITORS, visitor_typing(self.pool, self.live.seats), ChatSignal.from_payload
            )
            await visitors.start()
            opened.append(visitors.stop)
            colleagues = SignalListener(
                self.pool, AMONG_COLLEAGUES, colleague_typing(self.pool, self.live.seats), ColleagueTyping.from_payload
            )
            await colleagues.start()
            opened.append(colleagues.stop)
            instance = instance_name("gateway")
            self.presence = ConsolePresence(
                self.pool,
                instance,
                functools.partial(come_online, self.store),
                functools.partial(go_offline, self.store),
            )
            await self.presence.start()
            # The heartbeat tells the other gateways this one's consoles are still open.
            background += [
                asyncio.create_task(beat(self.pool, "gateway", instance, stop)),
                asyncio.create_task(self.presence.sweep_forever(stop)),
                asyncio.create_task(self.sessions.run(stop)),
                # Imports sent here run in the background, and those a stopped gateway left are taken up.
                asyncio.create_task(supervised("imports", "jobs", self.imports.run, stop)),
                # Campaigns' mail, from whichever gateway holds the sender's lock.
                asyncio.create_task(supervised("campaigns", "sender", self.campaigns.run, stop)),
            ]
            self.kafka = build_admin(self.settings)
            await self.kafka.start()
            opened.append(self.kafka.close)
            log.info("gateway_started", url=self.settings.console_url)
            yield
        finally:
            stop.set()
            await asyncio.gather(*background, return_exceptions=True)
            for close in reversed(opened):
                with contextlib.suppress(Exception):
                    await close()

    async def healthz(self, request: Request) -> Response:
        """200 when every dependency and service is ok, else 503; the details only for an admin."""
        report = await self.health.report()
        operator = await _bearer(self, request) if "authorization" in request.headers else None
        shown = report if operator is not None and operator.role is Role.ADMIN else {"status": report["status"]}
        return JSONResponse(shown, status_code=200 if report["status"] == "ok" else 503)

    async def _check_health(self) -> dict[str, Any]:
        mailboxes = tuple(m.name for m in self.settings.mailboxes)
        bots = tuple(bot.name for bot in self.settings.telegram_bots)
        vk = tuple(c.name for c in self.settings.vk_communities)
        return await check_health(
            self.pool,
            self.kafka,
            listening=self.live.listening,
            mailboxes=mailboxes,
            telegram_bots=bots,
            vk_communities=vk,
        )

    async def login(self, request: Request) -> Response:
        """Password login to a session token; attempts are limited per address and failures per e-mail."""
        address = self.address(request)
        if not self.floods.logins.allow(address):
            log.info("login_rate_limited", address=address)
            return too_many(self.floods.logins, address, "login attempts from your address")
        try:
            body = await json_object(request)
            email = text_field(body, "email", max_length=MAX_EMAIL, kind=TextKind.IDENTIFIER)
            password = text_field(body, "password", max_length=MAX_PASSWORD, kind=TextKind.TEXT)
        except (BadInput, InvalidText) as error:
            return bad_request(f"send JSON with 'email' and 'password': {error}")
        who = email.lower()
        if self.floods.failed_logins.retry_after(who):
            log.info("login_rate_limited", address=address, why="failed attempts for this e-mail")
            return too_many(self.floods.failed_logins, who, "failed logins for this e-mail")
        operator = await log_in(self.pool, email, password)
        if operator is None:
            self.floods.failed_logins.allow(who)
            log.info("login_refused", address=address)
            return JSONResponse({"error": "email or password is wrong"}, status_code=401)
        token = await open_session(self.pool, operator.manager_id, operator.role, self.settings.session_ttl_seconds)
        log.info("login", manager_id=str(operator.manager_id))
        return JSONResponse({"token": token, "operator": operator.as_dict()})

    async def logout(self, request: Request) -> Response:
        """End the caller's session: its token opens nothing any more and its consoles are closed."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not await end_session(self.pool, token, "logged out"):
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        log.info("logout")
        return JSONResponse({"status": "logged out"})

    async def conversations(self, request: Request) -> Response:
        """A page of the conversations the bearer may see (``limit``, ``cursor``, ``filter``, ``channel``, ``q``)."""
        operator = await _bearer(self, request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        try:
            page = requested(request.query_params, CONVERSATIONS)
        except BadPage as error:
            return bad_request(str(error))
        try:
            query = ConversationQuery.of(request.query_params)
        except BadListQuery as error:
            return bad_request(str(error))
        return JSONResponse(await conversation_list(self.pool, operator, page, query))

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
        try:
            page = requested(request.query_params, ACTIVITIES)
        except BadPage as error:
            return bad_request(str(error))
        in_crm = await asyncio.to_thread(self.sales.sees, operator, "contact", contact_id)
        found = await activities(self.pool, operator, contact_id, page, in_crm=in_crm)
        if found is None:
            return JSONResponse({"error": "no such contact among those you may see"}, status_code=404)
        return JSONResponse({"activities": found[0], "next_cursor": found[1]})

    async def rejected_mail(self, request: Request) -> Response:
        """The mails not accepted, and why: for heads, directors and admins, who look after the mailboxes."""
        operator = await _bearer(self, request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        if not operator.role.sees_everything:
            return JSONResponse({"error": "rejected mail is shown to heads, directors and admins"}, status_code=403)
        try:
            page = requested(request.query_params, REJECTIONS)
        except BadPage as error:
            return bad_request(str(error))
        found, more = await mail_rejections(self.pool, page)
        return JSONResponse({"rejections": found, "next_cursor": more})

    async def widget_history(self, request: Request) -> Response:
        """The visitor's own conversation, for a widget opened again; the token comes in the body, not the URL."""
        address = self.address(request)
        if not self.floods.history.allow(address):
            return too_many(self.floods.history, address, "history requests from your address")
        try:
            token = optional_text_field(await json_object(request), "token", max_length=MAX_TOKEN)
        except (BadInput, InvalidText) as error:
            return bad_request(str(error))
        visitor_id = self.signer.subject(VISITOR, token) if token is not None else None
        if visitor_id is None:
            return JSONResponse({"error": "a valid visitor token is needed"}, status_code=401)
        conversation = conversation_id(Channel.WEBCHAT, visitor_id)
        messages = await visitor_history(self.pool, conversation)
        return JSONResponse({"messages": messages, "conversation": await chat_state(self.pool, conversation)})

    async def widget_session(self, request: Request) -> Response:
        """A visitor token for the widget; a still-valid token keeps its visitor; new ones are limited per address."""
        try:
            previous = optional_text_field(await json_object(request), "token", max_length=MAX_TOKEN)
        except (BadInput, InvalidText) as error:
            return bad_request(str(error))
        visitor_id = self.signer.subject(VISITOR, previous) if previous is not None else None
        if visitor_id is None:
            address = self.address(request)
            if not self.floods.new_visitors.allow(address):
                log.info("new_visitor_rate_limited", address=address)
                return too_many(self.floods.new_visitors, address, "new visitors from your address")
            visitor_id = secrets.token_hex(16)
        token = self.signer.issue(VISITOR, visitor_id, VISITOR_TTL_SECONDS)
        return JSONResponse({"visitor_id": visitor_id, "token": token, "websocket_url": self.settings.webchat_url})

    async def console_socket(self, socket: WebSocket) -> None:
        """An operator's live console (see ``operator_socket``)."""
        await serve_console(self, socket)

    def address(self, request: Request) -> str:
        """The client's address, seen through the trusted proxies."""
        return client_address(request, self.settings.trusted_proxies)

    async def operator_for(self, token: str) -> Operator | None:
        """The operator a live session token belongs to."""
        return await session_operator(self.pool, token)


def build_app(settings: Settings) -> Starlette:
    """The gateway's ASGI application."""
    gateway = Gateway(settings)
    rest = Rest(lambda: gateway.store, lambda request: _bearer(gateway, request))
    accounts = AccountRoutes(lambda: gateway.store, lambda: gateway.pool, lambda request: _bearer(gateway, request))
    described = openapi.document()

    async def authenticate(request: Request) -> Operator | None:
        return await _bearer(gateway, request)

    widget_chat = WidgetChat(gateway, gateway.address)
    availability = WidgetAvailability(lambda: anyone_available(gateway.store), settings.widget_availability_seconds)
    app = Starlette(
        routes=[
            Route("/api/leads/{lead_id}/routing", rest.routing),
            Route("/api/work-day", rest.work_day, methods=["POST"]),
            Route("/api/managers/{manager_id}/capacity", rest.capacity, methods=["PUT"]),
            Route("/api/managers/{manager_id}/working-hours", rest.working_hours, methods=["PUT"]),
            Route("/api/managers/{manager_id}/absences", rest.absences, methods=["POST"]),
            Route("/healthz", gateway.healthz),
            Route("/api/openapi.json", lambda _: JSONResponse(described)),
            Route("/metrics", metrics_endpoint(lambda: gateway.pool)),
            Route("/api/login", gateway.login, methods=["POST"]),
            Route("/api/logout", gateway.logout, methods=["POST"]),
            Route("/api/accounts", accounts.listed, methods=["GET"]),
            Route("/api/accounts", accounts.create, methods=["POST"]),
            Route("/api/accounts/{manager_id}/password", accounts.password, methods=["PUT"]),
            Route("/api/accounts/{manager_id}", accounts.remove, methods=["DELETE"]),
            Route("/api/conversations", gateway.conversations),
            Route(
                "/api/attachments", upload_route(lambda: gateway.pool, lambda r: _bearer(gateway, r)), methods=["POST"]
            ),
            Route("/api/attachments/{sha256}", gateway.attachment),
            Route("/api/contacts/{contact_id}/activities", gateway.activities),
            Route("/api/mail/rejections", gateway.rejected_mail),
            Route("/api/widget/session", gateway.widget_session, methods=["POST"]),
            Route("/api/widget/history", gateway.widget_history, methods=["POST"]),
            Route("/api/widget/rating", widget_chat.rating, methods=["POST"]),
            Route("/api/widget/availability", availability.route, methods=["GET"]),
            *ChatRest(
                lambda: gateway.store, lambda: gateway.pool, lambda request: _bearer(gateway, request), gateway.sales
            ).routes(),
            Route("/", console_page),
            Mount("/console", app=console_files()),
            Route("/widget", lambda _: FileResponse(STATIC / "widget.html")),
            Route("/widget.js", lambda _: FileResponse(STATIC / "widget.js", media_type="text/javascript")),
            WebSocketRoute("/ws/console", gateway.console_socket),
            *crm_routes(gateway.sales, lambda: gateway.pool, lambda request: _bearer(gateway, request)),
            *people_routes(
                gateway.sales,
                lambda: gateway.pool,
                lambda request: _bearer(gateway, request),
                settings.default_phone_region,
            ),
            *ConversionApi(
                gateway.sales, lambda request: _bearer(gateway, request), settings.default_phone_region
            ).routes(),
            *ExportsApi(gateway.sales, lambda: gateway.pool, lambda request: _bearer(gateway, request)).routes(),
            Route("/form.js", lambda _: FileResponse(STATIC / "form.js", media_type="text/javascript")),
            *FormsApi(
                lambda: gateway.store,
                lambda: gateway.pool,
                lambda request: _bearer(gateway, request),
                (settings.console_url, settings.forms_url),
            ).routes(),
            unsubscribe_route(lambda: gateway.store, gateway.signer),
            *CampaignsApi(
                gateway.sales,
                lambda: gateway.pool,
                lambda request: _bearer(gateway, request),
                gateway.mailboxes,
                gateway.campaigns.wake,
            ).routes(),
            *ImportsApi(
                lambda: gateway.store,
                lambda: gateway.pool,
                lambda request: _bearer(gateway, request),
                gateway.sales.permissions,
                lambda: gateway.imports,
                settings.default_phone_region,
            ).routes(),
        ],
        middleware=[
            Middleware(ReadRetries),
            Middleware(SecurityHeaders, pages=_page_policies(settings), framed=frozenset({"/widget"})),
            Middleware(
                BodyLimit,
                max_bytes=settings.http_max_body_bytes,
                larger={
                    "/api/attachments": max(settings.attachment_max_bytes, settings.http_max_body_bytes),
                    IMPORTS_PATH: max(settings.import_max_bytes, settings.http_max_body_bytes),
                },
            ),
        ],
        lifespan=gateway.lifespan,
    )
    # A path with a slash too many is no route: not a redirect to one that may take another method.
    app.router.redirect_slashes = False
    app.state.gateway = gateway
    return app


def _page_policies(settings: Settings) -> dict[str, str]:
    console = console_policy(connect=[websocket_origin(settings.console_url)])
    widget = page_policy(
        STATIC / "widget.html",
        connect=[websocket_origin(settings.webchat_url)],
        frame_ancestors=settings.widget_frame_ancestors,
    )
    return {"/": console, "/widget": widget}


async def _bearer(gateway: Gateway, request: Request) -> Operator | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return await gateway.operator_for(token) if scheme.lower() == "bearer" else None
