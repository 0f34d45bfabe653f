"""Known mistakes of 01_gradient_checking (tests/mutants/nb01.py).

The losses are written once each (vectorized; the naive and vectorized versions compute
the same numbers), with switches for the catalog's mistakes, and registered for both
graded names. The numerical gradients and ``relative_error`` are small enough to be
written out. Not diagnosed: a gradient returned in the wrong shape or as x itself, a
forgotten restore of x, ignoring h or dout in ways no case tells apart (the messages say
what differs), broadcasting errors that raise (the message shows the error), and
``relative_error`` without its reduction (the message says an array came back).
"""

from functools import partial

import numpy as np

from nnkit import gradcheck, linear

from . import cause, causes, switched

# ------------------------------------------------------------------ numerical gradients


def _numerical(f, x, h=1e-5, *, kind="centred", divide=2.0, sign=1.0, precedence=False):
    gradcheck.eval_numerical_gradient(f, np.array(x, copy=True), h)  # its argument checks
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        plus = f(x)
        x[ix] = old if kind == "forward" else old - h
        minus = f(x)
        x[ix] = old
        if precedence:
            grad[ix] = (plus - minus) / 2 * h
        else:
            step = h if kind == "forward" else divide * h
            grad[ix] = sign * (plus - minus) / step
    return grad


_FORWARD = (
    "your numerical gradient matches a forward difference: use the centred difference "
    "(f(x + h) - f(x - h)) / 2h, whose error is O(h**2)."
)
_BY_H = "the centred difference spans 2h: divide f(x + h) - f(x - h) by 2 * h, not by h."
for name, switches, message in (
    ("forward_difference", {"kind": "forward"}, _FORWARD),
    ("divide_by_h", {"divide": 1.0}, _BY_H),
    (
        "precedence_2h",
        {"precedence": True},
        "/ 2 * h multiplies by h: write / (2 * h), with the parentheses.",
    ),
    (
        "sign_flipped",
        {"sign": -1.0},
        "the gradient has the wrong sign: it is (f(x + h) - f(x - h)) / 2h.",
    ),
):
    cause("numerical_gradient", name, message)(partial(_numerical, **switches))


def _numerical_array(f, x, dout, h=1e-5, *, kind="centred", divide=2.0, weigh=True, reduce=np.sum):
    gradcheck.eval_numerical_gradient_array(f, np.array(x, copy=True), dout, h)
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        plus = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old if kind == "forward" else old - h
        minus = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old
        step = h if kind == "forward" else divide * h
        grad[ix] = reduce((plus - minus) * (dout if weigh else 1.0)) / step
    return grad


for name, switches, message in (
    (
        "ignores_dout",
        {"weigh": False},
        "each output's change is not weighted by dout: dx_i = sum(dout * "
        "(f(x + h e_i) - f(x - h e_i))) / 2h.",
    ),
    (
        "mean_not_sum",
        {"reduce": np.mean},
        "the weighted changes are averaged over the outputs: sum them.",
    ),
    ("forward_difference", {"kind": "forward"}, _FORWARD),
    ("divide_by_h", {"divide": 1.0}, _BY_H),
):
    cause("numerical_gradient_array", name, message)(partial(_numerical_array, **switches))


# ------------------------------------------------------------------------ relative_error


def _relative(a, b, *, combine="max", floor=True, denominator="sum"):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    difference = np.abs(a - b)
    if denominator == "absolute":
        return float(np.max(difference))
    if denominator == "norm":
        return float(np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b)))
    if denominator == "separate":
        return float(np.max(difference) / max(1e-8, np.max(np.abs(a) + np.abs(b))))
    scale = {
        "sum": np.abs(a) + np.abs(b),
        "max": np.maximum(np.abs(a), np.abs(b)),
        "abs_of_sum": np.abs(a + b),
    }[denominator]
    with np.errstate(invalid="ignore", divide="ignore"):
        errors = difference / (np.maximum(1e-8, scale) if floor else scale)
    return float({"max": np.max, "mean": np.mean, "sum": np.sum}[combine](errors))


