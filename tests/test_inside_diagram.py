"""The Inside page's network diagram: the default model's spec is known, models draw top-down."""

from __future__ import annotations

import re

from nnlab.core.summary import network_dot
from nnlab.inspection import inside
from nnlab.inspection.default_model import default_model_spec, load_default_network


def test_default_model_spec_describes_the_shipped_model() -> None:
    spec = default_model_spec()
    assert spec is not None
    assert [layer.kind for layer in spec.hidden_layers] == ["conv", "conv", "dense"]
    # The diagram drawn from the spec counts the same weights as the model itself.
    assert spec.parameter_count() == load_default_network().parameter_count()
    assert 'rankdir="TB"' in network_dot(spec)


def test_model_dot_is_top_to_bottom_with_one_box_per_layer() -> None:
    model = load_default_network()
    dot = inside.model_dot(model)
    assert 'rankdir="TB"' in dot
    boxes = re.findall(r'^\s+n\d+ \[label="([^"]*)"', dot, flags=re.MULTILINE)
    assert len(boxes) == len(model.layers)
    assert boxes[0].startswith("InputLayer") and "28×28" in boxes[0]
    assert boxes[-1].startswith("Dense") and boxes[-1].endswith("\\n10")
    assert dot.count("->") == len(model.layers) - 1
