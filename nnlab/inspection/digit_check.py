"""Whether a drawing looks like a digit at all, and the non-digit drawings that calibrate it.

Scores come from the network's forward pass (`nnlab.inspection.backprop`); the calibrated rule per
network is stored in `assets/not_a_digit.json` by `scripts/calibrate_not_a_digit.py`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from scipy.special import logsumexp

from nnlab.inspection.backprop import (
    forward_record,
    network_batch,
    probabilities_from_scores,
    score_layer_index,
    scores,
)
from nnlab.inspection.drawing import preprocess_drawing
from nnlab.inspection.network import Network

ASSETS = Path(__file__).resolve().parent.parent / "assets"
CALIBRATION_PATH = ASSETS / "not_a_digit.json"
CALIBRATION_FORMAT = "nnlab-not-a-digit/1"
# Without a calibration for the network at hand, a drawing whose best class gets less than this
# probability reads "does not look like a digit". Weak (a network is often sure of a letter), so
# the page says the rule is uncalibrated.
FALLBACK_MIN_PROBABILITY = 0.7


# --- not a digit ---------------------------------------------------------------------------------
# A network trained on digits gives every input a digit class; its softmax can be sure of a letter.
# Three scores, higher meaning "more like a digit": the energy score logsumexp(logits) (Liu et al.,
# 2020), the best class's probability, and a probe: a logistic regression on the network's last
# hidden layer and scores, fitted on digits against non-digit strokes (outlier exposure, Hendrycks
# et al., 2019). `scripts/calibrate_not_a_digit.py` picks one and its threshold per network.

METHODS = ("energy", "max_probability", "probe")


def _features(network: Network, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(last hidden layer's output, scores) for [0, 1] images: what the probe reads."""
    record, logits = forward_record(network, network_batch(network, images))
    hidden = record[score_layer_index(network) - 1][0]
    logits = logits.reshape(len(logits), -1).astype(np.float64)
    return hidden.reshape(len(hidden), -1).astype(np.float64), logits


def probe_features(network: Network, images: np.ndarray) -> np.ndarray:
    """The probe's inputs per image: last hidden layer, scores and energy, side by side."""
    hidden, logits = _features(network, images)
    return np.hstack([hidden, logits, logsumexp(logits, axis=1, keepdims=True)])


def digit_scores(
    network: Network,
    images: np.ndarray,
    method: str = "energy",
    probe: dict[str, Any] | None = None,
) -> np.ndarray:
    """How digit-like each [0, 1] image looks to the network (higher: more like a digit)."""
    if method == "probe":
        if not probe:
            raise ValueError("The probe score needs the probe's weights.")
        features = probe_features(network, images)
        scaled = (features - np.asarray(probe["mean"])) / np.asarray(probe["scale"])
        return scaled @ np.asarray(probe["coef"]) + float(probe["intercept"])
    logits = scores(network, images)
    if method == "energy":
        return logsumexp(logits, axis=-1)
    if method == "max_probability":
        return probabilities_from_scores(network, logits).max(axis=-1)
    raise ValueError(f"Unknown score {method!r}; one of {', '.join(METHODS)}.")


def fit_probe(digit_features: np.ndarray, other_features: np.ndarray) -> dict[str, Any]:
    """A logistic regression telling digits (1) from non-digits (0), as plain lists of numbers."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    features = np.vstack([digit_features, other_features])
    labels = np.r_[np.ones(len(digit_features)), np.zeros(len(other_features))]
    scaler = StandardScaler().fit(features)
    # Strong regularisation: the non-digits are a few dozen shapes; it must not learn them by heart.
    model = LogisticRegression(C=0.1, max_iter=5000, class_weight="balanced")
    model.fit(scaler.transform(features), labels)
    return {
        "mean": scaler.mean_.tolist(),
        "scale": np.where(scaler.scale_ > 0, scaler.scale_, 1.0).tolist(),
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
    }


def network_fingerprint(network: Network) -> str:
    """A hash of the network's layers and weights: a calibration belongs to exactly one model."""
    digest = hashlib.sha256()
    for layer in network.layers:
        digest.update(json.dumps([layer.kind, layer.activation, layer.config]).encode())
        for weight in layer.weights:
            digest.update(str(weight.shape).encode())
            digest.update(np.ascontiguousarray(weight).tobytes())
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class DigitRule:
    """When a drawing reads "this does not look like a digit"."""

    method: str  # one of METHODS
    threshold: float  # scores below this are not digits
    calibrated: bool  # False: no calibration for this network, a plain confidence rule
    probe: dict[str, Any] | None = None  # the probe's weights (method "probe")
    figures: dict[str, Any] = field(default_factory=dict)  # held-out rates from the calibration

    def looks_like_a_digit(self, score: float) -> bool:
        """True when a score is at or above the threshold."""
        return bool(score >= self.threshold)


def fallback_rule() -> DigitRule:
    """The rule for networks without a calibration: the best class's probability."""
    return DigitRule("max_probability", FALLBACK_MIN_PROBABILITY, calibrated=False)


