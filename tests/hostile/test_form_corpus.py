"""Hostile submissions to a web form through the real services: each gets its status and names its field,
nothing refused reaches Kafka or the store, and the submissions accepted between them are stored as sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from aiokafka import TopicPartition

from services.bootstrap import build_consumer
from services.settings import Settings
from services.topics import Topics
from tests.form_harness import admin_token, bearer, contact_form, define, submissions
from tests.hostile.corpus import Case, Outcome, unique_names
from tests.hostile.forms import BODY_LIMIT, SITE, Submission, form_cases, rate_limit_case, valid
from tests.hostile.report import mismatch_table
from tests.services_running import load_demo, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

BURST = 3


def test_hostile_submissions_get_their_answers_and_only_the_accepted_are_stored(
    settings: Settings, tmp_path: Path
) -> None:
    corpus = settings.model_copy(
        update={
            "trusted_proxies": ["127.0.0.1/32"],  # each case its own address, through X-Forwarded-For
            "allowed_origins": [SITE, settings.console_url],
            "forms_max_body_bytes": BODY_LIMIT,
            "form_submission_burst": BURST,
            "form_submission_seconds": 600.0,
            "form_definition_seconds": 0.0,  # the archived form is refused at once
        }
    )
    load_demo(corpus)
    with services(corpus, tmp_path / "logs") as running:
        asyncio.run(running.healthy())
        asyncio.run(_corpus(corpus))


async def _corpus(settings: Settings) -> None:
    admin = await admin_token(settings)
    form_id = await define(settings, admin, contact_form(allowed_origins=[]))
    archived = await define(settings, admin, contact_form(name="Old form", allowed_origins=[]))
    async with httpx.AsyncClient(base_url=settings.console_url, headers=bearer(admin), timeout=30) as http:
        assert (await http.delete(f"/api/forms/{archived}")).status_code == httpx.codes.OK
    cases = form_cases()
    cases.append(Case("form", "form", "archived form", Submission(valid("gone-0001"), form=str(archived)), _404()))
    assert not unique_names(cases)
    outcomes = [await _sent(settings, form_id, case, f"10.9.{n // 250}.{n % 250 + 1}") for n, case in enumerate(cases)]
    outcomes += [await _sent(settings, form_id, case, "10.8.0.1") for case in rate_limit_case(BURST)]
    failing = [o for o in outcomes if not o.ok]
    assert not failing, "\n" + mismatch_table(outcomes)
    accepted = {o.case.input.body["idempotency_key"] for o in outcomes if o.got == "status 202"}
    assert len(accepted) == 3 + BURST
    # Nothing refused was published: the inbound topic holds exactly the accepted submissions.
    assert await _published_keys(settings) == accepted
    stored = await submissions(settings, admin, form_id, len(accepted))
    assert len(stored) == len(accepted)
    kept = [a for s in stored for a in s["answers"] if a["value"] == "<script>alert(document.cookie)</script>"]
    assert sorted(a["key"] for a in kept) == ["comment", "company", "name"]


def _404() -> frozenset[str]:
    return frozenset({"status 404"})


async def _sent(settings: Settings, form_id: UUID, case: Case, address: str) -> Outcome:
    submission: Submission = case.input
    target = submission.form or str(form_id)
    headers = {**submission.headers, "X-Forwarded-For": address}
    content: bytes | AsyncIterator[bytes] = submission.content()
    if submission.chunked:
        content = _chunks(submission.content())
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(f"{settings.forms_url}/forms/{target}", content=content, headers=headers)
    got = f"status {answer.status_code}"
    return Outcome(case, got, _problem(case, answer))


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1024):
        yield data[start : start + 1024]


def _problem(case: Case, answer: httpx.Response) -> str:
    if answer.status_code == httpx.codes.TOO_MANY_REQUESTS and not answer.headers.get("retry-after"):
        return "no Retry-After"
    if not case.names_field:
        return ""
    try:
        fields: dict[str, Any] = answer.json().get("fields") or {}
    except ValueError:
        return f"not JSON: {answer.text[:80]}"
    named = fields.get(case.names_field)
    return "" if named else f"fields name {sorted(fields)}, not {case.names_field!r}"


async def _published_keys(settings: Settings) -> set[str]:
    """The idempotency keys of every form submission on the inbound topic, read to its end."""
    topic = Topics.named(settings.topic_prefix).inbound
    consumer = build_consumer(settings)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(settings.inbound_partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        keys: set[str] = set()
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    message = json.loads(record.value or b"{}")
                    if message.get("channel") == "form":
                        keys.add(message["form"]["submission_key"])
        return keys
    finally:
        await consumer.stop()
