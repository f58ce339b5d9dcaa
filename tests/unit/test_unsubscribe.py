"""A customer's unsubscribe from campaign mail: said once, and kept by the contact they are merged into."""

from __future__ import annotations

from uuid import uuid4

from domain.contact import Contact, merge

BY = uuid4()


def test_an_unsubscribe_is_kept_through_a_merge_and_said_once() -> None:
    kept, leaving = Contact.register("Anna", None), Contact.register("Anna B", None)
    assert leaving.unsubscribe(uuid4())
    assert not leaving.unsubscribe(uuid4())

    merge(kept, leaving, BY, "same person")

    assert kept.unsubscribed
