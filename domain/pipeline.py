"""A sales pipeline: the ordered stages a deal moves through, each in progress, won or lost.

A stage's id never changes; its name, its place and its default probability are events of their
own, so renaming or reordering stages rewrites nothing a deal already recorded.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidField
from domain.text import TextKind, checked_text

MAX_NAME = 100
MAX_STAGES = 50
# The pipeline every deal goes into unless another is chosen, created on first use.
DEFAULT_PIPELINE_ID = UUID("3d0c4a52-7f7e-5c1c-9a51-5e8f2b1d6a01")
DEFAULT_PIPELINE_NAME = "Sales"


class StageKind(enum.StrEnum):
    """What reaching a stage means for a deal."""

    IN_PROGRESS = "in_progress"
    WON = "won"  # the deal closes, won
    LOST = "lost"  # the deal closes, lost, with a reason


@dataclass(frozen=True)
class Stage:
    """One stage of a pipeline."""

    id: UUID
    name: str
    kind: StageKind
    probability: int  # a deal's default probability of being won, in percent, while at this stage

    @property
    def closes(self) -> bool:
        """Whether a deal reaching this stage is closed (won or lost)."""
        return self.kind is not StageKind.IN_PROGRESS

    def to_dict(self) -> dict[str, Any]:
        """The stage as events carry it."""
        return {"id": str(self.id), "name": self.name, "kind": self.kind.value, "probability": self.probability}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stage:
        """A stage from an event."""
        return cls(UUID(str(data["id"])), data["name"], StageKind(data["kind"]), int(data["probability"]))


@dataclass(frozen=True)
class StageDraft:
    """A stage as a user describes it, before it has an id."""

    name: str
    kind: StageKind | str
    probability: int


DEFAULT_STAGES = (
    StageDraft("New", StageKind.IN_PROGRESS, 10),
    StageDraft("Qualification", StageKind.IN_PROGRESS, 20),
    StageDraft("Proposal", StageKind.IN_PROGRESS, 50),
    StageDraft("Negotiation", StageKind.IN_PROGRESS, 80),
    StageDraft("Won", StageKind.WON, 100),
    StageDraft("Lost", StageKind.LOST, 0),
)


def stage_name(value: object, field: str = "name") -> str:
    """A stage's or a pipeline's name, checked."""
    return checked_text(field, value, max_length=MAX_NAME, kind=TextKind.LINE).strip()


def stage_kind(value: object, field: str = "kind") -> StageKind:
    """A stage's kind from its name ("in_progress", "won", "lost")."""
    try:
        return StageKind(str(value))
    except ValueError:
        kinds = ", ".join(k.value for k in StageKind)
        raise InvalidField(field, f"must be one of {kinds}, not {str(value)[:40]!r}") from None


