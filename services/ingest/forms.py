"""Web forms in ingest: the public endpoint on the webhooks port, with forms read from their read model.

A form's definition is read from the projections' ``web_forms`` table and kept for
``form_definition_seconds``, so a stream of submissions costs no query each, and a change or an
archive is in force within that time.
"""

from __future__ import annotations

import json
import time
from uuid import UUID

import asyncpg
import structlog

from connectors.forms.endpoint import FormLimits, PublishedForm, Unavailable, form_routes
from connectors.rate_limit import RateLimiter
from domain.errors import InvalidField
from domain.form_submission import FormVersion
from domain.text import InvalidText
from domain.web_form import FormDefinition
from services.ingest.delivery_rows import ReportOutcome
from services.ingest.messenger_parts import Messenger, Publish
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings

log = structlog.get_logger()

MAX_KEPT = 1000
_UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class PublishedForms:
    """Forms by id, as the read model has them, each kept for a while."""

    def __init__(self, pool: asyncpg.Pool, keep_seconds: float) -> None:
        self._pool = pool
        self._keep = keep_seconds
        self._kept: dict[UUID, tuple[float, PublishedForm | None]] = {}

    async def find(self, form_id: UUID) -> PublishedForm | None:
        """The form as in force, or None if there is no such form; Unavailable if the database is away."""
        now = time.monotonic()
        kept = self._kept.get(form_id)
        if kept is not None and now - kept[0] < self._keep:
            return kept[1]
        try:
            row = await self._pool.fetchrow(
                f"SELECT definition, archived, version FROM {LIVE_SCHEMA}.web_forms WHERE id = $1",  # noqa: S608
                form_id,
            )
        except asyncpg.UndefinedTableError:
            row = None  # the projections have not made their tables yet: no form has been defined
        except _UNAVAILABLE as error:
            raise Unavailable(str(error)) from error
        found = None
        if row is not None:
            try:
                definition = FormDefinition.checked(json.loads(row["definition"]))
            except (InvalidField, InvalidText) as unreadable:
                # A definition stored under rules since made stricter: not served until an admin saves it again.
                log.warning("form_definition_unreadable", form_id=str(form_id), error=str(unreadable))
            else:
                found = PublishedForm(FormVersion(form_id, row["version"], definition), row["archived"])
        if len(self._kept) >= MAX_KEPT:
            self._kept.clear()  # unknown ids asked for in bulk must not grow this without bound
        self._kept[form_id] = (now, found)
        return found


async def start_forms(settings: Settings, pool: asyncpg.Pool, publish: Publish, _: ReportOutcome) -> list[Messenger]:
    """The forms' public routes, which every ingest serves."""
    forms = PublishedForms(pool, settings.form_definition_seconds)
    limits = FormLimits(
        max_body_bytes=settings.forms_max_body_bytes,
        submissions=RateLimiter(1 / settings.form_submission_seconds, settings.form_submission_burst),
        trusted_proxies=tuple(settings.trusted_proxies),
        default_phone_region=settings.default_phone_region,
    )
    return [Messenger("forms", routes=list(form_routes(forms.find, publish, settings.origins, limits)))]
