"""The bodies the CRM's routes read, as pydantic models for the gateway's OpenAPI document.

Each lists the fields its route reads, with the limits the domain checks them against; the route
still answers 400 naming the field for what a schema cannot say (a currency that is no ISO 4217
code, a stage of another pipeline).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from domain import activity, deal, pipeline, product
from domain.activity import ActivityKind, SubjectKind
from domain.pipeline import StageKind
from services.console.sales_http import MAX_VERSION

DAY = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
# Decimal text, as money and quantities are sent; a float loses cents and is refused.
Decimal = Annotated[str, Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,3})?$", max_length=40, examples=["19.90"])]
Percent = Annotated[str, Field(pattern=r"^(100|[0-9]{1,2}(\.[0-9]{1,2})?)$", examples=["20"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
Version = Annotated[int | None, Field(ge=1, le=MAX_VERSION)]
Probability = Annotated[int, Field(ge=0, le=100)]
StageName = Annotated[str, Field(min_length=1, max_length=pipeline.MAX_NAME)]
ProductName = Annotated[str, Field(min_length=1, max_length=product.MAX_NAME)]


class Edit(BaseModel):
    """Any edit: the version the editor saw, if they want a change since refused."""

    expected_version: Version = None


class StageBody(BaseModel):
    """One stage of a new pipeline."""

    name: StageName
    kind: StageKind
    probability: Probability


class NewPipelineBody(BaseModel):
    """POST /api/pipelines: at least a stage of each kind."""

    name: StageName
    stages: list[StageBody] = Field(min_length=3, max_length=pipeline.MAX_STAGES)


class NewStageBody(StageBody, Edit):
    """POST /api/pipelines/{pipeline_id}/stages; no position: last."""

    position: int | None = Field(default=None, ge=0, le=pipeline.MAX_STAGES)


class StageChangeBody(Edit):
    """PATCH /api/pipelines/{pipeline_id}/stages/{stage_id}: a name, a probability, or both."""

    name: StageName | None = None
    probability: Probability | None = None


class StageOrderBody(Edit):
    """PUT /api/pipelines/{pipeline_id}/stages: every stage id of the pipeline once."""

    order: list[UUID] = Field(max_length=pipeline.MAX_STAGES)


class NewProductBody(BaseModel):
    """POST /api/products."""

    name: ProductName
    price: Decimal
    currency: Currency
    sku: str = Field(default="", max_length=product.MAX_SKU, pattern=r"^\S*$")
    category: str = Field(default="", max_length=product.MAX_CATEGORY)


class ProductChangeBody(Edit):
    """PATCH /api/products/{product_id}: the fields given change."""

    name: ProductName | None = None
    price: Decimal | None = None
    currency: Currency | None = None
    sku: str | None = Field(default=None, max_length=product.MAX_SKU, pattern=r"^\S*$")
    category: str | None = Field(default=None, max_length=product.MAX_CATEGORY)
    active: bool | None = None


class NewDealBody(BaseModel):
    """POST /api/deals; the default pipeline's first stage and the caller as responsible unless given.

    A ``deal_id`` sent again opens nothing: the answer is 200 with the deal opened before.
    """

    title: str = Field(min_length=1, max_length=deal.MAX_TITLE)
    currency: Currency
    pipeline_id: UUID | None = None
    stage_id: UUID | None = None
    amount: Decimal | None = None
    expected_close: str | None = Field(default=None, pattern=DAY)
    responsible_id: UUID | None = None
    observers: list[UUID] = Field(default=[], max_length=deal.MAX_OBSERVERS)
    contact_id: UUID | None = None
    company_id: UUID | None = None
    lead_id: UUID | None = None
    deal_id: UUID | None = None


class DealChangeBody(Edit):
    """PATCH /api/deals/{deal_id}: the fields given change; a null probability is the stage's, a null link none."""

    title: str | None = Field(default=None, min_length=1, max_length=deal.MAX_TITLE)
    expected_close: str | None = Field(default=None, pattern=DAY)
    probability: Probability | None = None
    currency: Currency | None = None
    contact_id: UUID | None = None
    company_id: UUID | None = None


class NewLineBody(Edit):
    """POST /api/deals/{deal_id}/lines: a catalogue product (its name and price unless given), or a name and price."""

    product_id: UUID | None = None
    name: ProductName | None = None
    price: Decimal | None = None
    quantity: Decimal = "1"
    discount_percent: Percent = "0"
    tax_percent: Percent = "0"
    line_id: UUID | None = None


class LineChangeBody(Edit):
    """PATCH /api/deals/{deal_id}/lines/{line_id}: the fields given change."""

    name: ProductName | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    discount_percent: Percent | None = None
    tax_percent: Percent | None = None


class AmountBody(Edit):
    """PUT /api/deals/{deal_id}/amount: set by hand, or null to follow the product lines again."""

    amount: Decimal | None


class MoveBody(Edit):
    """POST /api/deals/{deal_id}/move: the reason is needed for a lost stage."""

    stage_id: UUID
    reason: str = Field(default="", max_length=deal.MAX_REASON)


class ObserverBody(Edit):
    """POST /api/deals/{deal_id}/observers."""

    observer_id: UUID


class ResponsibleBody(Edit):
    """PUT /api/deals/{deal_id}/responsible."""

    responsible_id: UUID


class NewActivityBody(BaseModel):
    """POST /api/activities: about a record the caller may see; only a task may be a call back."""

    kind: ActivityKind
    subject_kind: SubjectKind
    subject_id: UUID
    title: str = Field(min_length=1, max_length=activity.MAX_TITLE)
    description: str = Field(default="", max_length=activity.MAX_DESCRIPTION)
    due_at: AwareDatetime | None = None
    remind_at: AwareDatetime | None = None
    responsible_id: UUID | None = None
    call_back: bool = False
    activity_id: UUID | None = None


class RescheduleBody(Edit):
    """PUT /api/activities/{activity_id}/schedule: both times, null for none."""

    due_at: AwareDatetime | None
    remind_at: AwareDatetime | None


class CompleteBody(Edit):
    """POST /api/activities/{activity_id}/complete."""

    result: str = Field(default="", max_length=activity.MAX_RESULT)
