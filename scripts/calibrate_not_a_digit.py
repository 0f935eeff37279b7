"""Calibrate "this does not look like a digit" for the shipped default model; print the figures.

    python scripts/calibrate_not_a_digit.py

Digits: MNIST test images (the offline sample when there is no cache) and digits drawn as mouse
strokes through the Draw pipeline (tests/drawn_digits.py's strokes, jittered, at random sizes,
slants and pen widths). Non-digits: letters, signs, shapes, scribbles and blobs drawn the same way
(nnlab.inspection.digit_check.NON_DIGIT_SHAPES), two independent sets of drawings: one to fit the
probe, one to measure. Each threshold lets at most DIGIT_BUDGET of the calibration digits (MNIST
and drawn, each) read "not a digit". The score is chosen by how many shapes of a family it catches
when that family was left out of the fitting (leave one family out), so the choice rewards catching
shapes nobody thought of; the shipped probe is then fitted on every family.

Writes nnlab/assets/not_a_digit.json, keyed to the network's fingerprint: after the default model
is retrained, the app falls back to a plain confidence rule until this script is run again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from drawn_digits import STROKES  # noqa: E402

from nnlab.data.datasets import load_dataset  # noqa: E402
from nnlab.inspection import backprop, digit_check  # noqa: E402
from nnlab.inspection.default_model import DEFAULT_NETWORK_PATH, load_default_network  # noqa: E402
from nnlab.inspection.drawing import preprocess_drawing  # noqa: E402

DIGIT_BUDGET = 0.05  # at most this share of calibration digits may read "not a digit"
SEED = 2026
PER_FAMILY = 40  # drawings of each non-digit shape family per split


def drawn_digits(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Digits drawn as jittered mouse strokes of random size and pen width, through Draw."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    while len(images) < count:
        digit = len(images) % 10
        width = int(rng.integers(10, 34))
        height = rng.uniform(110, 230)
        aspect = rng.uniform(0.45, 0.9)  # digits are taller than wide
        left = rng.uniform(10, digit_check.CANVAS - 10 - height * aspect)
        top = rng.uniform(10, digit_check.CANVAS - 10 - height)
        box = (left, top, left + height * aspect, top + height)
        rgba = digit_check.draw_strokes(digit_check.jitter(STROKES[digit], rng), width, box)
        image = preprocess_drawing(rgba)
        if image is not None:
            images.append(image)
            labels.append(digit)
    return np.stack(images), np.array(labels)


def non_digits(families: list[str], seed: int) -> tuple[np.ndarray, list[str]]:
    """PER_FAMILY drawings of each family."""
    return digit_check.non_digit_drawings(PER_FAMILY * len(families), seed=seed, shapes=families)


def threshold_for(digit_scores: list[np.ndarray]) -> float:
    """The highest threshold that flags at most DIGIT_BUDGET of each digit set."""
    return float(min(np.quantile(scores, DIGIT_BUDGET) for scores in digit_scores))


def rates(threshold: float, digits: dict[str, np.ndarray], others: np.ndarray) -> dict[str, float]:
    """Shares of digits flagged (per set) and of non-digits caught, at a threshold."""
    figures = {f"{name}_flagged": float(np.mean(s < threshold)) for name, s in digits.items()}
    figures["non_digits_caught"] = float(np.mean(others < threshold))
    return figures


def main() -> None:
    """Calibrate, print the figures, write the JSON asset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=digit_check.CALIBRATION_PATH)
    args = parser.parse_args()

    network = load_default_network()
    dataset = load_dataset("mnist")
    rng = np.random.default_rng(SEED)
    order = rng.permutation(dataset.num_test)
    half = len(order) // 2
    mnist = {
        "calibration": dataset.x_test[order[:half]] / 255.0,
        "held_out": dataset.x_test[order[half:]] / 255.0,
        "probe": dataset.x_train[rng.permutation(len(dataset.x_train))[:3000]] / 255.0,
    }
    drawn = {
        "probe": drawn_digits(300, SEED + 1)[0],
        "calibration": drawn_digits(300, SEED + 2)[0],
    }
    drawn["held_out"], drawn_labels = drawn_digits(500, SEED + 3)
    families = [*digit_check.NON_DIGIT_SHAPES, *digit_check.RANDOM_SHAPES]
    # Two independent sets of drawings of every family: one to fit the probe, one to measure.
    others_fit, fit_names = non_digits(families, SEED + 4)
    others_test, test_names = non_digits(families, SEED + 5)
    fit_names, test_names = np.array(fit_names), np.array(test_names)

    digit_features = np.vstack(
        [
            digit_check.probe_features(network, mnist["probe"]),
            digit_check.probe_features(network, drawn["probe"]),
        ]
    )
    other_features = digit_check.probe_features(network, others_fit)

    def calibrated(method: str, probe: dict | None = None) -> float:
        return threshold_for(
            [
                digit_check.digit_scores(network, mnist["calibration"], method, probe),
                digit_check.digit_scores(network, drawn["calibration"], method, probe),
            ]
        )

    # Non-digits caught, family by family, by a rule that never saw that family: the probe is
    # refitted without it (leave one family out); the other scores fit nothing.
    unseen: dict[str, dict[str, float]] = {}
    for method in ("energy", "max_probability"):
        threshold = calibrated(method)
        test_scores = digit_check.digit_scores(network, others_test, method)
        unseen[method] = {
            family: float(np.mean(test_scores[test_names == family] < threshold))
            for family in families
        }
    unseen["probe"] = {}
    for family in families:
        probe = digit_check.fit_probe(digit_features, other_features[fit_names != family])
        tested = digit_check.digit_scores(
            network, others_test[test_names == family], "probe", probe
        )
        unseen["probe"][family] = float(np.mean(tested < calibrated("probe", probe)))
    caught_unseen = {
        method: float(np.mean(list(rates_.values()))) for method, rates_ in unseen.items()
    }
    method = max(caught_unseen, key=caught_unseen.get)

    # The shipped rules: the probe fitted on every family; every threshold from calibration digits.
    final_probe = digit_check.fit_probe(digit_features, other_features)
    held_out: dict[str, dict[str, float]] = {}
    thresholds: dict[str, float] = {}
    for name in digit_check.METHODS:
        weights = final_probe if name == "probe" else None
        thresholds[name] = calibrated(name, weights)
        held_out[name] = rates(
            thresholds[name],
            {
                "mnist": digit_check.digit_scores(network, mnist["held_out"], name, weights),
                "drawn": digit_check.digit_scores(network, drawn["held_out"], name, weights),
            },
            digit_check.digit_scores(network, others_test, name, weights),
        )
        held_out[name]["unseen_shapes_caught"] = caught_unseen[name]
    predictions = backprop.scores(network, drawn["held_out"]).argmax(axis=1)

    record = {
        "format": digit_check.CALIBRATION_FORMAT,
        "network_fingerprint": digit_check.network_fingerprint(network),
        "model_file": DEFAULT_NETWORK_PATH.name,
        "model_file_sha256": hashlib.sha256(DEFAULT_NETWORK_PATH.read_bytes()).hexdigest(),
        "method": method,
        "threshold": thresholds[method],
        "probe": final_probe if method == "probe" else None,
        "digit_budget": DIGIT_BUDGET,
        "held_out": held_out,
        "unseen_shapes_caught_per_family": unseen[method],
        "counts": {
            "mnist_probe": len(mnist["probe"]),
            "mnist_calibration": len(mnist["calibration"]),
            "mnist_held_out": len(mnist["held_out"]),
            "drawn_probe": len(drawn["probe"]),
            "drawn_calibration": len(drawn["calibration"]),
            "drawn_held_out": len(drawn["held_out"]),
            "non_digits_fit": len(others_fit),
            "non_digits_test": len(others_test),
            "families": len(families),
        },
        "mnist_source": dataset.source,
        "drawn_held_out_accuracy": float(np.mean(predictions == drawn_labels)),
        "command": "python scripts/calibrate_not_a_digit.py",
    }
    args.output.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")

    print(f"network {record['network_fingerprint']} ({DEFAULT_NETWORK_PATH.name})")
    accuracy = record["drawn_held_out_accuracy"]
    print(f"MNIST from {dataset.source}; held-out drawn digits read right: {accuracy:.1%}")
    print(f"digit budget {DIGIT_BUDGET:.0%} of calibration digits; {len(families)} shape families")
    print()
    print("held out        | MNIST flagged | drawn flagged | shapes caught | unseen shapes caught")
    for name, figures in held_out.items():
        mark = "  <- chosen" if name == method else ""
        print(
            f"{name:15} | {figures['mnist_flagged']:13.1%} | {figures['drawn_flagged']:13.1%} | "
            f"{figures['non_digits_caught']:13.1%} | {figures['unseen_shapes_caught']:20.1%}{mark}"
        )
    print()
    print(f"unseen shapes caught by {method}, per family (leave one family out):")
    print(", ".join(f"{family} {value:.0%}" for family, value in unseen[method].items()))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
