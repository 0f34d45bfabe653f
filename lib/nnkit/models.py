"""Models following the solver contract: ``model.params`` and ``model.loss(X, y=None)``.

``loss(X)`` returns scores (N, C); ``loss(X, y)`` returns ``(loss, grads)`` with grads
keyed like params. Weights are drawn from an explicit ``np.random.Generator``.
"""

import numpy as np

from . import linear


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
