"""Consoles are told of changed records in the order of each record's latest change, not by id."""

from __future__ import annotations

from uuid import UUID

from domain.live_update import ReadModelsChanged
from services.console.sales_live import Changed
from services.projections.inbox_view import Changes, InOrder

A, B, Z = UUID(int=1), UUID(int=2), UUID(int=26)


def test_a_record_changed_again_moves_after_the_others() -> None:
    changed = InOrder()
    for record in (Z, A, B, Z):
        changed.add(record)
    assert list(changed) == [A, B, Z]
    assert len(changed) == 3
    assert A in changed


def test_a_batch_absorbed_keeps_the_order_of_the_latest_changes() -> None:
    first, second = Changes(), Changes()
    first.deals.update([Z, A])
    second.deals.update([B, Z])
    first.absorb(second)
    assert list(first.deals) == [A, B, Z]


def test_the_gateway_keeps_the_order_across_notifications() -> None:
    changed = Changed()
    changed.add(ReadModelsChanged(deal_ids=(Z, A)))
    changed.add(ReadModelsChanged(deal_ids=(Z,)))
    assert list(changed.deals) == [A, Z]


def test_the_gateway_keeps_one_order_across_contacts_companies_and_leads() -> None:
    changed = Changed()
    changed.add(ReadModelsChanged(lead_ids=(Z,)))
    changed.add(ReadModelsChanged(contact_ids=(B, A), company_ids=(Z,)))
    changed.add(ReadModelsChanged(contact_ids=(B,)))
    assert list(changed.people) == [("lead", Z), ("contact", A), ("company", Z), ("contact", B)]
