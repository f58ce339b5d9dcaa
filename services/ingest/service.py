"""The ingest process: runs the channel connectors and publishes to the inbound topic."""

from __future__ import annotations

import asyncio
import functools

import structlog
from faststream.kafka import KafkaBroker
from faststream.kafka.publisher import DefaultPublisher

from connectors.webchat import WebchatConnector
from connectors.webchat_limits import WidgetLimits
from domain.call_event import CallEvent
from domain.chat_signal import ChatSignal, SignalKind
from domain.delivery_report import DeliveryReport
from domain.inbound import InboundMessage
from services import bootstrap
from services.bootstrap import create_pool, instance_name
from services.chat_signals import FROM_VISITORS, TO_VISITORS, SignalListener, send
from services.heartbeat import beat
from services.ingest.calls import call_lines
from services.ingest.mail import run_mail
from services.ingest.messengers import run_messengers
from services.ingest.outbound import OutboundFollower
from services.record_shapes import CallEventRecord, DeliveryReportRecord, InboundRecord
from services.settings import Settings
from services.tokens import Signer
from services.topics import Topics

log = structlog.get_logger()

VISITOR = "visitor"


def build_broker(settings: Settings) -> tuple[KafkaBroker, DefaultPublisher, DefaultPublisher, DefaultPublisher]:
    """Ingest's broker and its publishers: what every channel accepted, how deliveries ended, what calls did."""
    broker = bootstrap.build_broker(settings, publishes=True)
    inbound = broker.publisher(
        Topics.named(settings.topic_prefix).inbound,
        description=(
            "Every message a channel accepted, published once every in-sync replica has it:"
            " only then is the customer's channel told it was accepted."
        ),
        schema=InboundRecord,
    )
    reports = broker.publisher(
        Topics.named(settings.topic_prefix).delivery_reports,
        description="How each reply's delivery ended, once every in-sync replica has it; the router records it.",
        schema=DeliveryReportRecord,
    )
    calls = broker.publisher(
        Topics.named(settings.topic_prefix).calls,
        description="What each call on a telephone line did, once every in-sync replica has it: only then is"
        " the provider answered 200.",
        schema=CallEventRecord,
    )
    return broker, inbound, reports, calls


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run ingest until ``stop`` is set."""
    topics = Topics.named(settings.topic_prefix)
    signer = Signer(settings.require_secret())
    broker, inbound, reports, calls = build_broker(settings)

    async def publish(message: InboundMessage) -> None:
        # Returns once every in-sync replica has the message: only then is the
        # visitor told it was accepted.
        await inbound.publish(message.to_dict(), key=message.key.encode())

    async def publish_many(messages: list[InboundMessage]) -> None:
        # Sent together, acknowledged together: a mailbox's checkpoint moves only after this returns.
        await asyncio.gather(*(publish(message) for message in messages))

    async def report(outcome: DeliveryReport) -> None:
        # The router records it; acknowledged by every in-sync replica before the sender marks it reported.
        key = str(outcome.conversation_id).encode()
        await reports.publish(outcome.to_dict(), key=key)

    async def publish_call(event: CallEvent) -> None:
        # Keyed by the call, so one call's events stay in order; the provider hears 200 only after this.
        await calls.publish(event.to_dict(), key=event.key.encode())

    webchat = WebchatConnector(
        verify_visitor=lambda token: signer.subject(VISITOR, token),
        publish=publish,
        origins=settings.origins,
        max_frame_bytes=settings.webchat_max_frame_bytes,
        limits=widget_limits(settings),
        on_typing=lambda visitor: send(pool, FROM_VISITORS, ChatSignal(SignalKind.VISITOR_TYPING, visitor)),
        phone_region=settings.default_phone_region,
    )

    # One connection per mailbox, Telegram bot and VK community holds its watcher's or poller's lock,
    # and one listens for the operators' signals to visitors, beside the ones shared by the rest.
    pool = await create_pool(
        settings, size=5 + len(settings.mailboxes) + len(settings.telegram_bots) + len(settings.vk_communities)
    )
    outbound = OutboundFollower(settings, topics.outbound, webchat.deliver, pool)
    signals = SignalListener(pool, TO_VISITORS, functools.partial(_show_signal, webchat), ChatSignal.from_payload)
    await broker.start()
    await signals.start()
    await outbound.start()
    delivering = asyncio.create_task(outbound.run())
    # Without its reply follower ingest would look alive and deliver nothing: it stops, to be restarted.
    delivering.add_done_callback(lambda _: stop.set())
    server = await webchat.serve(settings.http_host, settings.webchat_port)
    mail = asyncio.create_task(run_mail(settings, pool, publish_many, report, stop))
    lines = call_lines(settings, publish_call)
    messengers = asyncio.create_task(run_messengers(settings, pool, publish, report, stop, lines))
    log.info("ingest_started", webchat_port=settings.webchat_port, mailboxes=[m.name for m in settings.mailboxes])
    try:
        await beat(pool, "ingest", instance_name("ingest"), stop)
        await mail
        await messengers
        if delivering.done() and not delivering.cancelled() and (failure := delivering.exception()) is not None:
            log.error("webchat_replies_failed", error=str(failure) or type(failure).__name__)
            msg = "the widget's reply follower stopped"
            raise RuntimeError(msg) from failure
    finally:
        mail.cancel()
        messengers.cancel()
        server.close()
        await server.wait_closed()
        delivering.cancel()
        await signals.stop()
        await outbound.stop()
        await broker.stop()
        await pool.close()


async def _show_signal(webchat: WebchatConnector, signal: ChatSignal) -> None:
    webchat.signal(signal)


def widget_limits(settings: Settings) -> WidgetLimits:
    """What strangers may do with the widget's socket, as configured."""
    return WidgetLimits(
        hello_timeout=settings.webchat_hello_timeout_seconds,
        max_hello_bytes=settings.webchat_max_hello_bytes,
        sockets_per_visitor=settings.webchat_max_sockets_per_visitor,
        sockets_per_address=settings.webchat_max_sockets_per_address,
        unauthenticated_per_address=settings.webchat_max_unauthenticated_per_address,
        messages_per_second=settings.webchat_messages_per_second,
        message_burst=settings.webchat_message_burst,
        outbox_frames=settings.webchat_outbox_frames,
        send_timeout=settings.webchat_send_timeout_seconds,
        trusted_proxies=tuple(settings.trusted_proxies),
    )
