"""Reference layers: each ``x_forward`` returns ``(out, cache)`` and, right beside it,
``x_backward`` takes ``(dout, cache)`` and returns the gradients (CS231n's layer API).

Shapes: x (N, d1, ..., dk) flattened to (N, D) by the affine layer, w (D, M), b (M,),
scores (N, C), y (N,) int labels in [0, C). Caches are opaque to callers; their formats
are affine ``(x, w, b)``, relu ``x``, sigmoid ``out``, leaky relu ``(x, alpha)``, tanh
``out``, maxout ``(x, w, b, argmax)``.

The losses ``softmax_loss(scores, y)`` and ``svm_loss(scores, y)`` return
``(loss, dscores)`` averaged over N. The notebooks grade students on their own versions
of the affine, relu and sigmoid layers and of both losses.
"""

import numpy as np

from .answers import answer

# --------------------------------------------------------------------------------------
# affine


@answer("04_neural_networks")
def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b.

    Inputs: x (N, d1, ..., dk) with D = d1 * ... * dk, w (D, M), b (M,).
    Returns (out, cache): out (N, M), cache (x, w, b).
    """
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    if x.ndim < 1 or w.ndim != 2 or b.shape != (w.shape[1],):
        raise ValueError(
            f"expected x (N, ...), w (D, M), b (M,); got {x.shape}, {w.shape}, {b.shape}"
        )
    N = x.shape[0]
    if x[:1].size != w.shape[0] and N > 0:
        raise ValueError(f"x has {x[:1].size} features per row but w has {w.shape[0]} rows")
    out = x.reshape(N, w.shape[0]) @ w + b
    return out, (x, w, b)


@answer("04_neural_networks")
def affine_backward(dout, cache):
    """Gradients of an affine layer.

    Inputs: dout (N, M), cache (x, w, b) from ``affine_forward``.
    Returns (dx, dw, db): dx shaped like x (N, d1, ..., dk), dw (D, M), db (M,).
    """
    x, w, _ = cache
    N = x.shape[0]
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(N, w.shape[0]).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


# --------------------------------------------------------------------------------------
# activations: each is elementwise, so any shape works


@answer("04_neural_networks")
def relu_forward(x):
    """out = max(0, x), elementwise. Returns (out, cache = x)."""
    x = np.asarray(x)
    return np.maximum(0, x), x


@answer("04_neural_networks")
def relu_backward(dout, cache):
    """dx = dout where x > 0, else 0 (the subgradient at 0 is taken as 0)."""
    x = cache
    return dout * (x > 0)


@answer("04_neural_networks")
def sigmoid_forward(x):
    """out = 1 / (1 + exp(-x)), computed without overflow. Returns (out, cache = out)."""
    x = np.asarray(x, dtype=np.float64)
    # exp of a non-positive number never overflows: use exp(-|x|) on both sides.
    z = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return out, out


@answer("04_neural_networks")
def sigmoid_backward(dout, cache):
    """dx = dout * out * (1 - out), from the forward output kept in the cache."""
    out = cache
    return dout * out * (1.0 - out)


def leaky_relu_forward(x, alpha=0.01):
    """out = x where x > 0, else alpha * x. Returns (out, cache = (x, alpha))."""
    if not 0 <= alpha < 1:
        raise ValueError(f"alpha must lie in [0, 1), got {alpha}")
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_backward(dout, cache):
    """dx = dout where x > 0, else alpha * dout."""
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)


def tanh_forward(x):
    """out = tanh(x). Returns (out, cache = out)."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """dx = dout * (1 - out**2)."""
    out = cache
    return dout * (1.0 - out**2)


def maxout_forward(x, w, b):
    """Maxout unit with k pieces: out[n, m] = max_j (x[n] @ w[j] + b[j])[m].

    Inputs: x (N, D), w (k, D, M), b (k, M).
    Returns (out, cache): out (N, M), cache (x, w, b, argmax) with argmax (N, M) the
    winning piece of each output.
    """
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    if w.ndim != 3 or b.shape != (w.shape[0], w.shape[2]) or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"expected x (N, D), w (k, D, M), b (k, M); got {x.shape}, {w.shape}, {b.shape}"
        )
    pieces = np.einsum("nd,kdm->knm", x, w) + b[:, None, :]  # (k, N, M)
    argmax = pieces.argmax(axis=0)
    out = np.take_along_axis(pieces, argmax[None], axis=0)[0]
    return out, (x, w, b, argmax)


def maxout_backward(dout, cache):
    """Gradients flow only through the winning piece. Returns (dx, dw, db)."""
    x, w, b, argmax = cache
    k = w.shape[0]
    dpieces = (np.arange(k)[:, None, None] == argmax[None]) * dout[None]  # (k, N, M)
    dx = np.einsum("knm,kdm->nd", dpieces, w)
    dw = np.einsum("nd,knm->kdm", x, dpieces)
    db = dpieces.sum(axis=1)
    return dx, dw, db


# --------------------------------------------------------------------------------------
# sandwich layers: composed from the primitives, caches chained


def affine_relu_forward(x, w, b):
    """relu(affine(x)). Returns (out, cache = (affine cache, relu cache))."""
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    """Backward of ``affine_relu_forward``: relu backward, then affine backward."""
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache)


# --------------------------------------------------------------------------------------
# losses on scores


@answer("04_neural_networks")
def softmax_loss(scores, y):
    """Mean cross-entropy of softmax(scores), shifted by the row max for stability.

    Inputs: scores (N, C), y (N,) int labels in [0, C).
    Returns (loss, dscores): a float and (N, C), both averaged over N.
    """
    scores, y = _check_scores(scores, y)
    N = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1.0
    return float(loss), dscores / N


@answer("04_neural_networks")
def svm_loss(scores, y):
    """Mean multiclass hinge loss with margin delta = 1.

    Inputs: scores (N, C), y (N,) int labels in [0, C).
    Returns (loss, dscores): a float and (N, C), both averaged over N.
    """
    scores, y = _check_scores(scores, y)
    N = scores.shape[0]
    correct = scores[np.arange(N), y][:, None]
    margins = np.maximum(0.0, scores - correct + 1.0)
    margins[np.arange(N), y] = 0.0
    loss = margins.sum() / N
    dscores = (margins > 0).astype(np.float64)
    dscores[np.arange(N), y] = -dscores.sum(axis=1)
    return float(loss), dscores / N


def _check_scores(scores, y):
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y)
    if scores.ndim != 2 or y.shape != (scores.shape[0],):
        raise ValueError(f"expected scores (N, C) and y (N,); got {scores.shape} and {y.shape}")
    if scores.shape[0] == 0:
        raise ValueError("scores is empty: the loss is a mean over N >= 1 rows")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= scores.shape[1]:
        raise ValueError(f"y must hold int labels in [0, {scores.shape[1]}), got {y[:5]}...")
    return scores, y
