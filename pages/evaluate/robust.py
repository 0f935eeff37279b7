"""Evaluate's robustness lab on a test image and its adversarial example (FGSM)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from nnlab.inspection import robustness, saliency
from nnlab.inspection.inside import png_data_url
from pages.common.ui import t
from pages.draw.explain import class_names, scale, show_changed


def show_fgsm(network: Any, image: np.ndarray, label: int, names: list[str]) -> None:
    """The epsilon slider; original, nudge and adversarial image; the answer before and after."""
    st.markdown(f"**{t('explain.fgsm_title')}**")
    st.caption(t("explain.fgsm_intro"))
    slider_column, _ = st.columns(2)
    with slider_column:
        epsilon = st.slider(t("explain.epsilon"), 0.0, 0.3, 0.1, 0.01, key="evaluate_fgsm_epsilon")
    result = robustness.fgsm(network, image, label, epsilon)
    before, after = result.probabilities_before, result.probabilities_after
    pictures = (
        (saliency.grey_picture(result.original, scale() - 2), t("explain.original_image")),
        (saliency.signed_picture(result.perturbation, scale() - 2), t("explain.perturbation")),
        (saliency.grey_picture(result.adversarial, scale() - 2), t("explain.adversarial")),
    )
    *picture_columns, answers = st.columns([1, 1, 1, 1.4])
    for column, (pixels, caption) in zip(picture_columns, pictures, strict=True):
        with column:
            st.image(png_data_url(pixels), caption=caption, alt=caption)
    with answers:
        st.metric(
            t("explain.before"),
            f"{names[result.prediction_before]} · {before[result.prediction_before]:.0%}",
        )
        st.metric(
            t("explain.after"),
            f"{names[result.prediction_after]} · {after[result.prediction_after]:.0%}",
        )
    st.caption(
        t(
            "explain.loss_change",
            before=f"{result.loss_before:.3f}",
            after=f"{result.loss_after:.3f}",
        )
    )
    if result.flipped:
        st.warning(
            t(
                "explain.fgsm_flipped",
                before=names[result.prediction_before],
                after=names[result.prediction_after],
            ),
            icon=":material/bolt:",
        )
    else:
        st.info(t("explain.fgsm_held"), icon=":material/shield:")


def show_robustness(choice: Any, dataset: Any) -> None:
    """A test image the student picks, in the robustness lab and as an adversarial example."""
    st.divider()
    st.subheader(f":material/science: {t('explain.evaluate_title')}")
    st.caption(t("explain.evaluate_intro"))
    names = class_names(choice)
    last = int(dataset.num_test) - 1
    picker, label_column = st.columns([1, 2], vertical_alignment="bottom")
    with picker:
        index = st.number_input(
            t("explain.test_image"),
            min_value=0,
            max_value=last,
            value=0,
            step=1,
            help=t("explain.test_image_help", last=f"{last:,}"),
            key="evaluate_robust_index",
        )
    image = dataset.x_test[int(index)].astype(np.float64) / 255.0
    label = int(dataset.y_test[int(index)])
    with label_column:
        st.markdown(t("explain.true_label", label=names[label]))
    try:
        st.markdown(f"**{t('explain.tab_robust')}**")
        show_changed(choice.network, image, names, "evaluate_robust")
        show_fgsm(choice.network, image, label, names)
    except Exception as error:  # an uploaded model the explanation cannot run
        st.error(t("explain.failed", error=error))
