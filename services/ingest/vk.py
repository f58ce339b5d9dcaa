"""The VK channel in the ingest process: each configured community's events in, and replies out.

A community in ``callback`` mode gets its endpoint ``POST /vk/{name}`` on the webhook server; one
in ``longpoll`` mode a poller, run by one ingest process at a time. Replies for every community
are queued from the outbound topic and sent by one sender per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools

import asyncpg
import httpx
import structlog

from connectors.vk.api import CommunityApi, VkError, VkUnavailable
from connectors.vk.callback import CallbackEndpoint
from connectors.vk.events import CustomerWrote
from connectors.vk.inbound import Community, Receiver
from connectors.vk.longpoll import LongPoller, Report
from connectors.vk.names import SenderNames
from services.dead_letters import Retrying
from services.ingest.delivery_rows import ReportOutcome, Retries
from services.ingest.leading import leading, supervised
from services.ingest.messenger_parts import Messenger, Publish, Task
from services.ingest.vk_deliveries import VkDeliveries
from services.ingest.vk_replies import VkReplyQueue
from services.ingest.vk_sender import VkSender
from services.ingest.vk_state import VkState
from services.settings import Settings, VkCommunitySettings
from services.topics import Topics

log = structlog.get_logger()

TOKEN_CHECK_SECONDS = 600.0


async def start_vk(settings: Settings, pool: asyncpg.Pool, publish: Publish, report: ReportOutcome) -> list[Messenger]:
    """What each configured community runs, and the reply sender; nothing when none is configured."""
    if not settings.vk_communities:
        return []
    state = VkState(pool)
    await state.create([c.name for c in settings.vk_communities])
    files = httpx.AsyncClient(follow_redirects=True, timeout=settings.vk_api_timeout_seconds)
    apis = {
        c.name: CommunityApi(c.token.get_secret_value(), c.api_base_url, settings.vk_api_timeout_seconds)
        for c in settings.vk_communities
    }
    messengers = [
        _community(settings, config, apis[config.name], state, files, publish, pool)
        for config in settings.vk_communities
    ]
    queued = asyncio.Event()
    queue = VkReplyQueue(
        pool,
        settings,
        Topics.named(settings.topic_prefix).outbound,
        queued,
        Retrying(settings.dead_letter_attempts, settings.dead_letter_backoff_seconds),
    )
    pacing = Retries(
        first_seconds=settings.vk_retry_seconds,
        max_seconds=600.0,  # at most ten minutes between tries of a VK reply, shorter than mail's hour
        max_attempts=settings.vk_max_attempts,
        lease_seconds=settings.vk_send_lease_seconds,
    )
    sender = VkSender(VkDeliveries(pool), apis, report, pacing, queued)

    replies: list[Task] = [
        functools.partial(supervised, "vk", "reply queue", queue.run),
        functools.partial(supervised, "vk", "sender", sender.run),
    ]
    messengers.append(Messenger("vk replies", tasks=replies, closing=[files.aclose]))
    return messengers


def _community(  # noqa: PLR0913 - what one community is built from
    settings: Settings,
    config: VkCommunitySettings,
    api: CommunityApi,
    states: VkState,
    files: httpx.AsyncClient,
    publish: Publish,
    pool: asyncpg.Pool,
) -> Messenger:
    community = Community(config.name, config.group_id)
    receiver = Receiver(community, SenderNames(api), files, states.keep_files, settings.attachment_max_bytes)

    async def accept(wrote: CustomerWrote) -> None:
        await publish(await receiver.inbound(wrote))

    async def say(*, ok: bool, state: str, error: str | None) -> None:
        await states.report(config.name, config.mode, ok=ok, state=state, error=error)

    if config.mode == "callback":
        endpoint = CallbackEndpoint(
            community,
            config.secret.get_secret_value(),
            config.confirmation,
            accept,
            settings.vk_max_body_bytes,
        )
        checking = functools.partial(_check_token, config.name, config.group_id, api, say)
        return Messenger(f"vk:{config.name}", routes=[endpoint.route()], tasks=[checking])
    poller = LongPoller(
        config.name,
        config.group_id,
        api,
        files,
        settings.vk_longpoll_wait_seconds,
        (functools.partial(states.checkpoint, config.name), functools.partial(states.save_checkpoint, config.name)),
        accept,
        say,
    )
    lock = f"vk-long-poll:{config.name}"
    polling = functools.partial(
        supervised,
        "vk",
        f"long poll {config.name}",
        functools.partial(leading, pool, lock, poller.run, elsewhere="vk_polled_elsewhere", community=config.name),
    )
    return Messenger(f"vk:{config.name}", tasks=[polling])


async def _check_token(
    name: str,
    group_id: int,
    api: CommunityApi,
    say: Report,
    stop: asyncio.Event,
) -> None:
    """For a callback community: whether its token works, now and every few minutes (replies need it)."""
    while not stop.is_set():
        try:
            await api.community_name(group_id)
        except (VkError, VkUnavailable) as error:
            log.warning("vk_token_refused", community=name, error=str(error))
            await say(ok=False, state="the token is refused, or VK does not answer", error=str(error))
        else:
            await say(ok=True, state="receiving events", error=None)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TOKEN_CHECK_SECONDS)
