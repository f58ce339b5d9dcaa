"""E-mail addresses: checked, and written one way so that the same address always matches."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.emails import domain_name, email_address
from domain.text import InvalidText


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("Anna@Example.com", "anna@example.com"),
        ("  anna.berzina+crm@example.co.uk ", "anna.berzina+crm@example.co.uk"),
        ("ilze@bērziņi.lv", "ilze@xn--brzii-iza47a.lv"),
    ],
)
def test_an_address_is_written_one_way(typed: str, address: str) -> None:
    assert email_address(typed) == address
    assert email_address(address) == address


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("anna", "needs a name, '@' and a domain"),
        ("@example.com", "needs a name"),
        ("an..na@example.com", "before the '@'"),
        ("anna@example", "not a domain name"),
        ("anna@-example.com", "not a domain name"),
        ("anna@exa mple.com", "not a domain name"),
        ("anna\x00@example.com", "NUL"),
        ("a" * 65 + "@example.com", "before the '@'"),
    ],
)
def test_what_is_no_address_is_refused_naming_the_field(typed: str, problem: str) -> None:
    with pytest.raises(InvalidText, match=problem) as refused:
        email_address(typed, field="emails[1]")
    assert refused.value.field == "emails[1]"


def test_a_company_domain_is_written_bare() -> None:
    assert domain_name("https://www.Example.com/") == "example.com"
    with pytest.raises(InvalidText, match="not a domain name"):
        domain_name("example")


@given(st.emails())
def test_every_address_hypothesis_can_write_is_taken_and_checking_twice_changes_nothing(typed: str) -> None:
    try:
        address = email_address(typed)
    except InvalidText:
        return  # hypothesis writes some addresses (quoted, bracketed) that a CRM does not take
    assert address == address.lower()
    assert email_address(address) == address
