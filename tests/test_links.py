"""Share links: every preset round-trips exactly; garbage falls back to defaults with notices."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlab.core import choices
from nnlab.core.labs import valid_lab_id
from nnlab.core.links import (
    FIELD_PARAMS,
    SPEC_FIELDS,
    decode_link,
    encode_link,
    link_url,
)
from nnlab.core.presets import PRESETS
from nnlab.core.spec import LayerSpec, RunSpec, format_layers, parse_layers


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_round_trips_exactly(key: str) -> None:
    spec = PRESETS[key].spec
    params = encode_link(spec, key, language="ko", locked={"dataset", "loss"}, hidden={"seed"})
    decoded = decode_link(params)
    assert decoded.spec == spec
    assert decoded.preset_key == key
    assert decoded.language == "ko"
    assert decoded.locked == {"dataset", "loss"} and decoded.hidden == {"seed"}
    assert decoded.notices == ()
    # Naming the preset makes the link just that name (plus language and locks).
    assert set(params) == {"preset", "lang", "lock", "hide"}


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_round_trips_without_naming_it(key: str) -> None:
    spec = PRESETS[key].spec
    params = encode_link(spec)
    assert all(isinstance(value, str) for value in params.values())
    decoded = decode_link(params)
    assert decoded.spec == spec and decoded.preset_key is None and decoded.notices == ()


def test_link_lists_only_what_differs_in_readable_parameters() -> None:
    spec = RunSpec(
        dataset="fashion_mnist",
        hidden_layers=(LayerSpec.dense(128, "relu"), LayerSpec.dense(64, "tanh")),
        learning_rate=0.0005,
        epochs=7,
    )
    assert encode_link(spec) == {
        "ds": "fashion_mnist",
        "layers": "d128relu.d64tanh",
        "lr": "0.0005",
        "ep": "7",
    }
    assert encode_link(RunSpec()) == {}


def test_changes_to_a_preset_are_relative_to_it() -> None:
    preset = PRESETS["t000_sigmoid_mse"]
    spec = preset.spec.replace(loss="sparse_categorical_crossentropy", optimizer="adam")
    params = encode_link(spec, preset.key)
    assert params == {"preset": "t000_sigmoid_mse", "loss": "scce", "opt": "adam"}
    assert decode_link(params).spec == spec


def test_a_change_that_needs_several_fields_at_once_decodes() -> None:
    # Leaving SGD + Nesterov for Adam: optimizer, momentum and nesterov change together.
    preset = PRESETS["t004_sgd_nesterov"]
    spec = preset.spec.replace(optimizer="adam", momentum=0.0, nesterov=False, learning_rate=0.001)
    decoded = decode_link(encode_link(spec, preset.key))
    assert decoded.spec == spec and decoded.notices == ()


def test_layers_text_round_trips_every_kind() -> None:
    layers = (
        LayerSpec.conv(16, 5, "elu"),
        LayerSpec.conv(8, 3, "leaky_relu"),
        LayerSpec.dense(32, "gelu"),
        LayerSpec.dense(1, "linear"),
    )
    assert format_layers(layers) == "c16k5elu.c8k3leaky_relu.d32gelu.d1linear"
    assert parse_layers(format_layers(layers)) == layers
    assert format_layers(()) == "none" and parse_layers("none") == ()


def test_every_field_has_a_parameter() -> None:
    assert sorted(FIELD_PARAMS.values()) == sorted(SPEC_FIELDS)


def test_aliases_and_full_names_are_accepted() -> None:
    decoded = decode_link(
        {"ds": "Fashion", "loss": "categorical_crossentropy", "n": "all", "nesterov": "false"}
    )
    assert decoded.notices == ()
    assert decoded.spec.dataset == "fashion_mnist"
    assert decoded.spec.loss == "categorical_crossentropy"


def test_garbage_falls_back_to_defaults_with_a_notice_naming_each_value() -> None:
    decoded = decode_link(
        {
            "ep": "lots",
            "lr": "-1",
            "bs": "0",
            "layers": "d128relu.banana",
            "opt": "telepathy",
            "drop": "nan",
            "mystery": "42",
        }
    )
    assert decoded.spec == RunSpec()
    named = {(notice.kind, notice.param) for notice in decoded.notices}
    assert named == {
        ("bad_value", "ep"),
        ("bad_value", "lr"),
        ("bad_value", "bs"),
        ("bad_value", "layers"),
        ("bad_value", "opt"),
        ("bad_value", "drop"),
        ("unknown_param", "mystery"),
    }
    fallback = {notice.param: notice.fallback for notice in decoded.notices}
    assert fallback["ep"] == "5" and fallback["lr"] == "0.001" and fallback["layers"] == "d128relu"


def test_out_of_range_keeps_the_presets_value() -> None:
    decoded = decode_link({"preset": "t000_sigmoid_mse", "ep": "100000", "bs": "33"})
    assert decoded.spec == PRESETS["t000_sigmoid_mse"].spec.replace(batch_size=33)
    (notice,) = decoded.notices
    assert (notice.kind, notice.param, notice.value, notice.fallback) == (
        "bad_value",
        "ep",
        "100000",
        "10",
    )
    assert "between" in notice.detail


def test_values_that_clash_fall_back_one_by_one() -> None:
    # Momentum belongs to SGD only: with Adam, the link's momentum cannot apply.
    decoded = decode_link({"opt": "adam", "mom": "0.9", "ep": "3"})
    assert decoded.spec == RunSpec(epochs=3)
    assert [(notice.kind, notice.param) for notice in decoded.notices] == [("bad_value", "mom")]
    assert "SGD" in decoded.notices[0].detail


def test_unknown_preset_language_and_lock_names() -> None:
    decoded = decode_link({"preset": "nope", "lang": "fr", "lock": "dataset,ds,wings"})
    assert decoded.spec == RunSpec() and decoded.preset_key is None
    assert decoded.language is None
    assert decoded.locked == {"dataset"}
    kinds = {(notice.kind, notice.value) for notice in decoded.notices}
    assert kinds == {("unknown_preset", "nope"), ("bad_language", "fr"), ("unknown_field", "wings")}


def test_the_brief_s_example_link() -> None:
    decoded = decode_link(
        {"preset": "t000_sigmoid_mse", "lock": "dataset,loss,optimizer", "lang": "ko"}
    )
    assert decoded.spec == PRESETS["t000_sigmoid_mse"].spec
    assert decoded.locked == {"dataset", "loss", "optimizer"}
    assert decoded.language == "ko" and decoded.has_settings and decoded.notices == ()


def test_a_link_with_only_a_language_sets_nothing_else() -> None:
    decoded = decode_link({"lang": "ko"})
    assert not decoded.has_settings and decoded.language == "ko"
    assert not decode_link({}).has_settings


def test_link_url_is_readable_and_parses_back() -> None:
    params = encode_link(
        PRESETS["cnn_mnist"].spec, language="en", locked={"dataset", "loss", "optimizer"}
    )
    url = link_url("https://nnlab.streamlit.app/", params)
    assert url.startswith("https://nnlab.streamlit.app/build_and_train?")
    assert "lock=dataset,loss,optimizer" in url  # commas stay readable
    parsed = dict(parse_qsl(urlsplit(url).query))
    assert decode_link(parsed).spec == PRESETS["cnn_mnist"].spec
    assert link_url("http://host", {}) == "http://host/build_and_train"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=8))
def test_any_text_decodes_without_an_exception(params: dict[str, str]) -> None:
    decoded = decode_link(params)
    assert isinstance(decoded.spec, RunSpec)


_PARAM_NAMES = st.sampled_from([*FIELD_PARAMS, "preset", "lock", "hide", "lang"])
_LAYER_TOKEN = st.builds(
    lambda kind, size, kernel, activation: f"{kind}{size}{kernel}{activation}",
    st.sampled_from(["d", "c", "x"]),
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(["", "k3", "k9", "k0"]),
    st.sampled_from([*choices.hidden_activations(), "softmax", "bogus", ""]),
)
_VALUE_TEXT = st.one_of(
    st.text(max_size=20),
    st.lists(_LAYER_TOKEN, max_size=10).map(".".join),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["nan", "inf", "-0", "1e308", "1e-320", "all", "none", "", " ", "t000"]),
    st.sampled_from([*PRESETS, *SPEC_FIELDS, "dataset,loss", "mnist", "fashion", "mse", "sgd"]),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_PARAM_NAMES, _VALUE_TEXT, max_size=10))
def test_plausible_garbage_decodes_to_a_valid_spec_and_round_trips(params: dict) -> None:
    decoded = decode_link(params)
    # Whatever came in, what came out is a valid spec that a link reproduces exactly.
    again = decode_link(encode_link(decoded.spec, decoded.preset_key))
    assert again.spec == decoded.spec and again.notices == ()


# --- the link in the app (AppTest: no browser) ---


def _app_with_link(params: dict[str, str]):
    from helpers import app_test

    app = app_test(language=params.get("lang", "en"))
    app.query_params.update(params)
    return app


def test_opening_a_link_restores_settings_and_locks() -> None:
    app = _app_with_link(
        {"preset": "t000_sigmoid_mse", "lock": "dataset,loss,optimizer", "hide": "seed"}
    )
    app.run()
    assert not app.exception
    assert app.session_state["pending_spec"] == (
        PRESETS["t000_sigmoid_mse"].spec,
        "t000_sigmoid_mse",
    )
    assert app.session_state["locked_fields"] == {"dataset", "loss", "optimizer"}
    assert app.session_state["hidden_fields"] == {"seed"}
    assert len(app.toast) == 0


def test_a_garbled_link_shows_one_notice_naming_the_settings_in_plain_words() -> None:
    garbled = {
        "preset": "t000_sigmoid_mse",
        "ep": "lots",
        "lr": "fast",
        "bs": "-3",
        "layers": "d99999zzz",
        "opt": "magic",
        "seed": "x",
        "frobnicate": "1",
        "lock": "nothing",
    }
    app = _app_with_link({**garbled, "lang": "en"})
    app.run()
    assert not app.exception
    (toast,) = app.toast  # one notice for the whole link, not one per value
    for words in ("Epochs", "Learning rate", "Batch size", "Optimizer", "“frobnicate”"):
        assert words in toast.value, toast.value
    assert "lr" not in toast.value.split() and "ep=" not in toast.value  # no raw codes
    spec, _ = app.session_state["pending_spec"]
    assert spec == PRESETS["t000_sigmoid_mse"].spec  # every bad value kept the preset's
    # The link is read once per session: the notice does not come back on the next rerun.
    app.run()
    assert len(app.toast) == 0
    korean = _app_with_link({**garbled, "lang": "ko"})
    korean.run()
    (toast,) = korean.toast
    assert "기본값" in toast.value and "학습률" in toast.value
    assert "Learning rate" not in toast.value


def test_build_page_keeps_the_url_in_step_and_shows_the_link() -> None:
    app = _app_with_link({"preset": "t004_relu100", "lock": "dataset"})
    app.run()
    app.switch_page("pages/1_build_and_train.py").run()
    assert not app.exception
    expected = encode_link(PRESETS["t004_relu100"].spec, "t004_relu100", "en", {"dataset"})
    # The address bar also keeps the student's lab (a reload finds the runs); the share link
    # shown below does not carry it.
    address = dict(app.query_params)
    assert valid_lab_id(address.pop("lab"))
    assert address == expected
    codes = [code.value for code in app.code]
    assert not any("lab=" in value for value in codes)
    assert any(
        value.endswith("/build_and_train?" + "&".join(f"{k}={v}" for k, v in expected.items()))
        for value in codes
    )
    assert any("keras.datasets.fashion_mnist.load_data()" in value for value in codes)
