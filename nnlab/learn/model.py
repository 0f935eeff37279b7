"""Spec -> Keras model, the models a worker reuses, and a built model's layer table.

All follow `nnlab.core.plan.plan(spec)`, the one walk of the architecture; the same table and a
diagram without Keras are in `nnlab.core.summary`. `build_model` needs TensorFlow and imports it
on first call.

Why reuse models: Keras traces a model's train and test steps the first time it trains, which
costs a small network's run more than its arithmetic (0.4-0.7 s against 0.3 s for the class
preset), and a class trains one architecture thirty times. `ModelCache` keeps compiled models by
`RunSpec.step_key()` (everything the traced step depends on); `reset_model` gives a reused model
the exact start a new one of the run's spec would have (weights from the run's seed, a fresh
optimizer state, the run's rate), so a reused model trains the same history as a fresh one.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

from nnlab.core import choices
from nnlab.core.costs import work_per_image
from nnlab.core.plan import PlannedLayer, plan
from nnlab.core.spec import RunSpec
from nnlab.core.summary import shape_text

__all__ = ["ModelCache", "build_model", "reset_model", "steps_per_execution", "summary_rows"]

# One call of the compiled step trains `steps_per_execution` batches, sized to take about this
# long: short enough that progress, a stop or a pause lands within it, long enough that Keras'
# fixed cost per call (about 1 ms with the callbacks) stops mattering for small networks.
EXECUTION_TARGET_S = 0.05
# Work units (images x multiply-adds) one core trains per second on a small network, a little
# below what the class preset measured here (784-100-10: about 2.6e9), so calls stay short.
STEP_THROUGHPUT = 2e9
MAX_STEPS_PER_EXECUTION = 64


def steps_per_execution(spec: RunSpec) -> int:
    """How many batches one call of the compiled step trains for `spec` (1 for big networks)."""
    batch_work = spec.batch_size * max(work_per_image(spec), 1.0)
    steps = int(EXECUTION_TARGET_S * STEP_THROUGHPUT / batch_work)
    return max(1, min(MAX_STEPS_PER_EXECUTION, steps))


def _kernel_initializer(seed: int | None) -> Any:
    """The seeded initializer of a kernel: build_model and reset_model share it."""
    import keras

    return keras.initializers.GlorotUniform(seed=seed)


def _keras_layer(layer: PlannedLayer, regularizer: Any) -> Any:
    """The Keras layer for one planned layer (the input is built by keras.Input instead)."""
    import keras

    arguments = dict(layer.arguments)
    if layer.has_kernel:
        arguments["kernel_initializer"] = _kernel_initializer(layer.seed)
        arguments["kernel_regularizer"] = regularizer
    elif layer.seed is not None:  # dropout
        arguments["seed"] = layer.seed
    return getattr(keras.layers, layer.keras_type)(**arguments, name=layer.name)


def build_model(spec: RunSpec) -> Any:
    """A compiled keras.Model for `spec`: uint8 (28, 28) images in, 10 class scores out."""
    if not isinstance(spec, RunSpec):
        raise ValueError(f"build_model needs a RunSpec; got {type(spec).__name__}.")
    import keras

    # Every random part is seeded from the spec, layer by layer (the plan hands out the seeds),
    # so two runs of one spec start from the same weights and drop the same units without
    # touching Keras' process-wide seed (another student's run may train in this process).
    regularizer = keras.regularizers.L2(spec.l2_weight_decay) if spec.l2_weight_decay else None
    first, *rest = plan(spec)
    inputs = keras.Input(**first.arguments, name=first.name)
    x = inputs
    for layer in rest:
        x = _keras_layer(layer, regularizer)(x)
    model = keras.Model(inputs, x, name="nnlab_model")
    optimizer = choices.OPTIMIZERS[spec.optimizer].make(spec)
    model.compile(
        optimizer=optimizer,
        loss=spec.loss,
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution(spec),
    )
    return model


def _seed_generators(layer: Any) -> list[Any]:
    """The random-number state a layer draws from (dropout masks, augmentation)."""
    import keras

    return [
        value for value in vars(layer).values() if isinstance(value, keras.random.SeedGenerator)
    ]


class _StartingState:
    """What a freshly built model of one step key starts with, besides its seeded kernels."""

    def __init__(self, model: Any) -> None:
        # Built now, so its variables exist (Keras builds the optimizer lazily at the first
        # step) and their starting values can be kept: zeros for most, not for all (Adagrad's
        # accumulators start at 0.1, Nadam's momentum product at 1).
        model.optimizer.build(model.trainable_variables)
        self.weights = [variable.numpy() for variable in model.weights]
        self.optimizer = [variable.numpy() for variable in model.optimizer.variables]


# Kept beside the models, not on them: Keras tracks every attribute a model is given.
_STARTS: weakref.WeakKeyDictionary[Any, _StartingState] = weakref.WeakKeyDictionary()


def reset_model(model: Any, spec: RunSpec) -> None:
    """Give a model that ModelCache built for spec's step key the start build_model(spec) gives."""
    state = _STARTS[model]
    for variable, value in zip(model.weights, state.weights, strict=True):
        variable.assign(value)
    for variable, value in zip(model.optimizer.variables, state.optimizer, strict=True):
        variable.assign(value)
    model.optimizer.learning_rate.assign(spec.learning_rate)
    for planned in plan(spec)[1:]:
        if planned.seed is None:
            continue
        layer = model.get_layer(planned.name)
        if planned.has_kernel:
            layer.kernel.assign(_kernel_initializer(planned.seed)(tuple(layer.kernel.shape)))
        for generator in _seed_generators(layer):
            generator.state.assign([planned.seed, 0])


class ModelCache:
    """Compiled models kept by step key, at most `capacity`, the least recently used dropped.

    `take` hands a model out (reset for the spec) and `give_back` returns it once the run no
    longer needs it, so two runs in one process never train one model at once. A worker keeps
    one cache for its life and clears it when it retires.
    """

    def __init__(self, capacity: int = 4) -> None:
        self.capacity = capacity
        self._models: OrderedDict[str, list[Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return sum(len(models) for models in self._models.values())

    def take(self, spec: RunSpec) -> Any:
        """A compiled model for `spec`, starting as build_model(spec) would: reused if kept."""
        key = spec.step_key()
        with self._lock:
            kept = self._models.get(key)
            model = kept.pop() if kept else None
            if kept is not None and not kept:
                del self._models[key]
        if model is None:
            self.misses += 1
            model = build_model(spec)
            _STARTS[model] = _StartingState(model)
            return model
        self.hits += 1
        reset_model(model, spec)
        return model

    def give_back(self, spec: RunSpec, model: Any) -> None:
        """Keep `model` (taken for `spec`, its run over) for the next run of its step key."""
        if self.capacity <= 0 or model not in _STARTS:
            return
        key = spec.step_key()
        with self._lock:
            self._models.setdefault(key, []).append(model)
            self._models.move_to_end(key)
            while sum(len(models) for models in self._models.values()) > self.capacity:
                oldest = next(iter(self._models))
                self._models[oldest].pop(0)
                if not self._models[oldest]:
                    del self._models[oldest]

    def clear(self) -> None:
        """Drop every kept model (a retiring worker; tests)."""
        with self._lock:
            self._models.clear()


def summary_rows(model: Any) -> list[dict[str, Any]]:
    """The model's layers as rows (layer, type, output_shape, params), as model.summary() shows."""
    rows = []
    for layer in model.layers:
        output = layer.output
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output_shape": shape_text(tuple(output.shape)),
                "params": int(layer.count_params()),
            }
        )
    return rows
