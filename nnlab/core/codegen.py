"""Spec -> a readable, runnable Keras script that trains the same network the lab trains.

The script follows the tutorials' order (load, build, compile, fit, evaluate, plot) and builds
the same layers as `nnlab.learn.model.build_model`, with the same names and seeded initial weights,
so its `model.summary()` and starting weights match the lab's. Comments come in English or Korean.
Setting the environment variable NNLAB_TINY=1 runs it in seconds on 500 images for one epoch.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from nnlab.core import choices
from nnlab.core.formatting import format_number
from nnlab.core.plan import PlannedLayer, plan
from nnlab.core.shapes import NUM_CLASSES
from nnlab.core.spec import RunSpec, format_layers
from nnlab.i18n import normalise_language, translate

TINY_TRAIN_IMAGES = 500
TINY_TEST_IMAGES = 200


def script_filename(spec: RunSpec) -> str:
    """A file name that says what the script trains, e.g. 'nnlab_mnist_d15sigmoid.py'."""
    layers = format_layers(spec.hidden_layers).replace(".", "_")
    return f"nnlab_{spec.dataset}_{layers}.py"


_LINE_LIMIT = 96  # the script reads well in an editor and passes a 100-column linter


def display_width(text: str) -> int:
    """Columns `text` takes in an editor: Korean and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrap_text(text: str, width: int) -> list[str]:
    """Words of `text` in lines at most `width` columns wide (wide characters count two)."""
    lines: list[str] = []
    for word in text.split():
        if lines and display_width(lines[-1]) + 1 + display_width(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _call(function: str, arguments: list[str], indent: str) -> list[str]:
    """`function(arguments),` on one line if it fits, else one argument per line."""
    one_line = f"{indent}{function}({', '.join(arguments)}),"
    if len(one_line) <= _LINE_LIMIT:
        return [one_line]
    inner = indent + "    "
    return [
        f"{indent}{function}(",
        *(f"{inner}{argument}," for argument in arguments),
        f"{indent}),",
    ]


def _value_text(value: Any) -> str:
    """A plain argument value as Python source."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_value_text, value)) + ")"
    return format_number(value) if isinstance(value, (int, float)) else repr(value)


def _arguments(layer: PlannedLayer, spec: RunSpec) -> list[str]:
    """One planned layer's arguments as the script writes them (the main one positional)."""
    values = dict(layer.arguments)
    values.pop("padding", None)  # "valid" is Keras' default: the script stays short
    arguments = []
    if layer.keras_type == "Rescaling":
        arguments.append("1.0 / 255")  # reads better than 0.00392156862745098
        values.pop("scale")
    for positional in ("units", "filters", "rate", "target_shape"):
        if positional in values:
            arguments.append(_value_text(values.pop(positional)))
    arguments += [f"{name}={_value_text(value)}" for name, value in values.items()]
    if layer.has_kernel:
        arguments.append(f"kernel_initializer=keras.initializers.GlorotUniform(seed={layer.seed})")
        if spec.l2_weight_decay:
            l2 = format_number(spec.l2_weight_decay)
            arguments.append(f"kernel_regularizer=keras.regularizers.L2({l2})")
    elif layer.seed is not None:
        arguments.append(f"seed={layer.seed}")
    return [*arguments, f'name="{layer.name}"']


def _layer_lines(spec: RunSpec, indent: str) -> list[str]:
    """The Sequential model's layer lines: the plan build_model builds, with the same seeds."""
    lines = []
    for layer in plan(spec):
        function = (
            "keras.Input" if layer.keras_type == "InputLayer" else f"layers.{layer.keras_type}"
        )
        lines += _call(function, _arguments(layer, spec), indent)
    return lines


def download_address(dataset: str) -> tuple[str, str]:
    """(where Keras downloads `dataset` from, where it keeps it) for the exported script."""
    entry = choices.DATASETS[dataset]
    where = choices.DOWNLOAD_BASE + (entry.keras_cache_name if entry.cache_is_npz else "")
    return where, f"~/.keras/datasets/{entry.keras_cache_name}"


def schedule_code(spec: RunSpec) -> list[str]:
    """Script lines that define `lr_schedule`, the Keras callback the lab uses; [] if constant."""
    rate = format_number(spec.learning_rate)
    factor = format_number(spec.lr_decay_factor)
    if spec.lr_schedule == "plateau":
        minimum = format_number(float(f"{spec.learning_rate * 1e-4:.4g}"))
        return [
            "lr_schedule = keras.callbacks.ReduceLROnPlateau(",
            f'    monitor="val_loss", factor={factor}, patience={spec.lr_decay_epochs}, '
            f"min_lr={minimum}",
            ")",
        ]
    if spec.lr_schedule == "step":
        name = "ExponentialDecay"
        arguments = (
            f"{rate}, decay_steps={spec.lr_decay_epochs}, decay_rate={factor}, staircase=True"
        )
    elif spec.lr_schedule == "cosine":
        name, arguments = "CosineDecay", f"{rate}, decay_steps={spec.epochs}"
    else:
        return []
    return [
        f"rate_per_epoch = keras.optimizers.schedules.{name}(",
        f"    {arguments}",
        ")",
        "lr_schedule = keras.callbacks.LearningRateScheduler(",
        "    lambda epoch: float(rate_per_epoch(epoch))",
        ")",
    ]


def _load_lines(spec: RunSpec, language: str) -> list[str]:
    """Load the data as the lab did (NN Lab's loader: the same local files or bundled sample)
    when the script runs inside NN Lab's folder; else Keras' download, saying where from and
    what to do offline."""
    entry = choices.DATASETS[spec.dataset]
    url, cache = download_address(spec.dataset)
    values = {"dataset": entry.title, "url": url, "cache": cache}
    downloading = translate("code.downloading", language, **values)
    offline = translate("code.offline_help", language, **values)
    return [
        "if load_dataset is not None:",
        f'    data = load_dataset("{spec.dataset}")',
        '    print("data:", data.describe())',
        "    x_train, y_train = data.x_train, data.y_train",
        "    x_test, y_test = data.x_test, data.y_test",
        "else:",
        "    print(",
        *_string_lines(downloading, "        "),
        "    )",
        "    try:",
        "        (x_train, y_train), (x_test, y_test) = "
        f"keras.datasets.{entry.keras_loader}.load_data()",
        "    except Exception as error:  # no network, a proxy, a full disk",
        "        raise SystemExit(",
        *_string_lines(offline, "            "),
        "        ) from error",
    ]


def _string_lines(text: str, indent: str) -> list[str]:
    """`text` as adjacent string literals, one per line, each line within the line limit."""
    chunks = wrap_text(text, _LINE_LIMIT - len(indent) - 4)
    return [
        indent + json.dumps(chunk + (" " if position < len(chunks) - 1 else ""), ensure_ascii=False)
        for position, chunk in enumerate(chunks)
    ]


def keras_script(spec: RunSpec, language: str = "en") -> str:
    """A runnable Python script that loads the data, builds, trains and evaluates like the lab."""
    language = normalise_language(language)

    def comment(key: str, **values: object) -> str:
        text = translate(f"code.{key}", language, **values)
        return "\n".join("# " + line for line in wrap_text(text, _LINE_LIMIT - 2))

    title = choices.DATASETS[spec.dataset].title
    architecture = " → ".join(
        ["784", *(layer.describe() for layer in spec.hidden_layers), f"{NUM_CLASSES}"]
    )
    docstring = "\n".join(
        wrap_text(
            translate("code.docstring", language, dataset=title, architecture=architecture),
            _LINE_LIMIT - 3,
        )
    )
    lines = [
        '"""' + docstring,
        "",
        translate("code.how_to_run", language),
        "    pip install tensorflow matplotlib",
        f"    python {script_filename(spec)}",
        translate("code.tiny_hint", language),
        f"    NNLAB_TINY=1 python {script_filename(spec)}",
        '"""',
        "",
        "import os",
        "",
        "import keras",
        "import matplotlib.pyplot as plt",
        *(["import numpy as np"] if spec.train_size is not None else []),
        "from keras import layers",
        "",
        comment("nnlab_loader"),
        "try:",
        "    from nnlab.data.datasets import load_dataset",
        "except ImportError:",
        "    load_dataset = None",
        "",
        comment("settings"),
        f"EPOCHS = {spec.epochs}",
        f"BATCH_SIZE = {spec.batch_size}",
        f"SEED = {spec.seed}",
    ]
    if spec.train_size is not None:
        lines.append(f"TRAIN_SIZE = {spec.train_size}  {comment('train_size')}")
    if spec.validation == "split":
        lines.append(f"VALIDATION_SPLIT = {format_number(spec.validation_split)}")
    lines += [
        comment("tiny"),
        'TINY = os.environ.get("NNLAB_TINY") == "1"',
        "",
        comment("seed"),
        "keras.utils.set_random_seed(SEED)",
        "",
        comment("load", dataset=title),
        *_load_lines(spec, language),
    ]
    if spec.train_size is not None:
        lines += [
            comment("subset"),
            "chosen = np.random.default_rng(SEED).choice(len(x_train), TRAIN_SIZE, replace=False)",
            "x_train, y_train = x_train[chosen], y_train[chosen]",
        ]
    lines += [
        "if TINY:",
        f"    x_train, y_train = x_train[:{TINY_TRAIN_IMAGES}], y_train[:{TINY_TRAIN_IMAGES}]",
        f"    x_test, y_test = x_test[:{TINY_TEST_IMAGES}], y_test[:{TINY_TEST_IMAGES}]",
        "    EPOCHS = 1",
        'print("train:", x_train.shape, x_train.dtype, " test:", x_test.shape)',
        "",
    ]
    if spec.one_hot_labels:
        lines += [
            comment("one_hot", loss=spec.loss),
            f"y_train = keras.utils.to_categorical(y_train, {NUM_CLASSES})",
            f"y_test = keras.utils.to_categorical(y_test, {NUM_CLASSES})",
            "",
        ]
    lines += [
        comment("build"),
        comment("rescaling"),
        "model = keras.Sequential(",
        "    [",
        *_layer_lines(spec, indent="        "),
        "    ],",
        '    name="nnlab_model",',
        ")",
        "model.summary()",
        "",
        comment("compile"),
        "model.compile(",
        f"    optimizer={choices.OPTIMIZERS[spec.optimizer].code(spec)},",
        f'    loss="{spec.loss}",',
        '    metrics=["accuracy"],',
        ")",
        "",
    ]
    lines.append(comment("fit"))
    fit_arguments = ["x_train", "y_train", "epochs=EPOCHS", "batch_size=BATCH_SIZE"]
    if spec.early_stopping_patience:
        lines += [
            comment("early_stopping", patience=spec.early_stopping_patience),
            "early_stopping = keras.callbacks.EarlyStopping(",
            '    monitor="val_loss",',
            f"    patience={spec.early_stopping_patience},",
            f"    restore_best_weights={spec.restore_best_weights},",
            ")",
        ]
    schedule_lines = schedule_code(spec)
    if schedule_lines:
        lines += [comment(f"schedule_{spec.lr_schedule}"), *schedule_lines]
    if spec.validation == "test":
        lines.append(comment("validation_test"))
        fit_arguments.append("validation_data=(x_test, y_test)")
    else:
        lines.append(comment("validation_split"))
        fit_arguments.append("validation_split=VALIDATION_SPLIT")
    callbacks = ["early_stopping"] if spec.early_stopping_patience else []
    callbacks += ["lr_schedule"] if schedule_lines else []
    if callbacks:
        fit_arguments.append(f"callbacks=[{', '.join(callbacks)}]")
    lines += [
        "history = model.fit(",
        *(f"    {argument}," for argument in fit_arguments),
        ")",
        "",
        comment("evaluate"),
        "test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)",
        'print(f"test loss {test_loss:.4f}, test accuracy {test_accuracy:.4f}")',
        "",
        comment("plot"),
        "fig, (ax_loss, ax_accuracy) = plt.subplots(1, 2, figsize=(11, 4))",
        'for axis, metric in ((ax_loss, "loss"), (ax_accuracy, "accuracy")):',
        '    axis.plot(history.history[metric], label="train")',
        '    axis.plot(history.history["val_" + metric], label="validation")',
        '    axis.set_xlabel("epoch")',
        "    axis.set_ylabel(metric)",
        "    axis.legend()",
        "plt.tight_layout()",
        "plt.show()",
    ]
    return "\n".join(lines) + "\n"
