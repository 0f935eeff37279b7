"""`import nnlab` stays the library's front door: every name in `nnlab.__all__` resolves, and
importing nnlab (or asking for a NumPy-side name) does not load TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Resolves every public name in a fresh process (some import TensorFlow) and reports what each
# is and where it is defined, and which names loaded TensorFlow on the way.
RESOLVE_ALL = """
import json, sys
import nnlab
report = {"before": "tensorflow" in sys.modules, "names": {}}
for name in nnlab.__all__:
    value = getattr(nnlab, name)
    # functions and classes name their module; data (PRESETS) has none to check
    report["names"][name] = getattr(value, "__module__", None)
report["dir"] = dir(nnlab)
print(json.dumps(report))
"""

NUMPY_SIDE = """
import sys
import nnlab
for name in ("Dataset", "load_dataset", "evaluate", "Evaluation", "preprocess_drawing",
             "predict_digit", "load_default_network", "Network", "forward_numpy",
             "dense_layers_of", "layer_rows", "network_dot", "PRESETS", "RunSpec"):
    getattr(nnlab, name)
print(sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras")))
"""


def _run(code: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout.strip().splitlines()[-1]


@pytest.mark.slow  # one subprocess that imports TensorFlow
def test_every_public_name_resolves() -> None:
    report = json.loads(_run(RESOLVE_ALL))
    import nnlab

    assert not report["before"], "import nnlab loaded TensorFlow"
    assert sorted(report["names"]) == sorted(nnlab.__all__)
    assert report["dir"] == sorted(nnlab.__all__)
    for name, module in report["names"].items():
        assert module is None or module.startswith("nnlab."), (name, module)


def test_numpy_side_names_need_no_tensorflow() -> None:
    assert _run(NUMPY_SIDE) == "[]"


def test_an_unknown_name_is_an_attribute_error() -> None:
    import nnlab

    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        nnlab.not_a_name  # noqa: B018


def test_every_nnlab_module_that_any_file_imports_exists() -> None:
    """The old flat paths (nnlab.registry, nnlab.training, ...) moved with their users: no shims."""
    import ast
    import importlib.util

    from helpers import REPO_ROOT

    files = [REPO_ROOT / "app.py"]
    for folder in ("nnlab", "pages", "tests", "benchmarks", "scripts"):
        files += sorted((REPO_ROOT / folder).rglob("*.py"))
    missing = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] == "nnlab" and importlib.util.find_spec(name) is None:
                    missing.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {name}")
    assert not missing, missing
