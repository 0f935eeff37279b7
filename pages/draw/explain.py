"""Draw's "why this answer": the not-a-digit notice, saliency, class evidence, robustness lab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import streamlit as st

from nnlab.core.choices import DATASETS
from nnlab.data.datasets import CLASS_NAMES
from nnlab.inspection import backprop, digit_check, robustness, saliency
from nnlab.inspection.drawing import class_probabilities
from nnlab.inspection.inside import png_data_url
from pages.common.ui import is_projector, t
from pages.draw.charts import class_probability_bars

SLIDERS = ("dx", "dy", "degrees", "thickness", "blur", "noise", "erase")


def scale() -> int:
    """Screen pixels per image pixel: larger in projector mode, for the back of the room."""
    return 12 if is_projector() else 8


def class_names(choice: Any) -> list[str]:
    """The class names of the choice's data set."""
    return [str(name) for name in CLASS_NAMES.get(choice.dataset_name, CLASS_NAMES["mnist"])]


def digit_notice(choice: Any, image: np.ndarray) -> bool:
    """A warning above the prediction when the drawing does not look like a digit; False then."""
    if not DATASETS[choice.dataset_name].handwritten_digits:
        return True  # Fashion-MNIST models: every drawing is "not a digit", the check means nothing
    try:
        check = digit_check.check_digit(choice.network, image)
        probabilities = class_probabilities(choice.network, image)[0]
    except Exception:  # an uploaded model that cannot run here: show_prediction says why
        return True
    if check.is_digit:
        return True
    best = int(np.argmax(probabilities))
    rule = check.rule
    if rule.calibrated:
        how = t(
            "explain.rule_calibrated",
            method=t(f"explain.method.{rule.method}"),
            caught=f"{rule.figures.get('unseen_shapes_caught', 0):.0%}",
            flagged=f"{rule.figures.get('drawn_flagged', 0):.0%}",
        )
    else:
        how = t("explain.rule_fallback", threshold=f"{rule.threshold:.0%}")
    st.warning(f"**{t('explain.not_a_digit')}**", icon=":material/block:")
    st.caption(
        t(
            "explain.not_a_digit_detail",
            label=class_names(choice)[best],
            percent=f"{probabilities[best]:.0%}",
            how=how,
        )
    )
    return False


def show_saliency(network: Any, image: np.ndarray, names: Sequence[str], best: int) -> None:
    """Gradient x input for the answer, beside the occlusion cross-check."""
    left, right = st.columns(2)
    with left:
        caption = t("explain.saliency_caption", label=names[best])
        st.image(
            png_data_url(saliency.overlay(image, saliency.saliency(network, image, best), scale())),
            alt=caption,
        )
        st.caption(caption)
    with right:
        # Off at first: 144 forward passes per drawing add up when a whole class is drawing.
        if st.toggle(t("explain.occlusion_toggle"), key="draw_explain_occlusion"):
            occluded = saliency.occlusion(network, image, best)
            caption = t("explain.occlusion_caption", label=names[best])
            st.image(png_data_url(saliency.overlay(image, occluded, scale())), alt=caption)
            st.caption(caption)
    st.caption(t("explain.saliency_help"))


def show_evidence(network: Any, image: np.ndarray, names: Sequence[str], key: str) -> None:
    """For a class the student picks (first the runner-up): strokes for, against, ink to add."""
    runner_up = saliency.runner_up(network, image)
    picker, note = st.columns([1, 2], vertical_alignment="bottom")
    with picker:
        target = st.selectbox(
            t("explain.target"),
            list(range(len(names))),
            index=runner_up,
            format_func=lambda index: names[index],
            help=t("explain.target_help"),
            key=key,
        )
    evidence = saliency.class_evidence(network, image, target)
    answer = int(np.argmax(backprop.scores(network, image)[0]))
    versus_key = "explain.versus_runner_up" if target == answer else "explain.versus"
    with note:
        st.caption(
            t(
                versus_key,
                target=names[target],
                versus=names[evidence.versus],
                percent=f"{evidence.probability:.0%}",
            )
        )
    pictures = (
        ("explain.speaks_for", evidence.speaks_for, "red"),
        ("explain.speaks_against", evidence.speaks_against, "blue"),
        ("explain.add_ink", evidence.add_ink, "green"),
    )
    for column, (text, values, colour) in zip(st.columns(3), pictures, strict=True):
        with column:
            caption = t(text, target=names[target])
            picture = saliency.evidence_picture(image, values, colour, scale())
            st.image(png_data_url(picture), alt=caption)
            st.caption(caption)
    st.caption(
        t(
            "explain.evidence_totals",
            target=names[target],
            versus=names[evidence.versus],
            positive=f"{evidence.total_for:.2f}",
            negative=f"{evidence.total_against:.2f}",
        )
    )


