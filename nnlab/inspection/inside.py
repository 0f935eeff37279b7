"""Looking inside a trained model: weights as images, filters, histograms, every layer's output.

Compute functions take an nnlab.inspection.network.Network (NumPy arrays, no Keras) and return
arrays (and plain dicts); the Inside page only displays them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.inspection.layers import NetLayer
from nnlab.inspection.network import Network
from nnlab.inspection.numpy_net import NumpyLayer

MAX_TILES = 256  # more hidden units than this are not drawn one by one


@dataclass(frozen=True)
class LayerOutput:
    """What one layer produced for one input image."""

    name: str  # the layer's name in the model
    kind: str  # its class, e.g. "Dense", "Conv2D"
    values: np.ndarray  # its output for the image, batch axis removed


def png_data_url(pixels: np.ndarray) -> str:
    """A uint8 image (h, w) or (h, w, 3) as a PNG data URL: shown inline, no media file to fetch."""
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def weighted_layers(network: Network) -> list[NetLayer]:
    """The layers that hold weights (Dense, Conv2D, ...), in order."""
    return [layer for layer in network.layers if layer.weights]


def signed_colours(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Numbers -> RGB uint8: blue for negative, white for 0, red for positive."""
    from matplotlib import colormaps

    values = np.asarray(values, dtype=np.float64)
    limit = float(np.max(np.abs(values))) if limit is None else limit
    scaled = 0.5 + 0.5 * values / (limit if limit > 0 else 1.0)
    return (colormaps["RdBu_r"](np.clip(scaled, 0, 1))[..., :3] * 255).astype(np.uint8)


def tile(images: np.ndarray, columns: int, gap: int = 1, scale: int = 4) -> np.ndarray:
    """A grid of equal-size RGB images (n, h, w, 3) as one image, each pixel scale x scale."""
    count, height, width = images.shape[:3]
    rows = -(-count // columns)
    grid = np.full(
        (rows * (height + gap) + gap, columns * (width + gap) + gap, 3), 235, dtype=np.uint8
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = gap + row * (height + gap), gap + column * (width + gap)
        grid[top : top + height, left : left + width] = image
    return np.kron(grid, np.ones((scale, scale, 1), dtype=np.uint8))


def first_dense_weight_images(network: Network) -> np.ndarray | None:
    """(units, 28, 28) weights of the first Dense layer if it reads the 784 pixels, else None."""
    layers = weighted_layers(network)
    if not layers or layers[0].kind != "Dense":
        return None
    kernel = layers[0].weights[0]
    if kernel.shape[0] != 784:
        return None
    return kernel.T[:MAX_TILES].reshape(-1, 28, 28)


def first_conv_filters(network: Network) -> np.ndarray | None:
    """(filters, k, k) kernels of the first Conv2D layer (first input channel), else None."""
    layers = weighted_layers(network)
    if not layers or layers[0].kind != "Conv2D":
        return None
    kernel = layers[0].weights[0]  # (k, k, channels in, filters)
    return np.moveaxis(kernel[:, :, 0, :], -1, 0)[:MAX_TILES]


def weight_histograms(network: Network, bins: int = 40) -> list[dict[str, Any]]:
    """Per weighted layer: histograms of its weights and biases (counts and bin edges)."""
    rows = []
    for layer in weighted_layers(network):
        for index, variable in enumerate(layer.weights):
            values = variable.ravel()
            kind = "bias" if index == 1 else "weights"  # NetLayer weights are (kernel, bias)
            counts, edges = np.histogram(values, bins=bins if kind == "weights" else min(bins, 20))
            rows.append(
                {
                    "layer": layer.name,
                    "kind": kind,
                    "shape": tuple(variable.shape),
                    "counts": counts,
                    "edges": edges,
                    "mean": float(values.mean()),
                    "std": float(values.std()),
                }
            )
    return rows


def layer_outputs(network: Network, batch: np.ndarray) -> list[LayerOutput]:
    """Every layer's output for a batch of one image (as the network takes it), in NumPy."""
    kinds = {layer.name: layer.kind for layer in network.layers}
    return [
        LayerOutput(name=name, kind=kinds[name], values=output[0])
        for name, output in network.forward_steps(batch)
    ]


def feature_map_tiles(values: np.ndarray, limit: int = 64) -> np.ndarray:
    """A conv layer's output (h, w, channels) as (channels, h, w) maps scaled 0..255 together."""
    maps = np.moveaxis(values, -1, 0)[:limit].astype(np.float64)
    peak = maps.max() if maps.size and maps.max() > 0 else 1.0
    return np.round(np.clip(maps / peak, 0, 1) * 255).astype(np.uint8)


# Box colours by layer family, as nnlab.core.summary.network_dot colours a spec's diagram.
_DOT_COLOURS = {"Conv2D": "#fde68a", "Dense": "#bbf7d0", "InputLayer": "#e0e7ff"}


def model_dot(network: Network) -> str:
    """A Graphviz DOT diagram of any network's layers (for uploads without a RunSpec)."""
    lines = [
        "digraph model {",
        # Top to bottom like model.summary(): a left-to-right row of a dozen boxes is unreadable.
        '  rankdir="TB";',
        "  nodesep=0.3; ranksep=0.3;",
        '  bgcolor="transparent";',
        '  node [shape=box, style="rounded,filled", fillcolor="#f3f4f6", fontname="Helvetica",'
        " fontsize=12];",
        '  edge [color="#6b7280"];',
    ]
    previous = None
    for number, (layer, output_shape) in enumerate(
        zip(network.layers, network.shapes, strict=True)
    ):
        shape = "×".join(str(size) for size in output_shape)
        kind = layer.kind
        label = f"{kind}: {layer.name}" + (f"\\n{shape}" if shape else "")
        label = label.replace('"', "'")  # a quote would end the DOT string
        colour = _DOT_COLOURS.get(kind, "#f3f4f6")
        lines.append(f'  n{number} [label="{label}", fillcolor="{colour}"];')
        if previous is not None:
            lines.append(f"  n{previous} -> n{number};")
        previous = number
    lines.append("}")
    return "\n".join(lines)


def numpy_code(layers: list[NumpyLayer], scale: float, offset: float) -> str:
    """Tutorial-001-style Python that runs this network with the given weights."""
    lines = [
        "import numpy as np",
        "",
        "# network['W1'], network['b1'], ... hold the trained weights (shapes below)",
        "def predict(network, x):",
        f"    x = x * {scale:.10g} + {offset:.10g}  # the model's Rescaling layer: 0..255 -> 0..1",
    ]
    source = "x"
    for number, (weights, biases, name) in enumerate(layers, start=1):
        lines.append(
            f"    a{number} = np.dot({source}, network['W{number}']) + network['b{number}']"
            f"  # W{number} {weights.shape}, b{number} {biases.shape}"
        )
        function = "identity_function" if name in ("linear", "identity") else name
        lines.append(f"    z{number} = {function}(a{number})")
        source = f"z{number}"
    lines.append(f"    return {source}")
    return "\n".join(lines)
