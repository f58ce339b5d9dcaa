"""The lookalike lists' tests on the PostgreSQL table the event store writes beside its events."""

from __future__ import annotations

import pytest

from tests.unit.test_lookalike_lists import (
    test_a_key_lists_its_newest_contacts_each_once_as_they_now_are,
    test_a_merged_contact_leaves_the_lists_and_a_unit_of_work_without_them_says_so,
    test_two_saves_listing_under_one_key_at_once_both_compare_the_second_redone,
)

pytestmark = [pytest.mark.integration]

__all__ = [
    "test_a_key_lists_its_newest_contacts_each_once_as_they_now_are",
    "test_a_merged_contact_leaves_the_lists_and_a_unit_of_work_without_them_says_so",
    "test_two_saves_listing_under_one_key_at_once_both_compare_the_second_redone",
]
