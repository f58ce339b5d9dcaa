"""A small fixed sales history whose report figures are worked out by hand in the tests.

All in the default pipeline (New 10%, Qualification 20%, Proposal 50%, Negotiation 80%, Won, Lost),
from Monday 2 March 2026, 09:00 UTC (``T0``); hours after it in brackets:

- d1 Anna, EUR 1000, Acme, Kim: New (0) → Qualification (2) → Proposal (6) → Won (30).
- d2 Anna, EUR 500, Acme, Lee: New (1) → Qualification (5) → Lost (25).
- d3 Boris, EUR 2000, Bolt, Kim: New (2), expected to close 10 March; still open.
- d4 Sam, USD 300, Bolt: New (3) → Proposal (4), expected to close 20 March; still open.
- d5 Sven, EUR, no company: two Tyres at 350 (its amount follows its lines: 700), New (4) → Won (10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from application.add_deal_line import NewLine, add_deal_line
from application.create_company import create_company
from application.create_contact import create_contact
from application.create_product import create_product
from application.move_deal import move_deal
from application.open_deal import DealOpening, open_deal
from domain.company import CompanyDetails
from domain.pipeline import DEFAULT_PIPELINE_ID, DEFAULT_STAGES, stage_id
from tests.integration.crm_world import World

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
STAGE = {draft.name: stage_id(DEFAULT_PIPELINE_ID, number) for number, draft in enumerate(DEFAULT_STAGES)}


@dataclass(frozen=True)
class History:
    """The ids of what the history made."""

    deals: dict[str, UUID]
    companies: dict[str, UUID]
    contacts: dict[str, UUID]
    tyres: UUID


def sales_history(crm: World) -> History:
    """Record the history above, each act at its hour (the store's clock is set back to now after it)."""
    store, ids = crm.store, crm.ids
    clock = store.clock
    hour = [0.0]
    store.clock = lambda: T0 + timedelta(hours=hour[0])

    def at(hours: float) -> None:
        hour[0] = hours

    try:
        dora = ids["dora"]
        companies = {n: create_company(store, dora, CompanyDetails.checked(n)).company_id for n in ("Acme", "Bolt")}
        contacts = {n: create_contact(store, dora, n).contact_id for n in ("Kim", "Lee")}
        tyres = create_product(store, "Tyre", "350", "EUR", dora)

        def opened(who: str, title: str, amount: str | None, currency: str, **more: object) -> UUID:
            opening = DealOpening(title=title, currency=currency, amount=amount, responsible_id=ids[who], **more)  # type: ignore[arg-type]
            return open_deal(store, opening, ids[who]).deal_id

        def moved(deal: UUID, stage: str, who: str, reason: str = "") -> None:
            move_deal(store, deal, STAGE[stage], ids[who], reason)

        at(0)
        d1 = opened("anna", "Fleet tyres", "1000", "EUR", company_id=companies["Acme"], contact_id=contacts["Kim"])
        at(1)
        d2 = opened("anna", "Spare rims", "500", "EUR", company_id=companies["Acme"], contact_id=contacts["Lee"])
        at(2)
        moved(d1, "Qualification", "anna")
        d3 = opened(
            "boris",
            "Chains",
            "2000",
            "EUR",
            company_id=companies["Bolt"],
            contact_id=contacts["Kim"],
            expected_close="2026-03-10",
        )
        at(3)
        d4 = opened("sam", "Van fleet", "300", "USD", company_id=companies["Bolt"], expected_close="2026-03-20")
        at(4)
        moved(d4, "Proposal", "sam")
        d5 = opened("sven", "Winter set", None, "EUR")
        add_deal_line(store, d5, NewLine(product_id=tyres, quantity="2"), ids["sven"])
        at(5)
        moved(d2, "Qualification", "anna")
        at(6)
        moved(d1, "Proposal", "anna")
        at(10)
        moved(d5, "Won", "sven")
        at(25)
        moved(d2, "Lost", "anna", "went elsewhere")
        at(30)
        moved(d1, "Won", "anna")
    finally:
        store.clock = clock
    return History({"d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": d5}, companies, contacts, tyres)