def _reset(prefix: str) -> None:
    for name in SLIDERS:
        st.session_state.pop(f"{prefix}_{name}", None)


def change_sliders(prefix: str) -> robustness.Changes:
    """The robustness lab's sliders (keys start with `prefix`), as a robustness.Changes."""
    first, second = st.columns(2)
    with first:
        dx = st.slider(t("explain.shift_x"), -8, 8, 0, key=f"{prefix}_dx")
        dy = st.slider(t("explain.shift_y"), -8, 8, 0, key=f"{prefix}_dy")
        degrees = st.slider(t("explain.rotate"), -90, 90, 0, 5, key=f"{prefix}_degrees")
        thickness = st.slider(t("explain.thickness"), -2, 3, 0, key=f"{prefix}_thickness")
    with second:
        blur = st.slider(t("explain.blur"), 0.0, 3.0, 0.0, 0.25, key=f"{prefix}_blur")
        noise = st.slider(t("explain.noise"), 0.0, 0.6, 0.0, 0.05, key=f"{prefix}_noise")
        erase = st.selectbox(
            t("explain.erase"),
            list(robustness.ERASE_PARTS),
            format_func=lambda part: t(f"explain.erase.{part}"),
            key=f"{prefix}_erase",
        )
        st.button(
            t("explain.reset"),
            icon=":material/restart_alt:",
            on_click=_reset,
            args=(prefix,),
            key=f"{prefix}_reset",
        )
    return robustness.Changes(
        dx=dx, dy=dy, degrees=degrees, thickness=thickness, blur=blur, noise=noise, erase=erase
    )


def show_changed(network: Any, image: np.ndarray, names: Sequence[str], prefix: str) -> None:
    """Sliders, the changed image and the probabilities the network gives it."""
    st.caption(t("explain.robust_intro"))
    changes = change_sliders(prefix)
    changed = robustness.apply_changes(image, changes)
    before = int(np.argmax(class_probabilities(network, image)[0]))
    probabilities = class_probabilities(network, changed)[0]
    after = int(np.argmax(probabilities))
    picture, chart = st.columns([1, 2])
    with picture:
        st.image(
            png_data_url(saliency.grey_picture(changed, scale() - 2)),
            caption=t("explain.changed_image"),
            alt=t("explain.changed_image"),
        )
        st.metric(
            t("explain.changed_answer"),
            f"{names[after]} · {probabilities[after]:.0%}",
            delta=t("explain.kept")
            if after == before
            else t("explain.flipped", label=names[before]),
            delta_color="normal" if after == before else "inverse",
            delta_arrow="off",
        )
    with chart:
        st.altair_chart(
            class_probability_bars(
                probabilities,
                names,
                title=t("explain.probabilities"),
                class_title=t("draw.class"),
                probability_title=t("draw.probability"),
            ),
            width="stretch",
        )


def explain_drawing(choice: Any, image: np.ndarray) -> None:
    """Why the network reads the drawing as it does, and how sturdy that reading is."""
    network = choice.network
    names = class_names(choice)
    st.subheader(f":material/psychology_alt: {t('explain.title')}")
    st.caption(t("explain.intro"))
    try:
        best = int(np.argmax(backprop.scores(network, image)[0]))
        saliency_tab, evidence_tab, robust_tab = st.tabs(
            [t("explain.tab_saliency"), t("explain.tab_evidence"), t("explain.tab_robust")]
        )
        with saliency_tab:
            show_saliency(network, image, names, best)
        with evidence_tab:
            show_evidence(network, image, names, "draw_explain_target")
        with robust_tab:
            show_changed(network, image, names, "draw_robust")
    except Exception as error:  # an uploaded model this explanation cannot run
        st.error(t("explain.failed", error=error))
