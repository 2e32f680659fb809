"""The layers' arrows point down: the domain imports no adapter, framework or entrypoint.

CONVENTIONS: ``evidence/`` may import the standard library, pydantic, cryptography and our
own offline verifier; ``storage/`` may import ``evidence`` but never ``flows`` or
``entrypoints``. The services (``evidence/services/``) are held to that list exactly: they
import nothing else at all, so a new third-party import there is a decision, not a slip.
Every import statement of every module is read, including those inside functions, so a lazy
import cannot slip past.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "evidence": {
        "storage",
        "flows",
        "entrypoints",
        "sqlalchemy",
        "alembic",
        "prefect",
        "minio",
        "fastapi",
        "starlette",
        "uvicorn",
        "typer",
    },
    "storage": {"flows", "entrypoints"},
}


# What the services may import, besides the standard library.
SERVICE_IMPORTS = {"evidence", "pydantic", "cryptography", "bundle_verifier"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def violations(package: str) -> list[str]:
    found = []
    for module in sorted((ROOT / package).rglob("*.py")):
        for name in sorted(imported_roots(module) & FORBIDDEN[package]):
            found.append(f"{module.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    assert violations(package) == []


def service_violations(folder: Path) -> list[str]:
    allowed = SERVICE_IMPORTS | set(sys.stdlib_module_names) | {"__future__"}
    return [
        f"{module.relative_to(folder.parent)} imports {name}"
        for module in sorted(folder.rglob("*.py"))
        for name in sorted(imported_roots(module) - allowed)
    ]


def test_services_import_only_the_domain_the_standard_library_and_the_allowed_few() -> None:
    assert (ROOT / "evidence" / "services").is_dir()
    assert service_violations(ROOT / "evidence" / "services") == []


def test_the_service_contract_catches_a_third_party_import(tmp_path: Path) -> None:
    services = tmp_path / "services"
    services.mkdir()
    (services / "ok.py").write_text("import json\nfrom evidence.model import utcnow\n")
    (services / "leaky.py").write_text("def f():\n    import rich\n")
    assert service_violations(services) == ["services/leaky.py imports rich"]


def test_the_contract_catches_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "leaky.py"
    module.write_text("def f():\n    from sqlalchemy.orm import Session\n    import prefect\n")
    assert imported_roots(module) >= {"sqlalchemy", "prefect"}
