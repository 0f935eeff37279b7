"""Spec -> Keras model; the layer table and a network diagram, with and without Keras.

All three are projections of `nnlab.plan.plan(spec)`, the one walk of the architecture.
`build_model` needs TensorFlow and imports it on first call. `layer_rows` and `network_dot` are
pure Python for the page's live preview: importing TensorFlow costs 4-6 s, far too long to wait
for on every edit. A test checks `layer_rows(spec) == summary_rows(build_model(spec))`.
"""

from __future__ import annotations

from typing import Any

from nnlab import registry
from nnlab.i18n import normalise_language, translate
from nnlab.plan import INPUT_NAME, PlannedLayer, plan
from nnlab.spec import RunSpec

__all__ = ["INPUT_NAME", "build_model", "layer_rows", "network_dot", "summary_rows"]


def _keras_layer(layer: PlannedLayer, regularizer: Any) -> Any:
    """The Keras layer for one planned layer (the input is built by keras.Input instead)."""
    import keras

    arguments = dict(layer.arguments)
    if layer.has_kernel:
        arguments["kernel_initializer"] = keras.initializers.GlorotUniform(seed=layer.seed)
        arguments["kernel_regularizer"] = regularizer
    elif layer.seed is not None:  # dropout
        arguments["seed"] = layer.seed
    return getattr(keras.layers, layer.keras_type)(**arguments, name=layer.name)


def build_model(spec: RunSpec) -> Any:
    """A compiled keras.Model for `spec`: uint8 (28, 28) images in, 10 class scores out."""
    if not isinstance(spec, RunSpec):
        raise ValueError(f"build_model needs a RunSpec; got {type(spec).__name__}.")
    import keras

    # Every random part is seeded from the spec, layer by layer (the plan hands out the seeds),
    # so two runs of one spec start from the same weights and drop the same units without
    # touching Keras' process-wide seed (another student's run may train in this process).
    regularizer = keras.regularizers.L2(spec.l2_weight_decay) if spec.l2_weight_decay else None
    first, *rest = plan(spec)
    inputs = keras.Input(**first.arguments, name=first.name)
    x = inputs
    for layer in rest:
        x = _keras_layer(layer, regularizer)(x)
    model = keras.Model(inputs, x, name="nnlab_model")
    optimizer = registry.OPTIMIZERS[spec.optimizer].make(spec)
    model.compile(optimizer=optimizer, loss=spec.loss, metrics=["accuracy"])
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
    return [
        {
            "layer": layer.name,
            "type": layer.keras_type,
            "output_shape": _shape_text(layer.output_shape),
            "params": layer.params,
        }
        for layer in plan(spec)
    ]


def _dot_text(text: str) -> str:
    # Labels hold DOT's own "\\n" line breaks, so only quotes need escaping.
    return text.replace('"', '\\"')


def _diagram_nodes(spec: RunSpec, language: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(id, label, fill colour) of each box, and the label of the edge into each box after one."""

    def text(key: str, **values: object) -> str:
        return translate(f"diagram.{key}", language, **values)

    layers = plan(spec)
    side = layers[0].output_shape[1]
    pixels = text("pixels", side=side, count=side * side)
    nodes = [("input", f"{text('input')}\\n{pixels}", "#e0e7ff")]
    edges: list[str] = []
    dropout = f"\\n{text('dropout', rate=f'{spec.dropout_rate:g}')}" if spec.dropout_rate else ""
    has_conv = any(layer.keras_type == "Conv2D" for layer in layers)
    for position, layer in enumerate(layers):
        weights = text("weights", count=f"{layer.params:,}")
        if layer.keras_type == "Conv2D":
            number = layer.name.removeprefix("conv_")
            _, height, width, channels = layer.output_shape
            pooled = layers[position + 1].output_shape[1]
            title = text(
                "conv",
                number=number,
                filters=layer.arguments["filters"],
                kernel=layer.arguments["kernel_size"],
                activation=layer.activation,
            )
            label = (
                f"{title}\\n{height}×{width}×{channels}\\n{text('max_pool')} → "
                f"{pooled}×{pooled}×{channels}"
            )
            nodes.append((layer.name, label, "#fde68a"))
            edges.append(weights)
        elif layer.keras_type == "Flatten" and has_conv:
            values = text("values", count=f"{layer.output_shape[1]:,}")
            nodes.append(("flatten", f"{text('flatten')}\\n{values}{dropout}", "#f3f4f6"))
            edges.append("")
        elif layer.keras_type == "Dense" and layer.source is not None:
            units = layer.arguments["units"]
            word = "unit" if units == 1 else "units"
            detail = text(word, count=f"{units:,}", activation=layer.activation)
            number = layer.name.removeprefix("hidden_")
            label = f"{text('dense', number=number)}\\n{detail}{dropout}"
            nodes.append((layer.name, label, "#bbf7d0"))
            edges.append(weights)
        elif layer.name == "output":
            detail = text("classes", count=layer.arguments["units"], activation=layer.activation)
            nodes.append(("output", f"{text('output')}\\n{detail}", "#fecaca"))
            edges.append(weights)
    return nodes, edges


def network_dot(spec: RunSpec, language: str = "en") -> str:
    """A Graphviz DOT diagram of the network, one box per layer, for st.graphviz_chart."""
    nodes, edges = _diagram_nodes(spec, normalise_language(language))
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