def probability_of(value: object, field: str = "probability") -> int:
    """A probability in whole percent, 0 to 100."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:  # noqa: PLR2004 - percent
        raise InvalidField(field, f"must be a whole number of percent from 0 to 100, not {value!r}")
    return value


class Pipeline(Aggregate):
    """A named, ordered set of stages."""

    @staticmethod
    def create_id(pipeline_id: UUID) -> UUID:
        """The id the creator chose (the default pipeline's is fixed)."""
        return pipeline_id

    @event("Created")
    def __init__(self, pipeline_id: UUID, name: str, stages: list[dict[str, Any]], by: UUID | None) -> None:
        self.name = name
        self.stages: dict[UUID, Stage] = {}
        self.order: list[UUID] = []
        self.stages_ever = 0  # numbers each new stage's id: ids stay stable and are never reused
        for data in stages:
            self._put(Stage.from_dict(data))

    @classmethod
    def create(cls, pipeline_id: UUID, name: str, drafts: Sequence[StageDraft], by: UUID | None) -> Pipeline:
        """A pipeline with these stages in this order: at least one in progress, one won and one lost."""
        checked = stage_name(name)
        if not drafts or len(drafts) > MAX_STAGES:
            raise InvalidField("stages", f"must list from 1 to {MAX_STAGES} stages")
        kinds = {stage_kind(d.kind, f"stages[{n}].kind") for n, d in enumerate(drafts)}
        if kinds != set(StageKind):
            missing = ", ".join(k.value for k in StageKind if k not in kinds)
            raise InvalidField("stages", f"must include a stage of each kind; missing: {missing}")
        names = [stage_name(d.name, f"stages[{n}].name") for n, d in enumerate(drafts)]
        _no_duplicates(names)
        stages = [
            Stage(
                stage_id(pipeline_id, n),
                names[n],
                StageKind(d.kind),
                probability_of(d.probability, f"stages[{n}].probability"),
            )
            for n, d in enumerate(drafts)
        ]
        return cls(pipeline_id=pipeline_id, name=checked, stages=[s.to_dict() for s in stages], by=by)

    def stage(self, stage_id: UUID) -> Stage | None:
        """The stage with this id, if it is one of this pipeline's."""
        return self.stages.get(stage_id)

    @property
    def ordered(self) -> list[Stage]:
        """The stages in their order."""
        return [self.stages[s] for s in self.order]

    @property
    def first(self) -> Stage:
        """Where a new deal starts: the first stage in progress."""
        return next(s for s in self.ordered if s.kind is StageKind.IN_PROGRESS)

    def add_stage(self, draft: StageDraft, by: UUID, position: int | None = None) -> Stage:
        """Add a stage at ``position`` (0 first; None last)."""
        if len(self.stages) >= MAX_STAGES:
            raise InvalidField("stages", f"a pipeline holds at most {MAX_STAGES} stages")
        name = stage_name(draft.name)
        _no_duplicates([*(s.name for s in self.ordered), name])
        at = len(self.order) if position is None else position
        if isinstance(at, bool) or not 0 <= at <= len(self.order):
            raise InvalidField("position", f"must be from 0 to {len(self.order)}, not {position!r}")
        kind = stage_kind(draft.kind)
        stage = Stage(stage_id(self.id, self.stages_ever), name, kind, probability_of(draft.probability))
        self._stage_added(stage=stage.to_dict(), position=at, by=by)
        return stage

    def rename_stage(self, stage_id: UUID, name: str, by: UUID) -> None:
        """Give a stage a new name; deals keep the stage (its id), and old events keep the old name."""
        stage = self._existing(stage_id)
        checked = stage_name(name)
        if checked == stage.name:
            return
        _no_duplicates([*(s.name for s in self.ordered if s.id != stage_id), checked])
        self._stage_renamed(stage_id=stage_id, name=checked, previous_name=stage.name, by=by)

    def reorder_stages(self, order: Sequence[UUID], by: UUID) -> None:
        """Put the stages in ``order``, which lists every stage once."""
        if sorted(order) != sorted(self.order) or len(set(order)) != len(order):
            raise InvalidField("order", "must list every stage of the pipeline exactly once")
        if list(order) != self.order:
            self._stages_reordered(order=list(order), previous_order=list(self.order), by=by)

    def change_probability(self, stage_id: UUID, probability: int, by: UUID) -> None:
        """Set a stage's default probability; deals already there keep theirs."""
        stage = self._existing(stage_id)
        if probability_of(probability) != stage.probability:
            self._stage_probability_changed(stage_id=stage_id, probability=probability, by=by)

    def _existing(self, stage_id: UUID) -> Stage:
        stage = self.stages.get(stage_id)
        if stage is None:
            raise InvalidField("stage_id", f"is not a stage of pipeline {self.name!r}: {stage_id}")
        return stage

    def _put(self, stage: Stage, position: int | None = None) -> None:
        self.stages[stage.id] = stage
        self.order.insert(len(self.order) if position is None else position, stage.id)
        self.stages_ever += 1

    @event("StageAdded")
    def _stage_added(self, stage: dict[str, Any], position: int, by: UUID) -> None:
        self._put(Stage.from_dict(stage), position)

    @event("StageRenamed")
    def _stage_renamed(self, stage_id: UUID, name: str, previous_name: str, by: UUID) -> None:
        old = self.stages[stage_id]
        self.stages[stage_id] = Stage(old.id, name, old.kind, old.probability)

    @event("StagesReordered")
    def _stages_reordered(self, order: list[UUID], previous_order: list[UUID], by: UUID) -> None:
        self.order = list(order)

    @event("StageProbabilityChanged")
    def _stage_probability_changed(self, stage_id: UUID, probability: int, by: UUID) -> None:
        old = self.stages[stage_id]
        self.stages[stage_id] = Stage(old.id, old.name, old.kind, probability)


def stage_id(pipeline_id: UUID, number: int) -> UUID:
    """The id of a pipeline's ``number``-th stage ever added (from 0)."""
    return uuid5(pipeline_id, f"stage/{number}")


def _no_duplicates(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise InvalidField("name", f"a pipeline has one stage named {name!r}")
        seen.add(name.casefold())
