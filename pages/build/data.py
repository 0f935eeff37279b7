"""The Data group's look at the chosen data set: sample images, class counts, average images.

No TensorFlow: `load_dataset` is NumPy only, and the figures are cached per data set name, so
thirty students looking at MNIST cost one set of figures.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st

from nnlab.core.runs import split_sizes
from nnlab.core.spec import RunSpec
from nnlab.data.datasets import load_dataset
from pages.build.charts import class_counts_chart
from pages.common.data import dataset_summary
from pages.common.ui import t

SAMPLE_COLUMNS = 8
SAMPLE_ROWS = 2


def _grid_png(images: np.ndarray, titles: list[str], columns: int) -> bytes:
    """A grid of 28x28 images with a title over each, as PNG bytes (matplotlib, no pyplot)."""
    from matplotlib.figure import Figure

    rows = int(np.ceil(len(images) / columns))
    figure = Figure(figsize=(columns * 1.0, rows * 1.2), dpi=100)
    for index, (image, title) in enumerate(zip(images, titles, strict=True)):
        axis = figure.add_subplot(rows, columns, index + 1)
        axis.imshow(image, cmap="gray_r", vmin=0, vmax=255)
        axis.set_title(title, fontsize=11)
        axis.axis("off")
    figure.tight_layout(pad=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=4)
def sample_grid(name: str) -> bytes:
    """The first images of the first classes, like the tutorials' plt.imshow grids."""
    dataset = load_dataset(name)
    count = SAMPLE_COLUMNS * SAMPLE_ROWS
    # A fixed, seeded pick so every visit shows the same images, spread over the whole set.
    chosen = np.sort(np.random.default_rng(0).choice(dataset.num_train, count, replace=False))
    titles = [dataset.class_names[int(label)] for label in dataset.y_train[chosen]]
    return _grid_png(dataset.x_train[chosen], titles, SAMPLE_COLUMNS)


@st.cache_data(show_spinner=False, max_entries=4)
def average_grid(name: str) -> bytes:
    """The mean image of each class: what the class looks like on average."""
    dataset = load_dataset(name)
    means = np.stack(
        [
            dataset.x_train[dataset.y_train == label].mean(axis=0)
            if np.any(dataset.y_train == label)
            else np.zeros((28, 28))
            for label in range(len(dataset.class_names))
        ]
    )
    return _grid_png(means.astype(np.uint8), list(dataset.class_names), 5)


@st.cache_data(show_spinner=False, max_entries=4)
def class_counts(name: str) -> pd.DataFrame:
    """Training and test images per class."""
    dataset = load_dataset(name)
    classes = len(dataset.class_names)
    return pd.DataFrame(
        {
            "class": list(dataset.class_names),
            "train": np.bincount(dataset.y_train, minlength=classes)[:classes],
            "test": np.bincount(dataset.y_test, minlength=classes)[:classes],
        }
    )


def show_dataset(spec: RunSpec | None, dataset_name: str) -> None:
    """Where the data set comes from, how much a run uses, and a look at its images."""
    try:
        with st.spinner(t("build.data.loading")):
            dataset = load_dataset(dataset_name)
    except (OSError, ValueError) as error:
        st.error(t("build.data.load_failed", error=str(error)))
        return
    st.caption(dataset_summary(dataset))
    if dataset.is_sample:
        st.info(t("build.data.sample_note"), icon=":material/info:")
    if spec is not None and spec.dataset == dataset_name:
        train_count, validation_count = split_sizes(spec, dataset.num_train, dataset.num_test)
        key = "build.data.uses_test" if spec.validation == "test" else "build.data.uses_split"
        st.markdown(t(key, train=f"{train_count:,}", validation=f"{validation_count:,}"))
        if spec.train_size is not None and spec.train_size > dataset.num_train:
            st.warning(
                t(
                    "build.data.fewer_available",
                    asked=f"{spec.train_size:,}",
                    available=f"{dataset.num_train:,}",
                )
            )
    samples, counts, averages = st.tabs(
        [t("build.data.samples"), t("build.data.counts"), t("build.data.averages")]
    )
    with samples:
        st.image(sample_grid(dataset_name), width="stretch", alt=t("build.data.samples_alt"))
    with counts:
        chart = class_counts_chart(
            class_counts(dataset_name),
            train_title=t("build.data.train_images"),
            test_title=t("build.data.test_images"),
            images_title=t("build.data.images"),
        )
        st.altair_chart(chart, width="stretch")
    with averages:
        st.image(average_grid(dataset_name), width="stretch", alt=t("build.data.averages_alt"))
        st.caption(t("build.data.averages_note"))