for name, switches, message in (
    (
        "no_floor",
        {"floor": False},
        "0 / 0 gives nan where both entries are 0: divide by max(1e-8, |a| + |b|).",
    ),
    (
        "mean_not_max",
        {"combine": "mean"},
        "the errors are averaged, which hides one bad entry: take their maximum.",
    ),
    ("sum_not_max", {"combine": "sum"}, "the errors are summed: take their maximum."),
    (
        "absolute_error",
        {"denominator": "absolute"},
        "this is the absolute error |a - b|: divide each entry by max(1e-8, |a| + |b|).",
    ),
    (
        "normwise",
        {"denominator": "norm"},
        "this is the norm-wise error ||a - b|| / (||a|| + ||b||): the course's is the "
        "largest elementwise |a - b| / max(1e-8, |a| + |b|).",
    ),
    (
        "separate_maxes",
        {"denominator": "separate"},
        "the maximum is taken of the numerators and of the denominators apart: take the "
        "maximum of the elementwise ratios.",
    ),
    (
        "max_abs_denominator",
        {"denominator": "max"},
        "the denominator is max(|a|, |b|): it is |a| + |b| (floored at 1e-8).",
    ),
    (
        "abs_of_sum",
        {"denominator": "abs_of_sum"},
        "the denominator is |a + b|: it is |a| + |b|, which differs when the signs differ.",
    ),
):
    cause("relative_error", name, message)(partial(_relative, **switches))


# -------------------------------------------------------------------------------- losses


def _regularised(loss, dW, W, reg, *, reg_loss="square", reg_grad=2.0):
    extra = {"square": reg * np.sum(W * W), "half": 0.5 * reg * np.sum(W * W)}
    extra.update(sum=reg * np.sum(W), none=0.0)
    return loss + extra[reg_loss], dW + reg_grad * reg * W


def _svm(
    W, X, y, reg, *, delta=1.0, skip_correct=True, average="both", sign=1.0,
    correct_grad="count", reg_loss="square", reg_grad=2.0, self_in_count=False,
):  # fmt: skip
    linear.svm_loss(W, X, y, reg)  # its argument checks
    N = X.shape[0]
    scores = X @ W
    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + delta)
    mask = (margins > 0).astype(np.float64)
    if skip_correct:
        margins[np.arange(N), y] = 0
        mask[np.arange(N), y] = 0
    correct = {"count": -mask.sum(axis=1), "minus_one": -1.0, "none": 0.0}[correct_grad]
    if not skip_correct:  # the correct class's margin is delta: counted in the loss
        own = mask[np.arange(N), y]
        correct = -mask.sum(axis=1) if self_in_count else own - mask.sum(axis=1)
    mask[np.arange(N), y] = correct
    loss, dW = margins.sum(), sign * (X.T @ mask)
    loss, dW = (
        (loss / N if average in ("both", "loss") else loss),
        (dW / N if average == "both" else dW),
    )
    return _regularised(loss, dW, W, reg, reg_loss=reg_loss, reg_grad=reg_grad)


_NO_AVERAGE = "the loss and dW are summed over the samples: divide both by N."
_DW_NOT_AVERAGED = "the loss is divided by N but dW is not: divide dW by N too."
_REG_GRAD = (
    "dW differs from the expected value by exactly reg * W: the gradient of "
    "reg * sum(W * W) is 2 * reg * W."
)
_HALF_REG = (
    "this is the 0.5 * reg * sum(W * W) convention: the course's loss adds "
    "reg * sum(W * W), whose gradient is 2 * reg * W."
)
_GRADIENT_SIGN = "the data gradient has the wrong sign: dW = dL/dW, not -dL/dW."
SVM_CAUSES = {
    "counts_correct_class": (
        {"skip_correct": False},
        "the loss is 1 too high: the correct class's own margin (always delta = 1) is "
        "counted; skip j == y[i].",
    ),
    "delta_zero": (
        {"delta": 0.0},
        "the margin delta = 1 is missing: max(0, s_j - s_y + 1).",
    ),
    "no_average": ({"average": "none"}, _NO_AVERAGE),
    "dW_not_averaged": ({"average": "loss"}, _DW_NOT_AVERAGED),
    "reg_W_in_dW": ({"reg_grad": 1.0}, _REG_GRAD),
    "half_reg_convention": ({"reg_loss": "half", "reg_grad": 1.0}, _HALF_REG),
    "reg_sum_not_squared": (
        {"reg_loss": "sum"},
        "the regularisation is reg * sum(W): it is reg * sum(W * W).",
    ),
    "gradient_sign": ({"sign": -1.0}, _GRADIENT_SIGN),
    "missing_correct_class_grad": (
        {"correct_grad": "none"},
        "the correct class's column of dW misses -X[i] for every active margin: s_y "
        "appears in each margin too.",
    ),
    "mask_minus_one": (
        {"correct_grad": "minus_one"},
        "the correct class gets -1 in the margin mask: it gets minus the number of "
        "active margins of its sample.",
    ),
}
switched("svm_loss_naive", _svm, SVM_CAUSES)
switched(  # the vectorized -sum(mask) counts the correct class's own margin too
    "svm_loss_vectorized",
    _svm,
    {
        **SVM_CAUSES,
        "counts_correct_class": (
            {"skip_correct": False, "self_in_count": True},
            SVM_CAUSES["counts_correct_class"][1],
        ),
    },
)


