"""What a run and a class will cost on this server, before anyone presses Train.

Build & Train shows one run's time (and the class's, for a class member); the teacher's new class
and new step show the class's, with smaller settings that fit two minutes when it runs long. The
figures come from the engine (`estimate`), which measures each architecture's runs here.
"""

from __future__ import annotations

import math

import streamlit as st

from nnlab.core.costs import ClassEstimate, class_estimate, fitting_changes
from nnlab.core.memory import check_memory
from nnlab.core.spec import RunSpec, SpecError
from nnlab.data.datasets import loaded_dataset
from pages.common.lab import engine
from pages.common.ui import lang, t


def rough_time(seconds: float) -> str:
    """'about 4 s' under a minute and a half, else 'about 3 min' (rounded up)."""
    if seconds < 90:
        return t("estimate.seconds", n=max(1, math.ceil(seconds)))
    return t("estimate.minutes", n=math.ceil(seconds / 60))


def estimate_text(estimate: ClassEstimate) -> str:
    """One run's time, then the class's when there is more than one student."""
    text = t("estimate.alone", time=rough_time(estimate.run_s))
    if estimate.students > 1:
        key = "estimate.class_one" if estimate.workers == 1 else "estimate.class_many"
        text += " " + t(
            key,
            students=estimate.students,
            time=rough_time(estimate.class_s),
            workers=estimate.workers,
        )
    if not estimate.measured:
        text += " " + t("estimate.guess")
    return text


def memory_message(spec: RunSpec) -> str | None:
    """What to lower when a run of `spec` needs more memory than a run gets here, else None."""
    try:
        check_memory(spec, engine().run_memory_mb)
    except SpecError as error:
        return error.message(lang())
    return None


def fits_memory(spec: RunSpec) -> bool:
    """Whether a run of `spec` fits a run's memory here; if not, the message says what to lower."""
    too_big = memory_message(spec)
    if too_big is not None:
        st.error(too_big, icon=":material/memory:")
    return too_big is None


def _train_images(spec: RunSpec) -> int | None:
    """The images a run of `spec` draws its training set from here: the data set on this server
    may be the bundled sample, not the full set the spec's "all" would mean elsewhere."""
    dataset = loaded_dataset(spec.dataset)  # never a load (a download) for an estimate
    if dataset is None:  # not loaded yet (the page shows it first) or missing: the full set
        return None
    return min(spec.train_size or dataset.num_train, dataset.num_train)


def estimate(spec: RunSpec, students: int = 1) -> ClassEstimate:
    """One run of `spec` alone here, and `students` of them on this server's workers."""
    cost, workers = engine().run_cost(spec), engine().workers()
    return class_estimate(spec, cost, students, workers, _train_images(spec))


def run_estimate(spec: RunSpec, students: int = 1) -> None:
    """A caption with what `spec` costs here, alone and for `students` (Build & Train)."""
    st.caption(estimate_text(estimate(spec, students)))


def class_estimate_choice(spec: RunSpec, students: int, key: str) -> RunSpec:
    """The class's time for `spec`; past 5 minutes, an offer of settings that fit 2 minutes.

    Returns the spec to use: `spec` itself, or it with the chosen smaller training set or epochs.
    """
    expected = estimate(spec, students)
    if not expected.too_long:
        st.caption(estimate_text(expected))
        return spec
    st.warning(
        t("estimate.too_long", time=rough_time(expected.class_s)) + " " + estimate_text(expected),
        icon=":material/schedule:",
    )
    changes = fitting_changes(
        spec,
        engine().run_cost(spec),
        students,
        engine().workers(),
        train_images=_train_images(spec),
    )
    if not changes:
        st.caption(t("estimate.fit_none"))
        return spec
    options = {"keep": t("estimate.fit_keep")}
    if "train_size" in changes:
        options["train_size"] = t("estimate.fit_images", images=f"{changes['train_size']:,}")
    if "epochs" in changes:
        epochs = changes["epochs"]
        options["epochs"] = (
            t("estimate.fit_epoch_one") if epochs == 1 else t("estimate.fit_epochs", epochs=epochs)
        )
    choice = st.radio(
        t("estimate.fit"), list(options), format_func=options.get, key=key, horizontal=True
    )
    if choice == "keep":
        return spec
    return spec.replace(**{choice: changes[choice]})
