"""The integration's parts depend one way only: each part imports only the parts listed before it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "bksb_integration"
# Lowest first. A module may import its own part and any part before it, never one after.
PARTS = ["api", "models", "config", "accounts", "sync", "results", "web", "templatetags", "management"]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _part(module: str) -> str | None:
    pieces = module.split(".")
    if pieces[0] != "bksb_integration" or len(pieces) < 2:
        return None
    return pieces[1] if pieces[1] in PARTS else None


def _modules(part: str) -> list[Path]:
    return sorted((PACKAGE / part).rglob("*.py"))


@pytest.mark.parametrize("part", PARTS)
def test_a_part_imports_only_the_parts_before_it(part):
    allowed = set(PARTS[: PARTS.index(part) + 1])
    upward = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in _modules(part)
        for module in _imports(path)
        if (target := _part(module)) is not None and target not in allowed
    }
    assert not upward


def test_the_http_client_knows_nothing_of_django():
    django_imports = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in _modules("api")
        for module in _imports(path)
        if module.split(".")[0] in {"django", "learners", "permissions", "hub"} or _part(module) not in {None, "api"}
    }
    assert not django_imports


def test_the_jobs_app_knows_no_app_above_it():
    """Apps register their kinds of job with jobs; jobs never reaches up to them."""
    upward = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "jobs").rglob("*.py"))
        for module in _imports(path)
        if module.split(".")[0] in {"learners", "bksb_integration", "hub"}
    }
    assert not upward
