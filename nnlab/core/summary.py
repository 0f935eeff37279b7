"""A spec's layer table and network diagram, in pure Python, for the page's live preview.

Both are projections of `nnlab.core.plan.plan(spec)`, the one walk of the architecture that
`nnlab.learn.model.build_model` also follows. Importing TensorFlow costs 4-6 s, far too long to
wait for on every edit; a test checks `layer_rows(spec) == summary_rows(build_model(spec))`.
"""

from __future__ import annotations

from typing import Any

from nnlab.core.plan import plan
from nnlab.core.spec import RunSpec
from nnlab.i18n import normalise_language, translate


def shape_text(shape: tuple[Any, ...]) -> str:
    """Format a shape as Keras' model.summary() does: '(None, 28, 28)'."""
    return "(" + ", ".join(str(dim) for dim in shape) + ")"


def layer_rows(spec: RunSpec) -> list[dict[str, Any]]:
    """The same rows as `summary_rows(build_model(spec))`, computed without Keras."""
    return [
        {
            "layer": layer.name,
            "type": layer.keras_type,
            "output_shape": shape_text(layer.output_shape),
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