def _softmax(
    W, X, y, reg, *, shift="row", normalise_axis=1, pick="label", minus_one=True,
    sign=1.0, twice=False, average=True, reg_loss="square", reg_grad=2.0,
):  # fmt: skip
    linear.softmax_loss(W, X, y, reg)  # its argument checks
    N = X.shape[0]
    scores = X @ W
    if shift == "row":
        scores = scores - scores.max(axis=1, keepdims=True)
    elif shift == "column":
        scores = scores - scores.max(axis=0, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        exp = np.exp(scores)
        probs = exp / exp.sum(axis=normalise_axis, keepdims=True)
        if pick == "label":
            log_p = np.log(probs[np.arange(N), y])
        elif pick == "argmax":
            log_p = np.log(probs.max(axis=1))
        else:  # probs[:, y], an (N, N) matrix
            log_p = np.log(probs[:, y])
    loss = -(log_p.mean() if average else log_p.sum())
    dscores = probs.copy()
    if minus_one:
        dscores[np.arange(N), y] -= 1
    dW = sign * (X.T @ dscores) / ((N * N if twice else N) if average else 1)
    return _regularised(loss, dW, W, reg, reg_loss=reg_loss, reg_grad=reg_grad)


SOFTMAX_CAUSES = {
    "no_shift": (
        {"shift": "none"},
        "exp overflows for large scores: subtract each row's maximum score first (it "
        "does not change the probabilities).",
    ),
    "shift_column_max": (
        {"shift": "column"},
        "the scores are shifted by the maximum over samples (axis=0), a different "
        "constant per class, which changes the probabilities: shift each row by its own "
        "maximum (axis=1).",
    ),
    "normalize_axis0": (
        {"normalise_axis": 0},
        "the exponentials are normalised over the samples (axis=0): each row sums to 1, "
        "so normalise over the classes (axis=1).",
    ),
    "log_prob_of_argmax": (
        {"pick": "argmax"},
        "the loss takes the largest probability: it is -log of the correct class's, "
        "probs[i, y[i]].",
    ),
    "fancy_index_NxN": (
        {"pick": "all_labels"},
        "probs[:, y] is an (N, N) matrix: pick one entry per row, probs[np.arange(N), y].",
    ),
    "missing_minus_one": (
        {"minus_one": False},
        "the gradient misses the -1 on the correct class: dscores = probs - onehot(y).",
    ),
    "gradient_sign": ({"sign": -1.0}, _GRADIENT_SIGN),
    "double_average": ({"twice": True}, "dW is divided by N twice: divide it once."),
    "no_average": ({"average": False}, _NO_AVERAGE),
    "no_reg_in_loss": (
        {"reg_loss": "none"},
        "the loss misses the regularisation term reg * sum(W * W) (dW has its gradient).",
    ),
    "reg_W_in_dW": ({"reg_grad": 1.0}, _REG_GRAD),
}
for graded in ("softmax_loss_naive", "softmax_loss_vectorized"):
    switched(graded, _softmax, SOFTMAX_CAUSES)


# ------------------------------------------------------ right values, inputs changed
# Named where a case compares the values and the inputs left behind together.


def _then_changes_W(loss, change):
    """``loss`` (right loss and dW), after which the caller's W is ``change(W, reg)``."""

    def mistaken(W, X, y, reg):
        result = loss(W, X, y, reg)
        W[...] = change(W, reg)
        return result

    return mistaken


causes(
    "svm_loss_naive",
    {
        "squares_W_in_place": (
            _then_changes_W(linear.svm_loss, lambda W, reg: W * W),
            "your W is squared after the call: W_squared = W is the same array, so "
            "W_squared *= W squares the caller's W; compute np.sum(W * W), which makes a "
            "new array.",
        )
    },
)
causes(
    "softmax_loss_naive",
    {
        "reg_gradient_in_W": (
            _then_changes_W(linear.softmax_loss, lambda W, reg: 2 * reg * W),
            "your W is multiplied by 2 * reg after the call: W *= 2 * reg changes the "
            "caller's weights; add the gradient as dW += 2 * reg * W.",
        )
    },
)
