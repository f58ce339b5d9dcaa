"""A hostile-input case: what is sent where, and the answer the error contract requires."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """One input to one surface and the answers that are right for it.

    ``expect`` holds the acceptable answers as the runners spell them ("error invalid_message",
    "accepted", "close 1009", "status 400", "stored", "rejected"); more than one only where the
    contract itself leaves the choice open, and then the case says why in ``note``.
    ``names_field``: the error's detail must name this field.
    """

    surface: str
    family: str
    name: str
    input: Any = field(repr=False)
    expect: frozenset[str]
    names_field: str = ""
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a case got; ``problem`` says what is wrong beyond the answer itself (a detail, a header)."""

    case: Case
    got: str
    problem: str = ""

    @property
    def ok(self) -> bool:
        """Whether the system answered as the contract says."""
        return self.got in self.case.expect and not self.problem


def expect(*answers: str) -> frozenset[str]:
    """The acceptable answers."""
    return frozenset(answers)


def counts(cases: list[Case]) -> Counter[str]:
    """How many cases each surface has."""
    return Counter(case.surface for case in cases)


def unique_names(cases: list[Case]) -> list[str]:
    """Case names that occur more than once (there should be none)."""
    seen = Counter(f"{case.surface}:{case.name}" for case in cases)
    return [name for name, n in seen.items() if n > 1]
