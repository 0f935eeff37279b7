"""Every NNLAB_* environment setting, parsed in one place with one fallback rule.

The rule: unset or blank means the default; a value below the setting's minimum is raised to it;
a value that does not parse is not used (the default is) and is reported in `Config.problems`
with a sentence naming the variable, what it takes and what it got, so the app can show it
instead of failing. `current()` reads the environment once per distinct set of values (a test's
`monkeypatch.setenv` is seen at the next call; a page rerun costs a dict look-up).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


def _parse_path(text: str) -> Path:
    return Path(text).expanduser()


@dataclass(frozen=True)
class Setting:
    """One environment variable: its attribute on Config, parser, default, floor and meaning."""

    variable: str  # e.g. "NNLAB_WORKERS"
    attribute: str  # the Config field it fills
    parse: Callable[[str], Any]
    takes: str  # what a valid value is, in words: "a whole number of workers"
    default: Any = None
    minimum: float | None = None
    meaning: str = ""  # one line for the README's table and the error


SETTINGS: tuple[Setting, ...] = (
    Setting("NNLAB_HOME", "home", _parse_path, "a folder", None, None,
            "where the SQLite store lives; unset: the user's data folder"),
    Setting("NNLAB_DATABASE_URL", "database_url", str, "a database URL", None, None,
            "a PostgreSQL URL for the store instead of SQLite"),
    Setting("NNLAB_WORKERS", "workers", int, "a whole number of worker processes", None, 0,
            "training worker processes; unset: the CPUs the container may use; 0 with "
            "PostgreSQL: this server trains nothing, training machines do"),
    Setting("NNLAB_ABANDON_S", "abandon_s", float, "a number of seconds", 120.0, 1.0,
            "a queued run whose lab shows no page this long is cancelled"),
    Setting("NNLAB_WORKER_IDLE_S", "worker_idle_s", float, "a number of seconds", 60.0, 1.0,
            "an idle worker exits after this long (one stays started)"),
    Setting("NNLAB_WORKER_NICE", "worker_nice", int, "a whole number from 0", 5, 0,
            "how much lower the workers' CPU priority is than the pages'"),
    Setting("NNLAB_MEMORY_MB", "memory_mb", float, "a number of megabytes", None, 512.0,
            "memory the server and its workers may use; unset: the container's limit"),
    Setting("NNLAB_STEP_CACHE", "step_cache", int, "a whole number from 0", 4, 0,
            "compiled models a worker keeps to reuse for runs of one architecture (0: none)"),
    Setting("NNLAB_LAB_MAX_AGE_DAYS", "lab_max_age_days", float, "a number of days", 30.0, 1.0,
            "labs unseen this long are deleted with their runs at start-up"),
    Setting("NNLAB_DATA_DIR", "data_dir", _parse_path, "a folder", None, None,
            "a folder with mnist.npz / fashion_mnist.npz or IDX folders, tried first"),
    Setting("NNLAB_OFFLINE", "offline", _parse_bool, "1 or 0", False, None,
            "never try to download a data set"),
    Setting("NNLAB_DOWNLOAD_TIMEOUT", "download_timeout_s", float, "a number of seconds", 10.0,
            0.1, "how long a data set download may take to answer"),
)  # fmt: skip
_BY_VARIABLE = {setting.variable: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Config:
    """The settings in force, and the sentences about values that were not used."""

    home: Path | None = None
    database_url: str | None = None
    workers: int | None = None
    abandon_s: float = 120.0
    worker_idle_s: float = 60.0
    worker_nice: int = 5
    memory_mb: float | None = None
    step_cache: int = 4
    lab_max_age_days: float = 30.0
    data_dir: Path | None = None
    offline: bool = False
    download_timeout_s: float = 10.0
    problems: tuple[str, ...] = field(default=(), compare=False)


def parse(environ: Mapping[str, str]) -> Config:
    """The Config that `environ` describes, by the module's one rule."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for setting in SETTINGS:
        text = environ.get(setting.variable, "").strip()
        if not text:
            continue
        try:
            value = setting.parse(text)
        except ValueError:
            default = "unset" if setting.default is None else repr(setting.default)
            problems.append(
                f"{setting.variable}={text!r} is not {setting.takes}; using the default "
                f"({default})."
            )
            continue
        if setting.minimum is not None and value < setting.minimum:
            value = type(value)(setting.minimum)
        values[setting.attribute] = value
    return Config(**values, problems=tuple(problems))


_CACHE: dict[tuple[str | None, ...], Config] = {}
_LOCK = threading.Lock()


def current() -> Config:
    """The Config of this process's environment now (parsed once per distinct set of values)."""
    key = tuple(os.environ.get(setting.variable) for setting in SETTINGS)
    config = _CACHE.get(key)
    if config is None:
        config = parse(os.environ)
        with _LOCK:
            if len(_CACHE) > 64:  # tests change the environment often; keep the table small
                _CACHE.clear()
            _CACHE[key] = config
        for problem in config.problems:
            log.warning(problem)
    return config


def setting(variable: str) -> Setting:
    """The Setting of one NNLAB_* variable (KeyError names an unknown one)."""
    return _BY_VARIABLE[variable]
