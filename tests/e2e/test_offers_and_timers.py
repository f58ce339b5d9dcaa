"""Offer to all seen live in two consoles, and an idle re-route that fires after a router restart."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from application.rules import apply_rules
from bench.waiting import until
from domain.identities import conversation_id, lead_id, team_id
from services.bootstrap import build_event_store
from services.router.rules_file import load_rules
from services.settings import Settings
from tests.e2e.test_webchat_roundtrip import next_frame, operator_socket, visitor_socket
from tests.log_invariants import log_events
from tests.router_reactions import routed
from tests.services_running import RunningServices, load_demo, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(180)]


def demo_with_rules(settings: Settings, rules: str) -> None:
    load_demo(settings)
    store = build_event_store(settings)
    try:
        emails = {m: store.repository.get(m).email for m in store.repository.get(team_id(settings.team)).members}
        routed(store, apply_rules, load_rules(rules, {e: m for m, e in emails.items()}), "test")
    finally:
        store.close()


def _team(settings: Settings) -> Any:
    from domain.identities import team_id  # noqa: PLC0415

    return team_id(settings.team)


def test_an_offer_to_all_is_taken_by_the_first_and_disappears_for_the_other(settings: Settings, tmp_path: Path) -> None:
    demo_with_rules(settings, "rules:\n  - name: all\n    team: sales\n    strategy: offer_to_all\n")
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(offer(settings, running))


async def offer(settings: Settings, running: RunningServices) -> None:
    await running.healthy()
    anna = await operator_socket(settings, "anna@example.com")
    boris = await operator_socket(settings, "boris@example.com")
    visitor, _ = await visitor_socket(settings)
    await visitor.send(json.dumps({"type": "message", "id": "m1", "text": "who is free?"}))
    offered = [(await next_frame(s, "conversation"))["conversation"] for s in (anna, boris)]
    assert offered[0]["id"] == offered[1]["id"]
    assert offered[0]["lead_status"] == "offered"
    await boris.send(json.dumps({"type": "accept", "lead_id": offered[0]["lead_id"], "request_id": "a1"}))
    assert (await next_frame(boris, "ack"))["lead_id"] == offered[0]["lead_id"]
    taken = await next_frame(boris, "conversation")
    assert taken["conversation"]["lead_status"] == "assigned"
    gone = await next_frame(anna, "conversation_removed")
    assert gone["id"] == offered[0]["id"]
    await anna.send(json.dumps({"type": "accept", "lead_id": offered[0]["lead_id"], "request_id": "a2"}))
    refused = await next_frame(anna, "error")
    assert (refused["code"], refused["request_id"]) == ("refused", "a2")
    for socket in (anna, boris, visitor):
        await socket.close()


def test_an_idle_timeout_fires_after_the_router_restarts(settings: Settings, tmp_path: Path) -> None:
    rules = "rules:\n  - name: answer fast\n    team: sales\n    idle_timeout: 2s\n"
    demo_with_rules(settings, rules)
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(idle(settings, running))


async def idle(settings: Settings, running: RunningServices) -> None:
    await running.healthy()
    visitor, visitor_id = await visitor_socket(settings)
    await visitor.send(json.dumps({"type": "message", "id": "m1", "text": "hello?"}))
    await next_frame(visitor, "accepted")
    store = build_event_store(settings)
    try:
        lead = lead_id(conversation_id("webchat", visitor_id))

        def assignments() -> list[dict[str, Any]]:
            return [d for k, a, d in log_events(store) if k == "Lead.Assigned" and a == lead]

        async def assigned_once() -> bool:
            return len(await asyncio.to_thread(assignments)) == 1

        await until(assigned_once, 30, "the first assignment")
        running.kill("router")  # the deadline passes while no router runs
        running.start("router")

        async def moved_on() -> bool:
            return len(await asyncio.to_thread(assignments)) >= 2

        await until(moved_on, 60, "the re-route after the idle timeout", interval=0.2)
        first, second = (await asyncio.to_thread(assignments))[:2]
        assert first["manager_id"] != second["manager_id"]
        released = [d for k, a, d in log_events(store) if k == "Lead.Released" and a == lead]
        assert released[0]["why"] == "no answer within the rule's idle timeout"
    finally:
        store.close()
        await visitor.close()


def test_an_offer_nobody_accepts_is_assigned_when_it_expires(settings: Settings, tmp_path: Path) -> None:
    rules = "rules:\n  - name: all\n    team: sales\n    strategy: offer_to_all\n    offer_timeout: 2s\n"
    demo_with_rules(settings, rules)
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(expired_offer(settings, running))


async def expired_offer(settings: Settings, running: RunningServices) -> None:
    await running.healthy()
    anna = await operator_socket(settings, "anna@example.com")
    boris = await operator_socket(settings, "boris@example.com")
    visitor, _ = await visitor_socket(settings)
    await visitor.send(json.dumps({"type": "message", "id": "m1", "text": "anyone?"}))
    offered = [(await next_frame(s, "conversation"))["conversation"] for s in (anna, boris)]
    assert [c["lead_status"] for c in offered] == ["offered", "offered"]
    # Nobody accepts: after two seconds one of them holds it, and the other no longer sees it.
    frames: dict[int, list[dict[str, Any]]] = {0: [], 1: []}

    async def collect(index: int, socket: Any) -> None:
        while True:
            frames[index].append(json.loads(await socket.recv()))

    readers = [asyncio.create_task(collect(n, s)) for n, s in enumerate((anna, boris))]

    async def holder() -> tuple[int] | None:  # a tuple: index 0 must count as found
        for index, seen in frames.items():
            if any(f["type"] == "conversation" and f["conversation"]["lead_status"] == "assigned" for f in seen):
                return (index,)
        return None

    (held_by,) = await until(holder, 30, "the expired offer to be assigned")

    async def removed_for_the_other() -> bool:
        return any(f["type"] == "conversation_removed" for f in frames[1 - held_by])

    await until(removed_for_the_other, 30, "the conversation to leave the other console")
    for reader in readers:
        reader.cancel()
    for socket in (anna, boris, visitor):
        await socket.close()
