"""Every choice the lab offers, once: optimizers, data sets, activations, losses and pages.

Each table maps a key (the value a `RunSpec` stores and a link carries) to an entry that holds
everything about that choice. Other modules read these tables at call time, never copy them, so
adding an optimizer, an activation or a data set is one entry here (plus its translations), and
a test may swap a table for a copy with `monkeypatch.setattr(registry, "OPTIMIZERS", ...)`.

Pure Python: Keras is imported inside `Optimizer.make` only, on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab import activations as numpy_activations

# --- optimizers ----------------------------------------------------------------------------------


def _number_text(value: float | int) -> str:
    """The shortest text that reads back as exactly `value` (as nnlab.links.format_number)."""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Optimizer:
    """A Keras optimizer the lab offers, and which `RunSpec` fields configure it."""

    key: str  # the RunSpec value, e.g. "sgd"
    title: str  # a proper noun, shown as it is in every language
    keras_class: str  # class name in keras.optimizers
    default_learning_rate: float  # Keras' own default, offered when the student switches to it
    settings: tuple[str, ...] = ()  # RunSpec fields it takes beyond learning_rate

    def keyword_arguments(self, spec: Any) -> dict[str, Any]:
        """The Keras constructor's arguments for `spec`."""
        arguments: dict[str, Any] = {"learning_rate": spec.learning_rate}
        arguments.update({name: getattr(spec, name) for name in self.settings})
        return arguments

    def make(self, spec: Any) -> Any:
        """A new keras.optimizers instance configured by `spec` (imports Keras)."""
        import keras

        return getattr(keras.optimizers, self.keras_class)(**self.keyword_arguments(spec))

    def code(self, spec: Any) -> str:
        """The Python expression the code export writes, e.g. 'keras.optimizers.Adam(...)'."""
        arguments = [f"learning_rate={_number_text(spec.learning_rate)}"]
        for name in self.settings:
            value = getattr(spec, name)
            if value:  # Keras' defaults (0, False) need not be spelled out
                text = repr(value) if isinstance(value, bool) else _number_text(value)
                arguments.append(f"{name}={text}")
        return f"keras.optimizers.{self.keras_class}({', '.join(arguments)})"


OPTIMIZERS: dict[str, Optimizer] = {
    entry.key: entry
    for entry in (
        Optimizer("sgd", "SGD", "SGD", 0.01, settings=("momentum", "nesterov")),
        Optimizer("adagrad", "Adagrad", "Adagrad", 0.001),
        Optimizer("rmsprop", "RMSprop", "RMSprop", 0.001),
        Optimizer("adam", "Adam", "Adam", 0.001),
    )
}


def optimizer_settings() -> tuple[str, ...]:
    """Every RunSpec field that some optimizer takes beyond the learning rate, in table order."""
    names: list[str] = []
    for entry in OPTIMIZERS.values():
        names += [name for name in entry.settings if name not in names]
    return tuple(names)


# --- learning-rate schedules ---------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """How the learning rate changes over a run (computed in nnlab.schedules)."""

    key: str  # the RunSpec value, e.g. "cosine"
    keras_name: str  # what Keras calls it: a schedule in keras.optimizers.schedules or a callback
    settings: tuple[str, ...] = ()  # RunSpec fields it takes beyond learning_rate

    @property
    def title_key(self) -> str:
        """Text key of its name in the UI (nnlab/locales/learn.py)."""
        return f"learn.schedule.{self.key}"


LR_SCHEDULES: dict[str, Schedule] = {
    entry.key: entry
    for entry in (
        Schedule("constant", "none"),
        Schedule("step", "ExponentialDecay", settings=("lr_decay_factor", "lr_decay_epochs")),
        Schedule("cosine", "CosineDecay"),
        Schedule("plateau", "ReduceLROnPlateau", settings=("lr_decay_factor", "lr_decay_epochs")),
    )
}


def schedule_settings() -> tuple[str, ...]:
    """Every RunSpec field that some schedule takes, in table order."""
    names: list[str] = []
    for entry in LR_SCHEDULES.values():
        names += [name for name in entry.settings if name not in names]
    return tuple(names)


# --- data sets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    """An image data set: ten classes of 28x28 grey images, and where its files may be."""

    key: str  # the RunSpec value, e.g. "fashion_mnist"
    title: str  # a proper noun, e.g. "Fashion-MNIST"
    class_names: tuple[str, ...]  # ten names, index = class number
    keras_loader: str  # module in keras.datasets whose load_data() fetches it
    keras_cache_name: str  # in Keras' cache: a .npz file, or a folder of the four IDX files
    data_dir_npz_names: tuple[str, ...]  # .npz files accepted in NNLAB_DATA_DIR
    data_dir_idx_folders: tuple[str, ...]  # IDX folders accepted in NNLAB_DATA_DIR
    bundled_file: str  # the small sample in nnlab/data/ that always loads
    debian_folder: str | None = None  # folder under /usr/share/datasets of a Debian package
    link_aliases: tuple[str, ...] = ()  # other names a share link may use
    full_sizes: tuple[int, int] = (60_000, 10_000)  # training and test images of the full set
    handwritten_digits: bool = False  # True when a drawing on the Draw page is in its domain

    @property
    def cache_is_npz(self) -> bool:
        """True when Keras caches it as one .npz file rather than a folder of IDX files."""
        return self.keras_cache_name.endswith(".npz")