@lru_cache(maxsize=4)
def _read_calibration(path: Path, modified: float) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == CALIBRATION_FORMAT else {}


def read_calibration(path: Path = CALIBRATION_PATH) -> dict[str, Any]:
    """The stored calibration ({} if missing or unreadable)."""
    try:
        modified = path.stat().st_mtime
    except OSError:
        return {}
    return _read_calibration(path, modified)


def digit_rule(network: Network, path: Path = CALIBRATION_PATH) -> DigitRule:
    """The calibrated rule if the stored calibration is for this very network, else the fallback."""
    calibration = read_calibration(path)
    if calibration.get("network_fingerprint") != network_fingerprint(network):
        return fallback_rule()
    try:
        method = str(calibration["method"])
        probe = calibration.get("probe") if method == "probe" else None
        if method not in METHODS or (method == "probe" and not isinstance(probe, dict)):
            return fallback_rule()
        return DigitRule(
            method=method,
            threshold=float(calibration["threshold"]),
            calibrated=True,
            probe=probe,
            figures=dict(calibration.get("held_out", {}).get(method, {})),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return fallback_rule()


@dataclass(frozen=True)
class DigitCheck:
    """One image's "not a digit" verdict."""

    score: float
    rule: DigitRule

    @property
    def is_digit(self) -> bool:
        """True when the image looks like a digit to this network."""
        return self.rule.looks_like_a_digit(self.score)


def check_digit(network: Network, image: np.ndarray, rule: DigitRule | None = None) -> DigitCheck:
    """Whether one [0, 1] image looks like a digit to the network, by its calibrated rule."""
    rule = rule or digit_rule(network)
    score = digit_scores(network, image, rule.method, rule.probe)[0]
    return DigitCheck(float(score), rule)


# Strokes that are not digits, in a unit box (x right, y down), one list per pen stroke. Shapes a
# digit could be (a plain circle: 0, a vertical bar: 1, S: 5, Z: 2) are left out on purpose.
NON_DIGIT_SHAPES: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0.1, 0.95), (0.5, 0.05), (0.9, 0.95)], [(0.28, 0.6), (0.72, 0.6)]],
    "B": [
        [(0.2, 0.05), (0.2, 0.95)],
        [(0.2, 0.05), (0.65, 0.08), (0.75, 0.25), (0.6, 0.45), (0.2, 0.48)],
        [(0.2, 0.48), (0.75, 0.52), (0.85, 0.72), (0.7, 0.92), (0.2, 0.95)],
    ],
    "E": [
        [(0.8, 0.05), (0.2, 0.05), (0.2, 0.95), (0.8, 0.95)],
        [(0.2, 0.5), (0.7, 0.5)],
    ],
    "F": [[(0.8, 0.05), (0.2, 0.05), (0.2, 0.95)], [(0.2, 0.5), (0.7, 0.5)]],
    "H": [[(0.2, 0.05), (0.2, 0.95)], [(0.8, 0.05), (0.8, 0.95)], [(0.2, 0.5), (0.8, 0.5)]],
    "K": [[(0.2, 0.05), (0.2, 0.95)], [(0.8, 0.05), (0.2, 0.55)], [(0.38, 0.42), (0.85, 0.95)]],
    "M": [[(0.1, 0.95), (0.15, 0.05), (0.5, 0.6), (0.85, 0.05), (0.9, 0.95)]],
    "N": [[(0.15, 0.95), (0.15, 0.05), (0.85, 0.95), (0.85, 0.05)]],
    "R": [
        [(0.2, 0.95), (0.2, 0.05), (0.7, 0.08), (0.8, 0.28), (0.65, 0.48), (0.2, 0.5)],
        [(0.45, 0.5), (0.85, 0.95)],
    ],
    "W": [[(0.05, 0.05), (0.25, 0.95), (0.5, 0.35), (0.75, 0.95), (0.95, 0.05)]],
    "X": [[(0.1, 0.05), (0.9, 0.95)], [(0.9, 0.05), (0.1, 0.95)]],
    "Y": [[(0.1, 0.05), (0.5, 0.5), (0.9, 0.05)], [(0.5, 0.5), (0.5, 0.95)]],
    "dash": [[(0.05, 0.5), (0.95, 0.5)]],
    "equals": [[(0.1, 0.35), (0.9, 0.35)], [(0.1, 0.65), (0.9, 0.65)]],
    "plus": [[(0.5, 0.1), (0.5, 0.9)], [(0.1, 0.5), (0.9, 0.5)]],
    "hash": [
        [(0.35, 0.05), (0.3, 0.95)],
        [(0.7, 0.05), (0.65, 0.95)],
        [(0.1, 0.35), (0.9, 0.35)],
        [(0.1, 0.65), (0.9, 0.65)],
    ],
    "circled_cross": [
        [(0.5 + 0.45 * np.sin(a), 0.5 - 0.45 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 40)],
        [(0.18, 0.18), (0.82, 0.82)],
        [(0.82, 0.18), (0.18, 0.82)],
    ],
    "square": [[(0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9), (0.1, 0.1)]],
    "triangle": [[(0.5, 0.05), (0.95, 0.9), (0.05, 0.9), (0.5, 0.05)]],
    "star": [
        [
            (0.5 + 0.45 * np.sin(a), 0.5 - 0.45 * np.cos(a))
            for a in np.linspace(0, 4 * np.pi, 6)  # a five-pointed star in one stroke
        ]
    ],
    "heart": [
        [
            (
                0.5 + 0.4 * np.sin(a) ** 3,
                0.45 - 0.3 * np.cos(a) + 0.12 * np.cos(2 * a) + 0.05 * np.cos(3 * a),
            )
            for a in np.linspace(0, 2 * np.pi, 40)
        ]
    ],
    "wave": [[(x, 0.5 + 0.3 * np.sin(4 * np.pi * x)) for x in np.linspace(0.02, 0.98, 30)]],
    "arrow": [[(0.1, 0.5), (0.9, 0.5)], [(0.6, 0.2), (0.9, 0.5), (0.6, 0.8)]],
    "smiley": [
        [(0.5 + 0.45 * np.sin(a), 0.5 - 0.45 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 40)],
        [(0.35, 0.35), (0.36, 0.38)],
        [(0.65, 0.35), (0.66, 0.38)],
        [(0.5 + 0.22 * np.sin(a), 0.58 - 0.18 * np.cos(a)) for a in np.linspace(2.0, 4.3, 12)],
    ],
}
# Shapes made fresh for each drawing: a scribble (a random walk) and a blob (a filled patch).
RANDOM_SHAPES = ("scribble", "blob")
CANVAS = 280  # the Draw page's canvas side, in pixels


