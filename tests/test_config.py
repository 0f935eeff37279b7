"""nnlab.config: every NNLAB_* setting parsed once, by one rule, and a bad one shown, not raised."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from helpers import REPO_ROOT, app_test

from nnlab import config


def test_unset_and_blank_mean_the_default() -> None:
    assert config.parse({}) == config.Config()
    assert config.parse({"NNLAB_ABANDON_S": "  ", "NNLAB_WORKERS": ""}) == config.Config()


def test_values_parse_and_a_value_below_the_floor_is_raised_to_it() -> None:
    settings = config.parse(
        {
            "NNLAB_WORKERS": "3",
            "NNLAB_ABANDON_S": "0.01",  # floor 1 s
            "NNLAB_WORKER_NICE": "-4",  # floor 0
            "NNLAB_OFFLINE": "yes",
            "NNLAB_HOME": "~/nnlab-home",
        }
    )
    assert (settings.workers, settings.abandon_s, settings.worker_nice) == (3, 1.0, 0)
    assert settings.offline is True and settings.home == Path("~/nnlab-home").expanduser()
    assert settings.problems == ()


@pytest.mark.parametrize(
    ("variable", "text", "attribute"),
    [
        ("NNLAB_ABANDON_S", "abc", "abandon_s"),  # raised ValueError before nnlab.config
        ("NNLAB_WORKERS", "two", "workers"),
        ("NNLAB_OFFLINE", "maybe", "offline"),
        ("NNLAB_DOWNLOAD_TIMEOUT", "10s", "download_timeout_s"),
    ],
)
def test_a_value_that_does_not_parse_keeps_the_default_and_says_why(
    variable: str, text: str, attribute: str
) -> None:
    settings = config.parse({variable: text, "NNLAB_WORKER_IDLE_S": "7"})
    assert getattr(settings, attribute) == getattr(config.Config(), attribute)
    assert settings.worker_idle_s == 7.0  # the good one beside it is used
    (problem,) = settings.problems
    assert f"{variable}={text!r}" in problem and config.setting(variable).takes in problem


def test_every_config_field_has_one_setting_and_the_readme_names_it() -> None:
    fields = [f.name for f in dataclasses.fields(config.Config) if f.name != "problems"]
    assert sorted(setting.attribute for setting in config.SETTINGS) == sorted(fields)
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [s.variable for s in config.SETTINGS if f"`{s.variable}" not in readme]
    assert not missing, f"README does not explain {missing}"


def _environment_reads(path: Path) -> list[str]:
    """NNLAB_* names that `path` reads from os.environ / os.getenv itself."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = ast.unparse(node.func)
            if name in ("os.environ.get", "os.getenv", "environ.get") and node.args:
                found.append(ast.unparse(node.args[0]))
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            found.append(ast.unparse(node.slice))
    return [text for text in found if "NNLAB_" in text]


def test_no_module_but_config_reads_an_nnlab_setting() -> None:
    readers = {
        str(path.relative_to(REPO_ROOT)): reads
        for folder in ("nnlab", "pages")
        for path in (REPO_ROOT / folder).rglob("*.py")
        if path.name != "config.py" and (reads := _environment_reads(path))
    }
    readers.update({"app.py": reads} if (reads := _environment_reads(REPO_ROOT / "app.py")) else {})
    assert not readers, f"read NNLAB_* through nnlab.config.current(): {readers}"


def test_a_bad_setting_is_shown_on_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNLAB_ABANDON_S", "abc")
    app = app_test()
    app.run()
    app.switch_page("pages/1_build_and_train.py").run()
    assert not app.exception, app.exception
    warnings = " ".join(warning.value for warning in app.warning)
    assert "NNLAB_ABANDON_S='abc' is not a number of seconds" in warnings
    assert "Run store" not in warnings  # its own notice, not the store's
