"""Challenge checks on hand-made results: rules, progress, messages in both languages."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from nnlab.core.challenges import (
    CHALLENGES,
    LOGISTIC_BASELINE,
    ChallengeCheck,
    RunOutcome,
    accuracy_progress,
    check_fashion_small,
    check_mnist_beat_002,
    check_mnist_small,
    check_t000_fix,
    run_outcomes,
)
from nnlab.core.presets import PRESETS
from nnlab.core.runs import EpochRow, RunStatus
from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.i18n import catalogue

MNIST_25 = RunSpec(dataset="mnist", hidden_layers=(LayerSpec.dense(25, "relu"),))  # 19,885 params
T000 = PRESETS["t000_sigmoid_mse"].spec


def test_mnist_small_passes_at_97_with_few_parameters() -> None:
    assert MNIST_25.parameter_count() == 19_885
    result = check_mnist_small(MNIST_25, 0.9712)
    assert result.passed and result.progress == 1.0
    assert "97.12%" in result.message("en")


def test_mnist_small_progress_grows_with_accuracy_and_never_completes_below_target() -> None:
    low, mid, close = (check_mnist_small(MNIST_25, a) for a in (0.5, 0.9, 0.9699))
    assert 0 < low.progress < mid.progress < close.progress < 1.0
    assert not close.passed
    assert check_mnist_small(MNIST_25, 0.1).progress == 0.0
    assert check_mnist_small(MNIST_25, 0.05).progress == 0.0  # worse than chance clips to 0


def test_mnist_small_rejects_big_networks_and_other_data() -> None:
    big = MNIST_25.replace(hidden_layers=(LayerSpec.dense(26, "relu"),))  # 20,680 params
    result = check_mnist_small(big, 0.99)
    assert result.progress == 0.0 and result.message_key == "challenge.msg.too_many_parameters"
    assert "20,680" in result.message("en") and "20,000" in result.message("ko")
    fashion = check_mnist_small(MNIST_25.replace(dataset="fashion_mnist"), 0.99)
    assert fashion.progress == 0.0 and "MNIST" in fashion.message("en")


def test_fashion_small_must_beat_the_baseline_strictly() -> None:
    spec = PRESETS["t004_relu100"].spec.replace(hidden_layers=(LayerSpec.dense(32, "relu"),))
    assert check_fashion_small(spec, 0.861).passed
    assert not check_fashion_small(spec, LOGISTIC_BASELINE).passed  # a tie is not a win


def test_fashion_small_rules() -> None:
    logistic = PRESETS["t004_logistic"].spec
    assert check_fashion_small(logistic, 0.85).message_key == "challenge.msg.one_hidden_layer"
    two = logistic.replace(hidden_layers=(LayerSpec.dense(16), LayerSpec.dense(16)))
    assert check_fashion_small(two, 0.9).progress == 0.0
    wide = logistic.replace(hidden_layers=(LayerSpec.dense(33),))
    assert check_fashion_small(wide, 0.9).message_key == "challenge.msg.too_many_units"
    conv = logistic.replace(hidden_layers=(LayerSpec.conv(8),))
    assert check_fashion_small(conv, 0.9).progress == 0.0


def test_t000_fix_allows_only_loss_and_optimizer_changes() -> None:
    fixed = T000.replace(loss="categorical_crossentropy", optimizer="adam", learning_rate=0.01)
    assert check_t000_fix(fixed, 0.93).passed
    assert not check_t000_fix(T000, 0.7759).passed  # the tutorial's own result
    wider = fixed.replace(hidden_layers=(LayerSpec.dense(64, "sigmoid"),))
    result = check_t000_fix(wider, 0.97)
    assert result.progress == 0.0 and result.message_key == "challenge.msg.changed_other"
    assert "Hidden layers" in result.message("en") and "은닉층" in result.message("ko")
    longer = fixed.replace(epochs=20, output_activation="softmax")
    message = check_t000_fix(longer, 0.97).message("en")
    assert "Epochs" in message and "Output activation" in message


def test_mnist_beat_002() -> None:
    start = CHALLENGES["mnist_beat_002"].start_spec
    assert start.parameter_count() <= 100_000
    assert check_mnist_beat_002(start, 0.9810).passed
    assert not check_mnist_beat_002(start, 0.9790).passed
    assert check_mnist_beat_002(PRESETS["t002_mnist_relu1000"].spec, 0.99).progress == 0.0


def test_unknown_accuracy_is_no_progress() -> None:
    for challenge in CHALLENGES.values():
        result = challenge.check(challenge.start_spec, None)
        assert result.progress == 0.0 and not result.passed


def test_best_picks_the_furthest_run() -> None:
    challenge = CHALLENGES["mnist_small"]
    outcomes = [
        RunOutcome(MNIST_25, 0.95, "#1"),
        RunOutcome(PRESETS["t002_mnist_relu1000"].spec, 0.98, "#2"),  # too big: no progress
        RunOutcome(MNIST_25.replace(epochs=10), 0.9701, "#3"),
        RunOutcome(MNIST_25, None, "#4 (training)"),
    ]
    check, best = challenge.best(outcomes)
    assert check.passed and best is not None and best.label == "#3"
    empty_check, nobody = challenge.best([])
    assert nobody is None and empty_check.progress == 0.0
    assert empty_check.message_key == "challenge.msg.no_runs"


@pytest.mark.parametrize("key", list(CHALLENGES))
def test_each_challenge_starts_somewhere_valid_and_unfinished(key: str) -> None:
    challenge = CHALLENGES[key]
    assert challenge.start_preset is None or challenge.start_preset in PRESETS
    if challenge.start_preset:
        assert PRESETS[challenge.start_preset].spec == challenge.start_spec
    # The start is a fair place to begin: not already done at a middling accuracy.
    assert not challenge.check(challenge.start_spec, 0.8).passed
    for text_key in (challenge.title_key, challenge.goal_key):
        assert text_key in catalogue()


def test_every_message_renders_in_both_languages() -> None:
    results = [
        check_mnist_small(MNIST_25, 0.9),
        check_mnist_small(MNIST_25, 0.98),
        check_mnist_small(MNIST_25.replace(dataset="fashion_mnist"), 0.9),
        check_mnist_small(MNIST_25.replace(hidden_layers=(LayerSpec.dense(500),)), 0.9),
        check_fashion_small(PRESETS["t004_logistic"].spec, 0.9),
        check_fashion_small(PRESETS["t004_relu100"].spec, 0.9),
        check_t000_fix(T000.replace(epochs=1), 0.9),
        check_t000_fix(T000, None),
        ChallengeCheck(0.0, "challenge.msg.no_runs"),
    ]
    for result in results:
        for language in ("en", "ko"):
            text = result.message(language)
            assert text and "[" not in text[:1] and "{" not in text


def test_accuracy_progress_is_clipped() -> None:
    assert accuracy_progress(0.0, 0.9) == 0.0
    assert accuracy_progress(1.0, 0.9) == 1.0
    assert accuracy_progress(0.5, 0.9) == pytest.approx(0.5)


# --- the Classroom page (AppTest: no browser) ---


@dataclass
class FakeRun:
    """The parts of a lab's run (nnlab.core.challenges.ScoredRun) the Classroom page reads."""

    spec: RunSpec
    history: list[EpochRow]
    label: str
    status: RunStatus = RunStatus.FINISHED
    test_accuracy: float | None = None


