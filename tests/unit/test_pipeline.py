"""Pipelines: ordered stages with stable ids; adding, renaming and reordering rewrite no history."""

from __future__ import annotations

import copy
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidField
from domain.pipeline import DEFAULT_PIPELINE_ID, DEFAULT_STAGES, Pipeline, StageDraft, StageKind
from domain.text import InvalidText

BY = uuid4()


def sales() -> Pipeline:
    return Pipeline.create(DEFAULT_PIPELINE_ID, "Sales", DEFAULT_STAGES, None)


def replayed(pipeline: Pipeline) -> Pipeline:
    copy = None
    for stored in pipeline.collect_events():
        copy = stored.mutate(copy)
    assert isinstance(copy, Pipeline)
    return copy


def test_the_default_pipeline_has_the_usual_stages_and_a_deal_starts_at_new() -> None:
    pipeline = sales()
    assert [(s.name, s.kind.value, s.probability) for s in pipeline.ordered] == [
        ("New", "in_progress", 10),
        ("Qualification", "in_progress", 20),
        ("Proposal", "in_progress", 50),
        ("Negotiation", "in_progress", 80),
        ("Won", "won", 100),
        ("Lost", "lost", 0),
    ]
    assert pipeline.first.name == "New"
    assert Pipeline.create(DEFAULT_PIPELINE_ID, "Sales", DEFAULT_STAGES, None).order == pipeline.order


@pytest.mark.parametrize(
    ("stages", "field", "problem"),
    [
        ([], "stages", "from 1 to"),
        ([StageDraft("Open", "in_progress", 10), StageDraft("Won", "won", 100)], "stages", "missing: lost"),
        ([StageDraft("Open", "doing", 10)], "stages[0].kind", "must be one of"),
        ([StageDraft("Open", "in_progress", 101), *DEFAULT_STAGES[4:]], "stages[0].probability", "0 to 100"),
        ([StageDraft(" ", "in_progress", 1), *DEFAULT_STAGES[4:]], "stages[0].name", "empty"),
        (
            [StageDraft("A", "in_progress", 1), StageDraft("a", "won", 100), StageDraft("L", "lost", 0)],
            "name",
            "one stage named",
        ),
    ],
)
def test_a_pipeline_with_wrong_stages_is_refused_naming_the_field(
    stages: list[StageDraft], field: str, problem: str
) -> None:
    with pytest.raises((InvalidField, InvalidText), match=problem) as refused:
        Pipeline.create(uuid4(), "Enterprise", stages, BY)
    assert refused.value.field == field


def test_a_stage_added_in_the_middle_gets_a_new_id_and_keeps_the_others() -> None:
    pipeline = sales()
    before = dict(pipeline.stages)
    demo = pipeline.add_stage(StageDraft("Demo", StageKind.IN_PROGRESS, 30), BY, position=2)
    assert [s.name for s in pipeline.ordered][:4] == ["New", "Qualification", "Demo", "Proposal"]
    assert demo.id not in before
    assert all(pipeline.stages[i] == s for i, s in before.items())
    assert replayed(pipeline).ordered == pipeline.ordered


def test_stage_commands_refuse_what_does_not_fit() -> None:
    pipeline = sales()
    with pytest.raises(InvalidField, match="from 0 to 6") as refused:
        pipeline.add_stage(StageDraft("Demo", "in_progress", 30), BY, position=9)
    assert refused.value.field == "position"
    with pytest.raises(InvalidField, match="one stage named"):
        pipeline.rename_stage(pipeline.order[0], "won", BY)
    with pytest.raises(InvalidField) as unknown:
        pipeline.rename_stage(uuid4(), "Other", BY)
    assert unknown.value.field == "stage_id"
    with pytest.raises(InvalidField, match="exactly once") as partial:
        pipeline.reorder_stages(pipeline.order[1:], BY)
    assert partial.value.field == "order"
    with pytest.raises(InvalidField, match="exactly once"):
        pipeline.reorder_stages([*pipeline.order[:-1], pipeline.order[0]], BY)
    assert pipeline.version == 1  # nothing was recorded


commands = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 50), st.sampled_from(list(StageKind))),
        st.tuples(st.just("rename"), st.integers(0, 50), st.text("abcxyz", min_size=1, max_size=6)),
        st.tuples(st.just("reorder"), st.randoms(use_true_random=False)),
    ),
    max_size=25,
)


@given(commands)
def test_renaming_and_reordering_never_rewrite_earlier_events_or_stage_ids(steps: list[tuple[object, ...]]) -> None:
    pipeline = sales()
    recorded = [(e, copy.deepcopy(vars(e))) for e in pipeline.collect_events()]
    kinds = {s.id: s.kind for s in pipeline.ordered}
    for step in steps:
        try:
            if step[0] == "add":
                position = int(str(step[1])) % (len(pipeline.order) + 1)
                pipeline.add_stage(StageDraft(f"S{pipeline.stages_ever}", str(step[2]), 40), BY, position)
            elif step[0] == "rename":
                target = pipeline.order[int(str(step[1])) % len(pipeline.order)]
                pipeline.rename_stage(target, str(step[2]), BY)
            else:
                order = list(pipeline.order)
                step[1].shuffle(order)  # type: ignore[attr-defined]
                pipeline.reorder_stages(order, BY)
        except InvalidField:
            continue  # a refused command records nothing; the next one goes on
        recorded.extend((e, copy.deepcopy(vars(e))) for e in pipeline.collect_events())
        for stage in pipeline.ordered:
            assert kinds.setdefault(stage.id, stage.kind) is stage.kind  # an id names one stage, of one kind
    assert all(vars(event) == seen for event, seen in recorded)  # nothing recorded changed afterwards
    assert [e.originator_version for e, _ in recorded] == list(range(1, len(recorded) + 1))
    assert set(kinds) == set(pipeline.stages) == set(pipeline.order)  # no stage ever lost its id
    replay = None
    for event, _ in recorded:
        replay = event.mutate(replay)
    assert isinstance(replay, Pipeline)
    assert replay.ordered == pipeline.ordered