def _random_strokes(kind: str, rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    if kind == "scribble":
        points = np.cumsum(rng.normal(0, 0.25, (int(rng.integers(8, 16)), 2)), axis=0)
        points -= points.min(axis=0)
        points /= max(float(points.max()), 1e-9)
        return [[(float(x), float(y)) for x, y in points]]
    # A blob: a wobbly closed curve drawn with many passes, so it is mostly filled in.
    angles = np.linspace(0, 2 * np.pi, 24)
    radius = 0.45 * (1 + 0.25 * np.sin(3 * angles + rng.uniform(0, 6)))
    strokes = []
    for shrink in np.linspace(1.0, 0.1, 8):
        strokes.append(
            [
                (0.5 + shrink * r * np.sin(a), 0.5 - shrink * r * np.cos(a))
                for r, a in zip(radius, angles, strict=True)
            ]
        )
    return strokes


def draw_strokes(
    strokes: list[list[tuple[float, float]]],
    width: int = 20,
    box: tuple[float, float, float, float] = (60, 40, 220, 240),
) -> np.ndarray:
    """Polylines in a unit box drawn with a round brush on a 280x280 canvas, as RGBA pixels."""
    left, top, right, bottom = box
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    pen = ImageDraw.Draw(canvas)
    for stroke in strokes:
        points = [(left + x * (right - left), top + y * (bottom - top)) for x, y in stroke]
        pen.line(points, fill=255, width=width, joint="curve")
        for x, y in points:  # round joints and caps, as the canvas brush has
            pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    rgba = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    rgba[..., 3] = np.asarray(canvas)
    return rgba


def jitter(
    strokes: list[list[tuple[float, float]]], rng: np.random.Generator, amount: float = 0.04
) -> list[list[tuple[float, float]]]:
    """The strokes with each point moved a little and the whole shape slanted, as a hand would."""
    slant = rng.uniform(-0.15, 0.15)
    return [
        [
            (
                float(x + slant * (0.5 - y) + rng.normal(0, amount)),
                float(y + rng.normal(0, amount)),
            )
            for x, y in stroke
        ]
        for stroke in strokes
    ]


def non_digit_drawings(
    count: int, seed: int = 0, shapes: Sequence[str] | None = None
) -> tuple[np.ndarray, list[str]]:
    """`count` non-digit drawings through the Draw pipeline: ((count, 28, 28) in [0, 1], names)."""
    rng = np.random.default_rng(seed)
    names = list(shapes) if shapes is not None else [*NON_DIGIT_SHAPES, *RANDOM_SHAPES]
    images, labels = [], []
    while len(images) < count:
        name = names[len(images) % len(names)]
        strokes = NON_DIGIT_SHAPES.get(name) or _random_strokes(name, rng)
        width = int(rng.integers(10, 34))
        size = rng.uniform(110, 220)
        aspect = rng.uniform(0.7, 1.3)
        left, top = rng.uniform(10, CANVAS - 10 - size * min(aspect, 1.0), 2)
        box = (left, top, left + size * min(aspect, 1.0), top + size / max(aspect, 1.0))
        image = preprocess_drawing(draw_strokes(jitter(strokes, rng), width, box))
        if image is not None:
            images.append(image)
            labels.append(name)
    return np.stack(images), labels
