"""Built-in challenges that check themselves against a student's runs.

Each challenge is a goal (a test accuracy to reach) under rules (data set, size, what may
change), a starting spec, and a pure check: spec + test accuracy -> progress 0..1 and a message.
Messages are text keys with values, translated by the page (`ChallengeCheck.message(lang)`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from nnlab.core import choices
from nnlab.core.presets import PRESETS
from nnlab.core.runs import EpochRow, RunStatus
from nnlab.core.spec import LayerSpec, RunSpec
from nnlab.i18n import translate

CHANCE_ACCURACY = 0.1  # ten classes: guessing gets one in ten right
# Fashion-MNIST logistic regression: tutorial 004's Dense(10)-alone network (validation
# accuracy after 5 epochs); scikit-learn's SGDClassifier reached 0.8196.
LOGISTIC_BASELINE = 0.8483
TUTORIAL_002_MNIST = 0.9804  # tutorial 002's 784-1000-10 network, 795,010 parameters
# Tutorial 000's net may change only how it learns: the loss and the optimizer with its settings.
T000_FREE_FIELDS = ("loss", "optimizer", "learning_rate", "momentum", "nesterov", "seed")


@dataclass(frozen=True)
class RunOutcome:
    """What a challenge looks at in one run: its settings and its test accuracy."""

    spec: RunSpec
    test_accuracy: float | None  # None while unknown (still training, or not evaluated yet)
    label: str = ""  # the run's name as the student sees it, e.g. "#3 · MNIST 784-32-10 Adam"


@dataclass(frozen=True)
class ChallengeCheck:
    """How far one run gets toward a challenge."""

    progress: float  # 0..1; 1 means the challenge is met
    message_key: str  # a text key in nnlab/locales/classroom.py
    values: dict[str, object] = field(default_factory=dict)  # placeholders of the message

    @property
    def passed(self) -> bool:
        """True when the run meets the challenge."""
        return self.progress >= 1.0

    def message(self, language: str = "en") -> str:
        """The message in `language`; a tuple of setting names is listed by their labels."""
        values = {
            name: ", ".join(translate(f"field.{item}", language) for item in value)
            if isinstance(value, tuple)
            else value
            for name, value in self.values.items()
        }
        return translate(self.message_key, language, **values)


@dataclass(frozen=True)
class Challenge:
    """A goal with rules, where to start, and the check that scores a run."""

    key: str  # id; its title and goal are the text keys challenge.<key>.title / .goal
    start_spec: RunSpec  # what "Start this challenge" loads into Build & Train
    start_preset: str | None  # the preset that spec comes from, if any
    check: Callable[[RunSpec, float | None], ChallengeCheck]  # spec, test accuracy -> progress
    target: float  # the test accuracy to reach

    @property
    def title_key(self) -> str:
        """Text key of the challenge's name."""
        return f"challenge.{self.key}.title"

    @property
    def goal_key(self) -> str:
        """Text key of the challenge's description."""
        return f"challenge.{self.key}.goal"

    def best(self, outcomes: Iterable[RunOutcome]) -> tuple[ChallengeCheck, RunOutcome | None]:
        """The check of the run that gets furthest, and that run (None without runs)."""
        best_check = ChallengeCheck(0.0, "challenge.msg.no_runs")
        best_outcome = None
        for outcome in outcomes:
            result = self.check(outcome.spec, outcome.test_accuracy)
            if best_outcome is None or result.progress > best_check.progress:
                best_check, best_outcome = result, outcome
        return best_check, best_outcome


def accuracy_progress(accuracy: float, target: float) -> float:
    """How far `accuracy` has come from chance (0) to `target` (1), clipped to 0..1."""
    return min(1.0, max(0.0, (accuracy - CHANCE_ACCURACY) / (target - CHANCE_ACCURACY)))


def _score(
    accuracy: float | None, target: float, *, strictly_above: bool = False
) -> ChallengeCheck:
    """Progress toward `target` once the rules are met."""
    if accuracy is None:
        return ChallengeCheck(0.0, "challenge.msg.no_accuracy")
    # Two decimals, unlike elsewhere: near a target, 97.46 % and 97.5 % must not both read 97.5 %.
    values = {"accuracy": f"{accuracy:.2%}", "target": f"{target:.2%}"}
    reached = accuracy > target if strictly_above else accuracy >= target
    if reached:
        return ChallengeCheck(1.0, "challenge.msg.passed", values)
    # Just short of the target is not done: keep it visibly below full.
    progress = min(accuracy_progress(accuracy, target), 0.99)
    return ChallengeCheck(progress, "challenge.msg.not_yet", values)


def _wrong_dataset(spec: RunSpec, dataset: str) -> ChallengeCheck | None:
    if spec.dataset != dataset:
        return ChallengeCheck(
            0.0, "challenge.msg.wrong_dataset", {"dataset": choices.DATASETS[dataset].title}
        )
    return None


def _small_mnist(
    spec: RunSpec, test_accuracy: float | None, limit: int, target: float
) -> ChallengeCheck:
    """`target` test accuracy on MNIST with at most `limit` parameters."""
    if problem := _wrong_dataset(spec, "mnist"):
        return problem
    parameters = spec.parameter_count()
    if parameters > limit:
        return ChallengeCheck(
            0.0,
            "challenge.msg.too_many_parameters",
            {"count": f"{parameters:,}", "limit": f"{limit:,}"},
        )
    return _score(test_accuracy, target)


