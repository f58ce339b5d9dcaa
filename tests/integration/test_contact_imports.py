"""Importing contacts from files on the real event store: bad rows reported, good ones all in, nothing twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest

from application.contact_matching import owner_of
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from bench.contact_files import REPEATS, card_email, contact_csv, email_of, person, vcards
from domain.company import Company
from domain.contact import Contact, email_key
from domain.identities import manager_id
from services.imports import checkpoints
from services.imports.runner import ImportReport, ImportRequest, run_import
from services.settings import Settings
from tests.conftest import REPO_ROOT, settings_env

# As many rows as the benchmark (`switchboard-bench imports`): a spreadsheet of 50,000 contacts.
ROWS = int(os.environ.get("SWITCHBOARD_TEST_IMPORT_ROWS", "50000"))
ADMIN = manager_id("admin@example.com")
EVENTS = "switchboard_events"
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def imported(
    settings: Settings, store: EventStore, data: bytes, filename: str, *, dry_run: bool = False
) -> ImportReport:
    async def run() -> ImportReport:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
        try:
            return await run_import(store, pool, ImportRequest(data, filename, ADMIN, dry_run))
        finally:
            await pool.close()

    return asyncio.run(run())


def contacts_registered(settings: Settings) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(settings.database_url)
        try:
            return int(await conn.fetchval(f"SELECT count(*) FROM {EVENTS} WHERE topic LIKE '%:Contact.Registered'"))
        finally:
            await conn.close()

    return asyncio.run(count())


def contact_by_email(store: EventStore, email: str) -> Contact:
    found = owner_of(UnitOfWork(store.load), email_key(email))
    assert found is not None, email
    return found


@pytest.mark.runs_long(430)
def test_a_spreadsheet_imports_every_good_row_and_reports_each_bad_one_by_line_and_column(
    settings: Settings, store: EventStore
) -> None:
    made = contact_csv(ROWS)

    report = imported(settings, store, made.data, "контакты.csv")

    assert (report.encoding, report.delimiter, report.kind) == ("cp1251", ";", "csv")
    assert [r["line"] for r in report.refused] == sorted(made.bad_lines)  # each bad row once, by line
    assert {r["line"]: r["column"] for r in report.refused} == made.bad_lines
    assert all(r["reason"].startswith(f"'{r['column']}'") for r in report.refused)
    assert report.created == made.contacts
    assert report.created + report.updated + report.unchanged + len(report.refused) == ROWS
    assert contacts_registered(settings) == made.contacts
    repeated = made.repeated_lines[0]  # its e-mail is an earlier row's: one contact with both phones
    same = contact_by_email(store, email_of(repeated - 2 - REPEATS))
    assert len(same.phones) == 2
    markup_line, markup = next(iter(made.markup_lines.items()))
    assert contact_by_email(store, email_of(markup_line - 2)).name == markup
    last = contact_by_email(store, email_of(ROWS - 1))
    assert last.custom_fields == {"title": "Менеджер"}
    company = store.load(last.company_id) if last.company_id else None
    assert isinstance(company, Company)
    assert last.id in company.contacts


def test_a_dry_run_reports_what_the_import_would_do_and_changes_nothing(settings: Settings, store: EventStore) -> None:
    made = contact_csv(600)

    preview = imported(settings, store, made.data, "contacts.csv", dry_run=True)

    assert contacts_registered(settings) == 0
    assert (preview.created, len(preview.refused)) == (made.contacts, len(made.bad_lines))
    assert preview.updated == len(made.repeated_lines)
    report = imported(settings, store, made.data, "contacts.csv")
    assert (report.created, report.updated, report.refused) == (preview.created, preview.updated, preview.refused)
    again = imported(settings, store, contact_csv(600).data, "contacts.csv", dry_run=True)
    assert (again.created, again.unchanged) == (0, 600 - len(made.bad_lines))


def test_an_address_book_of_vcard_3_and_4_imports_every_card(settings: Settings, store: EventStore) -> None:
    report = imported(settings, store, vcards(1000), "book.vcf")

    assert (report.kind, report.created, report.refused) == ("vcard", 1000, [])
    card = contact_by_email(store, card_email("anna", 1))
    assert (card.name, [p.number for p in card.phones]) == ("Anna Berzina 1", ["+37120000001"])
    assert card.custom_fields == {
        "title": "Buyer", "note": "Met at the fair, booth 1", "address": "Brivibas 1, Riga, LV-1010, Latvia"
    }  # fmt: skip
    assert contact_by_email(store, card_email("janis", 0)).name == "Janis Ozols 0"


def test_a_killed_import_resumes_where_it_stopped_and_doubles_nothing(
    settings: Settings, store: EventStore, tmp_path: Path
) -> None:
    made = contact_csv(1500)
    path = tmp_path / "contacts.csv"
    path.write_bytes(made.data)
    command = [sys.executable, "-m", "services.cli", "import", "contacts", str(path), "--by", "admin@example.com"]
    env = {**settings_env(settings), "PATH": "/usr/bin:/bin", "SWITCHBOARD_IMPORT_BATCH_ROWS": "100"}
    first = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sha256 = __import__("hashlib").sha256(made.data).hexdigest()
    deadline = time.monotonic() + 300
    while (done := _rows_done(settings, sha256)) < 300:  # wait on the checkpoint's position, then kill
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        assert time.monotonic() < deadline, "the import made no progress"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert done < 1500

    second = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, check=False, timeout=300)

    assert second.returncode == 0, second.stderr.decode()
    report = json.loads(second.stdout.decode().strip().splitlines()[-1])
    assert report["resumed_at_row"] >= done  # continued, not begun again
    assert contacts_registered(settings) == made.contacts
    assert _rows_done(settings, sha256) == 1500
    assert contact_by_email(store, email_of(1499)).name == person(1499)


def _rows_done(settings: Settings, sha256: str) -> int:
    async def read() -> int:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
        try:
            return await checkpoints.rows_done(pool, sha256)
        finally:
            await pool.close()

    return asyncio.run(read())
