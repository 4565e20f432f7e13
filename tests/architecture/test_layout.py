"""The product's shape, enforced: parts and apps depend one way only, no import circles, each feature in its home.

Inside bksb_integration every module belongs to a part (its first folder), lowest first in PARTS. A feature's
screens (a `views` module or package inside the feature's folder) belong to the screens layer, `web`, with
web/ itself; tasks, urls, apps, admin, checks, templatetags and the commands sit on top. A module may import
its own part and any part before it, never one after. The apps are ordered the same way (APPS).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "bksb_integration"
TOP = "top"
# Lowest first. A module may import its own part and any part before it, never one after.
PARTS = [
    "api",
    "models",
    "config",
    "decisions",
    "levels",
    "accounts",
    "sync",
    "matching",
    "creation",
    "unmatched",
    "results",
    "crosscheck",
    "evidence",
    "induction",
    "web",
    TOP,
]
# The apps, lowest first; bksbmis's own helpers (csv_export, private_files, ...) sit below them all,
# and the project's settings, urls, celery app and home page above them all.
# ops (health, metrics, logs) comes next: every app may report to it, and it knows none of them.
PROJECT_TOP = {"settings", "urls", "celery", "wsgi", "views"}
APPS = [
    "bksbmis",
    "ops",
    "permissions",
    "jobs",
    "learners",
    "signin",
    "bksb_integration",
    "privacy",
    "hub",
    "project",
]
# Each feature's words: a module whose file name holds one lives in that feature's folder.
FEATURE_WORDS = {
    "matching": ("match", "candidate", "probe", "suggestion"),
    "levels": ("level", "funding", "cohort"),
    "evidence": ("evidence",),
    "creation": ("user_create", "users_job", "intake", "automatic"),
    "induction": ("induction", "assessment_status", "watch_settings"),
    "unmatched": ("unmatched",),
    "decisions": ("decision", "judgement"),
}
# Where a feature's words may appear outside its folder: the tables, the migrations, Django's commands.
FEATURE_EXEMPT = ("models", "migrations", "management")


def _sources() -> Iterator[Path]:
    for app in APPS[:-1]:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in _sources()}


def _imports(path: Path) -> set[str]:
    """Every module this file imports, wherever the import stands (a function-level import counts too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module.split(".")[0] in APPS}


def _part(module: str) -> str | None:
    pieces = module.split(".")
    if pieces[0] != "bksb_integration" or len(pieces) < 2 or pieces[1] == "migrations":
        return None
    if pieces[1] == "models":
        return "models"
    if "views" in pieces[2:] or pieces[1] == "web":
        return "web"
    return pieces[1] if pieces[1] in PARTS else TOP


def _app(module: str) -> str:
    pieces = module.split(".")
    # The project package itself loads the Celery app (Django's recipe): it sits on top with settings and urls.
    if pieces[0] == "bksbmis" and (len(pieces) == 1 or pieces[1] in PROJECT_TOP):
        return "project"
    return pieces[0]


@pytest.mark.parametrize("part", PARTS)
def test_a_part_imports_only_the_parts_before_it(part):
    allowed = set(PARTS[: PARTS.index(part) + 1])
    upward = {
        f"{module} imports {imported}"
        for module, path in MODULES.items()
        if _part(module) == part
        for imported in _imports(path)
        if (target := _part(imported)) is not None and target not in allowed
    }
    assert not upward


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_before_it(app):
    allowed = set(APPS[: APPS.index(app) + 1])
    upward = {
        f"{module} imports {imported}"
        for module, path in MODULES.items()
        if _app(module) == app
        for imported in _imports(path)
        if _app(imported) not in allowed
    }
    assert not upward


def test_there_is_no_import_circle():
    """No circle between modules, not even one dodged by an import inside a function."""
    graph = {
        module: {imported for imported in _imports(path) if imported in MODULES} for module, path in MODULES.items()
    }
    circles = [sorted(group) for group in _strongly_connected(graph) if len(group) > 1]
    assert not circles


def test_the_http_client_knows_nothing_of_django():
    django_imports = {
        f"{module} imports {imported}"
        for module, path in MODULES.items()
        if _part(module) == "api"
        for imported in _imports(path) | _third_party(path)
        if imported.split(".")[0] in {"django", "learners", "permissions", "hub", "jobs"}
        or _part(imported) not in {None, "api"}
    }
    assert not django_imports


@pytest.mark.parametrize("feature", sorted(FEATURE_WORDS))
def test_a_feature_lives_in_its_home(feature):
    """A newcomer names a feature's folder from the tree: no module of a feature's name lives elsewhere."""
    strays = {
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if not set(path.relative_to(PACKAGE).parts[:-1]) & {*FEATURE_EXEMPT, feature}
        and any(word in path.stem for word in FEATURE_WORDS[feature])
    }
    assert not strays


def test_every_part_says_what_it_owns():
    """Each part's folder opens with a docstring: what it owns and what it may import."""
    silent = {
        part for part in PARTS[:-1] if not ast.get_docstring(ast.parse((PACKAGE / part / "__init__.py").read_text()))
    }
    assert not silent


def _third_party(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups
