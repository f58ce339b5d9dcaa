"""Likely duplicates: what makes two contacts look like one person, and the keys that find them."""

from __future__ import annotations

from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.duplicates import (
    MIN_NEAR_MEETING,
    ContactCard,
    DuplicateSuggestion,
    Lookalikes,
    SuggestionClosed,
    edit_distance,
    likeness,
    lookalike_keys,
    normalized_name,
)


def card(name: str = "", *emails: str) -> ContactCard:
    return ContactCard(uuid4(), name, emails)


@pytest.mark.parametrize(
    ("one", "other", "reason"),
    [
        (card("Anna Bērziņa"), card("anna  berzina"), "same name"),
        (card("", "anna.b@gmail.com"), card("", "anna.b@example.lv"), "same e-mail name at another domain"),
        (card("", "anna.berzina@example.lv"), card("", "anna.berzins@example.lv"), "similar e-mails"),
        (card("", "janis@example.lv"), card("", "jnais@example.lv"), "similar e-mails"),
    ],
)
def test_lookalikes_are_found_by_a_shared_key_and_said_why(one: ContactCard, other: ContactCard, reason: str) -> None:
    assert lookalike_keys(one) & lookalike_keys(other)
    (said,) = likeness(one, other)
    assert said.startswith(reason)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (card("Anna"), card("Anna")),  # a first name alone
        (card("", "info@a.lv"), card("", "info@b.lv")),  # two businesses' shared mailboxes
        (card("", "ab@x.lv"), card("", "ac@x.lv")),  # too short to call a typo
        (card("", "anna@x.lv"), card("", "anna@y.lv")),  # a first name alone, at two domains
        (card("Anna Berzina", "anna@x.lv"), card("Boris Ozols", "boris@y.lv")),
    ],
)
def test_what_says_little_is_not_suggested(one: ContactCard, other: ContactCard) -> None:
    assert likeness(one, other) == []


@given(st.text("abcd", max_size=8), st.text("abcd", max_size=8), st.integers(0, 3))
def test_edit_distance_is_levenshtein_up_to_its_limit(one: str, other: str, limit: int) -> None:
    def full(a: str, b: str) -> int:
        row = list(range(len(b) + 1))
        for i, x in enumerate(a, 1):
            row, prev = [i], row
            for j, y in enumerate(b, 1):
                row.append(min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x != y)))
        return row[-1]

    assert edit_distance(one, other, limit) == min(full(one, other), limit + 1)


def test_normalized_names_ignore_accents_case_spacing_and_punctuation() -> None:
    assert normalized_name("  Ilze-Marija  ĀBOLIŅA ") == "ilze marija abolina"


def test_a_key_keeps_the_newest_contacts_each_once() -> None:
    group = Lookalikes(key="name:anna berzina")
    first = card("Anna Berzina")
    group.list_contact(first)
    group.list_contact(first)
    renamed = ContactCard(first.contact_id, "Anna Berzina", ("anna@x.lv",))
    group.list_contact(renamed)
    assert group.cards == [renamed]
    for _ in range(120):
        group.list_contact(card("Anna Berzina"))
    assert len(group.cards) == 100
    assert renamed not in group.cards
    group.unlist(group.cards[0].contact_id)
    assert len(group.cards) == 99


def test_a_suggestion_is_dismissed_once_and_a_merge_closes_it() -> None:
    one, other, anna = uuid4(), uuid4(), uuid4()
    suggestion = DuplicateSuggestion(contact_ids=sorted([one, other]), reasons=["same name"])
    assert suggestion.id == DuplicateSuggestion.create_id([other, one], [])
    assert suggestion.other_than(one) == other
    suggestion.dismiss(by=anna, why="two people")
    with pytest.raises(SuggestionClosed):
        suggestion.dismiss(by=anna, why="again")
    suggestion.merged(one, by=anna)
    assert suggestion.status == "dismissed"


@st.composite
def one_typo_apart(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.text("abcdefgh.", min_size=5, max_size=12).filter(lambda n: n[0] != "." and n[-1] != "."))
    at = draw(st.integers(0, len(name) - 1))
    letter = draw(st.sampled_from("xyz"))
    typo = draw(
        st.sampled_from(
            [name[:at] + letter + name[at + 1 :], name[:at] + name[at + 1 :], name[:at] + letter + name[at:]]
        )
    )
    return name, typo


@given(one_typo_apart())
def test_two_emails_one_typo_apart_in_one_domain_always_meet_under_a_key(names: tuple[str, str]) -> None:
    name, typo = names
    one, other = card("", f"{name}@firm.lv"), card("", f"{typo}@firm.lv")
    assert lookalike_keys(one) & lookalike_keys(other)
    assert [r for r in likeness(one, other) if r.startswith("similar e-mails")]


@st.composite
def two_typos_apart(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.text("abcdefgh", min_size=MIN_NEAR_MEETING + 2, max_size=14))
    typo = name
    for _ in range(2):
        at = draw(st.integers(0, len(typo) - 1))
        letter = draw(st.sampled_from("xyz"))
        typo = draw(
            st.sampled_from(
                [typo[:at] + letter + typo[at + 1 :], typo[:at] + typo[at + 1 :], typo[:at] + letter + typo[at:]]
            )
        )
    return name, typo


@given(two_typos_apart())
def test_two_emails_two_typos_apart_in_one_domain_meet_under_a_key_wherever_the_typos_are(
    names: tuple[str, str],
) -> None:
    name, typo = names
    assert lookalike_keys(card("", f"{name}@firm.lv")) & lookalike_keys(card("", f"{typo}@firm.lv"))


def test_a_near_key_lists_only_mailboxes_close_to_it_however_many_share_a_first_name() -> None:
    firm = [card("", f"ivan.{n * 7919 % 100_003:05d}.{n}@firm.lv") for n in range(2_000)]
    listed: dict[str, int] = {}
    for each in firm:
        for key in lookalike_keys(each):
            listed[key] = listed.get(key, 0) + 1
    lengths = sorted(listed.values())
    # Half a mailbox and a letter less of it lists one or two; only a name and a digit is common.
    assert lengths[len(lengths) * 95 // 100] <= 2