DATASETS: dict[str, DataSet] = {
    entry.key: entry
    for entry in (
        DataSet(
            key="mnist",
            title="MNIST",
            class_names=tuple(str(digit) for digit in range(10)),
            keras_loader="mnist",
            keras_cache_name="mnist.npz",
            data_dir_npz_names=("mnist.npz",),
            data_dir_idx_folders=("mnist",),
            bundled_file="mnist-sample.npz",
            link_aliases=("digits",),
            handwritten_digits=True,
        ),
        DataSet(
            key="fashion_mnist",
            title="Fashion-MNIST",
            class_names=(
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ),
            keras_loader="fashion_mnist",
            keras_cache_name="fashion-mnist",
            data_dir_npz_names=("fashion_mnist.npz", "fashion-mnist.npz"),
            data_dir_idx_folders=("fashion-mnist", "fashion_mnist"),
            bundled_file="fashion-mnist-sample.npz",
            debian_folder="fashion-mnist",
            link_aliases=("fashion",),
        ),
    )
}

# --- activations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """An activation function: its Keras name, its NumPy twin and derivative, where it fits."""

    key: str  # the RunSpec value and Keras' name, e.g. "leaky_relu"
    title: str  # what the select boxes show
    function: Callable[[np.ndarray], np.ndarray]  # NumPy implementation (nnlab.activations)
    derivative: Callable[[np.ndarray], np.ndarray]  # element-wise d function / d x
    hidden: bool = False  # offered for hidden layers
    output: bool = False  # offered for the output layer
    keras_name: str | None = None  # None: Keras has no such activation (tutorial-only)


def _activation(
    key: str, hidden: bool, output: bool, name: str | None = None, keras: bool = True
) -> Activation:
    # nnlab.activations names each function after its key (or `name`), and its derivative
    # `<name>_derivative`: the Inside page shows their source to the student.
    name = name or key
    return Activation(
        key=key,
        title=key,
        function=getattr(numpy_activations, name),
        derivative=getattr(numpy_activations, f"{name}_derivative"),
        hidden=hidden,
        output=output,
        keras_name=key if keras else None,
    )


# Table order is the order select boxes offer them in (hidden: relu first; output: softmax first).
ACTIVATIONS: dict[str, Activation] = {
    entry.key: entry
    for entry in (
        _activation("relu", hidden=True, output=False),
        _activation("softmax", hidden=False, output=True),
        _activation("sigmoid", hidden=True, output=True),
        _activation("tanh", hidden=True, output=False),
        _activation("leaky_relu", hidden=True, output=False),
        _activation("elu", hidden=True, output=False),
        _activation("gelu", hidden=True, output=False),
        _activation("linear", hidden=True, output=False, name="identity_function"),
        _activation("step", hidden=False, output=False, name="step_function", keras=False),
        # Tutorial 001's name for linear.
        _activation("identity", hidden=False, output=False, name="identity_function", keras=False),
    )
}


def hidden_activations() -> tuple[str, ...]:
    """Keys of the activations a hidden layer may use."""
    return tuple(key for key, entry in ACTIVATIONS.items() if entry.hidden)


def output_activations() -> tuple[str, ...]:
    """Keys of the activations the output layer may use."""
    return tuple(key for key, entry in ACTIVATIONS.items() if entry.output)


# --- losses --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    """A Keras loss: whether it needs one-hot labels, and its short name in links."""

    key: str  # Keras' name, e.g. "mean_squared_error"
    title: str  # English title; the page shows the text key build.loss.<key>
    one_hot: bool  # True when it trains on one-hot label vectors rather than class numbers
    alias: str  # short name in share links, e.g. "mse"

    @property
    def title_key(self) -> str:
        """Text key of its name in the UI."""
        return f"build.loss.{self.key}"


LOSSES: dict[str, Loss] = {
    entry.key: entry
    for entry in (
        Loss("sparse_categorical_crossentropy", "Sparse categorical cross-entropy", False, "scce"),
        Loss("categorical_crossentropy", "Categorical cross-entropy", True, "cce"),
        Loss("mean_squared_error", "Mean squared error", True, "mse"),
    )
}

# --- pages ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of the app, in navigation order."""

    key: str
    file: str | None  # the page script; None for the home page, which app.py draws itself
    url_path: str
    icon: str
    title_key: str
    in_menu: bool = True  # False: reached by its link only (not in the sidebar or on Home)


PAGES: tuple[Page, ...] = (
    Page("home", None, "home", ":material/neurology:", "nav.home"),
    Page(
        "build",
        "pages/1_build_and_train.py",
        "build_and_train",
        ":material/model_training:",
        "nav.build",
    ),
    Page("evaluate", "pages/2_evaluate.py", "evaluate", ":material/fact_check:", "nav.evaluate"),
    Page("draw", "pages/3_draw.py", "draw", ":material/draw:", "nav.draw"),
    Page("inside", "pages/4_inside.py", "inside", ":material/biotech:", "nav.inside"),
    Page("classroom", "pages/5_classroom.py", "classroom", ":material/school:", "nav.classroom"),
    # Opened by a teacher's link (?class_key=...); nnlab.classes.BOARD_PAGE_PATH names its path.
    Page(
        "class_board",
        "pages/6_class_board.py",
        "class_board",
        ":material/leaderboard:",
        "nav.class_board",
        in_menu=False,  # a student has nothing to do there; the teacher has the link
    ),
)


def page(key: str) -> Page:
    """The page with this key ("home", "build", "evaluate", "draw", "inside", "classroom")."""
    for entry in PAGES:
        if entry.key == key:
            return entry
    raise ValueError(f"Unknown page {key!r}.")


def titles(table: Mapping[str, Any]) -> dict[str, str]:
    """key -> title of every entry of a table (for format_func and messages)."""
    return {key: entry.title for key, entry in table.items()}
