"""Inside's NumPy tab: the same forward pass in plain NumPy, layer by layer, against Keras.

Keras' own outputs come from the training worker (stored with the network for the first test
images), so the comparison needs no Keras in this process.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from nnlab.core.formatting import percent
from nnlab.data.datasets import CLASS_NAMES, load_dataset
from nnlab.inspection import inside
from nnlab.inspection.drawing import model_inputs
from nnlab.inspection.numpy_net import (
    batch_inference,
    dense_layers_of,
    forward_numpy_steps,
    numpy_inputs_of,
    reference_difference,
    rescaling_of,
    shape_formula,
)
from pages.common import state
from pages.common.models import ModelChoice
from pages.common.ui import t


def keras_reference(choice: ModelChoice, test_index: int | None) -> np.ndarray | None:
    """Keras' own output for this test image, computed in the training worker, if it has it."""
    network = choice.network
    outputs = network.reference_outputs
    if outputs is None or test_index is None or test_index >= len(outputs):
        return None
    if network.reference_inputs_dataset != choice.dataset_name:
        return None
    dataset = load_dataset(choice.dataset_name)
    if reference_difference(network, dataset) is None:  # another copy of the data set
        return None
    return np.asarray(outputs[test_index], dtype=np.float64)


def show_numpy(choice: ModelChoice, image: np.ndarray, test_index: int | None) -> None:
    """The forward pass in NumPy, layer by layer, against Keras; then batch inference."""
    st.caption(t("inside.numpy_intro"))
    network = choice.network
    try:
        layers = dense_layers_of(network)
    except ValueError:
        kinds = sorted({layer.kind for layer in inside.weighted_layers(network)})
        st.info(t("inside.numpy_not_dense", kinds=", ".join(kinds)), icon=":material/info:")
        return
    raw = model_inputs(network, image)
    x = numpy_inputs_of(network, raw.reshape(1, 28, 28))
    steps = forward_numpy_steps(layers, x)

    st.markdown(f"**{t('inside.shapes')}**")
    st.code(shape_formula(steps), language="text")
    for step in steps:
        source = "X" if step.number == 1 else f"Z{step.number - 1}"
        with st.expander(
            t(
                "inside.step",
                number=step.number,
                source=source,
                activation=step.activation,
            )
        ):
            st.code(
                f"W{step.number}.shape = {step.weight_shape}   b{step.number}.shape = "
                f"{step.bias_shape}\nA{step.number}[:8] = {np.round(step.weighted_sum[0, :8], 4)}"
                f"\nZ{step.number}[:8] = {np.round(step.output[0, :8], 4)}",
                language="text",
            )
    numpy_output = steps[-1].output[0]
    keras_output = keras_reference(choice, test_index)
    names = [str(name) for name in CLASS_NAMES.get(choice.dataset_name, CLASS_NAMES["mnist"])]
    if keras_output is None:
        st.dataframe(
            pd.DataFrame(
                {
                    t("inside.class"): names[: len(numpy_output)],
                    t("inside.numpy_output"): numpy_output,
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(t("inside.keras_reference_only"))
    else:
        difference = float(np.max(np.abs(numpy_output - keras_output)))
        comparison = pd.DataFrame(
            {
                t("inside.class"): names[: len(numpy_output)],
                t("inside.numpy_output"): numpy_output,
                t("inside.keras_output"): keras_output,
                t("inside.difference"): np.abs(numpy_output - keras_output),
            }
        )
        columns = st.columns([3, 1])
        columns[0].dataframe(
            comparison.style.format("{:.8f}", subset=comparison.columns[1:3]).format(
                "{:.1e}", subset=comparison.columns[3:]
            ),
            hide_index=True,
            width="stretch",
        )
        columns[1].metric(t("inside.max_difference"), f"{difference:.1e}")
        if difference < 1e-5:
            st.success(t("inside.same_result"), icon=":material/check_circle:")
        else:
            st.warning(t("inside.different_result"))
    scale, offset = rescaling_of(network)
    with st.expander(t("inside.numpy_code")):
        st.code(inside.numpy_code(layers, scale, offset), language="python")

    st.subheader(t("inside.batch_title"))
    batch_size = st.select_slider(
        t("inside.batch_size"), [1, 10, 100, 1000, 10_000], value=100, key="inside_batch_size"
    )
    results = state.BATCH_RESULTS.get()
    key = (choice.key, id(network), batch_size)
    if st.button(t("inside.batch_run"), icon=":material/play_arrow:", key="inside_batch_run"):
        try:
            dataset = load_dataset(choice.dataset_name)
        except Exception as error:
            st.error(t("inside.data_failed", error=error))
            return
        inputs = numpy_inputs_of(network, dataset.x_test)
        results[key] = batch_inference(layers, inputs, dataset.y_test, batch_size)
    if key in results:
        result = results[key]
        st.success(
            t(
                "inside.batch_result",
                accuracy=percent(result.accuracy),
                correct=f"{result.correct:,}",
                total=f"{result.total:,}",
                seconds=f"{result.seconds:.2f}",
                batch=f"{result.batch_size:,}",
            )
        )
