"""Data augmentation: random shifts, rotations, zooms and noise on the training images.

The model does it itself, with Keras' preprocessing layers right after the rescaling
(RandomTranslation, RandomRotation, RandomZoom, GaussianNoise): they change each training batch
and pass images through unchanged at inference, and a saved model file keeps them. The plan
(`nnlab.plan`) lists them, so the model, its summary, the NumPy network (which runs them as
identity) and the code export all agree.

`augmented_examples` draws the same kinds of random changes in NumPy / SciPy for the page's
preview grid (the app never imports Keras). Same settings and distributions, not the same random
draws as training: Keras draws its own numbers inside the model, batch by batch.
"""

from __future__ import annotations

import numpy as np

from nnlab.plan import SEED_RANGE, PlannedLayer
from nnlab.spec import IMAGE_SIDE, RunSpec

AUGMENT_FIELDS = ("augment_shift", "augment_rotation", "augment_zoom", "augment_noise")
FILL = "constant"  # black outside the image: the digits' own background


def has_augmentation(spec: RunSpec) -> bool:
    """True when the spec changes its training images at random."""
    return any(getattr(spec, name) > 0 for name in AUGMENT_FIELDS)


def augmentation_layers(spec: RunSpec) -> list[PlannedLayer]:
    """The preprocessing layers of the spec's augmentation, in the order the model runs them.

    Their seeds come after the kernels' range, so switching augmentation on or off leaves every
    other layer's initial weights as they were.
    """
    shape = (None, IMAGE_SIDE, IMAGE_SIDE, 1)
    seeds = iter(range(spec.seed + SEED_RANGE, spec.seed + SEED_RANGE + len(AUGMENT_FIELDS)))
    layers = []
    if spec.augment_shift > 0:
        factor = float(spec.augment_shift)
        arguments = {"height_factor": factor, "width_factor": factor, "fill_mode": FILL}
        layers.append(
            PlannedLayer("augment_shift", "RandomTranslation", arguments, shape, seed=next(seeds))
        )
    if spec.augment_rotation > 0:
        # Keras takes a fraction of a full turn.
        arguments = {"factor": round(spec.augment_rotation / 360, 6), "fill_mode": FILL}
        layers.append(
            PlannedLayer("augment_rotation", "RandomRotation", arguments, shape, seed=next(seeds))
        )
    if spec.augment_zoom > 0:
        arguments = {"height_factor": float(spec.augment_zoom), "fill_mode": FILL}
        layers.append(
            PlannedLayer("augment_zoom", "RandomZoom", arguments, shape, seed=next(seeds))
        )
    if spec.augment_noise > 0:
        arguments = {"stddev": float(spec.augment_noise)}
        layers.append(
            PlannedLayer("augment_noise", "GaussianNoise", arguments, shape, seed=next(seeds))
        )
    return layers


def augmented_examples(
    images: np.ndarray, spec: RunSpec, copies: int = 1, seed: int = 0
) -> np.ndarray:
    """`copies` randomly augmented versions of each image, (len(images) * copies, 28, 28) uint8.

    Row order: every copy of image 0, then of image 1, ... The same arguments give the same
    images. The distributions follow Keras' layers: shift uniform in ±shift x side pixels on
    each axis, angle uniform in ±rotation degrees, scale 1 + uniform ±zoom (one factor for both
    axes), then Gaussian noise of spread `augment_noise` on the 0..1 scale, clipped to show.
    """
    from scipy.ndimage import affine_transform

    source = np.asarray(images)
    if source.ndim != 3 or source.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise ValueError(f"Augmentation previews take 28x28 images; got shape {source.shape}.")
    rng = np.random.default_rng(seed)
    centre = np.array([(IMAGE_SIDE - 1) / 2] * 2)
    results = np.empty((len(source) * copies, IMAGE_SIDE, IMAGE_SIDE), dtype=np.uint8)
    for index, image in enumerate(np.repeat(source, copies, axis=0)):
        shift = rng.uniform(-1, 1, size=2) * spec.augment_shift * IMAGE_SIDE
        angle = np.deg2rad(rng.uniform(-1, 1) * spec.augment_rotation)
        zoom = 1.0 + rng.uniform(-1, 1) * spec.augment_zoom
        # affine_transform maps each output pixel to where it reads the input: inverse motion.
        cos, sin = np.cos(angle), np.sin(angle)
        matrix = zoom * np.array([[cos, -sin], [sin, cos]])
        offset = centre - matrix @ (centre + shift)
        moved = affine_transform(
            image.astype(np.float64), matrix, offset=offset, order=1, mode="constant", cval=0.0
        )
        if spec.augment_noise > 0:
            moved = moved + rng.normal(0.0, spec.augment_noise * 255.0, size=moved.shape)
        results[index] = np.clip(np.rint(moved), 0, 255).astype(np.uint8)
    return results
