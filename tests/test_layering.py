"""The project's layering rules and lint, checked on every test run."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
UI_FILES = [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "pages").glob("*.py"))]
LIBRARY_FILES = sorted((REPO_ROOT / "nnlab").rglob("*.py"))
TEST_FILES = sorted((REPO_ROOT / "tests").glob("test_*.py"))


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_library_never_imports_streamlit(path: Path) -> None:
    assert "streamlit" not in _imported_roots(path)


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_pages_never_import_keras_or_tensorflow(path: Path) -> None:
    assert not {"keras", "tensorflow"} & _imported_roots(path)


def test_importing_nnlab_does_not_import_tensorflow() -> None:
    code = (
        "import sys, nnlab, nnlab.spec, nnlab.presets, nnlab.i18n\n"
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
