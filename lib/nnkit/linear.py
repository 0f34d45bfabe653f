"""Reference linear-classifier losses (multiclass SVM and softmax).

Shapes: W (D, C), X (N, D), y (N,) int labels in [0, C). Both losses return
``(loss, dW)`` with loss = mean data loss + ``reg * np.sum(W * W)`` and dW including
``2 * reg * W``. The notebooks grade students on their own versions of these.
"""

import numpy as np

from .answers import answer


@answer("01_gradient_checking", "svm_loss_naive", "svm_loss_vectorized")
def svm_loss(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float):
    """Multiclass hinge loss with margin delta = 1, vectorized.

    Returns (loss, dW): a float and an array shaped like W (D, C).
    """
    _check_linear_inputs(W, X, y, reg)
    N = X.shape[0]
    scores = X @ W  # (N, C)
    correct = scores[np.arange(N), y][:, None]
    margins = np.maximum(0.0, scores - correct + 1.0)
    margins[np.arange(N), y] = 0.0
    loss = margins.sum() / N + reg * np.sum(W * W)

    active = (margins > 0).astype(X.dtype)  # (N, C)
    active[np.arange(N), y] = -active.sum(axis=1)
    dW = X.T @ active / N + 2 * reg * W
    return float(loss), dW


@answer("01_gradient_checking", "softmax_loss_naive", "softmax_loss_vectorized")
def softmax_loss(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float):
    """Cross-entropy loss of a linear softmax classifier, numerically stable, vectorized.

    Returns (loss, dW): a float and an array shaped like W (D, C).
    """
    _check_linear_inputs(W, X, y, reg)
    N = X.shape[0]
    scores = X @ W
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean() + reg * np.sum(W * W)

    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1.0
    dW = X.T @ dscores / N + 2 * reg * W
    return float(loss), dW


def predict(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Class with the highest score for each row of X: (N, D) @ (D, C) -> (N,) ints."""
    return np.argmax(X @ W, axis=1)


def _check_linear_inputs(W, X, y, reg) -> None:
    if W.ndim != 2 or X.ndim != 2 or y.ndim != 1:
        raise ValueError(
            f"expected W (D, C), X (N, D), y (N,); got W {W.shape}, X {X.shape}, y {y.shape}"
        )
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X has {X.shape[1]} features but W has {W.shape[0]} rows")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels")
    if y.size and (y.min() < 0 or y.max() >= W.shape[1]):
        raise ValueError(f"labels must lie in [0, {W.shape[1]}), got [{y.min()}, {y.max()}]")
    if reg < 0:
        raise ValueError(f"reg must be >= 0, got {reg}")
