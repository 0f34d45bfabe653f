"""Known mistakes in the layers and losses of 04_neural_networks (tests/mutants/nb04.py);
the models' are in ``nb04_models``.

Each mistake is a small function with the layer's signature, computed from nnkit's
caches (a backward case builds its cache with the forward pass).

Not diagnosed: inputs of the wrong rank that fail with a shape error (the message shows
it), a missing cache (the message says what came back) and broadcasting slips that raise.
"""

import numpy as np

from nnkit import layers

from . import causes

# ------------------------------------------------------------------------ affine layer


def _affine_forward(transform):
    def forward(x, w, b):
        layers.affine_forward(x, w, b)  # its shape checks
        x = np.asarray(x)
        return transform(x, np.asarray(w), np.asarray(b)), (x, w, b)

    return forward


def _rows(x):
    return x.reshape(x.shape[0], -1)


causes(
    "affine_forward",
    {
        "forgot_bias": (
            _affine_forward(lambda x, w, b: _rows(x) @ w),
            "the bias is missing: out = x.reshape(N, D) @ w + b.",
        ),
        "flatten_transposed": (
            _affine_forward(lambda x, w, b: x.reshape(-1, x.shape[0]).T @ w + b),
            "reshape(-1, N).T mixes the samples: flatten each sample with x.reshape(N, -1).",
        ),
    },
)


def _affine_backward(dx=None, dw=None, db=None):
    def backward(dout, cache):
        x, w, _ = cache
        right = layers.affine_backward(dout, cache)
        got = [f(dout, x, w) if f else r for f, r in zip((dx, dw, db), right, strict=True)]
        return tuple(got)

    return backward


causes(
    "affine_backward",
    {
        "dx_not_reshaped": (
            _affine_backward(dx=lambda dout, x, w: dout @ w.T),
            "dx has the right values in the wrong shape: reshape it to x's shape, "
            "(dout @ w.T).reshape(x.shape).",
        ),
        "db_mean": (
            _affine_backward(db=lambda dout, x, w: dout.mean(axis=0)),
            "db averages dout over the batch: sum it (the loss already averaged over N), "
            "db = dout.sum(axis=0).",
        ),
        "db_wrong_axis": (
            _affine_backward(db=lambda dout, x, w: dout.sum(axis=1)),
            "db sums over the outputs, one value per sample: sum over the samples, "
            "dout.sum(axis=0).",
        ),
        "db_total_sum": (
            _affine_backward(db=lambda dout, x, w: dout.sum()),
            "db is one number: it has one entry per output, dout.sum(axis=0).",
        ),
        "dw_averaged": (
            _affine_backward(dw=lambda dout, x, w: _rows(x).T @ dout / x.shape[0]),
            "dw is divided by N: the loss already averaged, so dw = x.reshape(N, D).T @ dout.",
        ),
        "dw_reversed_product": (
            _affine_backward(dw=lambda dout, x, w: dout.T @ _rows(x)),
            "dw = dout.T @ x has shape (M, D): it is x.reshape(N, D).T @ dout, shaped like w.",
        ),
    },
)


# ------------------------------------------------------------------------------- ReLU


def _relu_forward(fn, in_place=False):
    def forward(x):
        layers.relu_forward(x)
        x = np.asarray(x)
        if in_place:
            np.maximum(x, 0, out=x)
            return x, x
        return fn(x), x

    return forward


causes(
    "relu_forward",
    {
        "returns_mask": (
            _relu_forward(lambda x: (x > 0).astype(x.dtype)),
            "this is the 0/1 mask (the derivative): the ReLU returns max(0, x).",
        ),
        "minimum": (
            _relu_forward(lambda x: np.minimum(0, x)),
            "np.minimum keeps the negatives: the ReLU is np.maximum(0, x).",
        ),
        "leaky": (
            _relu_forward(lambda x: np.where(x > 0, x, 0.01 * x)),
            "this is a leaky ReLU: negatives become 0, not 0.01 * x.",
        ),
        "inplace_maximum": (
            _relu_forward(None, in_place=True),
            "x is changed in place: np.maximum(0, x) without out= makes a new array.",
        ),
    },
)


def _relu_backward(fn):
    def backward(dout, cache):
        layers.relu_backward(dout, cache)
        return fn(np.asarray(dout), np.asarray(cache))

    return backward


