"""Drill: hostile settings. Any JSON-like spec or any share link either works or says why.

Property-based (hypothesis): RunSpec.from_dict on arbitrary JSON-like values builds a spec or
raises ValueError with a message, never another exception; decode_link on arbitrary query
parameters never raises and always yields a valid spec; any valid spec survives a link round trip.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlab.core import choices
from nnlab.core.spec import VALIDATIONS, LayerSpec, RunSpec

DATASETS = tuple(choices.DATASETS)
HIDDEN_ACTIVATIONS = choices.hidden_activations()
LOSSES = tuple(choices.LOSSES)
OPTIMIZERS = tuple(choices.OPTIMIZERS)
OUTPUT_ACTIVATIONS = choices.output_activations()

SPEC_FIELDS = [f.name for f in dataclasses.fields(RunSpec)]
LAYER_FIELDS = [f.name for f in dataclasses.fields(LayerSpec)]
DRILL_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Scalars JSON can carry, biased toward the edges: huge ints, NaN/inf, empty and odd text.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [*DATASETS, *HIDDEN_ACTIVATIONS, *LOSSES, *OPTIMIZERS, *OUTPUT_ACTIVATIONS, *VALIDATIONS]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)
# Layers that look almost right: real field names with hostile values, sometimes an extra key.
small_ints = st.integers(min_value=-5, max_value=5000)
plausible_values = st.one_of(json_scalars, small_ints, st.floats(min_value=-1, max_value=2))
hostile_layers = st.dictionaries(
    st.sampled_from([*LAYER_FIELDS, "neurons"]), plausible_values, max_size=5
)
hostile_specs = st.dictionaries(
    st.sampled_from([*SPEC_FIELDS, "layers", "lr", ""]),
    st.one_of(plausible_values, json_values, st.lists(hostile_layers, max_size=9)),
    max_size=10,
)


def _builds_or_explains(data: object) -> RunSpec | None:
    try:
        spec = RunSpec.from_dict(data)
    except ValueError as error:
        assert str(error).strip(), f"ValueError without a message for {data!r}"
        return None
    assert isinstance(spec, RunSpec)
    return spec


@DRILL_SETTINGS
@given(hostile_specs)
def test_spec_from_hostile_dict_builds_or_raises_value_error(data: dict) -> None:
    spec = _builds_or_explains(data)
    if spec is not None:  # what builds must round-trip through JSON unchanged
        assert RunSpec.from_json(spec.to_json()) == spec


@DRILL_SETTINGS
@given(json_values)
def test_spec_from_any_json_value_builds_or_raises_value_error(data: object) -> None:
    _builds_or_explains(data)


@DRILL_SETTINGS
@given(st.text(max_size=200))
def test_spec_from_any_text_builds_or_raises_value_error(text: str) -> None:
    try:
        RunSpec.from_json(text)
    except ValueError as error:
        assert str(error).strip()


@DRILL_SETTINGS
@given(st.lists(hostile_layers, max_size=9))
def test_layers_from_hostile_dicts_build_or_raise_value_error(layers: list) -> None:
    _builds_or_explains({"hidden_layers": layers})


def test_huge_json_numbers_are_refused_with_a_message() -> None:
    # json.loads turns 400 digits into an int; checks must not overflow converting it to float.
    for field_name in ("dropout_rate", "learning_rate", "epochs", "validation_split"):
        data = json.loads(f'{{"{field_name}": 1{"0" * 400}}}')
        assert _builds_or_explains(data) is None


# --- share links ------------------------------------------------------------------------------

link_keys = st.one_of(
    st.sampled_from(
        [
            "preset",
            "lang",
            "lock",
            "hide",
            "ds",
            "n",
            "val",
            "split",
            "layers",
            "drop",
            "l2",
            "out",
            "loss",
            "opt",
            "lr",
            "mom",
            "nesterov",
            "ep",
            "bs",
            "es",
            "best",
            "seed",
            "embed",
        ]
    ),
    st.text(max_size=10),
)
link_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e999",
            "nan",
            "inf",
            "all",
            "none",
            "d128relu",
            "c32k3relu.d10relu",
            "c256k7relu.c256k7relu.c256k7relu",
            "d4096relu." * 9,
            "sgd",
            "adam",
            "t000_sigmoid_mse",
            "dataset,loss",
            "x" * 400,
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats().map(repr),
)


@DRILL_SETTINGS
@given(st.dictionaries(link_keys, link_values, max_size=12))
def test_decode_link_never_raises_and_gives_a_valid_spec(params: dict[str, str]) -> None:
    from nnlab.core.links import decode_link

    decoded = decode_link(params)
    assert isinstance(decoded.spec, RunSpec)
    RunSpec.from_dict(decoded.spec.to_dict())  # the spec it returns validates again
    for notice in decoded.notices:
        assert notice.kind and isinstance(notice.param, str)


valid_layers = st.one_of(
    st.builds(
        LayerSpec.dense,
        st.integers(min_value=1, max_value=512),
        st.sampled_from(HIDDEN_ACTIVATIONS),
    ),
)
valid_specs = st.builds(
    RunSpec,
    dataset=st.sampled_from(DATASETS),
    train_size=st.one_of(st.none(), st.integers(min_value=1000, max_value=60_000)),
    validation=st.sampled_from(VALIDATIONS),
    validation_split=st.floats(min_value=0.01, max_value=0.5),
    hidden_layers=st.lists(valid_layers, max_size=3).map(tuple),
    dropout_rate=st.floats(min_value=0, max_value=0.9),
    learning_rate=st.floats(min_value=1e-6, max_value=1.0),
    loss=st.sampled_from(LOSSES),
    optimizer=st.sampled_from(OPTIMIZERS),
    epochs=st.integers(min_value=1, max_value=200),
    batch_size=st.integers(min_value=1, max_value=1000),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)


@DRILL_SETTINGS
@given(valid_specs, st.sampled_from([None, "t000_sigmoid_mse", "cnn_mnist", "t004_relu100"]))
def test_any_valid_spec_survives_a_share_link(spec: RunSpec, preset_key: str | None) -> None:
    from nnlab.core.links import decode_link, encode_link

    decoded = decode_link(encode_link(spec, preset_key))
    assert decoded.spec == spec
    assert not decoded.notices


# --- a learning rate too high: the run stops itself and says so ---------------------------------


@pytest.mark.slow
def test_sgd_at_learning_rate_10_is_reported_as_diverged_with_a_suggestion(tiny) -> None:
    from nnlab.core.runs import divergence_kind, suggested_learning_rate
    from nnlab.learn.training import fit_spec

    spec = RunSpec(optimizer="sgd", learning_rate=10.0, epochs=5, batch_size=32)
    result = fit_spec(spec, tiny)
    assert divergence_kind(result.stop_reason) in ("nan", "chance")
    assert "learning rate is too high" in result.stop_reason
    assert len(result.history) < spec.epochs  # stopped, not "Finished" at 10 %
    assert suggested_learning_rate(spec) == 1.0
    # A sensible rate on the same data trains to the end without a verdict.
    calm = fit_spec(spec.replace(learning_rate=0.05, epochs=2), tiny)
    assert calm.stop_reason is None and len(calm.history) == 2


def test_divergence_texts_round_trip() -> None:
    from nnlab.core.runs import divergence_error, divergence_kind, suggested_learning_rate

    assert divergence_kind(divergence_error("nan")) == "nan"
    assert divergence_kind(divergence_error("chance")) == "chance"
    assert divergence_kind("ValueError: something else") is None and divergence_kind(None) is None
    assert suggested_learning_rate(RunSpec(optimizer="sgd", learning_rate=0.3)) == 0.03
    assert suggested_learning_rate(RunSpec(learning_rate=0.001)) == 0.0001
