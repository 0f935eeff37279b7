"""The project's layering rules, size limits and lint, checked on every test run.

The import graph is read with `ast` from every import statement in nnlab, pages and app.py, at
module level or inside a function (a function-local import still runs, and must not bridge a
cycle). Each rule is one test that names every offender, with file and line, in one message.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
UI_FILES = [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "pages").rglob("*.py"))]
LIBRARY_FILES = sorted((REPO_ROOT / "nnlab").rglob("*.py"))
TEST_FILES = sorted((REPO_ROOT / "tests").glob("test_*.py"))

WINGS = ("core", "data", "learn", "inspection", "engine", "store", "classroom")
# Shared by every wing: the settings, the translations and their texts.
COMMON = ("nnlab.config", "nnlab.i18n", "nnlab.locales")
# What the classroom may use of the engine: its public face, not how it runs jobs.
ENGINE_PUBLIC = ("nnlab.engine", "nnlab.engine.protocol")
MAX_LIBRARY_LINES = 600
MAX_UI_LINES = 300


@dataclass(frozen=True)
class Import:
    """One imported module as written in one file."""

    source: str  # the importing module, e.g. "nnlab.core.spec" or "pages.build.controls"
    target: str  # the imported module's dotted name, e.g. "nnlab.core.plan" or "keras"
    where: str  # file:line
    local: bool  # inside a function (runs on call), not at module level
    typing_only: bool  # under `if TYPE_CHECKING:` (never runs)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports_of(path: Path) -> list[Import]:
    """Every import in the file, from-imports resolved to the module (or the name's module)."""
    source = _module_name(path)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    found: list[Import] = []

    def walk(node: ast.AST, local: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.body:
                    record(statement, local, True)
                for statement in child.orelse:  # runs
                    record(statement, local, typing_only)
            else:
                record(child, local, typing_only)

    def record(node: ast.AST, local: bool, typing_only: bool) -> None:
        where = f"{path.relative_to(REPO_ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(source, alias.name, where, local, typing_only))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([module] if module else [])])
            for alias in node.names:
                # `from a import b` imports the module a.b when there is one, else a name of a.
                candidate = f"{module}.{alias.name}"
                target = candidate if candidate in PROJECT_MODULES else module
                found.append(Import(source, target, where, local, typing_only))
        function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        walk(node, local or function, typing_only)

    walk(ast.parse(path.read_text(encoding="utf-8")), False, False)
    return found


PROJECT_FILES = [*LIBRARY_FILES, *UI_FILES]
PROJECT_MODULES = {_module_name(path) for path in PROJECT_FILES}
IMPORTS = [found for path in PROJECT_FILES for found in _imports_of(path)]


def _within(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _wing(name: str) -> str | None:
    """The wing of an nnlab module ("core", ...), "nnlab" for the package's own modules."""
    parts = name.split(".")
    if parts[0] != "nnlab":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in WINGS else "nnlab"


def _offenders(rule: Callable[[Import], bool]) -> list[str]:
    """file:line: source -> target of every import the rule flags (one line per statement)."""
    return sorted(
        {f"{found.where}: {found.source} -> {found.target}" for found in IMPORTS if rule(found)}
    )


def _report(offenders: list[str], rule: str) -> str:
    return f"{len(offenders)} import(s) break '{rule}':\n" + "\n".join(offenders)


def test_core_imports_no_other_wing() -> None:
    offenders = _offenders(
        lambda found: (
            _wing(found.source) == "core"
            and _wing(found.target) not in (None, "core")
            and not _within(found.target, *COMMON)
        )
    )
    assert not offenders, _report(offenders, "nnlab.core imports no other wing")


@pytest.mark.parametrize("wing", ["data", "inspection", "store"])
def test_data_inspection_and_store_import_only_core(wing: str) -> None:
    offenders = _offenders(
        lambda found: (
            _wing(found.source) == wing
            and _wing(found.target) not in (None, "core", wing)
            and not _within(found.target, *COMMON)
        )
    )
    assert not offenders, _report(offenders, f"nnlab.{wing} imports only nnlab.core")


def test_engine_never_imports_the_classroom() -> None:
    offenders = _offenders(
        lambda found: _wing(found.source) == "engine" and _wing(found.target) == "classroom"
    )
    assert not offenders, _report(offenders, "nnlab.engine never imports nnlab.classroom")


def test_classroom_never_imports_learn_or_engine_internals() -> None:
    offenders = _offenders(
        lambda found: (
            _wing(found.source) == "classroom"
            and (
                _wing(found.target) == "learn"
                or (_wing(found.target) == "engine" and found.target not in ENGINE_PUBLIC)
            )
        )
    )
    rule = "nnlab.classroom never imports nnlab.learn or nnlab.engine internals"
    assert not offenders, _report(offenders, rule)


def test_pages_never_import_learn_keras_or_tensorflow() -> None:
    offenders = _offenders(
        lambda found: (
            not found.source.startswith("nnlab")
            and _within(found.target, "nnlab.learn", "keras", "tensorflow")
        )
    )
    rule = "pages and app.py never import nnlab.learn, keras or tensorflow"
    assert not offenders, _report(offenders, rule)


def test_library_never_imports_streamlit() -> None:
    offenders = _offenders(
        lambda found: found.source.startswith("nnlab") and _within(found.target, "streamlit")
    )
    assert not offenders, _report(offenders, "nnlab never imports streamlit")


def _cycles(edges: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """The import graph's strongly connected components of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, {}):
                components.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(edges):
        if node not in index:
            connect(node)
    return sorted(components)


def test_no_import_cycles_even_through_function_local_imports() -> None:
    edges: dict[str, dict[str, list[Import]]] = {}
    for found in IMPORTS:
        if found.target in PROJECT_MODULES and not found.typing_only:
            edges.setdefault(found.source, {}).setdefault(found.target, []).append(found)
    lines = []
    for component in _cycles(edges):
        lines.append("cycle: " + " <-> ".join(component))
        for source in component:
            for target, imports in sorted(edges[source].items()):
                if target in component:
                    statements = {(found.where, found.local) for found in imports}
                    for where, local in sorted(statements):
                        kind = "function-local" if local else "module level"
                        lines.append(f"  {where}: {source} -> {target} ({kind})")
    assert not lines, "import cycles in nnlab, pages and app.py:\n" + "\n".join(lines)


def _too_long(files: list[Path], limit: int) -> list[str]:
    counts = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in files}
    return [
        f"{path.relative_to(REPO_ROOT)}: {lines} lines"
        for path, lines in sorted(counts.items())
        if lines > limit
    ]


def test_no_library_module_over_600_lines() -> None:
    offenders = _too_long(LIBRARY_FILES, MAX_LIBRARY_LINES)
    assert not offenders, f"nnlab modules over {MAX_LIBRARY_LINES} lines:\n" + "\n".join(offenders)


def test_no_pages_file_over_300_lines() -> None:
    offenders = _too_long(UI_FILES, MAX_UI_LINES)
    assert not offenders, f"pages/app.py files over {MAX_UI_LINES} lines:\n" + "\n".join(offenders)


def test_the_import_graph_sees_every_folder() -> None:
    """A guard for the checks above: they read the subpackages, not only the top folders."""
    sources = {found.source for found in IMPORTS}
    for folder in ("nnlab.core", "nnlab.engine", "pages.build", "pages.classroom", "pages.common"):
        assert any(_within(source, folder) for source in sources), folder
    assert "app" in sources


def test_importing_nnlab_does_not_import_tensorflow() -> None:
    code = (
        "import sys, nnlab, nnlab.core.spec, nnlab.core.presets, nnlab.i18n\n"
        "nnlab.PRESETS; nnlab.RunSpec\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TF imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_ruff_check_and_format_are_clean() -> None:
    check = subprocess.run(["ruff", "check", "."], cwd=REPO_ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run(
        ["ruff", "format", "--check", "."], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_browser_tests_are_marked_so_the_fast_lane_skips_them() -> None:
    drives_chromium = re.compile(r"(from|import) playwright|def test_\w+\((page|browser)\b")
    texts = {path.name: path.read_text(encoding="utf-8") for path in TEST_FILES}
    unmarked = [
        name
        for name, text in texts.items()
        if drives_chromium.search(text) and "pytest.mark.browser" not in text
    ]
    assert not unmarked, f"these drive Chromium but are not marked browser: {unmarked}"
