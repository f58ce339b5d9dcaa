"""The list of read models: every table belongs to one, names are checked, and the replay's progress line."""

from __future__ import annotations

import pytest

from services.projections import sales_view
from services.projections.read_models import READ_MODELS, ReadModel, UnknownReadModel, named, with_what_they_read
from services.projections.schema import READ_MODEL_TABLES
from services.replay_command import line


def test_every_read_model_table_belongs_to_exactly_one_read_model() -> None:
    tables = [table for model in READ_MODELS for table in model.tables]
    assert sorted(tables) == sorted(READ_MODEL_TABLES)


def test_a_read_model_is_built_with_those_it_reads_in_the_order_they_are_applied() -> None:
    first, second, third = (
        ReadModel(name, (), sales_view.apply, bool, reads=reads)
        for name, reads in (("first", ()), ("second", ("first",)), ("third", ("second",)))
    )
    assert with_what_they_read([third], among=(first, second, third)) == (first, second, third)
    assert with_what_they_read([first], among=(first, second, third)) == (first,)
    # Timelines read a record's messages when they are read: replaying the sales leaves the inbox alone.
    assert [m.name for m in with_what_they_read(named(["sales"]))] == ["sales"]
    assert named([]) == READ_MODELS


def test_an_unknown_read_model_is_named_with_the_ones_there_are() -> None:
    with pytest.raises(UnknownReadModel, match=r"named .deal_board.; there are forms, inbox, people, sales"):
        named(["sales", "deal_board"])


def test_the_progress_line_shows_the_rate_and_the_time_left() -> None:
    assert line(250_000, 1_000_000, 50_000.0) == (
        "[#######.......................] 250,000/1,000,000 events 50,000/s 0m15s left"
    )
    assert line(0, 0, 0.0).endswith("0/0 events 0/s 0m00s left")