def check_mnist_small(spec: RunSpec, test_accuracy: float | None) -> ChallengeCheck:
    """97 % test accuracy on MNIST with at most 20,000 parameters."""
    return _small_mnist(spec, test_accuracy, limit=20_000, target=0.97)


def check_mnist_beat_002(spec: RunSpec, test_accuracy: float | None) -> ChallengeCheck:
    """Tutorial 002's 98.04 % on MNIST with at most 100,000 parameters (002 used 795,010)."""
    return _small_mnist(spec, test_accuracy, limit=100_000, target=TUTORIAL_002_MNIST)


def check_fashion_small(spec: RunSpec, test_accuracy: float | None) -> ChallengeCheck:
    """Beat logistic regression on Fashion-MNIST with one hidden Dense layer of at most 32 units."""
    max_units = 32
    if problem := _wrong_dataset(spec, "fashion_mnist"):
        return problem
    layers = spec.hidden_layers
    if len(layers) != 1 or layers[0].kind != "dense":
        return ChallengeCheck(0.0, "challenge.msg.one_hidden_layer", {"count": len(layers)})
    if layers[0].units > max_units:
        return ChallengeCheck(
            0.0, "challenge.msg.too_many_units", {"units": layers[0].units, "limit": max_units}
        )
    return _score(test_accuracy, LOGISTIC_BASELINE, strictly_above=True)


def changed_fields(spec: RunSpec, reference: RunSpec, allowed: Iterable[str]) -> list[str]:
    """Fields of `spec` that differ from `reference`, other than the `allowed` ones."""
    allowed = set(allowed)
    return [
        name
        for name in reference.to_dict()
        if name not in allowed and getattr(spec, name) != getattr(reference, name)
    ]


def check_t000_fix(spec: RunSpec, test_accuracy: float | None) -> ChallengeCheck:
    """Tutorial 000's sigmoid net past 90 %, changing only the loss and the optimizer."""
    changed = changed_fields(spec, PRESETS["t000_sigmoid_mse"].spec, T000_FREE_FIELDS)
    if changed:
        return ChallengeCheck(0.0, "challenge.msg.changed_other", {"fields": tuple(changed)})
    return _score(test_accuracy, 0.90)


CHALLENGES: dict[str, Challenge] = {
    challenge.key: challenge
    for challenge in (
        Challenge(
            key="mnist_small",
            start_spec=RunSpec(dataset="mnist", hidden_layers=(LayerSpec.dense(16, "relu"),)),
            start_preset=None,
            check=check_mnist_small,
            target=0.97,
        ),
        Challenge(
            key="fashion_small",
            start_spec=PRESETS["t004_logistic"].spec,
            start_preset="t004_logistic",
            check=check_fashion_small,
            target=LOGISTIC_BASELINE,
        ),
        Challenge(
            key="t000_fix",
            start_spec=PRESETS["t000_sigmoid_mse"].spec,
            start_preset="t000_sigmoid_mse",
            check=check_t000_fix,
            target=0.90,
        ),
        Challenge(
            key="mnist_beat_002",
            start_spec=RunSpec(
                dataset="mnist",
                hidden_layers=(LayerSpec.conv(8, 3), LayerSpec.dense(32, "relu")),
                epochs=5,
                batch_size=64,
            ),
            start_preset=None,
            check=check_mnist_beat_002,
            target=TUTORIAL_002_MNIST,
        ),
    )
}


# --- scoring a lab's runs ------------------------------------------------------------------------


class ScoredRun(Protocol):
    """What scoring reads from a training run (nnlab.core.runs.LiveRun has it all)."""

    label: str
    spec: RunSpec
    status: RunStatus
    history: Sequence[EpochRow]
    test_accuracy: float | None  # measured on the test set when the run ended, else None


def history_test_accuracy(spec: RunSpec, history: Sequence[EpochRow]) -> float | None:
    """The test accuracy a run's history already holds (validation on the test set), else None."""
    rows = [row for row in history if row.figure("val_accuracy") is not None]
    if spec.validation != "test" or not rows:
        return None
    if spec.early_stopping_patience and spec.restore_best_weights:
        # Keras' EarlyStopping puts back the weights of the epoch with the lowest val_loss.
        rows = [min(rows, key=lambda row: _or_infinity(row.figure("val_loss")))]
    return rows[-1].figure("val_accuracy")


def _or_infinity(value: float | None) -> float:
    return math.inf if value is None else value


def run_outcomes(runs: Iterable[ScoredRun]) -> list[RunOutcome]:
    """Every run that did not fail as a challenge sees it: its settings and test accuracy.

    An ended run was scored on the test set by the training itself; a run still training that
    validates on the test set already shows its test accuracy in its history.
    """
    outcomes = []
    for run in runs:
        if run.status == RunStatus.FAILED:
            continue
        accuracy = run.test_accuracy
        if accuracy is None:
            accuracy = history_test_accuracy(run.spec, run.history)
        outcomes.append(RunOutcome(run.spec, accuracy, run.label))
    return outcomes
