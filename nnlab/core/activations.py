"""Activation functions and their derivatives in plain NumPy, as tutorial 001 writes them.

Each function is short on purpose: the Inside page shows its source to the student. Names match
Keras' activation names ("relu", "sigmoid", ...), so a trained model's layers can be run here.
"""

from __future__ import annotations

import math

import numpy as np

LEAKY_RELU_SLOPE = 0.2  # Keras' default negative_slope for leaky_relu
ELU_ALPHA = 1.0  # Keras' default alpha for elu


def step_function(x: np.ndarray) -> np.ndarray:
    """1 where x > 0, else 0 (the perceptron's activation)."""
    return np.array(x > 0, dtype=np.int64)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Squashes any number into (0, 1)."""
    return 1 / (1 + np.exp(-x))


def tanh(x: np.ndarray) -> np.ndarray:
    """Squashes any number into (-1, 1), centred on 0."""
    return np.tanh(x)


def relu(x: np.ndarray) -> np.ndarray:
    """Passes positive numbers through, turns negative ones into 0."""
    return np.maximum(0, x)


def leaky_relu(x: np.ndarray) -> np.ndarray:
    """Like ReLU, but negative numbers keep a small slope so their gradient is not 0."""
    return np.where(x > 0, x, LEAKY_RELU_SLOPE * x)


def elu(x: np.ndarray) -> np.ndarray:
    """Like ReLU for x > 0; a smooth curve down to -1 for x < 0."""
    return np.where(x > 0, x, ELU_ALPHA * (np.exp(np.minimum(x, 0)) - 1))


def gelu(x: np.ndarray) -> np.ndarray:
    """x times the probability that a standard normal number is below x (used in transformers)."""
    erf = np.vectorize(math.erf, otypes=[float])
    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


def identity_function(x: np.ndarray) -> np.ndarray:
    """Returns its input unchanged (tutorial 001 uses it for the output layer)."""
    return x


def softmax(x: np.ndarray) -> np.ndarray:
    """Turns scores into probabilities that sum to 1; subtracting the max prevents overflow."""
    e_x = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e_x / e_x.sum(axis=-1, keepdims=True)


def naive_softmax(x: np.ndarray) -> np.ndarray:
    """Softmax without the max subtraction: exp() overflows for large scores."""
    e_x = np.exp(x)
    return e_x / e_x.sum(axis=-1, keepdims=True)


# --- derivatives, for the plots (element-wise, d activation / d x) ---


def step_function_derivative(x: np.ndarray) -> np.ndarray:
    """0 everywhere: a step has no slope to learn from."""
    return np.zeros_like(x, dtype=float)  # 0 everywhere (undefined at 0): nothing to learn from


def sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    """The element-wise derivative of sigmoid."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh_derivative(x: np.ndarray) -> np.ndarray:
    """The element-wise derivative of tanh."""
    return 1 - np.tanh(x) ** 2


def relu_derivative(x: np.ndarray) -> np.ndarray:
    """The element-wise derivative of relu."""
    return (x > 0).astype(float)


def leaky_relu_derivative(x: np.ndarray) -> np.ndarray:
    """The element-wise derivative of leaky_relu."""
    return np.where(x > 0, 1.0, LEAKY_RELU_SLOPE)


def elu_derivative(x: np.ndarray) -> np.ndarray:
    """The element-wise derivative of elu."""
    return np.where(x > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(x, 0)))


def gelu_derivative(x: np.ndarray) -> np.ndarray:
    """The element-wise derivative of gelu."""
    erf = np.vectorize(math.erf, otypes=[float])
    normal_cdf = 0.5 * (1 + erf(x / np.sqrt(2)))
    normal_pdf = np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)
    return normal_cdf + x * normal_pdf


def identity_function_derivative(x: np.ndarray) -> np.ndarray:
    """1 everywhere."""
    return np.ones_like(x, dtype=float)


def softmax_derivative(x: np.ndarray) -> np.ndarray:
    """The element-wise derivative of softmax."""
    # The diagonal of the Jacobian, d softmax_i / d x_i = s_i (1 - s_i), over the plotted vector.
    s = softmax(x)
    return s * (1 - s)


# The order the Inside page shows them in.
PLOTTED_ACTIVATIONS = (
    "step",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "softmax",
    "identity",
)


def softmax_overflow_demo(scores: tuple[float, ...] = (1010.0, 1000.0, 990.0)) -> dict:
    """Naive and stable softmax of large scores: the naive one overflows to nan."""
    x = np.array(scores, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = naive_softmax(x)
        exp_x = np.exp(x)
    return {
        "scores": x,
        "exp": exp_x,
        "naive": naive,
        "shifted": x - np.max(x),
        "stable": softmax(x),
    }