causes(
    "relu_backward",
    {
        "mask_at_zero": (
            _relu_backward(lambda dout, x: dout * (x >= 0)),
            "the gradient passes at x == 0: use x > 0 (the course takes 0 there).",
        ),
        "mask_on_dout": (
            _relu_backward(lambda dout, x: dout * (dout > 0)),
            "the mask is taken from dout (as in max(0, dout)): it comes from the forward "
            "input x in the cache, dx = dout * (x > 0).",
        ),
        "forgot_dout": (
            _relu_backward(lambda dout, x: (x > 0).astype(np.float64)),
            "dx is the local derivative only: multiply it by the upstream dout.",
        ),
        "times_relu_output": (
            _relu_backward(lambda dout, x: dout * np.maximum(0, x)),
            "dout is multiplied by max(0, x): multiply by the 0/1 mask (x > 0).",
        ),
        "inverted_mask": (
            _relu_backward(lambda dout, x: dout * (x < 0)),
            "the gradient passes where x < 0: it passes where x > 0.",
        ),
    },
)


# ----------------------------------------------------------------------------- sigmoid


def _sigmoid_forward(fn):
    def forward(x):
        layers.sigmoid_forward(x)
        with np.errstate(over="ignore", invalid="ignore"):
            out = fn(np.asarray(x, dtype=np.float64))
        return out, out

    return forward


causes(
    "sigmoid_forward",
    {
        "missing_minus": (
            _sigmoid_forward(lambda x: 1 / (1 + np.exp(x))),
            "this is sigmoid(-x): the sigmoid is 1 / (1 + exp(-x)).",
        ),
        "precedence": (
            _sigmoid_forward(lambda x: 1 / 1 + np.exp(-x)),
            "1 / 1 + exp(-x) is 1 + exp(-x): write 1 / (1 + exp(-x)).",
        ),
        "overflowing_ratio": (
            _sigmoid_forward(lambda x: np.exp(x) / (1 + np.exp(x))),
            "exp(x) / (1 + exp(x)) is inf / inf = nan for large x: use exp of a "
            "non-positive number only (1 / (1 + exp(-x)) for x >= 0, exp(x) / (1 + exp(x)) "
            "for x < 0).",
        ),
        "tanh_without_half": (
            _sigmoid_forward(lambda x: (1 + np.tanh(x)) / 2),
            "sigmoid(x) = (1 + tanh(x / 2)) / 2: the argument of tanh is x / 2.",
        ),
        "clip_too_tight": (
            _sigmoid_forward(lambda x: 1 / (1 + np.exp(-np.clip(x, -10, 10)))),
            "clipping x to +-10 changes large values (sigmoid(800) is 1): compute without "
            "overflow instead (exp of a non-positive number).",
        ),
    },
)


def _sigmoid_backward(fn):
    def backward(dout, cache):
        layers.sigmoid_backward(dout, cache)
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(np.asarray(dout), np.asarray(cache))

    return backward


causes(
    "sigmoid_backward",
    {
        "missing_one_minus": (
            _sigmoid_backward(lambda dout, out: dout * out),
            "the (1 - out) factor is missing: dx = dout * out * (1 - out).",
        ),
        "sigmoid_of_cache": (
            _sigmoid_backward(lambda dout, out: dout * (s := 1 / (1 + np.exp(-out))) * (1 - s)),
            "the cache holds the sigmoid's output already: dx = dout * out * (1 - out), "
            "without applying the sigmoid again.",
        ),
        "one_plus_out": (
            _sigmoid_backward(lambda dout, out: dout * out * (1 + out)),
            "out * (1 + out) has a sign slip: it is out * (1 - out).",
        ),
        "forgot_dout": (
            _sigmoid_backward(lambda dout, out: out * (1 - out)),
            "dx is the local derivative only: multiply it by the upstream dout.",
        ),
        "tanh_derivative": (
            _sigmoid_backward(lambda dout, out: dout * (1 - out**2)),
            "1 - out**2 is tanh's derivative: the sigmoid's is out * (1 - out).",
        ),
        "missing_out": (
            _sigmoid_backward(lambda dout, out: dout * (1 - out)),
            "the out factor is missing: dx = dout * out * (1 - out).",
        ),
    },
)


# ------------------------------------------------------------------------------ losses