def test_run_outcomes_prefer_the_measured_test_accuracy_and_skip_failed_runs() -> None:
    split = MNIST_25.replace(validation="split")
    runs = [
        FakeRun(split, [EpochRow(1, val_accuracy=0.5)], "#1", test_accuracy=0.91),
        FakeRun(split, [EpochRow(1, val_accuracy=0.5)], "#2", status=RunStatus.RUNNING),
        FakeRun(MNIST_25, [EpochRow(1, val_accuracy=0.93)], "#3", status=RunStatus.RUNNING),
        FakeRun(MNIST_25, [], "#4", status=RunStatus.FAILED),
    ]
    outcomes = run_outcomes(runs)
    assert [(o.label, o.test_accuracy) for o in outcomes] == [
        ("#1", 0.91),
        ("#2", None),  # validates on a split: no test accuracy until it ends
        ("#3", 0.93),  # validates on the test set: its history says it
    ]


def _classroom(runs: list[FakeRun], monkeypatch, language: str = "en"):
    from helpers import app_test

    import pages.common.models

    # The page reads the lab's runs through pages.common.models.lab_runs on every run.
    monkeypatch.setattr(pages.common.models, "lab_runs", lambda: list(runs))
    app = app_test(language=language)
    app.run()
    app.switch_page("pages/5_classroom.py").run()
    assert not app.exception, app.exception
    return app


def test_classroom_shows_progress_from_the_session_runs(monkeypatch) -> None:
    fixed = T000.replace(loss="categorical_crossentropy", optimizer="adam", learning_rate=0.01)
    runs = [
        FakeRun(T000, [EpochRow(1, val_loss=0.05, val_accuracy=0.7759)], "#1 · t000"),
        FakeRun(fixed, [EpochRow(1, val_loss=0.2, val_accuracy=0.931)], "#2 · fixed"),
        FakeRun(MNIST_25, [EpochRow(1, val_loss=0.3, val_accuracy=0.95)], "#3", RunStatus.RUNNING),
    ]
    app = _classroom(runs, monkeypatch)
    bars = {bar.proto.text: bar.value for bar in app.get("progress")}
    assert bars["Done! 93.10% test accuracy (goal: 90.00%)."] == 100
    assert any(text.startswith("95.00% test accuracy; the goal is 97.00%") for text in bars)
    captions = [caption.value for caption in app.caption]
    assert "Best run so far: #2 · fixed" in captions
    assert "2 of 4 challenges done" not in captions and "1 of 4 challenges done" in captions


def test_early_stopping_uses_the_restored_epoch(monkeypatch) -> None:
    spec = MNIST_25.replace(early_stopping_patience=2, epochs=10)
    history = [
        EpochRow(1, val_loss=0.20, val_accuracy=0.96),
        EpochRow(2, val_loss=0.10, val_accuracy=0.971),  # best val_loss: restored
        EpochRow(3, val_loss=0.15, val_accuracy=0.975),
    ]
    app = _classroom([FakeRun(spec, history, "#1 early")], monkeypatch)
    bars = [bar.proto.text for bar in app.get("progress")]
    assert any(text.startswith("Done! 97.10%") for text in bars)


def test_start_button_loads_the_challenge_into_build_and_train(monkeypatch) -> None:
    app = _classroom([], monkeypatch, language="ko")
    app.button(key="start_fashion_small").click().run()
    assert not app.exception, app.exception
    shown_spec, preset_key = app.session_state["shared_spec"]
    assert shown_spec == CHALLENGES["fashion_small"].start_spec
    assert preset_key == "t004_logistic"
    assert "pending_spec" not in app.session_state  # Build & Train consumed it
