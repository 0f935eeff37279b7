"""Spec -> a readable, runnable Keras script that trains the same network the lab trains.

The script follows the tutorials' order (load, build, compile, fit, evaluate, plot) and builds
the same layers as `nnlab.model.build_model`, with the same names and seeded initial weights, so
its `model.summary()` and starting weights match the lab's. Comments come in English or Korean.
Setting the environment variable NNLAB_TINY=1 runs it in seconds on 500 images for one epoch.
"""

from __future__ import annotations

import unicodedata

from nnlab.i18n import normalise_language, translate
from nnlab.links import format_number
from nnlab.spec import IMAGE_SIDE, NUM_CLASSES, RunSpec

DATASET_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
OPTIMIZER_CLASSES = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}
TINY_TRAIN_IMAGES = 500
TINY_TEST_IMAGES = 200


def script_filename(spec: RunSpec) -> str:
    """A file name that says what the script trains, e.g. 'nnlab_mnist_d15sigmoid.py'."""
    from nnlab.links import format_layers

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


def _layer_lines(spec: RunSpec, indent: str) -> list[str]:
    """The Sequential model's layer lines, seeded in the order build_model draws seeds."""
    seeds = iter(range(spec.seed, spec.seed + 1000))
    regularizer = (
        [f"kernel_regularizer=keras.regularizers.L2({format_number(spec.l2_weight_decay)})"]
        if spec.l2_weight_decay
        else []
    )

    def initializer() -> str:
        return f"kernel_initializer=keras.initializers.GlorotUniform(seed={next(seeds)})"

    side = IMAGE_SIDE
    lines = [
        *_call("keras.Input", [f"shape=({side}, {side})", 'dtype="uint8"', 'name="image"'], indent),
        *_call("layers.Rescaling", ["1.0 / 255", 'name="rescaling"'], indent),
    ]
    conv_layers = [layer for layer in spec.hidden_layers if layer.kind == "conv"]
    dense_layers = [layer for layer in spec.hidden_layers if layer.kind == "dense"]
    if conv_layers:
        lines += _call("layers.Reshape", [f"({side}, {side}, 1)", 'name="reshape"'], indent)
        for number, layer in enumerate(conv_layers, start=1):
            arguments = [
                str(layer.filters),
                f"kernel_size={layer.kernel_size}",
                f'activation="{layer.activation}"',
                initializer(),
                *regularizer,
                f'name="conv_{number}"',
            ]
            lines += _call("layers.Conv2D", arguments, indent)
            lines += _call("layers.MaxPooling2D", ["pool_size=2", f'name="pool_{number}"'], indent)
    lines += _call("layers.Flatten", ['name="flatten"'], indent)
    rate = format_number(spec.dropout_rate)
    if conv_layers and spec.dropout_rate > 0:
        lines += _call(
            "layers.Dropout", [rate, f"seed={next(seeds)}", 'name="conv_dropout"'], indent
        )
    for number, layer in enumerate(dense_layers, start=1):
        arguments = [
            str(layer.units),
            f'activation="{layer.activation}"',
            initializer(),
            *regularizer,
            f'name="hidden_{number}"',
        ]
        lines += _call("layers.Dense", arguments, indent)
        if spec.dropout_rate > 0:
            lines += _call(
                "layers.Dropout", [rate, f"seed={next(seeds)}", f'name="dropout_{number}"'], indent
            )
    arguments = [
        str(NUM_CLASSES),
        f'activation="{spec.output_activation}"',
        initializer(),
        *regularizer,
        'name="output"',
    ]
    return lines + _call("layers.Dense", arguments, indent)


def _optimizer_expression(spec: RunSpec) -> str:
    name = OPTIMIZER_CLASSES[spec.optimizer]
    arguments = [f"learning_rate={format_number(spec.learning_rate)}"]
    if spec.optimizer == "sgd":
        if spec.momentum:
            arguments.append(f"momentum={format_number(spec.momentum)}")
        if spec.nesterov:
            arguments.append("nesterov=True")
    return f"keras.optimizers.{name}({', '.join(arguments)})"


def keras_script(spec: RunSpec, language: str = "en") -> str:
    """A runnable Python script that loads the data, builds, trains and evaluates like the lab."""
    language = normalise_language(language)

    def comment(key: str, **values: object) -> str:
        text = translate(f"code.{key}", language, **values)
        return "\n".join("# " + line for line in wrap_text(text, _LINE_LIMIT - 2))

    title = DATASET_TITLES[spec.dataset]
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
        f"(x_train, y_train), (x_test, y_test) = keras.datasets.{spec.dataset}.load_data()",
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
        f"    optimizer={_optimizer_expression(spec)},",
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
    if spec.validation == "test":
        lines.append(comment("validation_test"))
        fit_arguments.append("validation_data=(x_test, y_test)")
    else:
        lines.append(comment("validation_split"))
        fit_arguments.append("validation_split=VALIDATION_SPLIT")
    if spec.early_stopping_patience:
        fit_arguments.append("callbacks=[early_stopping]")
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
