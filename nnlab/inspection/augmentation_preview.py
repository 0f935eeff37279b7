"""The page's preview of data augmentation: random shifts, rotations, zooms and noise in NumPy.

Training augments in the model itself, with Keras' preprocessing layers right after the rescaling
(RandomTranslation, RandomRotation, RandomZoom, GaussianNoise; `nnlab.core.plan.augmentation_layers`
lists them): they change each training batch and pass images through unchanged at inference.
`augmented_examples` draws the same kinds of random changes in NumPy / SciPy for the page's
preview grid (the app never imports Keras). Same settings and distributions, not the same random
draws as training: Keras draws its own numbers inside the model, batch by batch.
"""

from __future__ import annotations

import numpy as np

from nnlab.core.shapes import IMAGE_SIDE
from nnlab.core.spec import RunSpec


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
