"""The engine's contract: the real Engine and the page tests' FakeEngine keep to TrainingEngine.

A method the protocol names must exist on both with the same signature (parameter names, kinds,
defaults and annotations), and the fake may add no page-facing method the protocol lacks, so the
stand-in cannot drift from what pages really get.
"""

from __future__ import annotations

import inspect

import pytest
from fake_engine import FakeEngine

from nnlab.engine import Engine, TrainingEngine
from nnlab.engine.queue_engine import QueueEngine
from nnlab.store.contract import RunStore

# What only tests call on the fake (they put runs in and move them along).
FAKE_TEST_HOOKS = {"add_run", "update"}
# What the real engine offers beyond pages: tests, benchmarks and the session fixture use these.
ENGINE_EXTRAS = {"warm_up", "worker_pids", "worker_pid", "store_error", "adopt", "flush_store"}


def _protocol_methods() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(TrainingEngine).items()
        if callable(member) and not name.startswith("_")
    }


def _public_methods(cls: type) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property))
    }


@pytest.mark.parametrize(
    "implementation", [Engine, QueueEngine, FakeEngine], ids=["Engine", "QueueEngine", "FakeEngine"]
)
def test_every_protocol_method_has_the_protocols_signature(implementation: type) -> None:
    mismatches = []
    for name, expected in _protocol_methods().items():
        method = getattr(implementation, name, None)
        if method is None:
            mismatches.append(f"{name}: missing")
        elif inspect.signature(method) != expected:
            mismatches.append(f"{name}{inspect.signature(method)} != {name}{expected}")
    assert not mismatches, "\n".join(mismatches)


def test_the_fake_offers_pages_nothing_the_protocol_lacks() -> None:
    extra = _public_methods(FakeEngine) - set(_protocol_methods()) - FAKE_TEST_HOOKS
    assert not extra, f"FakeEngine methods pages could call that TrainingEngine lacks: {extra}"


@pytest.mark.parametrize("implementation", [Engine, QueueEngine], ids=["Engine", "QueueEngine"])
def test_the_real_engines_offer_only_the_protocol_and_known_extras(implementation: type) -> None:
    # A property may hold an attribute the protocol declares (run_memory_mb).
    declared = set(_protocol_methods()) | set(TrainingEngine.__annotations__)
    extra = _public_methods(implementation) - declared - ENGINE_EXTRAS
    assert not extra, f"{implementation.__name__} methods beyond TrainingEngine: {extra}"


def test_both_have_the_protocols_attributes() -> None:
    fake = FakeEngine()
    for name in TrainingEngine.__annotations__:
        assert hasattr(fake, name), f"FakeEngine has no {name}"
    for engine_class in (Engine, QueueEngine):
        for name in ("store_warning", "max_active_per_lab"):
            source = inspect.getsource(engine_class.__init__)
            assert name in source, f"{engine_class.__name__} sets no {name}"
    assert isinstance(fake, TrainingEngine)


def test_the_engines_store_is_a_run_store(tmp_path) -> None:
    from nnlab.store.database import sqlite_url
    from nnlab.store.store import Store

    store = Store(sqlite_url(tmp_path / "runs.sqlite3"))
    try:
        assert isinstance(store, RunStore)
    finally:
        store.close()
