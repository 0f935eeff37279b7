"""Steering a run from Build & Train: pause, resume, a new learning rate, more epochs.

The fake engine records each call; tests/test_engine.py shows the real engine doing the same.
"""

from __future__ import annotations

import dataclasses

from fake_engine import epoch_rows
from helpers import app_test

BUILD = "pages/1_build_and_train.py"


def open_with_run(fake_engine, **fields):
    """Build & Train in the fake engine's lab, watching one run with these fields."""
    run = fake_engine.add_run(**fields)
    app = app_test(language="en")
    app.query_params["lab"] = fake_engine.lab_id
    app.run()
    app.switch_page(BUILD).run()
    assert not app.exception, app.exception
    return app, run


def texts(elements) -> str:
    return " ".join(str(element.value) for element in elements)


def test_pause_resume_and_a_new_rate(fake_engine) -> None:
    progress = {"epoch": 1, "epochs": 3, "batch": 4, "batches": 10, "eta_seconds": 5.0}
    app, run = open_with_run(
        fake_engine, status="running", history=epoch_rows(1), progress=progress
    )
    app.button(key=f"b_pause_{run.run_id}").click().run()
    assert fake_engine.controls == [(run.run_id, "pause", True)]
    app.run()  # the next refresh shows what the worker did after its batch
    assert "Paused after epoch 2, batch 4" in texts(app.info)
    assert app.button(key=f"b_pause_{run.run_id}").label == "Resume"

    app.number_input(key=f"n_rate_{run.run_id}").set_value(0.05)
    app.button(key=f"FormSubmitter:f_rate_{run.run_id}-Use this rate").click().run()
    assert not app.exception, app.exception
    assert fake_engine.controls[-1] == (run.run_id, "learning_rate", 0.05)

    app.button(key=f"b_pause_{run.run_id}").click().run()
    assert fake_engine.controls[-1] == (run.run_id, "pause", False)
    app.run()
    assert "Paused" not in texts(app.info)


def test_a_refused_control_is_a_message(fake_engine, monkeypatch) -> None:
    app, run = open_with_run(fake_engine, status="running", history=epoch_rows(1))

    def ended_meanwhile(run_id: str) -> None:
        raise ValueError("This run is not training now.")  # it ended before the click arrived

    monkeypatch.setattr(fake_engine, "pause", ended_meanwhile)
    app.button(key=f"b_pause_{run.run_id}").click().run()
    assert not app.exception, app.exception
    assert "Not possible now: This run is not training now." in texts(app.warning)


def test_continue_a_finished_run(fake_engine) -> None:
    app, run = open_with_run(fake_engine, status="finished", history=epoch_rows(2), has_model=True)
    app.number_input(key=f"n_more_{run.run_id}").set_value(3).run()
    app.button(key=f"b_continue_{run.run_id}").click().run()
    assert not app.exception, app.exception
    assert fake_engine.controls == [(run.run_id, "continue", 3)]
    again = fake_engine.live(run.run_id)
    assert again.status == "queued" and again.spec.epochs == 5


def test_a_run_without_a_model_cannot_continue(fake_engine) -> None:
    app, run = open_with_run(fake_engine, status="failed", history=epoch_rows(1), has_model=False)
    assert not any(b.key == f"b_continue_{run.run_id}" for b in app.button)


def test_a_rate_change_is_marked_on_the_loss_curve() -> None:
    from pages.common.curve_charts import curves_spec

    rows = epoch_rows(3)
    rows[1] = dataclasses.replace(rows[1], lr_changes=({"batch": 5, "from": 0.001, "to": 0.004},))
    names = {"epoch_title": "Epoch", "train_name": "train", "validation_name": "validation"}
    chart = curves_spec(rows, "loss", title="Loss", rate_title="Rate changed", batches=10, **names)
    line, rule = chart["layer"]
    assert line["mark"]["type"] == "line" and len(line["data"]["values"]) == 6
    assert rule["data"]["values"] == [{"at": 1.5, "text": "0.001 → 0.004"}]  # epoch 2, batch 5/10
    plain = curves_spec(rows[:1], "loss", title="Loss", rate_title="Rate changed", **names)
    assert "layer" not in plain and plain["mark"]["type"] == "line"
