"""Drills: the classroom at its worst, on tiny data, in seconds.

- Crowd: several labs' runs train at once in the engine's workers; each equals the same run
  trained alone.
- Interaction storm: twenty widget changes and page switches while a run trains on Build & Train;
  the run still ends with a complete history and nothing raises.
- Offline: with every download failing, each page renders on the bundled data and says so.
(Hostile settings and hostile files are in test_hostile_settings.py and test_hostile_files.py;
the home page rendering without TensorFlow, in a clean process, is in test_home.py.)
"""

from __future__ import annotations

import math
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import app_test, figures, page_files

from nnlab import LayerSpec, RunSpec
from nnlab.core.labs import new_lab_id

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGES = page_files()


def _wait_ended(engine, run_id: str, timeout_s: float = 300):
    deadline = time.monotonic() + timeout_s
    while engine.live(run_id).is_active:
        assert time.monotonic() < deadline, f"run {run_id} did not end in {timeout_s} s"
        time.sleep(0.02)  # polling interval, not a wait for a result
    return engine.live(run_id)


# --- crowd -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_crowd_of_runs_each_equal_to_the_run_alone(real_engine) -> None:
    base = RunSpec(
        train_size=300,
        hidden_layers=(LayerSpec.dense(16, "relu"),),
        dropout_rate=0.2,  # random masks: the crowd must not mix them up
        epochs=1,
        batch_size=16,
    )
    specs = [
        base.replace(seed=1),
        base.replace(seed=2, optimizer="sgd", learning_rate=0.1, momentum=0.9),
        base.replace(seed=3, hidden_layers=(LayerSpec.conv(4, 3),)),
        base.replace(
            seed=4, loss="categorical_crossentropy", optimizer="rmsprop", validation="split"
        ),
    ]
    # The session's engine keeps its two workers; should one have gone, it starts again now,
    # while the runs alone train.
    real_engine.warm_up()
    # Alone: one run at a time, nothing else training.
    alone_lab = new_lab_id()
    alone = [
        figures(_wait_ended(real_engine, real_engine.submit(alone_lab, s)).history) for s in specs
    ]

    run_ids = [real_engine.submit(new_lab_id(), spec) for spec in specs]
    most_at_once = 0
    deadline = time.monotonic() + 300
    while any(real_engine.live(run_id).is_active for run_id in run_ids):
        assert time.monotonic() < deadline, "the crowd did not finish"
        most_at_once = max(most_at_once, real_engine.load()[0])
        time.sleep(0.02)  # poll the engine's load while the crowd trains
    runs = [real_engine.live(run_id) for run_id in run_ids]
    assert [run.status for run in runs] == ["finished"] * len(runs), [r.error for r in runs]
    assert most_at_once >= 2, "the runs never trained at the same time: not a crowd"
    for run, expected in zip(runs, alone, strict=True):
        assert figures(run.history) == expected, run.spec


# --- interaction storm -----------------------------------------------------------------------


def _storm_actions(app) -> list:
    """Twenty interactions a restless class makes: widgets, presets of settings, page switches."""

    def on_build(action):
        def run() -> None:
            if app.session_state["_nnlab_page"] != "build":
                app.switch_page(PAGES[0]).run()
                app.session_state["_nnlab_page"] = "build"
            action()
            app.run()

        return run

    def to_page(path: str):
        def run() -> None:
            app.switch_page(path).run()
            app.session_state["_nnlab_page"] = "build" if path == PAGES[0] else path

        return run

    return [
        on_build(lambda: app.number_input(key="build.seed").set_value(7)),
        on_build(lambda: app.number_input(key="build.epochs").set_value(3)),
        to_page(PAGES[1]),
        to_page(PAGES[0]),
        on_build(lambda: app.selectbox(key="build.optimizer").set_value("sgd")),
        on_build(lambda: app.number_input(key="build.batch_size").set_value(64)),
        to_page(PAGES[2]),
        on_build(lambda: app.slider(key="build.dropout_rate").set_value(0.3)),
        on_build(lambda: app.button(key="b_add_dense").click()),
        to_page(PAGES[3]),
        on_build(lambda: app.number_input(key="build.seed").set_value(8)),
        on_build(lambda: app.toggle(key="build.early_stopping").set_value(True)),
        to_page(PAGES[4]),
        to_page(PAGES[0]),
        on_build(lambda: app.radio(key="build.validation").set_value("split")),
        on_build(lambda: app.selectbox(key="build.optimizer").set_value("adam")),
        to_page(PAGES[1]),
        on_build(lambda: app.number_input(key="build.epochs").set_value(1)),
        on_build(lambda: app.toggle(key="build.early_stopping").set_value(False)),
        to_page(PAGES[0]),
    ]


