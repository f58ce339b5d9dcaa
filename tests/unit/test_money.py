"""Money: exact amounts in ISO 4217 currencies, rounded to each currency's minor units."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidField
from domain.money import MAX_AMOUNT, MINOR_UNITS, Money, currency_code


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.005", "EUR", "10.01"),  # half up, not to even
        ("10.004", "eur", "10.00"),
        ("1999.5", "JPY", "2000"),  # no minor unit
        ("1.2345", "KWD", "1.235"),  # three digits
        ("0.00005", "CLF", "0.0001"),  # four
        (7, "USD", "7.00"),
        (Decimal("1e3"), "USD", "1000.00"),
        (" 12.5 ", "GBP", "12.50"),
    ],
)
def test_an_amount_is_rounded_half_up_to_its_minor_units(amount: object, currency: str, expected: str) -> None:
    money = Money.of(amount, currency)
    assert money.text == expected
    assert money.currency == currency.upper()


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        (0.1, "not a float"),
        (True, "decimal text"),
        (None, "decimal text"),
        ("ten", "is not a number"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("-1", "from 0"),
        (str(MAX_AMOUNT + 1), "from 0"),
        ("1" * 41, "longer than 40"),
    ],
)
def test_an_amount_that_is_not_exact_money_is_refused_by_its_field(amount: object, problem: str) -> None:
    with pytest.raises(InvalidField, match=problem) as refused:
        Money.of(amount, "EUR", field="price")
    assert refused.value.field == "price"


@pytest.mark.parametrize("code", ["", "EURO", "XXX", "usd ", 840, "€"])
def test_a_currency_must_be_an_iso_4217_code(code: object) -> None:
    if code == "usd ":
        assert currency_code(code) == "USD"
        return
    with pytest.raises(InvalidField) as refused:
        currency_code(code)
    assert refused.value.field == "currency"


def test_negative_money_only_where_asked_for_and_minus_zero_is_zero() -> None:
    assert Money.of("-0.001", "EUR", negative=True) == Money.zero("EUR")
    assert Money.of("-0.001", "EUR", negative=True).text == "0.00"
    assert Money.of("-2.5", "EUR", negative=True).text == "-2.50"


def test_money_of_two_currencies_does_not_add() -> None:
    with pytest.raises(ValueError, match="cannot add"):
        _ = Money.of(1, "EUR") + Money.of(1, "USD")


@given(st.decimals(min_value=0, max_value=10**12, allow_nan=False, places=6), st.sampled_from(sorted(MINOR_UNITS)))
def test_the_text_of_money_reads_back_as_the_same_money(amount: Decimal, currency: str) -> None:
    money = Money.of(amount, currency)
    assert Money.of(money.text, currency) == money
    assert abs(money.amount - amount) <= Decimal(1).scaleb(-MINOR_UNITS[currency]) / 2
    assert -money.amount.as_tuple().exponent == MINOR_UNITS[currency]  # type: ignore[operator]
