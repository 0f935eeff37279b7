"""Every choice the lab offers, once: optimizers, data sets, activations and losses.

Each table maps a key (the value a `RunSpec` stores and a link carries) to an entry that holds
everything about that choice. Other modules read these tables at call time, never copy them, so
adding an optimizer, an activation or a data set is one entry here (plus its translations), and
a test may swap a table for a copy with `monkeypatch.setattr(choices, "OPTIMIZERS", ...)`.

Pure Python: Keras is imported inside `Optimizer.make` only, on first use.
The app's pages are a table of the app's own (pages/common/navigation.py).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.core import activations as numpy_activations
from nnlab.core.formatting import format_number

# --- optimizers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Optimizer:
    """A Keras optimizer the lab offers, and which `RunSpec` fields configure it."""

    key: str  # the RunSpec value, e.g. "sgd"
    title: str  # a proper noun, shown as it is in every language
    keras_class: str  # class name in keras.optimizers
    default_learning_rate: float  # Keras' own default, offered when the student switches to it
    # RunSpec fields it takes beyond learning_rate (declared with belongs_to=OPTIMIZER)
    settings: tuple[str, ...] = ()
    slots: int = 1  # arrays of state it keeps per weight (momentum, second moments): memory

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
        """The Python expression the code export writes, e.g. 'keras.optimizers.Adam(...)'.

        Every setting is spelled out, a falsy one too: Keras' default may differ from the lab's
        (AdamW's weight_decay is 0.004 in Keras), and the script must train as the lab did. A
        float keeps its point (0.0, not 0): Keras refuses momentum=0.
        """
        arguments = [f"learning_rate={format_number(spec.learning_rate)}"]
        for name in self.settings:
            value = getattr(spec, name)
            arguments.append(f"{name}={value!r}")
        return f"keras.optimizers.{self.keras_class}({', '.join(arguments)})"


OPTIMIZERS: dict[str, Optimizer] = {
    entry.key: entry
    for entry in (
        Optimizer("sgd", "SGD", "SGD", 0.01, settings=("momentum", "nesterov")),
        Optimizer("adagrad", "Adagrad", "Adagrad", 0.001),
        Optimizer("rmsprop", "RMSprop", "RMSprop", 0.001),
        Optimizer("adam", "Adam", "Adam", 0.001, slots=2),
        Optimizer("adamw", "AdamW", "AdamW", 0.001, settings=("weight_decay",), slots=2),
    )
}


# --- learning-rate schedules ---------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """How the learning rate changes over a run (computed in nnlab.core.schedules)."""

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


# Where Keras downloads its data sets from (datasets.py, and the exported script's message).
DOWNLOAD_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

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


def dataset_aliases() -> dict[str, str]:
    """Other names a link may give a data set -> its key."""
    return {alias: key for key, entry in DATASETS.items() for alias in entry.link_aliases}


# --- activations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """An activation function: its Keras name, its NumPy twin and derivative, where it fits."""

    key: str  # the RunSpec value and Keras' name, e.g. "leaky_relu"
    title: str  # what the select boxes show
    function: Callable[[np.ndarray], np.ndarray]  # NumPy implementation (nnlab.core.activations)
    derivative: Callable[[np.ndarray], np.ndarray]  # element-wise d function / d x
    hidden: bool = False  # offered for hidden layers
    output: bool = False  # offered for the output layer
    keras_name: str | None = None  # None: Keras has no such activation (tutorial-only)


def _activation(
    key: str, hidden: bool, output: bool, name: str | None = None, keras: bool = True
) -> Activation:
    # nnlab.core.activations names each function after its key (or `name`), and its derivative
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


def activation(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The NumPy activation function with this (Keras or tutorial) name."""
    try:
        return ACTIVATIONS[name].function
    except KeyError:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"Unknown activation {name!r}; NN Lab knows {known}.") from None


def derivative(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The element-wise derivative of the activation with this name."""
    try:
        return ACTIVATIONS[name].derivative
    except KeyError:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"Unknown activation {name!r}; NN Lab knows {known}.") from None


def source_of(name: str) -> str:
    """The Python source of the activation function, to show next to its plot."""
    return inspect.getsource(activation(name))


def activation_curves(name: str, low: float, high: float, points: int = 201) -> dict:
    """x, f(x) and f'(x) over [low, high], for plotting."""
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ValueError(f"The range must go from a smaller to a larger number; got {low}..{high}.")
    if not 2 <= points <= 10_000:
        raise ValueError(f"Points must be between 2 and 10,000; got {points}.")
    x = np.linspace(low, high, points)
    return {"x": x, "y": activation(name)(x).astype(float), "dy": derivative(name)(x)}


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


def loss_aliases() -> dict[str, str]:
    """Short loss names in links -> Keras names (the full names are accepted too)."""
    return {entry.alias: key for key, entry in LOSSES.items()}


def titles(table: Mapping[str, Any]) -> dict[str, str]:
    """key -> title of every entry of a table (for format_func and messages)."""
    return {key: entry.title for key, entry in table.items()}