@pytest.mark.slow
def test_interaction_storm_while_training(real_engine) -> None:
    app = app_test(timeout_s=120)
    app.run()
    app.switch_page(PAGES[0]).run()
    assert not app.exception, app.exception
    # Tiny settings, but slow enough (batch 4) that the run is still training during the storm.
    app.toggle(key="build.use_all_images").set_value(False).run()
    app.number_input(key="build.train_size").set_value(1000).run()
    app.number_input(key="build.batch_size").set_value(4).run()
    app.number_input(key="build.epochs").set_value(4).run()
    app.button(key="b_train").click().run()
    assert not app.exception, app.exception
    lab = app.session_state["lab_id"]
    runs = real_engine.lab_runs(lab)
    assert len(runs) == 1
    run_id = runs[0].run_id
    spec = runs[0].spec
    assert (spec.train_size, spec.batch_size, spec.epochs) == (1000, 4, 4)

    app.session_state["_nnlab_page"] = "build"
    active_during = 0
    for number, action in enumerate(_storm_actions(app), start=1):
        active_during += real_engine.live(run_id).is_active
        action()
        assert not app.exception, f"interaction {number}: {app.exception}"
    assert active_during >= 5, "the run ended before the storm got going: make it slower"

    run = _wait_ended(real_engine, run_id)
    app.switch_page(PAGES[0]).run()
    assert not app.exception, app.exception
    assert run.status == "finished", run.error
    assert run.spec == spec  # the storm changed the widgets, never the running run
    history = run.history
    assert [row.epoch for row in history] == [1, 2, 3, 4]
    assert all(math.isfinite(row.val_accuracy) for row in history)
    assert [r.run_id for r in real_engine.lab_runs(lab)] == [run_id]  # nothing lost or duplicated


# --- offline ---------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """Downloads allowed by configuration but failing, and no cache: only bundled data works."""
    from nnlab.data import datasets

    attempts: list[str] = []

    def refuse(url, *args, **kwargs):
        attempts.append(str(getattr(url, "full_url", url)))
        raise urllib.error.URLError("network unreachable (drill)")

    monkeypatch.delenv("NNLAB_OFFLINE", raising=False)
    monkeypatch.delenv("NNLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    datasets.clear_cache()
    yield attempts
    datasets.clear_cache()


def _home_text(language: str) -> str:
    app = app_test(language=language)
    app.run()
    assert not app.exception, app.exception
    return " ".join(element.value for element in app.markdown)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_home_page_offline_names_the_bundled_sample(no_network, language: str) -> None:
    from nnlab.data import datasets
    from nnlab.i18n import translate

    # Before anything is loaded the home page only probes (no download on the home page): it
    # must at least name the bundled sample as what is used without internet.
    before = _home_text(language)
    assert (
        translate("data.probe.download", language) in before
        or translate("data.probe.bundled_sample", language) in before
    ), before[:1500]
    # Once MNIST is loaded (the download fails), the home page names the bundled sample as
    # the source, with its real size.
    mnist = datasets.load_dataset("mnist")
    assert mnist.source == "bundled_sample"
    bundled = translate(
        "data.loaded.bundled_sample",
        language,
        total=f"{mnist.num_train + mnist.num_test:,}",
        train=f"{mnist.num_train:,}",
        test=f"{mnist.num_test:,}",
    )
    assert bundled in _home_text(language)


@pytest.mark.slow
def test_every_page_works_offline_on_bundled_data(real_engine, no_network) -> None:
    from nnlab.data import datasets

    app = app_test()
    app.run()
    assert not app.exception, app.exception
    for path in PAGES:
        app.switch_page(path).run()
        assert not app.exception, f"{path}: {app.exception}"
    # Training offline: a tiny run on the bundled MNIST sample, then every page again with it.
    app.switch_page(PAGES[0]).run()
    app.toggle(key="build.use_all_images").set_value(False).run()
    app.number_input(key="build.train_size").set_value(200).run()
    app.number_input(key="build.epochs").set_value(1).run()
    app.button(key="b_train").click().run()
    assert not app.exception, app.exception
    run = _wait_ended(real_engine, real_engine.lab_runs(app.session_state["lab_id"])[-1].run_id)
    assert run.status == "finished", run.error
    # The pages load the data set in this process (the worker has its own copy).
    app.switch_page(PAGES[1]).run()
    mnist = datasets.loaded_dataset("mnist")
    assert mnist is not None and mnist.source == "bundled_sample"
    assert any("Download" in note for note in mnist.notes), mnist.notes
    for path in PAGES:
        app.switch_page(path).run()
        assert not app.exception, f"{path} after training: {app.exception}"
        if path in (PAGES[0], PAGES[1]):  # the pages that show data say where it came from
            captions = " ".join(element.value for element in app.caption)
            assert "Bundled sample of" in captions or "bundled sample" in captions, path
    assert no_network, "no download was attempted: the drill did not test the fallback"
