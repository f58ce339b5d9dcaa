"""The layering rules: the domain is the core and imports no I/O; connectors stay out of services."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
OUR_PACKAGES = ("domain", "connectors", "services")


def run_lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_import_contracts_are_kept() -> None:
    result = run_lint_imports()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "KEPT" in output
    assert "0 broken" in output


def _allowed(module: str) -> bool:
    top = module.partition(".")[0]
    return (
        top in sys.stdlib_module_names
        or top == "domain"
        or module == "eventsourcing.domain"
        or module.startswith("eventsourcing.domain.")
    )


def disallowed_imports(source: str, filename: str = "<source>") -> list[str]:
    """Every import in ``source`` that is not stdlib, ``domain.*`` or ``eventsourcing.domain``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the domain package itself
                continue
            module = node.module or ""
            # ``from eventsourcing import domain`` imports a submodule, not a name: check both readings.
            names = [module] if module != "eventsourcing" else [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        found += [f"{filename}:{node.lineno}: {name}" for name in names if not _allowed(name)]
    return found


def domain_files() -> list[Path]:
    return sorted((REPO_ROOT / "domain").glob("*.py"))


def test_domain_imports_only_stdlib_domain_and_eventsourcing_domain() -> None:
    files = domain_files()
    assert len(files) > 5, "the domain package was not found"
    problems = [p for f in files for p in disallowed_imports(f.read_text(), str(f.relative_to(REPO_ROOT)))]
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        "import asyncpg",
        "import os, aiokafka.admin",
        "from services.settings import Settings",
        "from connectors import webchat",
        "from eventsourcing.application import Application",
        "from eventsourcing import persistence",
        "import eventsourcing",
        "def f():\n    import structlog\n",
    ],
)
def test_the_domain_check_catches_forbidden_imports(source: str) -> None:
    assert disallowed_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "import enum, json\nfrom datetime import UTC",
        "from domain.errors import DomainError",
        "from eventsourcing.domain import Aggregate, event",
        "from eventsourcing import domain",
        "from . import errors",
    ],
)
def test_the_domain_check_allows_what_the_domain_may_use(source: str) -> None:
    assert disallowed_imports(source) == []
