"""Thousands of hostile inputs on every surface get the answers the error contract names, and afterwards
the system is healthy, a normal conversation still works end to end, and nothing hostile was kept."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import asyncpg
import httpx
import pytest

from devstack.demo import DEMO_PASSWORD
from devstack.dovecot import LocalDovecot
from devstack.ports import free_port
from services.settings import Settings
from tests.hostile import system
from tests.hostile.console import console_cases
from tests.hostile.console_run import run_console
from tests.hostile.corpus import Outcome, counts
from tests.hostile.mail import mail_cases
from tests.hostile.mail_run import run_mail
from tests.hostile.report import family_summary, mismatch_table, totals
from tests.hostile.rest import DEFAULT_BODY_LIMIT
from tests.hostile.rest_requests import rest_cases
from tests.hostile.rest_run import run_rest
from tests.hostile.widget_frames import widget_cases
from tests.hostile.widget_run import run_widget
from tests.mail_servers import MailUser, with_mailbox
from tests.services_running import load_demo

T = TypeVar("T")

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

# The corpus itself gets this long; cases not reached by then are reported as not run.
CORPUS_SECONDS = 180.0  # the corpus takes 15-50 s here; the budget only stops a runaway
MAIL_SECONDS = 30.0
# Directors for the console corpus: one per batch of commands (rate limits are per operator).
OPERATORS = 70


@pytest.mark.runs_long(80)
def test_hostile_input_gets_the_contracts_answers_and_the_system_stays_whole(
    settings: Settings, tmp_path: Path, dovecot: LocalDovecot, mail_user: MailUser
) -> None:
    with_mail = with_mailbox(settings, mail_user)
    load_demo(with_mail)
    relaxed, missing, untouched = system.relaxed_limits()
    print(f"limits raised: {sorted(relaxed)}; not in Settings: {missing}; limit fields left at default: {untouched}")
    main = system.HostileServices(with_mail, tmp_path / "logs", relaxed)
    strict_settings = settings.model_copy(update={"http_port": free_port()})
    strict = system.HostileServices(strict_settings, tmp_path / "strict-logs", {})
    try:
        for name in ("ingest", "router", "projections", "gateway"):
            main.start(name)
        strict.start("gateway")
        report = asyncio.run(attack(with_mail, strict_settings, main, strict, dovecot, mail_user))
    finally:
        main.stop_all()
        strict.stop_all()
    (tmp_path / "hostile-report.txt").write_text(report)
    print(report)
    assert "FAILED" not in report, report[:20_000]


async def attack(  # noqa: PLR0913 - the whole system under test
    settings: Settings,
    strict_settings: Settings,
    main: system.HostileServices,
    strict: system.HostileServices,
    dovecot: LocalDovecot,
    user: MailUser,
) -> str:
    await main.healthy()
    await strict.healthy()
    director = await system.log_in(settings, "clara@example.com", DEMO_PASSWORD)
    manager = await system.log_in(settings, "anna@example.com", DEMO_PASSWORD)
    boris = await system.log_in(settings, "boris@example.com", DEMO_PASSWORD)
    tokens = {"director": director["token"], "manager": manager["token"]}
    # The corpus opens hundreds of conversations; room for all of them keeps the last one from queueing.
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        for someone in (manager, boris):
            path = f"/api/managers/{someone['operator']['manager_id']}/capacity"
            response = await http.put(
                path, json={"capacity": 10_000}, headers={"Authorization": f"Bearer {tokens['director']}"}
            )
            assert response.status_code == 200, response.text

    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    assert pool is not None
    try:
        conversation = await system.visitor_conversation(settings, pool)
        director_id = director["operator"]["manager_id"]
        widget = widget_cases(settings.webchat_max_frame_bytes)
        console = console_cases(conversation)
        rest = rest_cases(uuid.UUID(director_id), getattr(settings, "http_max_body_bytes", DEFAULT_BODY_LIMIT))
        mail = mail_cases()
        everything = [*widget, *console, *rest, *mail]
        print(f"cases: {dict(counts(everything))}, {len(everything)} in all")

        started = time.monotonic()
        console_url = f"ws://127.0.0.1:{settings.http_port}/ws/console"
        strict_console = (f"ws://127.0.0.1:{strict_settings.http_port}/ws/console", strict_settings.console_url)
        took: dict[str, float] = {}
        # Mail first and alone: its verdicts are read from the read models, which a poisoned
        # projection elsewhere would stop; this way each surface's own defects show.
        mail_run = asyncio.ensure_future(timed("mail", took, run_mail(mail, dovecot, user.name, pool, MAIL_SECONDS)))
        operators = await system.directors(settings, pool, OPERATORS)
        mail_outcomes = await mail_run
        deadline = time.monotonic() + CORPUS_SECONDS
        widget_run, console_outcomes, rest_outcomes = await asyncio.gather(
            timed("widget", took, run_widget(widget, settings.console_url, settings.webchat_url, deadline)),
            timed(
                "console",
                took,
                run_console(
                    console,
                    console_url,
                    settings.console_url,
                    operators,
                    strict_console,
                    str(conversation),
                    deadline,
                ),
            ),
            timed("rest", took, run_rest(rest, settings.console_url, tokens, strict_settings.console_url, deadline)),
        )
        corpus_seconds = time.monotonic() - started
        outcomes: list[Outcome] = [*widget_run.outcomes, *console_outcomes, *rest_outcomes, *mail_outcomes]

        after: list[str] = []
        try:
            await main.healthy(timeout=15)
        except Exception as error:  # noqa: BLE001 - every failure after the corpus goes in the report
            after.append(f"not healthy after the corpus: {str(error)[:2000]}")
        after += await system.stored_as_accepted(pool, widget_run.accepted, widget_run.visitors)
        try:
            await system.conversation_still_works(settings)
        except Exception as error:  # noqa: BLE001
            after.append(f"a normal conversation no longer works: {type(error).__name__}: {str(error)[:300]}")
        after += await system.read_models_clean(pool)
    finally:
        await pool.close()
    (outcomes_file := Path(str(main.logs)).parent / "hostile-outcomes.txt").write_text(every_outcome(outcomes))
    print(f"every outcome, passing ones too: {outcomes_file}")
    surfaces = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in sorted(took.items()))
    return render(outcomes, after, f"{corpus_seconds:.1f}s ({surfaces})", time.monotonic() - started)


async def timed(name: str, took: dict[str, float], work: Awaitable[T]) -> T:
    """``work``'s result; how long it took goes in ``took``."""
    started = time.monotonic()
    try:
        return await work
    finally:
        took[name] = time.monotonic() - started


def every_outcome(outcomes: list[Outcome]) -> str:
    """One line per case, passing or not: for reading what a passing case actually got."""
    return "\n".join(
        f"{'ok  ' if o.ok else 'FAIL'} {o.case.surface:8} {o.case.name[:110]!s:110}"
        f" {' or '.join(sorted(o.case.expect))[:40]:40} {o.got[:100]} {o.problem[:100]}"
        for o in outcomes
    )


def render(outcomes: list[Outcome], after: list[str], corpus_took: str, total_seconds: float) -> str:
    """The report: totals, failing families, every mismatch, and what the system looked like afterwards."""
    failing = [o for o in outcomes if not o.ok]
    verdict = "FAILED" if failing or after else "passed"
    return "\n".join(
        [
            f"hostile input {verdict}: {totals(outcomes)}",
            f"corpus took {corpus_took}, with the checks afterwards {total_seconds:.1f}s",
            "",
            "failing families:",
            family_summary(outcomes) or "(none)",
            "",
            "after the corpus:",
            "\n".join(after) or "(all well)",
            "",
            "every mismatch:",
            mismatch_table(outcomes),
        ]
    )
