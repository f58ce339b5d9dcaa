"""Money: an exact amount in an ISO 4217 currency, rounded to that currency's minor units.

Amounts are ``Decimal`` and never ``float`` (a float cannot hold 0.10 exactly, and a sum of them drifts
by cents). Events carry an amount as its decimal text ("1250.50"), which every reader parses exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from domain.errors import InvalidField

# The active ISO 4217 currencies, by how many digits their minor unit has (JPY has none, KWD three).
_BY_MINOR_UNITS = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    2: "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD"
    " CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ"
    " GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK"
    " MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB"
    " SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN"
    " UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}
MINOR_UNITS: dict[str, int] = {code: units for units, codes in _BY_MINOR_UNITS.items() for code in codes.split()}

# Far above any deal, and within what a read model's numeric column and a browser's number show exactly.
MAX_AMOUNT = Decimal(10) ** 15
_MAX_DIGITS_TEXT = 40


def currency_code(value: object, field: str = "currency") -> str:
    """``value`` as an ISO 4217 code ("EUR"); InvalidField naming ``field`` when it is not one."""
    if not isinstance(value, str):
        raise InvalidField(field, "must be an ISO 4217 currency code such as EUR, as text")
    code = value.strip().upper()
    if code not in MINOR_UNITS:
        raise InvalidField(field, f"is not an ISO 4217 currency code: {value[:10]!r}")
    return code


def decimal_of(field: str, value: object, *, minimum: Decimal, maximum: Decimal, places: int) -> Decimal:
    """``value`` (a Decimal, an int, or decimal text) within bounds, rounded half up to ``places`` digits."""
    if isinstance(value, float):
        raise InvalidField(field, 'must be written as decimal text such as "19.90", not a float, which loses cents')
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidField(field, 'must be a number written as decimal text such as "19.90"')
    if isinstance(value, str) and len(value) > _MAX_DIGITS_TEXT:
        raise InvalidField(field, f"is longer than {_MAX_DIGITS_TEXT} characters")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise InvalidField(field, f"is not a number: {str(value)[:20]!r}") from None
    if not number.is_finite():
        raise InvalidField(field, "must be a finite number")
    if not minimum <= number <= maximum:
        raise InvalidField(field, f"must be from {minimum} to {maximum}, not {number}")
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    # -0.00 and 0.00 are the same money; keep one of them so equal amounts print alike.
    return rounded or abs(rounded)


@dataclass(frozen=True)
class Money:
    """An amount in a currency, always rounded to that currency's minor units."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: object, currency: object, *, field: str = "amount", negative: bool = False) -> Money:
        """Checked money; InvalidField naming ``field`` (or "currency") for what is wrong."""
        code = currency_code(currency)
        minimum = -MAX_AMOUNT if negative else Decimal(0)
        return cls(decimal_of(field, amount, minimum=minimum, maximum=MAX_AMOUNT, places=MINOR_UNITS[code]), code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in ``currency``."""
        return cls.of(0, currency)

    @property
    def text(self) -> str:
        """The amount as events and messages carry it: decimal text with the currency's minor digits."""
        return f"{self.amount:f}"

    def rounded(self, amount: Decimal) -> Money:
        """``amount`` in this money's currency, rounded half up to its minor units."""
        step = Decimal(1).scaleb(-MINOR_UNITS[self.currency])
        return Money(amount.quantize(step, rounding=ROUND_HALF_UP), self.currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            msg = f"cannot add {other.currency} to {self.currency}"
            raise ValueError(msg)
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.text} {self.currency}"
