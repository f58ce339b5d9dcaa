"""An admin archives a web form: it takes no more submissions; what was submitted stays."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.define_form import FormSaved, UnknownForm
from application.errors import check_version
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.web_form import WebForm


def archive_form(store: EventStore, form_id: UUID, by: UUID, expected_version: int | None = None) -> FormSaved:
    """Archive the form (archiving it again changes nothing); UnknownForm or ConcurrentEdit."""

    def command(work: UnitOfWork, _: Assigning) -> FormSaved:
        form = work.find(form_id, WebForm)
        if form is None:
            raise UnknownForm(form_id)
        check_version("form", form, expected_version)
        form.archive(by)
        return FormSaved(form.id, form.version)

    return store.transact(command)
