"""A company's name and domain as the directory compares them."""

from __future__ import annotations

import pytest

from domain.company_directory import company_name_key, web_domain, work_domain


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Acme, Inc.", "acme"),
        ("ACME  L.L.C.", "acme"),
        ("acme", "acme"),
        ("Société Générale S.A.", "societe generale"),
        (
            "\u041e\u041e\u041e \u00ab\u0420\u043e\u043c\u0430\u0448\u043a\u0430 1\u00bb",
            "\u0440\u043e\u043c\u0430\u0448\u043a\u0430 1",
        ),
        (
            "\u0420\u043e\u043c\u0430\u0448\u043a\u0430 1, \u041e\u041e\u041e",
            "\u0440\u043e\u043c\u0430\u0448\u043a\u0430 1",
        ),
        ("LLC", "llc"),  # a legal form alone is what the name is
    ],
)
def test_a_name_is_compared_without_legal_form_quotes_case_or_accents(written: str, key: str) -> None:
    assert company_name_key(written) == key


@pytest.mark.parametrize(
    ("site", "domain"),
    [
        ("https://www.Acme.com/about?x=1", "acme.com"),
        ("acme.com", "acme.com"),
        ("http://shop.acme.com:8080", "shop.acme.com"),
    ],
)
def test_a_website_is_its_domain(site: str, domain: str) -> None:
    assert web_domain(site) == domain


def test_a_free_mailbox_names_no_company() -> None:
    assert work_domain("anna@gmail.com") == ""
    assert work_domain("anna@Acme.com") == "acme.com"
