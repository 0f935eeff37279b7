"""How robust an answer is: the drawing shifted, rotated, thickened, blurred, noised or erased,
and the adversarial nudge (FGSM) that flips it.

Images are (28, 28) arrays in [0, 1]; the gradients come from `nnlab.inspection.backprop`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from nnlab.inspection.backprop import input_scale, loss_gradient, probabilities_from_scores, scores
from nnlab.inspection.network import Network

# --- adversarial example (FGSM) ------------------------------------------------------------------


@dataclass(frozen=True)
class Adversarial:
    """An image nudged by epsilon per pixel against its label (fast gradient sign method)."""

    epsilon: float
    original: np.ndarray  # (28, 28) in [0, 1]
    adversarial: np.ndarray  # (28, 28) in [0, 1], on the 0..255 grid the network reads
    perturbation: np.ndarray  # adversarial - original
    label: int
    prediction_before: int
    prediction_after: int
    probabilities_before: np.ndarray
    probabilities_after: np.ndarray
    loss_before: float
    loss_after: float

    @property
    def flipped(self) -> bool:
        """True when the nudge changed the network's answer."""
        return self.prediction_before != self.prediction_after


def fgsm(network: Network, image: np.ndarray, label: int, epsilon: float) -> Adversarial:
    """x_adv = clip(x + epsilon * sign(d loss / d x), 0, 1), on the pixel grid the network reads."""
    if not 0 <= epsilon <= 1:
        raise ValueError(f"Epsilon is a share of the pixel range, 0 to 1; got {epsilon}.")
    image = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
    loss_before, gradient = loss_gradient(network, image, [label])
    adversarial = np.clip(image + epsilon * np.sign(gradient), 0.0, 1.0)
    if input_scale(network) == 255.0:
        # The network reads whole 0..255 levels (uint8): the image it really sees.
        adversarial = np.round(adversarial * 255) / 255
    loss_after, _ = loss_gradient(network, adversarial, [label])
    before = probabilities_from_scores(network, scores(network, image))[0]
    after = probabilities_from_scores(network, scores(network, adversarial))[0]
    return Adversarial(
        epsilon=float(epsilon),
        original=image,
        adversarial=adversarial,
        perturbation=adversarial - image,
        label=int(label),
        prediction_before=int(np.argmax(before)),
        prediction_after=int(np.argmax(after)),
        probabilities_before=before,
        probabilities_after=after,
        loss_before=float(loss_before),
        loss_after=float(loss_after),
    )


# --- robustness transforms -----------------------------------------------------------------------
# Pure functions on a (28, 28) image in [0, 1]: each returns a new image in [0, 1].

ERASE_PARTS = ("none", "top", "bottom", "left", "right", "centre")


def shift(image: np.ndarray, dx: float = 0.0, dy: float = 0.0) -> np.ndarray:
    """Moved dx pixels right and dy pixels down; what leaves the square is lost."""
    moved = ndimage.shift(np.asarray(image, dtype=np.float64), (dy, dx), order=1, cval=0.0)
    return np.clip(moved, 0.0, 1.0)


def rotate(image: np.ndarray, degrees: float = 0.0) -> np.ndarray:
    """Turned counter-clockwise by `degrees` about the image centre."""
    if not degrees:
        return np.asarray(image, dtype=np.float64).copy()
    turned = ndimage.rotate(np.asarray(image, dtype=np.float64), degrees, reshape=False, order=1)
    return np.clip(turned, 0.0, 1.0)


def thicken(image: np.ndarray, pixels: int = 0) -> np.ndarray:
    """Strokes grown by `pixels` on each side (grey dilation); negative thins them (erosion)."""
    image = np.asarray(image, dtype=np.float64)
    if pixels == 0:
        return image.copy()
    footprint = ndimage.generate_binary_structure(2, 1)  # a plus: grows evenly, no square corners
    footprint = ndimage.iterate_structure(footprint, abs(int(pixels)))
    if pixels > 0:
        return ndimage.grey_dilation(image, footprint=footprint)
    return ndimage.grey_erosion(image, footprint=footprint)


def blur(image: np.ndarray, sigma: float = 0.0) -> np.ndarray:
    """Gaussian blur with standard deviation `sigma` pixels."""
    image = np.asarray(image, dtype=np.float64)
    return ndimage.gaussian_filter(image, sigma) if sigma > 0 else image.copy()


def add_noise(image: np.ndarray, amount: float = 0.0, seed: int = 0) -> np.ndarray:
    """Gaussian noise of standard deviation `amount` (a share of full ink), the same per seed."""
    image = np.asarray(image, dtype=np.float64)
    if amount <= 0:
        return image.copy()
    noise = np.random.default_rng(seed).normal(0.0, amount, image.shape)
    return np.clip(image + noise, 0.0, 1.0)


def erase(image: np.ndarray, part: str | tuple[int, int, int, int] = "none") -> np.ndarray:
    """Ink removed from a half ('top', 'bottom', 'left', 'right'), the 'centre' or a rectangle.

    A rectangle is (top, left, height, width) in pixels.
    """
    image = np.asarray(image, dtype=np.float64).copy()
    side_h, side_w = image.shape
    if isinstance(part, tuple):
        top, left, height, width = (int(value) for value in part)
    elif part == "none":
        return image
    elif part == "top":
        top, left, height, width = 0, 0, side_h // 2, side_w
    elif part == "bottom":
        top, left, height, width = side_h // 2, 0, side_h - side_h // 2, side_w
    elif part == "left":
        top, left, height, width = 0, 0, side_h, side_w // 2
    elif part == "right":
        top, left, height, width = 0, side_w // 2, side_h, side_w - side_w // 2
    elif part == "centre":
        top, left, height, width = side_h // 3, side_w // 3, side_h // 3, side_w // 3
    else:
        raise ValueError(f"Erase one of {', '.join(ERASE_PARTS)} or a rectangle; got {part!r}.")
    image[max(top, 0) : max(top + height, 0), max(left, 0) : max(left + width, 0)] = 0.0
    return image


@dataclass(frozen=True)
class Changes:
    """The robustness lab's settings; the defaults leave the image as it is."""

    dx: float = 0.0  # pixels right
    dy: float = 0.0  # pixels down
    degrees: float = 0.0  # counter-clockwise
    thickness: int = 0  # pixels grown (negative: thinned)
    blur: float = 0.0  # Gaussian sigma in pixels
    noise: float = 0.0  # noise standard deviation, share of full ink
    erase: str = "none"  # one of ERASE_PARTS
    seed: int = 0  # the noise's seed

    @property
    def is_identity(self) -> bool:
        """True when nothing is changed."""
        return self == Changes(seed=self.seed)


def apply_changes(image: np.ndarray, changes: Changes) -> np.ndarray:
    """The image with every change applied: rotate, shift, thicken, blur, erase, then noise."""
    result = rotate(image, changes.degrees)
    result = shift(result, changes.dx, changes.dy)
    result = thicken(result, changes.thickness)
    result = blur(result, changes.blur)
    result = erase(result, changes.erase)
    return add_noise(result, changes.noise, changes.seed)
