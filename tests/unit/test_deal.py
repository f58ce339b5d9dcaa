"""Deals: stage moves in the log, product lines and the amount, and who did what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.deal import Deal, close_date
from domain.errors import InvalidField
from domain.money import Money
from domain.pipeline import DEFAULT_PIPELINE_ID, DEFAULT_STAGES, Pipeline, Stage
from domain.product_line import ProductLine

BY = uuid4()
CONTACT, COMPANY, LEAD = uuid4(), uuid4(), uuid4()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PIPELINE = Pipeline.create(DEFAULT_PIPELINE_ID, "Sales", DEFAULT_STAGES, None)
NEW, QUALIFICATION, PROPOSAL, NEGOTIATION, WON, LOST = PIPELINE.ordered


def deal(currency: str = "EUR", amount: Money | None = None) -> Deal:
    return Deal.open(
        uuid4(), "Fleet renewal", PIPELINE.id, NEW, BY, T0, currency=currency, amount=amount,
        contact_id=CONTACT, company_id=COMPANY, lead_id=LEAD,
    )  # fmt: skip


def line(price: str = "19.99", quantity: object = 3, discount: object = 10, tax: object = 20) -> ProductLine:
    return ProductLine.checked(uuid4(), None, "Widget", Money.of(price, "EUR"), quantity, discount, tax)


def replayed(found: Deal) -> tuple[Deal, list[object]]:
    events = found.collect_events()
    copy = None
    for stored in events:
        copy = stored.mutate(copy)
    assert isinstance(copy, Deal)
    return copy, list(events)


def test_a_line_total_is_the_net_less_discount_plus_tax_each_rounded_half_up() -> None:
    widget = line()  # 19.99 x 3 = 59.97, less 10 % = 53.973 -> 53.97, 20 % tax 10.794 -> 10.79
    assert (widget.net.text, widget.total.text) == ("53.97", "64.76")
    jpy = ProductLine.checked(uuid4(), None, "Tea", Money.of(333, "JPY"), "1.5", 0, 10)
    assert jpy.total.text == "550"  # 499.5 -> 500, tax 50


@pytest.mark.parametrize(
    ("quantity", "discount", "tax", "field"),
    [(0, 0, 0, "quantity"), ("0.0001", 0, 0, "quantity"), (1, 101, 0, "discount_percent"), (1, 0, -1, "tax_percent")],
)
def test_a_line_with_a_wrong_number_is_refused_by_its_field(
    quantity: object, discount: object, tax: object, field: str
) -> None:
    with pytest.raises(InvalidField) as refused:
        line(quantity=quantity, discount=discount, tax=tax)
    assert refused.value.field == field


def test_a_deal_opens_at_a_stage_in_progress_with_that_stages_probability() -> None:
    opened = deal()
    assert (opened.stage, opened.probability, opened.amount, opened.amount_set_by_hand) == (NEW, 10, 0, False)
    with pytest.raises(InvalidField, match="stage in progress") as refused:
        Deal.open(uuid4(), "x", PIPELINE.id, WON, BY, T0, currency="EUR")
    assert refused.value.field == "stage_id"
    with pytest.raises(InvalidField, match="is in USD") as mixed:
        Deal.open(uuid4(), "x", PIPELINE.id, NEW, BY, T0, currency="EUR", amount=Money.of(5, "USD"))
    assert mixed.value.field == "amount"


def test_moving_records_the_time_the_previous_stage_and_the_probability() -> None:
    sale = deal()
    sale.move_to(PROPOSAL, BY, T0 + timedelta(hours=5))
    _, events = replayed(sale)
    moved = vars(events[-1])
    assert type(events[-1]).__qualname__ == "Deal.StageChanged"
    assert moved["stage"] == PROPOSAL.to_dict()
    assert (moved["previous_stage_id"], moved["previous_stage_entered_at"]) == (NEW.id, T0)
    assert (moved["at"], moved["probability"], moved["by"]) == (T0 + timedelta(hours=5), 50, BY)
    assert (moved["contact_id"], moved["company_id"], moved["lead_id"]) == (CONTACT, COMPANY, LEAD)


def test_lost_needs_a_reason_closes_the_deal_and_only_a_stage_in_progress_reopens_it() -> None:
    sale = deal()
    with pytest.raises(InvalidField, match="why the deal was lost") as refused:
        sale.move_to(LOST, BY, T0, reason="  ")
    assert refused.value.field == "reason"
    assert sale.move_to(LOST, BY, T0, reason="Chose a competitor")
    assert (sale.closed, sale.lost_reason, sale.probability) == (True, "Chose a competitor", 0)
    with pytest.raises(InvalidField, match="reopen") as closed:
        sale.move_to(WON, BY, T0)
    assert closed.value.field == "stage_id"
    assert not sale.move_to(LOST, BY, T0, reason="again")  # already there: nothing recorded
    sale.move_to(NEGOTIATION, BY, T0)
    assert (sale.closed, sale.lost_reason, sale.probability) == (False, "", 80)
    _, events = replayed(sale)
    assert vars(events[-1])["reopened"] is True
    assert vars(events[-2])["reopened"] is False


def test_a_probability_set_by_hand_stays_through_stages_in_progress_until_the_deal_closes() -> None:
    sale = deal()
    sale.set_probability(35, BY)
    sale.move_to(PROPOSAL, BY, T0)
    assert (sale.probability, sale.probability_set_by_hand) == (35, True)
    sale.move_to(WON, BY, T0)
    assert (sale.probability, sale.probability_set_by_hand) == (100, False)
    sale.set_probability(None, BY)
    assert sale.probability == 100
    with pytest.raises(InvalidField, match="0 to 100"):
        sale.set_probability(120, BY)


def test_the_currency_changes_only_without_lines() -> None:
    sale = deal(amount=Money.of("10.50", "EUR"))
    sale.change_currency("jpy", BY)
    assert (sale.currency, sale.amount) == ("JPY", Decimal(11))  # 10.50 rounded to yen
    sale.change_currency("EUR", BY)
    sale.add_line(line(), BY)
    with pytest.raises(InvalidField, match="remove the lines first") as refused:
        sale.change_currency("USD", BY)
    assert refused.value.field == "currency"


def test_links_people_and_dates_are_each_an_event_with_who_did_it() -> None:
    sale, other, manager = deal(), uuid4(), uuid4()
    sale.rename("Fleet renewal 2026", BY)
    sale.expect_close(date(2026, 6, 30), BY)
    sale.link_contact(other, BY)
    sale.link_company(None, BY)
    sale.hand_to(manager, BY)
    sale.add_observer(manager, BY)
    sale.add_observer(manager, BY)  # already observing: nothing more
    sale.remove_observer(manager, BY)
    copy, events = replayed(sale)
    names = [type(e).__qualname__.removeprefix("Deal.") for e in events]
    assert names == [
        "Opened", "TitleChanged", "ExpectedCloseChanged", "ContactChanged", "CompanyChanged",
        "ResponsibleChanged", "ObserverAdded", "ObserverRemoved",
    ]  # fmt: skip
    assert all(vars(e)["by"] == BY for e in events)
    assert vars(events[3])["contact_id"] == other
    assert vars(events[3])["previous_contact_id"] == CONTACT
    assert vars(events[5])["contact_id"] == other  # later events carry the deal's links as they now stand
    assert (copy.title, copy.expected_close, copy.contact_id, copy.company_id) == (
        "Fleet renewal 2026", date(2026, 6, 30), other, None,
    )  # fmt: skip
    assert (copy.responsible_id, copy.observers) == (manager, [])


@pytest.mark.parametrize("value", ["2026-02-30", "tomorrow", 20260101, datetime(2026, 1, 1, tzinfo=UTC)])
def test_an_expected_close_that_is_not_a_day_is_refused(value: object) -> None:
    with pytest.raises(InvalidField, match="YYYY-MM-DD"):
        close_date(value)


line_operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.decimals(0, 10_000, places=2, allow_nan=False),
            st.integers(1, 20),
            st.decimals(0, 100, places=2, allow_nan=False),
            st.sampled_from([Decimal(0), Decimal(7), Decimal(20), Decimal("12.5")]),
        ),
        st.tuples(st.just("change"), st.integers(0, 30), st.integers(1, 9)),
        st.tuples(st.just("remove"), st.integers(0, 30)),
        st.tuples(st.just("by_hand"), st.decimals(0, 10**9, places=2, allow_nan=False)),
        st.tuples(st.just("follow_lines")),
    ),
    max_size=40,
)


@given(line_operations)
def test_the_amount_is_the_sum_of_the_lines_unless_set_by_hand(steps: list[tuple[object, ...]]) -> None:
    sale = deal()
    by_hand: Decimal | None = None
    for step in steps:
        ids = list(sale.lines)
        if step[0] == "add":
            price, quantity, discount, tax = step[1:]
            sale.add_line(line(str(price), quantity, discount, tax), BY)
        elif step[0] == "change" and ids:
            old = sale.lines[ids[int(str(step[1])) % len(ids)]]
            changed = ProductLine.checked(old.id, None, old.name, old.price, step[2], old.discount_percent, 0)
            sale.change_line(changed, BY)
        elif step[0] == "remove" and ids:
            sale.remove_line(ids[int(str(step[1])) % len(ids)], BY)
        elif step[0] == "by_hand":
            by_hand = Decimal(str(step[1]))
            sale.set_amount(Money.of(by_hand, "EUR"), BY)
        elif step[0] == "follow_lines":
            by_hand = None
            sale.set_amount(None, BY)
        expected = by_hand if by_hand is not None else sum((x.total.amount for x in sale.lines.values()), Decimal(0))
        assert sale.amount == expected
        assert sale.amount_set_by_hand is (by_hand is not None)
    copy, events = replayed(sale)
    assert (copy.amount, copy.lines, copy.amount_set_by_hand) == (sale.amount, sale.lines, sale.amount_set_by_hand)
    for event in events[1:]:
        data = vars(event)
        assert "amount" in data  # every line and amount event says what the deal's amount became
        if "lines_total" in data:
            assert Decimal(data["amount"]) >= 0
            assert Decimal(data["lines_total"]) >= 0


stage_moves = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["", "Too expensive"])), max_size=30)


@given(stage_moves)
def test_the_stage_changes_in_the_log_reconstruct_the_deals_whole_path(moves: list[tuple[int, str]]) -> None:
    sale = deal()
    path: list[UUID] = [sale.stage.id]
    at = T0
    for index, reason in moves:
        at += timedelta(minutes=7)
        target: Stage = PIPELINE.ordered[index]
        try:
            if sale.move_to(target, BY, at, reason):
                path.append(target.id)
        except InvalidField:
            continue  # lost without a reason, or closed to closed: refused, nothing recorded
    _, events = replayed(sale)
    opened, *rest = (vars(e) for e in events)
    changes = [e for e in rest if "previous_stage_id" in e]
    logged = [UUID(opened["stage"]["id"])] + [UUID(e["stage"]["id"]) for e in changes]
    assert logged == path
    for before, after in zip([opened, *changes], changes, strict=False):
        assert after["previous_stage_id"] == UUID(before["stage"]["id"])  # no move skipped
        assert after["previous_stage_entered_at"] == before["at"]  # time in stage is measurable
        assert after["at"] > before["at"]
        if after["stage"]["kind"] == "lost":
            assert after["reason"]
