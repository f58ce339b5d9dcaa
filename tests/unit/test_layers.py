"""The layering rules: dependencies point one way, the domain is the core and imports no I/O, no cycles."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def run_lint_imports(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
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


def import_linter_config() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return config


def contracts_of_type(kind: str) -> list[dict[str, Any]]:
    return [contract for contract in import_linter_config()["contracts"] if contract["type"] == kind]


def packages_on_disk() -> set[str]:
    return {init.parent.name for init in REPO_ROOT.glob("*/__init__.py")} - {"tests"}


def test_every_package_of_ours_is_layered_and_checked_for_cycles() -> None:
    packages = packages_on_disk()
    assert {"domain", "application", "connectors", "services", "devstack", "bench"} <= packages
    assert set(import_linter_config()["root_packages"]) == packages
    (layers,) = contracts_of_type("layers")
    assert [name.strip() for layer in layers["layers"] for name in layer.split("|")] == [
        "bench",
        "devstack",
        "services",
        "application",
        "connectors",
        "domain",
    ]
    (acyclic,) = contracts_of_type("acyclic_siblings")
    assert set(acyclic["ancestors"]) == packages


def test_the_product_may_import_neither_the_development_stack_nor_the_benchmarks() -> None:
    kept_out = [
        contract
        for contract in contracts_of_type("forbidden")
        if {"bench", "devstack"} <= set(contract["forbidden_modules"])
    ]
    assert kept_out
    assert {"domain", "application", "connectors", "services"} <= set(kept_out[0]["source_modules"])


def write_stub_packages(root: Path, planted: dict[str, str]) -> None:
    """Our packages, empty but for ``planted`` modules, under the repository's contracts.

    The ignored imports of the cycles contract name real modules; the stubs have none of them.
    """
    for package in packages_on_disk():
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
    config = import_linter_config()
    for contract in config["contracts"]:  # the modules the contracts name exist, as empty packages
        for name in [*contract.get("source_modules", []), *contract.get("forbidden_modules", [])]:
            package = root.joinpath(*name.split("."))
            if name.split(".")[0] in packages_on_disk() and not package.with_suffix(".py").exists():
                package.mkdir(parents=True, exist_ok=True)
                (package / "__init__.py").touch()
    for path, source in planted.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        if (root / path).with_suffix("").is_dir():  # a stub package stands where the planted module goes
            shutil.rmtree((root / path).with_suffix(""))
        (root / path).write_text(source)
    lines = ["[tool.importlinter]", f"root_packages = {json.dumps(config['root_packages'])}"]
    lines.append("include_external_packages = true")
    for contract in config["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in contract.items() if key != "ignore_imports"]
    (root / "pyproject.toml").write_text("\n".join(lines) + "\n")


def test_the_contracts_hold_for_packages_that_import_nothing(tmp_path: Path) -> None:
    write_stub_packages(tmp_path, {})
    result = run_lint_imports(cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("planted", "broken"),
    [
        ({"services/run.py": "import devstack\n"}, "the product never imports"),
        ({"application/reply.py": "import bench\n"}, "the product never imports"),
        ({"domain/lead.py": "import application\n"}, "dependencies point one way"),
        ({"connectors/mail.py": "import application\n"}, "dependencies point one way"),
        ({"application/reply.py": "import connectors\n"}, "dependencies point one way"),
        (
            {"services/cli.py": "import application\n", "application/reply.py": "import services.cli\n"},
            "dependencies point one way",
        ),
        ({"devstack/stack.py": "import bench\n"}, "dependencies point one way"),
        (
            {"devstack/stack.py": "import devstack.cli\n", "devstack/cli.py": "import devstack.stack\n"},
            "no import cycles",
        ),
        (
            {
                "services/router/__init__.py": "",
                "services/router/service.py": "import services.bootstrap\n",
                "services/bootstrap.py": "import services.router.service\n",
            },
            "no import cycles",
        ),
        ({"connectors/webchat.py": "import services\n"}, "connectors do not reach into services"),
        ({"services/ingest/mail.py": "import application.reply\n"}, "ingest and the projections decide nothing"),
        (
            {"services/console/rest.py": "import application.queue_draining\n"},
            "routing decisions are the router's",
        ),
    ],
)
def test_a_dependency_pointing_the_wrong_way_breaks_a_contract(
    tmp_path: Path, planted: dict[str, str], broken: str
) -> None:
    write_stub_packages(tmp_path, planted)
    result = run_lint_imports(cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert broken in output.split("Broken contracts")[-1], output


# Pure libraries the domain may use: rules and data with no I/O (phone numbering plans).
PURE_LIBRARIES = frozenset({"phonenumbers"})


def _allowed(module: str) -> bool:
    top = module.partition(".")[0]
    return (
        top in sys.stdlib_module_names
        or top == "domain"
        or top in PURE_LIBRARIES
        or module == "eventsourcing.domain"
        or module.startswith("eventsourcing.domain.")
    )


def disallowed_imports(source: str, filename: str = "<source>") -> list[str]:
    """Every import in ``source`` that is not stdlib, ``domain.*``, ``eventsourcing.domain`` or a pure library."""
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
