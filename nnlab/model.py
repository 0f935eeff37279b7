"""Spec -> Keras model; the layer table and a network diagram, with and without Keras.

`build_model` needs TensorFlow and imports it on first call. `layer_rows` and `network_dot` are
pure Python twins for the page's live preview: importing TensorFlow costs 4-6 s, far too long to
wait for on every edit. A test checks `layer_rows(spec) == summary_rows(build_model(spec))`.
"""

from __future__ import annotations

from typing import Any

from nnlab.spec import IMAGE_SIDE, NUM_CLASSES, RunSpec

INPUT_NAME = "image"


def _optimizer(spec: RunSpec) -> Any:
    import keras

    if spec.optimizer == "sgd":
        return keras.optimizers.SGD(
            learning_rate=spec.learning_rate, momentum=spec.momentum, nesterov=spec.nesterov
        )
    optimizers = {
        "adagrad": keras.optimizers.Adagrad,
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
    }
    if spec.optimizer not in optimizers:
        raise ValueError(f"Unknown optimizer {spec.optimizer!r}.")
    return optimizers[spec.optimizer](learning_rate=spec.learning_rate)


def build_model(spec: RunSpec) -> Any:
    """A compiled keras.Model for `spec`: uint8 (28, 28) images in, 10 class scores out."""
    if not isinstance(spec, RunSpec):
        raise ValueError(f"build_model needs a RunSpec; got {type(spec).__name__}.")
    import keras
    from keras import layers

    # Every random part is seeded from the spec, layer by layer, so two runs of one spec start
    # from the same weights and drop the same units without touching Keras' process-wide seed
    # (another student's run may be training in this process at the same time).
    seeds = iter(range(spec.seed, spec.seed + 1000))
    regularizer = keras.regularizers.L2(spec.l2_weight_decay) if spec.l2_weight_decay else None

    def kernel_initializer() -> Any:
        return keras.initializers.GlorotUniform(seed=next(seeds))

    inputs = keras.Input(shape=(IMAGE_SIDE, IMAGE_SIDE), dtype="uint8", name=INPUT_NAME)
    # Normalising inside the model keeps the data uint8: half the memory of float32 copies.
    x = layers.Rescaling(1.0 / 255, name="rescaling")(inputs)
    conv_layers = [layer for layer in spec.hidden_layers if layer.kind == "conv"]
    dense_layers = [layer for layer in spec.hidden_layers if layer.kind == "dense"]
    if conv_layers:
        x = layers.Reshape((IMAGE_SIDE, IMAGE_SIDE, 1), name="reshape")(x)
        for number, layer in enumerate(conv_layers, start=1):
            x = layers.Conv2D(
                filters=layer.filters,
                kernel_size=layer.kernel_size,
                activation=layer.activation,
                padding="valid",
                kernel_initializer=kernel_initializer(),
                kernel_regularizer=regularizer,
                name=f"conv_{number}",
            )(x)
            x = layers.MaxPooling2D(pool_size=2, name=f"pool_{number}")(x)
    x = layers.Flatten(name="flatten")(x)
    if conv_layers and spec.dropout_rate > 0:
        x = layers.Dropout(spec.dropout_rate, seed=next(seeds), name="conv_dropout")(x)
    for number, layer in enumerate(dense_layers, start=1):
        x = layers.Dense(
            units=layer.units,
            activation=layer.activation,
            kernel_initializer=kernel_initializer(),
            kernel_regularizer=regularizer,
            name=f"hidden_{number}",
        )(x)
        if spec.dropout_rate > 0:
            x = layers.Dropout(spec.dropout_rate, seed=next(seeds), name=f"dropout_{number}")(x)
    outputs = layers.Dense(
        NUM_CLASSES,
        activation=spec.output_activation,
        kernel_initializer=kernel_initializer(),
        kernel_regularizer=regularizer,
        name="output",
    )(x)
    model = keras.Model(inputs, outputs, name="nnlab_model")
    model.compile(optimizer=_optimizer(spec), loss=spec.loss, metrics=["accuracy"])
    return model


def _shape_text(shape: tuple[Any, ...]) -> str:
    """Format a shape as Keras' model.summary() does: '(None, 28, 28)'."""
    return "(" + ", ".join(str(dim) for dim in shape) + ")"


def summary_rows(model: Any) -> list[dict[str, Any]]:
    """The model's layers as rows (layer, type, output_shape, params), as model.summary() shows."""
    rows = []
    for layer in model.layers:
        output = layer.output
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output_shape": _shape_text(tuple(output.shape)),
                "params": int(layer.count_params()),
            }
        )
    return rows


