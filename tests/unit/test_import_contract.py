"""The layers' arrows point down: the domain imports no adapter, framework or entrypoint.

CONVENTIONS: ``evidence/`` may import the standard library, pydantic, cryptography and our
own offline verifier; ``storage/`` may import ``evidence`` but never ``flows`` or
``entrypoints``. Every import statement of every module is read, including those inside
functions, so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast
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


def test_the_contract_catches_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "leaky.py"
    module.write_text("def f():\n    from sqlalchemy.orm import Session\n    import prefect\n")
    assert imported_roots(module) >= {"sqlalchemy", "prefect"}
