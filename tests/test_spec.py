"""RunSpec and LayerSpec: validation, derived facts, serialisation; the presets' shapes."""

from __future__ import annotations

import json

import pytest

from nnlab import PRESETS, LayerSpec, RunSpec
from nnlab.core.shapes import MAX_HIDDEN_LAYERS


def test_defaults_build_and_round_trip_through_json() -> None:
    spec = RunSpec()
    assert RunSpec.from_json(spec.to_json()) == spec
    assert RunSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_preset_round_trips(key: str) -> None:
    spec = PRESETS[key].spec
    assert RunSpec.from_json(spec.to_json()) == spec


@pytest.mark.parametrize(
    ("key", "parameters"),
    [("t000_sigmoid_mse", 11_935), ("t002_mnist_relu1000", 795_010), ("cnn_mnist", 34_826)],
)
def test_parameter_counts_match_the_tutorials(key: str, parameters: int) -> None:
    assert PRESETS[key].spec.parameter_count() == parameters


def test_presets_cover_every_tutorial_with_published_numbers() -> None:
    tutorials = {preset.tutorial for preset in PRESETS.values()}
    assert {"000", "002", "003", "004"} <= tutorials
    published = {key: preset.published for key, preset in PRESETS.items() if preset.published}
    assert published["t000_sigmoid_mse"]["val_accuracy"] == pytest.approx(0.7759)
    assert published["t002_fashion_relu1000"]["test_accuracy"] == pytest.approx(0.8821)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dataset": "cifar10"}, "Data set must be one of"),
        ({"epochs": 0}, "Epochs must be between 1"),
        ({"epochs": 2.5}, "Epochs must be a whole number"),
        ({"learning_rate": 0.0}, "Learning rate must be in (0"),
        ({"learning_rate": float("nan")}, "Learning rate must be a number"),
        ({"batch_size": 500, "train_size": 100}, "larger than the training set"),
        ({"optimizer": "adam", "nesterov": True}, "only to the SGD optimizer"),
        ({"dropout_rate": 1.5}, "Dropout rate must be in [0"),
        ({"hidden_layers": (LayerSpec.dense(10),) * (MAX_HIDDEN_LAYERS + 1)}, "At most"),
        ({"hidden_layers": (LayerSpec.dense(10), LayerSpec.conv(8))}, "conv block after a Dense"),
        ({"hidden_layers": (LayerSpec.conv(8, 7),) * 3}, "Too many conv blocks"),
        ({"hidden_layers": (LayerSpec.dense(4096),) * 3}, "parameters, more than"),
    ],
)
def test_invalid_settings_raise_value_error_with_a_clear_message(changes, message) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        RunSpec(**changes)
    assert message in str(caught.value)


def test_layers_from_plain_dicts_and_unknown_keys() -> None:
    spec = RunSpec.from_dict(
        {"hidden_layers": [{"kind": "dense", "units": 64, "activation": "tanh"}]}
    )
    assert spec.hidden_layers == (LayerSpec.dense(64, "tanh"),)
    with pytest.raises(ValueError, match="Unknown setting"):
        RunSpec.from_dict({"epochz": 3})
    with pytest.raises(ValueError, match="Unknown layer setting"):
        RunSpec.from_dict({"hidden_layers": [{"neurons": 3}]})
    with pytest.raises(ValueError, match="Not valid run-spec JSON"):
        RunSpec.from_json("{not json")


def test_one_hot_labels_follow_the_loss() -> None:
    assert not RunSpec(loss="sparse_categorical_crossentropy").one_hot_labels
    assert RunSpec(loss="mean_squared_error").one_hot_labels
    assert RunSpec(loss="categorical_crossentropy").one_hot_labels


def test_errors_carry_a_text_key_and_values_and_translate() -> None:
    from nnlab.core.spec import SpecError

    with pytest.raises(SpecError) as caught:
        RunSpec(batch_size=500, train_size=100)
    error = caught.value
    assert error.key == "spec.error.batch_too_large"
    assert error.values == {"batch": "500", "train": "100"}
    assert str(error) == error.message("en")
    assert "배치 크기(500)" in error.message("ko")
    with pytest.raises(SpecError) as caught:
        RunSpec(hidden_layers=(LayerSpec.dense(10), LayerSpec.conv(8)))
    assert caught.value.values == {"position": 2}


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        (RunSpec, "dropout_rate"),
        (RunSpec, "l2_weight_decay"),
        (RunSpec, "epochs"),
        (RunSpec, "learning_rate"),
        (RunSpec, "momentum"),
        (LayerSpec, "units"),
        (LayerSpec, "kernel_size"),
    ],
)
def test_validation_reads_the_bounds_the_widgets_show(owner, name: str) -> None:
    from nnlab.core.fields import field_info
    from nnlab.core.spec import check_field

    info = field_info(owner, name)
    assert info.label.startswith("build.") and info.help.startswith("build.help.")
    assert check_field(owner, name, info.max) is None
    step = info.step
    assert check_field(owner, name, info.max + step) is not None
    below = check_field(owner, name, info.min - step)
    assert below is not None and below.values["field"] == name
    if not info.min_open:
        assert check_field(owner, name, info.min) is None


def test_a_spec_text_is_validated_once_and_its_spec_shared() -> None:
    text = RunSpec(epochs=3, learning_rate=0.05).to_json()
    first = RunSpec.from_json(text)
    assert RunSpec.from_json(text) is first  # the store and the board re-read the same runs
    assert first == RunSpec(epochs=3, learning_rate=0.05)
    for _ in range(2):  # a bad text is refused every time, never remembered as a spec
        with pytest.raises(ValueError):
            RunSpec.from_json(text.replace('"epochs":3', '"epochs":-3'))
