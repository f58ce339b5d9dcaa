"""Whether anyone can chat with a widget's visitor now, for the widget to offer the live chat or an offline form.

Only a yes or no leaves this module: the widget is public, so it learns nothing of who works or how many.
The managers asked are those routing would ask: the teams the rules in force name (the default team too)
and the managers they name.
"""

from __future__ import annotations

from uuid import UUID

from application.assigning import candidate_of
from application.event_store import EventStore
from domain.identities import team_id
from domain.manager import Manager
from domain.routing import Situation, can_chat_now
from domain.rulebook import Rulebook
from domain.rules import default_rules
from domain.team import Team


def anyone_available(store: EventStore) -> bool:
    """True if a manager is at work, within their hours, with a console open and room for one more lead."""
    book = store.load(Rulebook.create_id())
    rules = book.in_force(store.team) if isinstance(book, Rulebook) else default_rules(store.team)
    names = {r.team for r in rules.rules if r.team} | {store.team}
    teams = store.load_many({team_id(name) for name in names})
    wanted: set[UUID] = {r.manager for r in rules.rules if r.manager}
    wanted.update(*(t.members for t in teams.values() if isinstance(t, Team)))
    situation = Situation(rules=rules, teams={}, managers={}, at=store.clock())
    managers = store.load_many(wanted)
    return any(can_chat_now(candidate_of(m), situation) for m in managers.values() if isinstance(m, Manager))