def layer_rows(spec: RunSpec) -> list[dict[str, Any]]:
    """The same rows as `summary_rows(build_model(spec))`, computed without Keras."""
    side = IMAGE_SIDE
    rows: list[dict[str, Any]] = [
        {"layer": INPUT_NAME, "type": "InputLayer", "output_shape": (None, side, side)},
        {"layer": "rescaling", "type": "Rescaling", "output_shape": (None, side, side)},
    ]
    conv_layers = [layer for layer in spec.hidden_layers if layer.kind == "conv"]
    dense_layers = [layer for layer in spec.hidden_layers if layer.kind == "dense"]
    width = side * side
    if conv_layers:
        channels = 1
        rows.append({"layer": "reshape", "type": "Reshape", "output_shape": (None, side, side, 1)})
        for number, layer in enumerate(conv_layers, start=1):
            params = (layer.kernel_size**2 * channels + 1) * layer.filters
            side = side - layer.kernel_size + 1
            channels = layer.filters
            rows.append(
                {
                    "layer": f"conv_{number}",
                    "type": "Conv2D",
                    "output_shape": (None, side, side, channels),
                    "params": params,
                }
            )
            side //= 2
            rows.append(
                {
                    "layer": f"pool_{number}",
                    "type": "MaxPooling2D",
                    "output_shape": (None, side, side, channels),
                }
            )
        width = side * side * channels
    rows.append({"layer": "flatten", "type": "Flatten", "output_shape": (None, width)})
    if conv_layers and spec.dropout_rate > 0:
        rows.append({"layer": "conv_dropout", "type": "Dropout", "output_shape": (None, width)})
    for number, layer in enumerate(dense_layers, start=1):
        rows.append(
            {
                "layer": f"hidden_{number}",
                "type": "Dense",
                "output_shape": (None, layer.units),
                "params": (width + 1) * layer.units,
            }
        )
        width = layer.units
        if spec.dropout_rate > 0:
            rows.append(
                {"layer": f"dropout_{number}", "type": "Dropout", "output_shape": (None, width)}
            )
    rows.append(
        {
            "layer": "output",
            "type": "Dense",
            "output_shape": (None, NUM_CLASSES),
            "params": (width + 1) * NUM_CLASSES,
        }
    )
    return [
        {
            "layer": row["layer"],
            "type": row["type"],
            "output_shape": _shape_text(row["output_shape"]),
            "params": row.get("params", 0),
        }
        for row in rows
    ]


def _dot_text(text: str) -> str:
    # Labels hold DOT's own "\\n" line breaks, so only quotes need escaping.
    return text.replace('"', '\\"')


def network_dot(spec: RunSpec) -> str:
    """A Graphviz DOT diagram of the network, one box per layer, for st.graphviz_chart."""
    nodes: list[tuple[str, str, str]] = []  # (id, label, fill colour)
    edges: list[str] = []  # label of the edge into each node after the first
    side = IMAGE_SIDE
    channels = 1
    width = side * side
    nodes.append(("input", f"Input\\n{side}×{side} pixels = {width}", "#e0e7ff"))
    conv_layers = [layer for layer in spec.hidden_layers if layer.kind == "conv"]
    dense_layers = [layer for layer in spec.hidden_layers if layer.kind == "dense"]
    for number, layer in enumerate(conv_layers, start=1):
        params = (layer.kernel_size**2 * channels + 1) * layer.filters
        side = side - layer.kernel_size + 1
        channels = layer.filters
        pooled = side // 2
        label = (
            f"Conv {number}: {layer.filters} filters {layer.kernel_size}×{layer.kernel_size}, "
            f"{layer.activation}\\n{side}×{side}×{channels}\\nmax-pool 2×2 → "
            f"{pooled}×{pooled}×{channels}"
        )
        nodes.append((f"conv_{number}", label, "#fde68a"))
        edges.append(f"{params:,} weights")
        side = pooled
    if conv_layers:
        width = side * side * channels
        flat_dropout = f"\\ndropout {spec.dropout_rate:g}" if spec.dropout_rate > 0 else ""
        nodes.append(("flatten", f"Flatten\\n{width:,} values{flat_dropout}", "#f3f4f6"))
        edges.append("")
    dropout = f"\\ndropout {spec.dropout_rate:g}" if spec.dropout_rate > 0 else ""
    for number, layer in enumerate(dense_layers, start=1):
        params = (width + 1) * layer.units
        unit_word = "unit" if layer.units == 1 else "units"
        label = f"Dense {number}\\n{layer.units:,} {unit_word}, {layer.activation}{dropout}"
        nodes.append((f"hidden_{number}", label, "#bbf7d0"))
        edges.append(f"{params:,} weights")
        width = layer.units
    params = (width + 1) * NUM_CLASSES
    nodes.append(("output", f"Output\\n{NUM_CLASSES} classes, {spec.output_activation}", "#fecaca"))
    edges.append(f"{params:,} weights")
    lines = [
        "digraph network {",
        '  rankdir="TB";',  # top to bottom: fits the narrow preview column, like model.summary()
        "  nodesep=0.3; ranksep=0.35;",
        '  bgcolor="transparent";',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12];',
        '  edge [fontname="Helvetica", fontsize=10, color="#6b7280"];',
    ]
    for node_id, label, colour in nodes:
        lines.append(f'  {node_id} [label="{_dot_text(label)}", fillcolor="{colour}"];')
    for (previous, _, _), (node_id, _, _), label in zip(nodes[:-1], nodes[1:], edges, strict=True):
        lines.append(f'  {previous} -> {node_id} [label="{_dot_text(label)}"];')
    lines.append("}")
    return "\n".join(lines)
