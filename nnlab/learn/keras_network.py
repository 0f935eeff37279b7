"""A Keras model as a NumPy `Network` (in a worker process or a script only: it reads Keras).

Each Keras layer's weights and settings are copied into a `NetLayer`; kinds or settings that
NumPy cannot run are refused with a reason, and Keras' own outputs for a few reference images are
kept inside the network so the app can check its NumPy copy computes the same. Keras is
imported on first use, as elsewhere in nnlab.learn's file helpers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.inspection.layers import KINDS, READABLE_KINDS, NetLayer, activation_function
from nnlab.inspection.network import Network, images_digest

REFERENCE_TOLERANCE = 1e-3  # NumPy further than this from Keras means a layer is misread


def _keras_activation_name(layer: Any) -> str:
    function = getattr(layer, "activation", None)
    name = getattr(function, "__name__", "linear") if function is not None else "linear"
    return "linear" if name in ("linear", "identity") else name


def _plain(value: Any) -> Any:
    """A Keras config value as JSON: tuples -> lists, NumPy numbers -> Python numbers."""
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _flat_layers(model: Any) -> list[Any]:
    """The model's layers, with nested models (a Sequential inside a Sequential) opened up."""
    layers = []
    for layer in model.layers:
        if hasattr(layer, "layers") and type(layer).__name__ in ("Sequential", "Functional"):
            layers.extend(_flat_layers(layer))
        else:
            layers.append(layer)
    return layers


def _net_layer_of(layer: Any) -> NetLayer:
    """One Keras layer as a NetLayer; ValueError for kinds or settings NumPy cannot run."""
    import keras

    kind = type(layer).__name__
    if kind not in KINDS or kind == "InputLayer":
        raise ValueError(
            f"NN Lab can read {READABLE_KINDS} layers; this model has {kind} ({layer.name})."
        )
    config = layer.get_config()
    if config.get("data_format", "channels_last") not in ("channels_last", None):
        raise ValueError(
            f"Layer {layer.name} uses channels-first images; NN Lab reads channels-last only."
        )
    settings: dict[str, Any] = {}
    if kind == "Rescaling":
        settings = {"scale": _plain(config["scale"]), "offset": _plain(config["offset"])}
    elif kind == "Reshape":
        settings = {"target_shape": _plain(config["target_shape"])}
    elif kind == "Dense":
        settings = {"units": int(config["units"])}
    elif kind == "Conv2D":
        if (
            tuple(_plain(config.get("dilation_rate", (1, 1)))) != (1, 1)
            or config.get("groups", 1) != 1
        ):
            raise ValueError(
                f"Layer {layer.name} uses dilated or grouped convolution; NN Lab cannot run it."
            )
        settings = {
            "filters": int(config["filters"]),
            "kernel_size": _plain(config["kernel_size"]),
            "strides": _plain(config["strides"]),
            "padding": config["padding"],
        }
    elif kind == "MaxPooling2D":
        settings = {
            "pool_size": _plain(config["pool_size"]),
            "strides": _plain(config["strides"] or config["pool_size"]),
            "padding": config["padding"],
        }
    weights: tuple[np.ndarray, ...] = ()
    if kind in ("Dense", "Conv2D"):
        weights = (keras.ops.convert_to_numpy(layer.kernel),)
        if layer.use_bias:
            weights += (keras.ops.convert_to_numpy(layer.bias),)
    elif layer.weights:
        raise ValueError(f"Layer {layer.name} ({kind}) holds weights NN Lab does not expect.")
    activation = (
        _keras_activation_name(layer) if kind in ("Dense", "Conv2D", "Activation") else "linear"
    )
    try:
        activation_function(activation)
    except ValueError:
        raise ValueError(
            f"Layer {layer.name} uses the activation {activation!r}, which NN Lab cannot run."
        ) from None
    return NetLayer(
        name=layer.name, kind=kind, activation=activation, weights=weights, config=settings
    )


def network_from_keras(
    model: Any, reference_images: np.ndarray | None = None, dataset_name: str | None = None
) -> Network:
    """A Keras model as a Network, with Keras' own outputs for `reference_images` kept inside."""
    import keras

    input_shape = tuple(int(size) for size in model.input_shape[1:])
    layers = _flat_layers(model)
    first = layers[0] if layers and type(layers[0]).__name__ == "InputLayer" else None
    input_layer = NetLayer(
        name=first.name if first is not None else "input",
        kind="InputLayer",
        config={"shape": list(input_shape)},
    )
    net_layers = [_net_layer_of(layer) for layer in layers if type(layer).__name__ != "InputLayer"]
    network = Network(layers=(input_layer, *net_layers))
    if reference_images is None:
        return network
    images = np.asarray(reference_images)
    outputs = keras.ops.convert_to_numpy(
        model(images.reshape(-1, *input_shape), training=False)
    ).astype(np.float32)
    difference = float(np.max(np.abs(network.predict(images) - outputs.reshape(len(outputs), -1))))
    if not difference <= REFERENCE_TOLERANCE:
        raise ValueError(
            f"NN Lab's NumPy copy of this model does not compute what Keras computes (they differ "
            f"by up to {difference:.2g}); a layer uses a setting NN Lab does not read."
        )
    return Network(
        layers=network.layers,
        reference_inputs_dataset=dataset_name,
        reference_outputs=outputs.reshape(len(outputs), -1),
        reference_inputs_digest=images_digest(images),
    )
