"""Models following the solver contract: ``model.params`` and ``model.loss(X, y=None)``.

``loss(X)`` returns scores (N, C); ``loss(X, y)`` returns ``(loss, grads)`` with grads
keyed like params. Weights are drawn from an explicit ``np.random.Generator``.
"""

import numpy as np

from . import layers, linear
from .answers import answer


class LinearClassifier:
    """A linear classifier with a bias row: scores = X @ W + b.

    Shapes: X (N, D), W (D, C), b (C,). ``loss`` is "softmax" or "svm" (nnkit.linear),
    with L2 regularisation ``reg * sum(W**2)`` on W only.
    """

    def __init__(
        self, input_dim, num_classes, loss="softmax", weight_scale=1e-3, reg=0.0, rng=None
    ):
        if loss not in ("softmax", "svm"):
            raise ValueError(f"loss must be 'softmax' or 'svm', got {loss!r}")
        if input_dim < 1 or num_classes < 2:
            raise ValueError("need input_dim >= 1 and num_classes >= 2")
        if reg < 0:
            raise ValueError(f"reg must be >= 0, got {reg}")
        rng = np.random.default_rng() if rng is None else rng
        self.kind = loss
        self.reg = reg
        self.params = {
            "W": weight_scale * rng.standard_normal((input_dim, num_classes)),
            "b": np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        W, b = self.params["W"], self.params["b"]
        if y is None:
            return X @ W + b
        # The bias trick: append a column of ones to X and the bias row to W, so the
        # reference losses give dW and db at once; the bias row is not regularised.
        Xb = np.hstack([X, np.ones((X.shape[0], 1))])
        Wb = np.vstack([W, b])
        loss_fn = linear.softmax_loss if self.kind == "softmax" else linear.svm_loss
        loss, dWb = loss_fn(Wb, Xb, y, 0.0)
        loss += self.reg * np.sum(W * W)
        return loss, {"W": dWb[:-1] + 2 * self.reg * W, "b": dWb[-1]}


def _check_dims(dims: dict, weight_scale, reg) -> None:
    for name, value in dims.items():
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not weight_scale > 0:
        raise ValueError(f"weight_scale must be > 0, got {weight_scale}")
    if not reg >= 0:
        raise ValueError(f"reg must be >= 0, got {reg}")


# The layers a student's loss calls: their own, graded on their own tests (``builds_on``).
STUDENT_LAYERS = (
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "softmax_loss",
)


@answer("04_neural_networks", uses={"loss": STUDENT_LAYERS})
class TwoLayerNet:
    """affine - relu - affine - softmax.

    Shapes: X (N, D) with D = input_dim, W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    Weights are ``weight_scale * rng.standard_normal(...)``, drawn W1 then W2; biases
    start at zero. The loss is the mean softmax loss plus ``reg * (sum(W1**2) +
    sum(W2**2))``; biases are not regularised.
    """

    def __init__(self, input_dim, hidden_dim, num_classes, weight_scale=1e-3, reg=0.0, rng=None):
        _check_dims(
            {"input_dim": input_dim, "hidden_dim": hidden_dim, "num_classes": num_classes},
            weight_scale,
            reg,
        )
        rng = np.random.default_rng() if rng is None else rng
        self.reg = reg
        self.params = {
            "W1": weight_scale * rng.standard_normal((input_dim, hidden_dim)),
            "b1": np.zeros(hidden_dim),
            "W2": weight_scale * rng.standard_normal((hidden_dim, num_classes)),
            "b2": np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        """Scores (N, C) when y is None, else (loss, grads) with grads keyed like params."""
        p = self.params
        hidden, cache1 = layers.affine_relu_forward(X, p["W1"], p["b1"])
        scores, cache2 = layers.affine_forward(hidden, p["W2"], p["b2"])
        if y is None:
            return scores
        loss, dscores = layers.softmax_loss(scores, y)
        loss += self.reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
        dhidden, dW2, db2 = layers.affine_backward(dscores, cache2)
        _, dW1, db1 = layers.affine_relu_backward(dhidden, cache1)
        grads = {
            "W1": dW1 + 2 * self.reg * p["W1"],
            "b1": db1,
            "W2": dW2 + 2 * self.reg * p["W2"],
            "b2": db2,
        }
        return loss, grads


ACTIVATIONS = {
    "relu": (layers.relu_forward, layers.relu_backward),
    "sigmoid": (layers.sigmoid_forward, layers.sigmoid_backward),
    "tanh": (layers.tanh_forward, layers.tanh_backward),
    "leaky_relu": (layers.leaky_relu_forward, layers.leaky_relu_backward),
}


@answer("04_neural_networks", uses={"loss": STUDENT_LAYERS})
class FullyConnectedNet:
    """{affine - activation} x (L - 1) - affine - softmax, with L = len(hidden_dims) + 1.

    Shapes: X (N, D), Wi (fan_in, fan_out) and bi (fan_out,) for the layer sizes
    [input_dim, *hidden_dims, num_classes]. Weights are drawn in layer order as
    ``weight_scale * rng.standard_normal((fan_in, fan_out))``; biases start at zero. The
    loss is the mean softmax loss plus ``reg * sum_i sum(Wi**2)``.

    ``activation`` (keyword only, default "relu", the course contract) may also be
    "sigmoid", "tanh" or "leaky_relu", for the activation experiments and the playground.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim,
        num_classes,
        weight_scale=1e-2,
        reg=0.0,
        rng=None,
        *,
        activation="relu",
    ):
        hidden_dims = list(hidden_dims)
        dims = {"input_dim": input_dim, "num_classes": num_classes}
        dims.update({f"hidden_dims[{i}]": h for i, h in enumerate(hidden_dims)})
        _check_dims(dims, weight_scale, reg)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        rng = np.random.default_rng() if rng is None else rng
        self.reg = reg
        self.activation = activation
        self.num_layers = len(hidden_dims) + 1
        sizes = [input_dim, *hidden_dims, num_classes]
        self.params = {}
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1):
            self.params[f"W{i}"] = weight_scale * rng.standard_normal((fan_in, fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)

    def loss(self, X, y=None):
        """Scores (N, C) when y is None, else (loss, grads) with grads keyed like params."""
        forward, backward = ACTIVATIONS[self.activation]
        L, p = self.num_layers, self.params
        out, caches = X, []
        for i in range(1, L):
            a, fc_cache = layers.affine_forward(out, p[f"W{i}"], p[f"b{i}"])
            out, act_cache = forward(a)
            caches.append((fc_cache, act_cache))
        scores, last_cache = layers.affine_forward(out, p[f"W{L}"], p[f"b{L}"])
        if y is None:
            return scores
        loss, dout = layers.softmax_loss(scores, y)
        loss += self.reg * sum(np.sum(p[f"W{i}"] ** 2) for i in range(1, L + 1))
        grads = {}
        dout, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(dout, last_cache)
        for i in range(L - 1, 0, -1):
            fc_cache, act_cache = caches[i - 1]
            dout, grads[f"W{i}"], grads[f"b{i}"] = layers.affine_backward(
                backward(dout, act_cache), fc_cache
            )
        for i in range(1, L + 1):
            grads[f"W{i}"] += 2 * self.reg * p[f"W{i}"]
        return loss, grads
