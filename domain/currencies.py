"""Currencies: the ISO 4217 codes an amount may be in, and amounts checked once for every aggregate.

The codes are those ISO 4217 lists as current (funds and precious metals included, since a deal may
be priced in them), without XTS (reserved for testing) and XXX (no currency).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from domain.text import InvalidText

# The largest amount a report can sum without losing a cent: 10^15, with 4 places after the point.
MAX_AMOUNT = Decimal(10) ** 15
MAX_PLACES = 4

CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL
    SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES
    VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL
    """.split()  # noqa: SIM905 - read as a table
)


class UnknownCurrency(InvalidText):
    """Not an ISO 4217 currency code."""


class InvalidAmount(InvalidText):
    """An amount that is not a sum of money: not a number, negative, too large or too precise."""


def currency_code(value: object, field: str = "currency") -> str:
    """``value`` as an ISO 4217 code ("EUR"), upper case, or UnknownCurrency naming ``field``."""
    if not isinstance(value, str) or value.strip().upper() not in CURRENCIES:
        raise UnknownCurrency(field, f"{str(value)[:16]!r} is not an ISO 4217 currency code (such as EUR, USD)")
    return value.strip().upper()


def amount_of_money(value: object, field: str = "amount") -> Decimal:
    """``value`` (a Decimal, an int or a decimal string; never a float, which cannot hold cents) as an amount."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidAmount(field, 'must be a decimal number written as a string, such as "1250.50"')
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise InvalidAmount(field, f"{str(value)[:40]!r} is not a decimal number") from None
    if not amount.is_finite():
        raise InvalidAmount(field, "must be a finite number")
    if amount < 0:
        raise InvalidAmount(field, "must not be negative")
    if amount >= MAX_AMOUNT:
        raise InvalidAmount(field, f"must be below {MAX_AMOUNT:,}")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        raise InvalidAmount(field, f"may have at most {MAX_PLACES} digits after the point")
    return amount
