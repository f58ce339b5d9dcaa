"""The whole picture at once: every mismatch as case, expected, got; and a summary by family."""

from __future__ import annotations

from collections import defaultdict

from tests.hostile.corpus import Outcome


def _cell(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def mismatch_table(outcomes: list[Outcome]) -> str:
    """One line per case that did not get its expected answer."""
    lines = [f"{'surface':8} {'case':52} {'expected':40} got"]
    for outcome in outcomes:
        if outcome.ok:
            continue
        case = outcome.case
        got = outcome.got + (f" ({outcome.problem})" if outcome.problem else "")
        expected = " or ".join(sorted(case.expect))
        lines.append(f"{case.surface:8} {_cell(case.name, 52):52} {_cell(expected, 40):40} {_cell(got, 120)}")
    return "\n".join(lines)


def family_summary(outcomes: list[Outcome]) -> str:
    """Per family: failing / total, and the distinct answers the failing cases got."""
    by_family: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_family[(outcome.case.surface, outcome.case.family)].append(outcome)
    lines = []
    for (surface, family), found in sorted(by_family.items()):
        failing = [o for o in found if not o.ok]
        if not failing:
            continue
        expected = " or ".join(sorted({e for o in failing for e in o.case.expect}))
        got = sorted({o.got + (" (" + o.problem.split(":")[0] + ")" if o.problem else "") for o in failing})
        lines.append(
            f"{surface:8} {family:44} {len(failing):4}/{len(found):<4} expected {expected}; got {'; '.join(got)[:200]}"
        )
    return "\n".join(lines)


def totals(outcomes: list[Outcome]) -> str:
    """Cases and failures per surface."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for outcome in outcomes:
        per[outcome.case.surface][0] += 1
        per[outcome.case.surface][1] += 0 if outcome.ok else 1
    return ", ".join(f"{s}: {n} cases, {bad} failing" for s, (n, bad) in sorted(per.items()))
