"""The field table: every setting survives link -> spec -> widgets -> spec -> code export.

Each RunSpec field is declared once (nnlab.core.fields.setting); links, the Build & Train
widgets and the code export follow the table. These tests walk every optimizer setting of every
registered optimizer, and every other field, with values that are not the default (a falsy one
too), through every hop, so a setting one hop forgets fails here instead of in a classroom.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from nnlab.core import choices, fields
from nnlab.core.codegen import keras_script
from nnlab.core.fields import Field, defaults, table
from nnlab.core.links import FIELD_PARAMS, decode_link, encode_link, link_url
from nnlab.core.plan import plan
from nnlab.core.spec import LayerSpec, RunSpec, group_fields
from nnlab.i18n import catalogue

SPEC_TABLE = table(RunSpec)
DEFAULTS = defaults(RunSpec)
# Settings that matter only alongside another (the rest of the table needs no such context).
CONTEXT: dict[str, dict[str, Any]] = {
    "validation_split": {"validation": "split"},
    "restore_best_weights": {"early_stopping_patience": 2},
}
LAYER_VALUES = ((), (LayerSpec.conv(8, 5, "elu"), LayerSpec.dense(24, "tanh")))


def _candidates(name: str, info: Field) -> list[Any]:
    """Values of a field other than its default, a falsy one (0, False, ()) among them."""
    default = DEFAULTS[name]
    if info.kind == "layers":
        values: list[Any] = list(LAYER_VALUES)
    elif info.kind == "choice":
        values = list(info.options())
    elif info.kind == "bool":
        values = [not default]
    else:
        number = int if info.kind == "int" else float
        low = info.min if not info.min_open else info.min + info.step
        values = [number(0), number(low), number(info.max), number((low + info.max) / 2)]
        values += [number(low + info.step)]
        if info.optional:
            values.append(number(1_000))
    return [value for value in dict.fromkeys(values) if value != default]


def _contexts(name: str, info: Field) -> list[dict[str, Any]]:
    """What else a spec must set for this field to be taken: each optimizer/schedule taking it."""
    if info.belongs_to == fields.OPTIMIZER:
        takers = [key for key, entry in choices.OPTIMIZERS.items() if name in entry.settings]
        return [{"optimizer": key} for key in takers]
    if info.belongs_to == fields.SCHEDULE:
        takers = [key for key, entry in choices.LR_SCHEDULES.items() if name in entry.settings]
        return [{"lr_schedule": key} for key in takers]
    return [CONTEXT.get(name, {})]


def walk_cases() -> Iterator[tuple[str, RunSpec]]:
    """(case id, spec) for every field x non-default value x context that makes a valid spec."""
    for name, info in SPEC_TABLE.items():
        for context in _contexts(name, info):
            for value in _candidates(name, info):
                try:
                    spec = RunSpec(**{**context, name: value})
                except ValueError:
                    continue  # e.g. a training-set size below the batch size
                where = ",".join(f"{key}={found}" for key, found in context.items())
                yield f"{name}={info.text(value)}[{where}]", spec


CASES = dict(walk_cases())


class SessionState(dict):
    """What pages.build.spec_widgets uses of st.session_state: a dict of widget keys."""


def through_widgets(spec: RunSpec, monkeypatch) -> RunSpec:
    """`spec` loaded into the Build & Train widget keys and read back (as a page run does)."""
    from pages.build import spec_widgets

    monkeypatch.setattr(spec_widgets.st, "session_state", SessionState())
    spec_widgets.load_spec(spec)
    return spec_widgets.read_spec()


def optimizer_call(spec: RunSpec) -> str:
    """The optimizer expression of the exported script."""
    (line,) = [line for line in keras_script(spec).splitlines() if "optimizer=keras." in line]
    return line


def assert_survives(spec: RunSpec, monkeypatch) -> None:
    """Fail naming the first hop and the settings that did not survive it."""
    url = link_url("http://lab.test", encode_link(spec))
    decoded = decode_link(dict(parse_qsl(urlsplit(url).query)))
    assert not decoded.notices, f"link {url} gave notices {decoded.notices}"
    lost = {
        name: getattr(decoded.spec, name)
        for name in SPEC_TABLE
        if getattr(decoded.spec, name) != getattr(spec, name)
    }
    assert not lost, f"the share link {url} lost settings (link -> spec gives {lost})"
    from_widgets = through_widgets(decoded.spec, monkeypatch)
    lost = {
        name: getattr(from_widgets, name)
        for name in SPEC_TABLE
        if getattr(from_widgets, name) != getattr(spec, name)
    }
    assert not lost, f"the Build & Train widgets lost settings (widgets -> spec gives {lost})"
    call = optimizer_call(from_widgets)
    entry = choices.OPTIMIZERS[spec.optimizer]
    for name in ("learning_rate", *entry.settings):
        value = getattr(spec, name)
        # The script's text must read back as the spec's value: a missing one trains at
        # Keras' default, which need not be the lab's.
        found = re.search(rf"\b{name}=([^,)]+)", call)
        assert found is not None, f"the code export leaves out {name}={value!r}: {call.strip()}"
        written = ast.literal_eval(found[1])
        assert written == value, f"the code export writes {found[0]} for {value!r}"
        # A setting keeps its type too: Keras refuses momentum=0 (an int); it takes lr=10.
        assert name == "learning_rate" or type(written) is type(value), found[0]


@pytest.mark.parametrize("case", CASES)
def test_every_setting_survives_link_widgets_and_code_export(case: str, monkeypatch) -> None:
    spec = CASES[case]
    assert_survives(spec, monkeypatch)
    # The walked setting reaches the script: at its default (context kept) the script differs.
    name = case.split("=")[0]
    baseline = spec.replace(**{name: DEFAULTS[name]})
    assert keras_script(spec) != keras_script(baseline), f"the code export ignores {case}"


def test_every_field_and_every_optimizer_setting_is_walked() -> None:
    walked = {case.split("=")[0] for case in CASES}
    assert walked == set(SPEC_TABLE)
    for key, entry in choices.OPTIMIZERS.items():
        for name in entry.settings:
            assert any(f"optimizer={key}" in case and case.startswith(f"{name}=") for case in CASES)
    falsy = [case for case, spec in CASES.items() if not getattr(spec, case.split("=")[0])]
    assert falsy, "no falsy value is walked"


def test_every_optimizer_at_its_defaults_exports_every_setting(monkeypatch) -> None:
    for key in choices.OPTIMIZERS:
        assert_survives(RunSpec(optimizer=key), monkeypatch)


def test_the_table_declares_each_setting_once_and_completely() -> None:
    assert set(SPEC_TABLE) == set(DEFAULTS)  # every RunSpec field is in the table
    assert sorted(FIELD_PARAMS.values()) == sorted(SPEC_TABLE)  # one link parameter each
    assert all(re.fullmatch(r"[a-z][a-z0-9]*", param) for param in FIELD_PARAMS), FIELD_PARAMS
    texts = catalogue()
    for name, info in {**SPEC_TABLE, **table(LayerSpec)}.items():
        for key in (info.label, info.help, f"field.{name}"):
            assert key in texts, f"{name}: no text {key}"
    # What the optimizers and schedules take is what the table says belongs to them.
    for group, entries in (
        (fields.OPTIMIZER, choices.OPTIMIZERS),
        (fields.SCHEDULE, choices.LR_SCHEDULES),
    ):
        taken = {name for entry in entries.values() for name in entry.settings}
        assert taken == set(group_fields(group)), group


@pytest.mark.parametrize(
    "spec",
    [
        RunSpec(hidden_layers=(LayerSpec.dense(17),)),
        RunSpec(
            hidden_layers=(LayerSpec.conv(8, 5), LayerSpec.conv(4, 3), LayerSpec.dense(9)),
            dropout_rate=0.5,
            augment_zoom=0.1,
        ),
        RunSpec(hidden_layers=()),
    ],
)
def test_the_plan_is_made_once_per_spec_and_counts_what_validation_counts(spec) -> None:
    # The hops decode the same spec again (worker pipe, store, model file, board): one plan.
    assert plan(spec) is plan(RunSpec.from_json(spec.to_json()))
    assert spec.parameter_count() == sum(layer.params for layer in plan(spec))


def _widget_keys(state: Any) -> list[str]:
    """The session-state keys read_spec reads, as the page left them."""
    from pages.build import spec_widgets

    keys = [spec_widgets.LAYER_IDS]
    for name, info in SPEC_TABLE.items():
        keys.append(spec_widgets.widget_key(name))
        if info.switch:
            keys.append(spec_widgets.switch_key(name))
    for layer_id in state[spec_widgets.LAYER_IDS]:
        keys += [spec_widgets.layer_key(layer_id, name) for name in table(LayerSpec)]
    return keys


@pytest.mark.parametrize("optimizer", list(choices.OPTIMIZERS))
def test_the_build_page_keeps_every_setting_of_every_optimizer(optimizer: str, monkeypatch) -> None:
    from helpers import app_test

    from pages.build import spec_widgets

    # Not 0: a widget Streamlit mounts without its value shows 0 and would pass by luck.
    settings = {
        name: _candidates(name, SPEC_TABLE[name])[-1]
        for name in choices.OPTIMIZERS[optimizer].settings
    }
    spec = RunSpec(optimizer=optimizer, learning_rate=0.0123, **settings)
    app = app_test()
    app.query_params.update(encode_link(spec))
    app.run()
    app.switch_page("pages/1_build_and_train.py").run()
    assert not app.exception, app.exception
    state = app.session_state
    drawn = SessionState({key: state[key] for key in _widget_keys(state) if key in state})
    monkeypatch.setattr(spec_widgets.st, "session_state", drawn)
    assert spec_widgets.read_spec() == spec
    assert optimizer_call(spec) in keras_script(spec_widgets.read_spec())


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_glossary_explains_every_setting_of_the_table(language: str) -> None:
    from helpers import app_test

    from nnlab.i18n import translate

    app = app_test(language=language)
    app.run()
    app.switch_page("pages/5_classroom.py").run()
    assert not app.exception, app.exception
    glossary = "\n".join(markdown.value for markdown in app.markdown)
    for owner in (RunSpec, LayerSpec):
        for name, info in table(owner).items():
            line = f"**{translate(info.label, language)}**"
            assert line in glossary, f"the glossary does not explain {owner.__name__}.{name}"
            assert translate(info.help, language) in glossary, f"{name}'s help is not shown"
    assert "(`wd=`)" in glossary  # AdamW's weight decay, with the name its link uses
