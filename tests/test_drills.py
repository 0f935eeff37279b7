"""Drills: the classroom at its worst, on tiny data, in seconds.

- Crowd: several runs train at once in one process; each equals the same run trained alone.
- Interaction storm: twenty widget changes and page switches while a run trains on Build & Train;
  the run still ends with a complete history and nothing raises.
- Offline: with every download failing, each page renders on the bundled data and says so.
- Home page without TensorFlow: rendering it in a clean process never imports TensorFlow.
(Hostile settings and hostile files are in test_hostile_settings.py and test_hostile_files.py.)
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from helpers import app_test

from nnlab import LayerSpec, RunSpec

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "pages/1_build_and_train.py",
    "pages/2_evaluate.py",
    "pages/3_draw.py",
    "pages/4_inside.py",
    "pages/5_classroom.py",
]


@dataclass(frozen=True)
class TinyData:
    """A Dataset-like slice of the MNIST sample: a run needs only the four arrays."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@pytest.fixture(scope="module")
def tiny() -> TinyData:
    from nnlab.datasets import load_dataset

    mnist = load_dataset("mnist")
    return TinyData(
        mnist.x_train[:500], mnist.y_train[:500], mnist.x_test[:200], mnist.y_test[:200]
    )


def _figures(history: list[dict]) -> list[dict]:
    """A history without wall-clock seconds, which differ between runs by nature."""
    return [{key: value for key, value in row.items() if key != "seconds"} for row in history]


# --- crowd -----------------------------------------------------------------------------------


def test_crowd_of_runs_each_equal_to_the_run_alone(tiny: TinyData, monkeypatch) -> None:
    from nnlab.training import TrainingRun, server_load, train

    monkeypatch.setenv("NNLAB_MAX_CONCURRENT_RUNS", "8")
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
    alone = [_figures(train(spec, tiny)[1]) for spec in specs]

    runs = [TrainingRun(spec, tiny).start() for spec in specs]
    most_at_once = 0
    deadline = time.monotonic() + 180
    while any(run.is_active for run in runs) and time.monotonic() < deadline:
        most_at_once = max(most_at_once, server_load()[0])
        runs[0].wait(0.02)  # poll the process-wide load while the crowd trains
    assert [run.status for run in runs] == ["finished"] * len(runs), [r.error for r in runs]
    assert most_at_once >= 2, "the runs never trained at the same time: not a crowd"
    for run, expected in zip(runs, alone, strict=True):
        assert _figures(run.history) == expected, run.spec


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


def test_interaction_storm_while_training(tiny: TinyData) -> None:
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
    runs = app.session_state["runs"]
    assert len(runs) == 1
    run = runs[0]
    spec = run.spec
    assert (spec.train_size, spec.batch_size, spec.epochs) == (1000, 4, 4)

    app.session_state["_nnlab_page"] = "build"
    active_during = 0
    for number, action in enumerate(_storm_actions(app), start=1):
        active_during += run.is_active
        action()
        assert not app.exception, f"interaction {number}: {app.exception}"
    assert active_during >= 5, "the run ended before the storm got going: make it slower"

    assert run.wait(300), "the run did not finish"
    app.switch_page(PAGES[0]).run()
    assert not app.exception, app.exception
    assert run.status == "finished", run.error
    assert run.spec == spec  # the storm changed the widgets, never the running run
    history = run.history
    assert [row["epoch"] for row in history] == [1, 2, 3, 4]
    assert all(math.isfinite(row["val_accuracy"]) for row in history)
    assert app.session_state["runs"] == [run]  # nothing lost, nothing duplicated


# --- offline ---------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """Downloads allowed by configuration but failing, and no cache: only bundled data works."""
    from nnlab import datasets

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
    from nnlab import datasets
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


def test_every_page_works_offline_on_bundled_data(no_network, tiny: TinyData) -> None:
    from nnlab import datasets

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
    run = app.session_state["runs"][-1]
    assert run.wait(180) and run.status == "finished", run.error
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


# --- the home page never imports TensorFlow --------------------------------------------------


def test_home_page_does_not_import_tensorflow() -> None:
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "app = AppTest.from_file('app.py', default_timeout=60)\n"
        "app.run()\n"
        "assert not app.exception, app.exception\n"
        "loaded = [name for name in ('tensorflow', 'keras') if name in sys.modules]\n"
        "assert not loaded, f'the home page imported {loaded}'\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
