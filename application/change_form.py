"""An admin changes a web form; submissions from then on are read against the new definition."""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.define_form import FormSaved, UnknownForm, require_manager
from application.errors import check_version
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.web_form import FormDefinition, WebForm


def change_form(
    store: EventStore, form_id: UUID, definition: FormDefinition, by: UUID, expected_version: int | None = None
) -> FormSaved:
    """Put ``definition`` in force, on the form as the editor read it; UnknownForm, ConcurrentEdit or FormArchived."""

    def command(work: UnitOfWork, _: Assigning) -> FormSaved:
        form = work.find(form_id, WebForm)
        if form is None:
            raise UnknownForm(form_id)
        check_version("form", form, expected_version)
        require_manager(work, definition)
        form.change(definition, by)
        return FormSaved(form.id, form.version)

    return store.transact(command)
