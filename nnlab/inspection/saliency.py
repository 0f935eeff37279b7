"""Saliency and class evidence: which strokes of a drawing speak for a class, as pictures.

Built on the gradients of `nnlab.inspection.backprop`; images are (28, 28) arrays in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import ndimage

from nnlab.inspection.backprop import (
    direction_gradient,
    probabilities_from_scores,
    score_gradient,
    scores,
    smooth_gradient,
)
from nnlab.inspection.network import Network

ADD_INK_SHARE = 0.3  # "ink here would help": places below this share of the best are not shown


def saliency(network: Network, image: np.ndarray, class_index: int | None = None) -> np.ndarray:
    """Gradient x input of a class's score (default: the predicted class), (28, 28).

    Positive where the ink raises that class's score, negative where it lowers it.
    """
    image = np.asarray(image, dtype=np.float64)
    if class_index is None:
        class_index = int(np.argmax(scores(network, image)[0]))
    return score_gradient(network, image, class_index) * image


@dataclass(frozen=True)
class ClassEvidence:
    """What in a drawing speaks for and against one class, and where ink would help it."""

    target: int  # the class asked about
    versus: int  # the class it is compared with (the network's answer, or the runner-up)
    score: float  # the target's score (logit)
    probability: float  # the target's probability now
    speaks_for: np.ndarray  # (28, 28) >= 0: ink that raises target's score over versus'
    speaks_against: np.ndarray  # (28, 28) >= 0: ink that lowers it
    add_ink: np.ndarray  # (28, 28) >= 0: empty pixels where ink would raise it most
    total_for: float  # sum of speaks_for
    total_against: float  # sum of speaks_against


def class_evidence(network: Network, image: np.ndarray, target: int) -> ClassEvidence:
    """The strokes that speak for `target` against the network's answer (or its runner-up)."""
    image = np.asarray(image, dtype=np.float64)
    logits = scores(network, image)[0]
    probabilities = probabilities_from_scores(network, logits)
    order = [int(index) for index in np.argsort(-logits)]
    versus = order[0] if order[0] != target else order[1]
    # The difference of two scores decides between them; its gradient x input splits it by pixel.
    direction = np.zeros(network.output_size)
    direction[target], direction[versus] = 1.0, -1.0
    contribution = direction_gradient(network, image, direction) * image
    speaks_for = np.maximum(contribution, 0.0)
    speaks_against = np.maximum(-contribution, 0.0)
    add_ink = np.maximum(smooth_gradient(network, image, direction, samples=32), 0.0)
    # A pen adds strokes, not single pixels: smooth the map, keep the strongest places.
    add_ink = ndimage.gaussian_filter(add_ink * (1.0 - image), 1.0)
    add_ink[add_ink < ADD_INK_SHARE * add_ink.max()] = 0.0
    return ClassEvidence(
        target=target,
        versus=versus,
        score=float(logits[target]),
        probability=float(probabilities[target]),
        speaks_for=speaks_for,
        speaks_against=speaks_against,
        add_ink=add_ink,
        total_for=float(speaks_for.sum()),
        total_against=float(speaks_against.sum()),
    )


def runner_up(network: Network, image: np.ndarray) -> int:
    """The class with the second-highest score."""
    return int(np.argsort(-scores(network, image)[0])[1])


def occlusion(
    network: Network, image: np.ndarray, class_index: int, patch: int = 6, stride: int = 2
) -> np.ndarray:
    """How much the class's probability drops when a patch x patch square is blanked, (28, 28)."""
    image = np.asarray(image, dtype=np.float64)
    side = image.shape[0]
    starts = range(0, side - patch + 1, stride)
    masked, windows = [], []
    for top in starts:
        for left in starts:
            copy = image.copy()
            copy[top : top + patch, left : left + patch] = 0.0
            masked.append(copy)
            windows.append((top, left))
    base = probabilities_from_scores(network, scores(network, image))[0, class_index]
    after = probabilities_from_scores(network, scores(network, np.stack(masked)))[:, class_index]
    drop = np.zeros_like(image)
    counts = np.zeros_like(image)
    for (top, left), value in zip(windows, after, strict=True):
        drop[top : top + patch, left : left + patch] += base - value
        counts[top : top + patch, left : left + patch] += 1
    return drop / np.maximum(counts, 1)


def _enlarged(pixels: np.ndarray, scale: int) -> np.ndarray:
    """Each pixel as a scale x scale square, so the 28x28 grid stays crisp when shown large."""
    return np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)


@cache
def _red_white_blue() -> np.ndarray:
    """Matplotlib's RdBu_r colour map as a (256, 3) table (looked up once: it is copied per use)."""
    from matplotlib import colormaps

    return colormaps["RdBu_r"](np.linspace(0, 1, 256))[:, :3]


def _diverging(level: np.ndarray) -> np.ndarray:
    """Colours for levels in [-1, 1]: blue, white, red."""
    return _red_white_blue()[np.round((np.asarray(level) + 1) / 2 * 255).astype(int)]


def overlay(
    image: np.ndarray, heat: np.ndarray, scale: int = 8, limit: float | None = None
) -> np.ndarray:
    """The drawing in grey under a red (positive) / blue (negative) map, (h*s, w*s, 3) uint8."""
    image = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
    heat = np.asarray(heat, dtype=np.float64)
    limit = limit if limit else float(np.max(np.abs(heat)))
    level = np.clip(heat / limit, -1, 1) if limit > 0 else np.zeros_like(heat)
    colour = _diverging(level)
    strength = np.abs(level)[..., None] ** 0.7  # faint evidence stays visible
    grey = (0.15 + 0.55 * image)[..., None] * np.ones(3)
    mixed = grey * (1 - strength) + colour * strength
    pixels = np.round(np.clip(mixed, 0, 1) * 255).astype(np.uint8)
    return _enlarged(pixels, scale)


def evidence_picture(
    image: np.ndarray, positive: np.ndarray, colour: str, scale: int = 8
) -> np.ndarray:
    """A non-negative map in one colour ('red', 'blue' or 'green') over the grey drawing."""
    tint = {"red": (0.86, 0.15, 0.15), "blue": (0.15, 0.35, 0.85), "green": (0.1, 0.6, 0.25)}
    image = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
    positive = np.asarray(positive, dtype=np.float64)
    peak = float(positive.max())
    strength = (np.clip(positive / peak, 0, 1) if peak > 0 else np.zeros_like(positive))[..., None]
    strength = strength**0.7
    grey = (0.12 + 0.45 * image)[..., None] * np.ones(3)
    mixed = grey * (1 - strength) + np.asarray(tint[colour]) * strength
    pixels = np.round(np.clip(mixed, 0, 1) * 255).astype(np.uint8)
    return _enlarged(pixels, scale)


def signed_picture(values: np.ndarray, scale: int = 8) -> np.ndarray:
    """A signed map (e.g. an FGSM perturbation) as red/white/blue pixels, (h*s, w*s, 3) uint8."""
    values = np.asarray(values, dtype=np.float64)
    limit = float(np.max(np.abs(values)))
    level = np.clip(values / limit, -1, 1) if limit > 0 else np.zeros_like(values)
    pixels = np.round(_diverging(level) * 255).astype(np.uint8)
    return _enlarged(pixels, scale)


def grey_picture(image: np.ndarray, scale: int = 8) -> np.ndarray:
    """A [0, 1] image as enlarged uint8 grey pixels."""
    pixels = np.round(np.clip(np.asarray(image, dtype=np.float64), 0, 1) * 255).astype(np.uint8)
    return _enlarged(pixels, scale)