def _softmax(scores, y, *, shift=True, axis=1, pick="label", minus_one="label",
             average_loss=True, average_grad=True, sign=-1.0):  # fmt: skip
    layers.softmax_loss(scores, y)  # its argument checks
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y)
    N = scores.shape[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        shifted = scores - scores.max(axis=1, keepdims=True) if shift else scores
        sums = np.exp(shifted).sum(axis=axis, keepdims=True)
        log_probs = shifted - np.log(sums)
        probs = np.exp(shifted) / sums
    picked = log_probs[:, y] if pick == "columns" else log_probs[np.arange(N), y]
    loss = sign * picked.sum() / (N if average_loss else 1)
    dscores = probs.copy()
    if minus_one == "label":
        dscores[np.arange(N), y] -= 1.0
    elif minus_one == "rows":
        dscores[y] -= 1.0
    return float(loss), dscores / N if average_grad else dscores


def _svm(scores, y, *, delta=1.0, zero_correct=True, correct_sign=-1.0, hinge=True,
         indicator_ge=False, average_loss=True, average_grad=True):  # fmt: skip
    layers.svm_loss(scores, y)
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y)
    N = scores.shape[0]
    raw = scores - scores[np.arange(N), y][:, None] + delta
    margins = np.maximum(0.0, raw) if hinge else raw
    if zero_correct:
        margins[np.arange(N), y] = 0.0
    loss = margins.sum() / (N if average_loss else 1)
    dscores = ((margins >= 0) if indicator_ge else (margins > 0)).astype(np.float64)
    if zero_correct and not indicator_ge:  # >= 0 counts the zeroed correct class too
        dscores[np.arange(N), y] = 0.0
    dscores[np.arange(N), y] = correct_sign * dscores.sum(axis=1)
    return float(loss), dscores / N if average_grad else dscores


def _with(fn, **switches):
    return lambda scores, y: fn(scores, y, **switches)


_NOT_AVERAGED_LOSS = "the loss is summed over the batch: average it over N."
_NOT_AVERAGED_GRAD = "dscores is not divided by N: the loss is a mean, so its gradient is too."
causes(
    "softmax_loss",
    {
        "no_average": (_with(_softmax, average_loss=False), _NOT_AVERAGED_LOSS),
        "forgot_minus_one": (
            _with(_softmax, minus_one="none"),
            "dscores misses the -1 at the correct class: dscores = (probs - onehot(y)) / N.",
        ),
        "no_shift": (
            _with(_softmax, shift=False),
            "exp overflows for large scores: subtract each row's maximum first (it does "
            "not change the probabilities).",
        ),
        "dscores_not_averaged": (_with(_softmax, average_grad=False), _NOT_AVERAGED_GRAD),
        "normalised_over_batch": (
            _with(_softmax, axis=0),
            "the exponentials are normalised over the batch (axis 0): normalise each row "
            "over the classes (axis 1).",
        ),
        "labels_as_columns": (
            _with(_softmax, pick="columns"),
            "log_probs[:, y] is an (N, N) block: pick one entry per row, "
            "log_probs[np.arange(N), y].",
        ),
        "rows_indexed_by_label": (
            _with(_softmax, minus_one="rows"),
            "dscores[y] -= 1 changes whole rows: subtract 1 at one entry per row, "
            "dscores[np.arange(N), y] -= 1.",
        ),
        "positive_log_likelihood": (
            _with(_softmax, sign=1.0),
            "the minus sign is missing: the loss is -mean(log p of the correct class).",
        ),
    },
)
causes(
    "svm_loss",
    {
        "counts_correct_class": (
            _with(_svm, zero_correct=False),
            "the correct class's own margin (always delta = 1) is counted: set it to 0 "
            "before summing.",
        ),
        "margin_zero": (_with(_svm, delta=0.0), "the margin is 0: it is delta = 1."),
        "dscores_not_averaged": (_with(_svm, average_grad=False), _NOT_AVERAGED_GRAD),
        "loss_not_averaged": (_with(_svm, average_loss=False), _NOT_AVERAGED_LOSS),
        "positive_correct_class": (
            _with(_svm, correct_sign=1.0),
            "the correct class gets plus the number of active margins: it gets minus it.",
        ),
        "indicator_ge_zero": (
            _with(_svm, indicator_ge=True),
            "margins >= 0 counts every class, as max(0, .) is never negative: count the "
            "active margins, margins > 0.",
        ),
        "no_hinge": (
            _with(_svm, hinge=False),
            "negative margins count: the hinge is max(0, s_j - s_y + 1).",
        ),
    },
)
