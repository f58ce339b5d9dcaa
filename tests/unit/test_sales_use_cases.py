"""The deal and activity use cases on the in-memory event store: what they record, and what they refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.add_deal_line import NewLine, add_deal_line
from application.add_stage import add_stage
from application.change_deal import change_deal
from application.change_deal_line import LineChange, change_deal_line
from application.change_deal_responsible import change_deal_responsible
from application.complete_activity import complete_activity
from application.create_pipeline import create_pipeline, ensure_default_pipeline
from application.create_product import create_product
from application.deal_observers import add_deal_observer, remove_deal_observer
from application.errors import ConcurrentEdit, UnknownActivity, UnknownDeal, UnknownPipeline
from application.event_store import EventStore
from application.fire_reminder import due_reminders, fire_reminder
from application.managers import register_manager
from application.move_deal import move_deal
from application.open_deal import DealOpening, open_deal
from application.remove_deal_line import remove_deal_line
from application.rename_stage import rename_stage
from application.reorder_stages import reorder_stages
from application.reschedule_activity import reschedule_activity
from application.schedule_activity import NewActivity, schedule_activity
from application.set_deal_amount import set_deal_amount
from application.update_product import update_product
from domain.deal import Deal
from domain.errors import InvalidField
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline, StageDraft
from services.router.published import encode, public_event
from tests.log_invariants import log_events

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> EventStore:
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, team="sales", clock=clock)


@pytest.fixture
def anna(store: EventStore) -> UUID:
    return register_manager(store, "Anna", "anna@example.com", 5, "sales")


@pytest.fixture
def boris(store: EventStore) -> UUID:
    return register_manager(store, "Boris", "boris@example.com", 5, "sales")


def stage_named(store: EventStore, name: str, pipeline_id: UUID = DEFAULT_PIPELINE_ID) -> UUID:
    pipeline = store.load(pipeline_id)
    assert isinstance(pipeline, Pipeline)
    return next(s.id for s in pipeline.ordered if s.name == name)


def the_deal(store: EventStore, deal_id: UUID) -> Deal:
    found = store.load(deal_id)
    assert isinstance(found, Deal)
    return found


def test_the_first_deal_creates_the_default_pipeline_once(store: EventStore, anna: UUID) -> None:
    first = open_deal(store, DealOpening("Fleet", "EUR"), anna)
    second = open_deal(store, DealOpening("Vans", "EUR"), anna)
    assert ensure_default_pipeline(store) == DEFAULT_PIPELINE_ID
    created = [k for k, _, _ in log_events(store) if k == "Pipeline.Created"]
    assert created == ["Pipeline.Created"]
    assert the_deal(store, first.deal_id).stage.name == the_deal(store, second.deal_id).stage.name == "New"


def test_opening_the_same_deal_twice_opens_it_once(store: EventStore, anna: UUID) -> None:
    deal_id = uuid4()
    first = open_deal(store, DealOpening("Fleet", "EUR", deal_id=deal_id), anna)
    again = open_deal(store, DealOpening("Fleet", "EUR", deal_id=deal_id), anna)
    assert (first.duplicate, again.duplicate, again.version) == (False, True, 1)
    assert [k for k, _, _ in log_events(store)].count("Deal.Opened") == 1


@pytest.mark.parametrize(
    ("opening", "field"),
    [
        (DealOpening("Fleet", "EURO"), "currency"),
        (DealOpening("", "EUR"), "title"),
        (DealOpening("Fleet", "EUR", amount=12.5), "amount"),
        (DealOpening("Fleet", "EUR", expected_close="soon"), "expected_close"),
        (DealOpening("Fleet", "EUR", stage_id=uuid4()), "stage_id"),
        (DealOpening("Fleet", "EUR", responsible_id=uuid4()), "responsible_id"),
        (DealOpening("Fleet", "EUR", observers=(uuid4(),)), "observers"),
        (DealOpening("Fleet", "EUR", contact_id=uuid4()), "contact_id"),
        (DealOpening("Fleet", "EUR", company_id=uuid4()), "company_id"),
        (DealOpening("Fleet", "EUR", lead_id=uuid4()), "lead_id"),
    ],
)
def test_a_deal_that_cannot_open_is_refused_by_its_field_and_nothing_is_stored(
    store: EventStore, anna: UUID, opening: DealOpening, field: str
) -> None:
    before = len(log_events(store))
    with pytest.raises(ValueError, match=field) as refused:
        open_deal(store, opening, anna)
    assert getattr(refused.value, "field", None) == field
    assert len(log_events(store)) == before


def test_an_unknown_pipeline_or_deal_is_not_found(store: EventStore, anna: UUID) -> None:
    with pytest.raises(UnknownPipeline):
        open_deal(store, DealOpening("Fleet", "EUR", pipeline_id=uuid4()), anna)
    with pytest.raises(UnknownDeal):
        move_deal(store, uuid4(), uuid4(), anna)
    with pytest.raises(UnknownActivity):
        complete_activity(store, uuid4(), "done", anna)


def test_an_edit_from_an_old_version_is_refused_with_the_current_one(store: EventStore, anna: UUID) -> None:
    opened = open_deal(store, DealOpening("Fleet", "EUR"), anna)
    version = change_deal(store, opened.deal_id, anna, title="Fleet 2026", expected_version=opened.version)
    assert version == 2
    with pytest.raises(ConcurrentEdit, match="version 2") as stale:
        change_deal(store, opened.deal_id, anna, title="Fleet 2027", expected_version=opened.version)
    assert stale.value.current_version == 2
    assert the_deal(store, opened.deal_id).title == "Fleet 2026"


def test_lines_from_the_catalogue_make_the_amount_until_it_is_set_by_hand(store: EventStore, anna: UUID) -> None:
    tyre = create_product(store, "Winter tyre", "120.00", "EUR", anna, sku="WT-16", category="tyres")
    opened = open_deal(store, DealOpening("Fleet", "EUR"), anna)
    added = add_deal_line(store, opened.deal_id, NewLine(product_id=tyre, quantity=4, tax_percent="20"), anna)
    assert the_deal(store, opened.deal_id).amount == Decimal("576.00")
    change_deal_line(store, opened.deal_id, added.line_id, LineChange(discount_percent="10"), anna)
    assert the_deal(store, opened.deal_id).amount == Decimal("518.40")
    set_deal_amount(store, opened.deal_id, "500", anna)
    add_deal_line(store, opened.deal_id, NewLine(name="Fitting", price="40"), anna)
    deal = the_deal(store, opened.deal_id)
    assert (deal.amount, deal.lines_total.text, deal.amount_set_by_hand) == (Decimal(500), "558.40", True)
    set_deal_amount(store, opened.deal_id, None, anna)
    remove_deal_line(store, opened.deal_id, added.line_id, anna)
    assert the_deal(store, opened.deal_id).amount == Decimal("40.00")
    line = the_deal(store, opened.deal_id).lines
    assert [x.name for x in line.values()] == ["Fitting"]


def test_a_line_needs_an_offered_product_and_a_price_in_the_deals_currency(store: EventStore, anna: UUID) -> None:
    dollars = create_product(store, "Support", "99", "USD", anna)
    opened = open_deal(store, DealOpening("Fleet", "EUR"), anna)
    refusals = [
        (NewLine(product_id=dollars), "price", "priced in USD"),
        (NewLine(product_id=uuid4()), "product_id", "no product"),
        (NewLine(name="Fitting"), "price", "without a catalogue product"),
        (NewLine(name="Fitting", price="1", quantity=0), "quantity", "more than 0"),
    ]
    for line, field, problem in refusals:
        with pytest.raises(InvalidField, match=problem) as refused:
            add_deal_line(store, opened.deal_id, line, anna)
        assert refused.value.field == field
    add_deal_line(store, opened.deal_id, NewLine(product_id=dollars, price="90"), anna)  # priced by hand in EUR
    update_product(store, dollars, anna, active=False)
    with pytest.raises(InvalidField, match="no longer offered"):
        add_deal_line(store, opened.deal_id, NewLine(product_id=dollars, price="90"), anna)
    assert the_deal(store, opened.deal_id).amount == Decimal("90.00")


def test_stage_moves_follow_the_pipeline_and_its_renames_and_reorders_rewrite_nothing(
    store: EventStore, clock: Clock, anna: UUID
) -> None:
    opened = open_deal(store, DealOpening("Fleet", "EUR"), anna)
    clock.now += timedelta(days=2)
    move_deal(store, opened.deal_id, stage_named(store, "Proposal"), anna)
    before = [(k, dict(d)) for k, _, d in log_events(store) if k.startswith("Deal.")]
    proposal = stage_named(store, "Proposal")
    rename_stage(store, DEFAULT_PIPELINE_ID, proposal, "Offer sent", anna)
    pipeline = store.load(DEFAULT_PIPELINE_ID)
    assert isinstance(pipeline, Pipeline)
    reorder_stages(store, DEFAULT_PIPELINE_ID, list(reversed(pipeline.order)), anna)
    demo = add_stage(store, DEFAULT_PIPELINE_ID, "Demo", "in_progress", 60, anna, position=0)
    after = [(k, dict(d)) for k, _, d in log_events(store) if k.startswith("Deal.")]
    assert after == before
    assert the_deal(store, opened.deal_id).stage.id == proposal
    clock.now += timedelta(days=1)
    move_deal(store, opened.deal_id, demo, anna)
    moved = [d for k, _, d in log_events(store) if k == "Deal.StageChanged"][-1]
    assert (moved["previous_stage_id"], moved["previous_stage_entered_at"]) == (proposal, T0 + timedelta(days=2))
    assert moved["stage"]["name"] == "Demo"
    stages = [StageDraft("Talk", "in_progress", 5), StageDraft("Won", "won", 100), StageDraft("Lost", "lost", 0)]
    talk = stage_named(store, "Talk", create_pipeline(store, "Partners", stages, anna))
    with pytest.raises(InvalidField) as elsewhere:
        move_deal(store, opened.deal_id, talk, anna)
    assert elsewhere.value.field == "stage_id"


def test_people_on_a_deal_must_be_managers(store: EventStore, anna: UUID, boris: UUID) -> None:
    opened = open_deal(store, DealOpening("Fleet", "EUR", observers=(boris,)), anna)
    change_deal_responsible(store, opened.deal_id, boris, anna)
    remove_deal_observer(store, opened.deal_id, boris, anna)
    add_deal_observer(store, opened.deal_id, anna, boris)
    deal = the_deal(store, opened.deal_id)
    assert (deal.responsible_id, deal.observers) == (boris, [anna])
    with pytest.raises(InvalidField) as refused:
        change_deal_responsible(store, opened.deal_id, uuid4(), anna)
    assert refused.value.field == "responsible_id"


def test_a_reminder_fires_once_when_due_and_not_after_the_activity_is_done(
    store: EventStore, clock: Clock, anna: UUID, boris: UUID
) -> None:
    opened = open_deal(store, DealOpening("Fleet", "EUR"), anna)
    soon = NewActivity("task", "deal", opened.deal_id, "Call back", remind_at=T0 + timedelta(minutes=5),
                       responsible_id=boris, call_back=True)  # fmt: skip
    task = schedule_activity(store, soon, anna)
    later = schedule_activity(
        store, NewActivity("call", "deal", opened.deal_id, "Call", remind_at=T0 + timedelta(hours=1)), anna
    )
    assert due_reminders(store, 10) == []
    clock.now += timedelta(minutes=5)
    assert due_reminders(store, 10) == [task]
    assert fire_reminder(store, task)
    assert not fire_reminder(store, task)
    assert due_reminders(store, 10) == []
    complete_activity(store, later, "Reached her early", anna)
    clock.now += timedelta(hours=2)
    assert due_reminders(store, 10) == []
    assert not fire_reminder(store, later)
    fired = [d for k, _, d in log_events(store) if k == "Activity.ReminderFired"]
    assert len(fired) == 1
    assert (fired[0]["responsible_id"], fired[0]["subject_kind"], fired[0]["subject_id"]) == (
        boris,
        "deal",
        opened.deal_id,
    )
    reschedule_activity(store, task, None, T0 + timedelta(days=1), anna)
    assert due_reminders(store, 10) == []
    clock.now = T0 + timedelta(days=1)
    assert fire_reminder(store, task)  # moved to a new time, it fires there once more


def test_an_activity_on_a_record_that_does_not_exist_is_refused(store: EventStore, anna: UUID) -> None:
    with pytest.raises(InvalidField, match="no deal") as refused:
        schedule_activity(store, NewActivity("task", "deal", uuid4(), "Call"), anna)
    assert refused.value.field == "subject_id"


def test_every_event_of_the_sales_records_fits_the_domain_events_topic(
    store: EventStore, clock: Clock, anna: UUID, boris: UUID
) -> None:
    tyre = create_product(store, "Tyre", "120", "EUR", anna)
    update_product(store, tyre, anna, name="Winter tyre", price="99.90")
    opened = open_deal(store, DealOpening("Fleet", "EUR", amount="10", expected_close="2026-06-30"), anna)
    add_deal_line(store, opened.deal_id, NewLine(product_id=tyre, quantity="2.5", discount_percent="5"), anna)
    change_deal(store, opened.deal_id, anna, probability=40, expected_close=None)
    move_deal(store, opened.deal_id, stage_named(store, "Lost"), anna, reason="Budget cut")
    activity = schedule_activity(
        store, NewActivity("meeting", "deal", opened.deal_id, "Visit", due_at=T0, remind_at=T0), anna
    )
    fire_reminder(store, activity)
    complete_activity(store, activity, "Met", boris)
    recorder = store.recorder
    published = []
    for notification in recorder.select_notifications(0, 1000):  # type: ignore[attr-defined]
        event = public_event(store, notification)
        published.append(event.type)
        assert encode(event)  # plain JSON: no Decimal, date or enum left in
    assert {"Product.PriceChanged", "Deal.LineAdded", "Deal.StageChanged", "Activity.ReminderFired"} <= set(published)
