"""An admin defines a web form: its fields, their mapping, what it creates, who gets it, its consent text."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from application.assigning import Assigning
from application.errors import UnknownManager
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.errors import DomainError, InvalidField
from domain.manager import Manager
from domain.web_form import FormDefinition, WebForm


class UnknownForm(DomainError):
    """No form has that id."""

    def __init__(self, form_id: UUID) -> None:
        super().__init__(f"no form with id {form_id}")


@dataclass(frozen=True)
class FormSaved:
    """A form as a change left it: its id and its version for the next edit."""

    form_id: UUID
    version: int


def define_form(store: EventStore, definition: FormDefinition, by: UUID, form_id: UUID | None = None) -> FormSaved:
    """A new form; ``form_id`` given, defining it twice defines it once. Returns its id and version."""
    chosen = form_id or uuid4()

    def command(work: UnitOfWork, _: Assigning) -> FormSaved:
        existing = work.get(chosen)
        if isinstance(existing, WebForm):
            return FormSaved(existing.id, existing.version)
        if existing is not None:
            raise InvalidField("form_id", f"{chosen} is the id of another record")
        require_manager(work, definition)
        form = WebForm.define(chosen, definition, by)
        work.add(form)
        return FormSaved(form.id, form.version)

    return store.transact(command)


def require_manager(work: UnitOfWork, definition: FormDefinition) -> None:
    """The form's responsible manager, if it names one, must be a manager."""
    wanted = definition.responsible_manager_id
    if wanted is not None and work.find(wanted, Manager) is None:
        raise InvalidField("responsible_manager_id", str(UnknownManager(wanted)))
