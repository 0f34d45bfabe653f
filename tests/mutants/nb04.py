"""Mutants for 04_neural_networks.

Every ``source`` is a complete replacement of one graded function, or of one method of a
graded class (the dedented ``def`` of ``TwoLayerNet.__init__`` and so on, re-indented by
the harness). Sources use only ``np`` (imported by the notebook) and builtins; the model
``loss`` methods call the student's own layer functions by their graded names
(``affine_forward``, ``relu_forward``, ``affine_backward``, ``relu_backward``,
``softmax_loss``), as a CS231n solution does, except the alternatives written inline in
numpy. Bugs are small edits of a plain, correct base version (``_edit`` checks that each
edited text occurs exactly once), so each bug carries one misconception. Alternatives are
written out in full and keep the reference cache formats (affine ``(x, w, b)``, relu
``x``, sigmoid ``out``) and the reference draw order of the initialisers, so they match
the reference to round-off.

Inputs that expose the bugs (named in each ``why``):
- ``nd-x``: affine with x of shape (N, d1, d2) or (N, d1, d2, d3), D = d1 * d2 (* d3);
  dx must come back in that shape.
- ``N>1`` / ``N!=M``: a batch of several rows; shapes where N, D, M (or N, C) differ.
- ``random-b``: a nonzero bias b (affine) or nonzero biases in the model params.
- ``pair`` / ``triple``: the return value is unpacked as ``(out, cache)`` /
  ``(dx, dw, db)`` with ``check_pair`` or a tuple check.
- ``zeros`` / ``negatives``: relu inputs holding exact 0.0 and negative entries; the
  reference gives out = 0 and dx = 0 at x == 0 (``dout * (x > 0)``).
- ``x-unchanged`` / ``dout-unchanged`` / ``scores-unchanged``: the caller's arrays are
  bit-for-bit equal to their copies after the call; ``params-unchanged``: model.params
  after model.loss holds the same keys and arrays as before.
- ``moderate``: sigmoid at x ~ N(0, 3**2); ``pm800``: x = +-800 (result 1 or 0, finite).
- ``large-scores``: scores around 1000 (1000 + N(0, 1)); the unshifted exp overflows.
- ``C=2`` / ``int32``: two classes; int32 labels.
- ``seeded``: a model built with ``rng=np.random.default_rng(seed)`` compared with
  ``weight_scale * default_rng(seed).standard_normal((fan_in, fan_out))`` drawn in layer
  order; ``default-scale``: weight_scale omitted; ``keys``: params keys exactly W1, b1, ...;
  ``reg-attr``: ``model.reg`` stored; ``tuple-dims``: FullyConnectedNet hidden_dims given
  as a tuple; ``deep``: hidden_dims of length 2 and 3 with different widths.
- ``random-params``: the loss tests overwrite ``model.params`` with random weights and
  biases and set ``model.reg`` (0 and > 0); ``reg>0``: reg = 0.1 or so; ``scores``: the
  loss called with y None returns the scores (N, C); ``numgrad``: grads compared with
  ``eval_numerical_gradient`` of the student's own loss.
"""

from tests.mutants import Mutant
from tests.mutants import edit as _edit
from tests.mutants import mutant as _m

AF = "affine_forward"
AB = "affine_backward"
RF = "relu_forward"
RB = "relu_backward"
SF = "sigmoid_forward"
SB = "sigmoid_backward"
SM = "softmax_loss"
SV = "svm_loss"
TI = "TwoLayerNet.__init__"
TL = "TwoLayerNet.loss"
FI = "FullyConnectedNet.__init__"
FL = "FullyConnectedNet.loss"


# --------------------------------------------------------------------------------------
# affine_forward(x, w, b)
# --------------------------------------------------------------------------------------

_AF_BASE = """
def affine_forward(x, w, b):
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    out = x_flat @ w + b
    cache = (x, w, b)
    return out, cache
"""

_AFFINE_FORWARD = [
    _m(
        AF,
        "np_dot",
        "alt",
        """
        def affine_forward(x, w, b):
            x_row = x.reshape(x.shape[0], -1)
            out = np.dot(x_row, w) + b
            cache = (x, w, b)
            return out, cache
        """,
        "np.dot on x.reshape(x.shape[0], -1).",
    ),
    _m(
        AF,
        "prod_of_dims",
        "alt",
        """
        def affine_forward(x, w, b):
            N = x.shape[0]
            D = int(np.prod(x.shape[1:]))
            out = x.reshape(N, D).dot(w) + b.reshape(1, -1)
            return out, (x, w, b)
        """,
        "D as the product of the trailing dims; b as an explicit (1, M) row.",
    ),
    _m(
        AF,
        "einsum",
        "alt",
        """
        def affine_forward(x, w, b):
            flat = np.reshape(x, (len(x), w.shape[0]))
            out = np.einsum("nd,dm->nm", flat, w) + b[None, :]
            cache = (x, w, b)
            return out, cache
        """,
        "einsum, flattening to (N, w.shape[0]).",
    ),
    _m(
        AF,
        "matmul_copy",
        "alt",
        """
        def affine_forward(x, w, b):
            x2 = x.copy().reshape(x.shape[0], w.shape[0])
            out = np.matmul(x2, w)
            out += b
            return out, (x, w, b)
        """,
        "Works on a flattened copy and adds b in place to the new output array.",
    ),
    _m(
        AF,
        "no_reshape",
        "bug",
        _edit(_AF_BASE, ("out = x_flat @ w + b", "out = x @ w + b")),
        "Never flattens x (the reshape result is unused), so (N, d1, d2) inputs fail. "
        "Exposed by `nd-x`.",
    ),
    _m(
        AF,
        "reshape_with_dim1",
        "bug",
        _edit(_AF_BASE, ("x.reshape(N, -1)", "x.reshape(N, x.shape[1])")),
        "Flattens to (N, x.shape[1]), i.e. assumes x is already 2-D. Exposed by `nd-x`.",
    ),
    _m(
        AF,
        "flatten_transposed",
        "bug",
        _edit(_AF_BASE, ("x.reshape(N, -1)", "x.reshape(-1, N).T")),
        "Flattens with reshape(-1, N).T (thinking of samples as columns), which mixes the "
        "rows of different samples. Exposed by `N>1`.",
    ),
    _m(
        AF,
        "w_transposed",
        "bug",
        _edit(_AF_BASE, ("x_flat @ w + b", "x_flat @ w.T + b")),
        "Uses w.T (w read as (M, D)). Exposed by any D != M.",
    ),
    _m(
        AF,
        "forgot_bias",
        "bug",
        _edit(_AF_BASE, ("x_flat @ w + b", "x_flat @ w")),
        "Forgets the bias. Exposed by `random-b`.",
    ),
    _m(
        AF,
        "bias_as_column",
        "bug",
        _edit(_AF_BASE, ("x_flat @ w + b", "x_flat @ w + b.reshape(-1, 1)")),
        "Adds b as a column (M, 1), one bias per row, which broadcasts to the wrong shape "
        "or fails. Exposed by `N!=M` and N = 1.",
    ),
    _m(
        AF,
        "two_trailing_dims_only",
        "bug",
        _edit(_AF_BASE, ("x.reshape(N, -1)", "x.reshape(N, x.shape[1] * x.shape[2])")),
        "Hard-codes an image-like input (N, d1, d2): fails for 2-D and 4-D x. Exposed by "
        "x (N, D) and (N, d1, d2, d3).",
    ),
    _m(
        AF,
        "returns_out_only",
        "bug",
        _edit(_AF_BASE, ("    return out, cache", "    return out")),
        "Returns out without the cache. Exposed by `pair`.",
    ),
    _m(
        AF,
        "reshapes_x_in_place",
        "bug",
        _edit(
            _AF_BASE, ("    x_flat = x.reshape(N, -1)\n", "    x.shape = (N, -1)\n    x_flat = x\n")
        ),
        "Flattens x by setting x.shape, to avoid a copy: the caller's x comes back (N, D). "
        "Exposed by `x-unchanged` with `nd-x`.",
    ),
]


# --------------------------------------------------------------------------------------
# affine_backward(dout, cache)
# --------------------------------------------------------------------------------------

_AB_BASE = """
def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
"""

_AFFINE_BACKWARD = [
    _m(
        AB,
        "np_dot",
        "alt",
        """
        def affine_backward(dout, cache):
            x, w, b = cache
            x_row = x.reshape(x.shape[0], -1)
            dx = np.dot(dout, w.T).reshape(*x.shape)
            dw = np.dot(x_row.T, dout)
            db = np.sum(dout, axis=0)
            return dx, dw, db
        """,
        "np.dot throughout, dx reshaped with reshape(*x.shape).",
    ),
    _m(
        AB,
        "einsum",
        "alt",
        """
        def affine_backward(dout, cache):
            x, w, _ = cache
            flat = x.reshape(len(x), w.shape[0])
            dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape)
            dw = np.einsum("nd,nm->dm", flat, dout)
            db = np.einsum("nm->m", dout)
            return dx, dw, db
        """,
        "einsum for the three products and the bias sum.",
    ),
    _m(
        AB,
        "ones_row_for_db",
        "alt",
        """
        def affine_backward(dout, cache):
            x, w, b = cache
            N = x.shape[0]
            D = w.shape[0]
            dx_flat = dout.dot(w.T)
            dx = np.reshape(dx_flat, x.shape)
            dw = x.reshape(N, D).T.dot(dout)
            db = np.ones(N) @ dout
            return dx, dw, db
        """,
        "db as ones(N) @ dout; D from w.shape[0].",
    ),
    _m(
        AB,
        "tensordot_nd",
        "alt",
        """
        def affine_backward(dout, cache):
            x, w, b = cache
            dx = np.tensordot(dout, w, axes=(1, 1)).reshape(x.shape)
            dw = np.tensordot(x.reshape(x.shape[0], -1), dout, axes=(0, 0))
            db = dout.sum(0)
            return dx, dw, db
        """,
        "tensordot over the matching axes.",
    ),
    _m(
        AB,
        "dx_not_reshaped",
        "bug",
        _edit(_AB_BASE, ("dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T")),
        "Returns dx flat (N, D) instead of in x's shape. Exposed by `nd-x`.",
    ),
    _m(
        AB,
        "dw_reversed_product",
        "bug",
        _edit(_AB_BASE, ("dw = x.reshape(N, -1).T @ dout", "dw = dout.T @ x.reshape(N, -1)")),
        "dw = dout.T @ x, shaped (M, D) instead of (D, M). Exposed by D != M.",
    ),
    _m(
        AB,
        "db_mean",
        "bug",
        _edit(_AB_BASE, ("db = dout.sum(axis=0)", "db = dout.mean(axis=0)")),
        "Averages dout over the batch for db (the loss already averaged). Exposed by `N>1`.",
    ),
    _m(
        AB,
        "db_wrong_axis",
        "bug",
        _edit(_AB_BASE, ("db = dout.sum(axis=0)", "db = dout.sum(axis=1)")),
        "Sums dout over the outputs, giving one value per sample. Exposed by `N>1`.",
    ),
    _m(
        AB,
        "db_total_sum",
        "bug",
        _edit(_AB_BASE, ("db = dout.sum(axis=0)", "db = np.sum(dout)")),
        "Sums dout over everything: db is a number. Exposed by any input (M > 1).",
    ),
    _m(
        AB,
        "dx_no_transpose",
        "bug",
        _edit(_AB_BASE, ("dx = (dout @ w.T)", "dx = (dout @ w)")),
        "dx = dout @ w (forgot the transpose). Exposed by D != M.",
    ),
    _m(
        AB,
        "dw_x_not_flattened",
        "bug",
        _edit(_AB_BASE, ("dw = x.reshape(N, -1).T @ dout", "dw = x.T @ dout")),
        "dw = x.T @ dout on the unflattened x. Exposed by `nd-x`.",
    ),
    _m(
        AB,
        "dw_averaged",
        "bug",
        _edit(_AB_BASE, ("dw = x.reshape(N, -1).T @ dout", "dw = x.reshape(N, -1).T @ dout / N")),
        "Divides dw by N, averaging a second time. Exposed by `N>1`.",
    ),
    _m(
        AB,
        "db_accumulates_into_view",
        "bug",
        _edit(
            _AB_BASE,
            (
                "    db = dout.sum(axis=0)\n",
                "    db = dout[0]\n    for row in dout[1:]:\n        db += row\n",
            ),
        ),
        "Sums the rows of dout into db = dout[0], which is a view: db is right, but the "
        "caller's dout[0] now holds the sum. Exposed by `dout-unchanged` with `N>1`.",
    ),
]


# --------------------------------------------------------------------------------------
# relu_forward(x)
# --------------------------------------------------------------------------------------

_RF_BASE = """
def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache
"""

_RELU_FORWARD = [
    _m(
        RF,
        "where",
        "alt",
        """
        def relu_forward(x):
            out = np.where(x > 0, x, 0.0)
            cache = x
            return out, cache
        """,
        "np.where(x > 0, x, 0.0).",
    ),
    _m(
        RF,
        "mask_product",
        "alt",
        """
        def relu_forward(x):
            out = x * (x > 0)
            return out, x
        """,
        "x times the boolean mask.",
    ),
    _m(
        RF,
        "copy_then_zero",
        "alt",
        """
        def relu_forward(x):
            out = x.copy()
            out[out < 0] = 0
            cache = x
            return out, cache
        """,
        "Zeroes the negatives of a copy (the caller's x is untouched).",
    ),
    _m(
        RF,
        "clip",
        "alt",
        """
        def relu_forward(x):
            return np.clip(x, 0, None), x
        """,
        "np.clip with no upper bound.",
    ),
    _m(
        RF,
        "abs_average",
        "alt",
        """
        def relu_forward(x):
            out = (x + np.abs(x)) / 2
            cache = x
            return out, cache
        """,
        "(x + |x|) / 2, exact in floating point.",
    ),
    _m(
        RF,
        "inplace_maximum",
        "bug",
        _edit(_RF_BASE, ("np.maximum(0, x)", "np.maximum(x, 0, out=x)")),
        "np.maximum(..., out=x) overwrites the caller's x. Exposed by `x-unchanged`.",
    ),
    _m(
        RF,
        "inplace_mask",
        "bug",
        _edit(_RF_BASE, ("    out = np.maximum(0, x)\n", "    x[x < 0] = 0\n    out = x\n")),
        "Zeroes the negatives of the caller's x in place. Exposed by `x-unchanged`.",
    ),
    _m(
        RF,
        "np_max",
        "bug",
        _edit(_RF_BASE, ("np.maximum(0, x)", "np.max(0, x)")),
        "np.max (a reduction) instead of np.maximum: fails (x is taken as the axis). Exposed "
        "by any input.",
    ),
    _m(
        RF,
        "returns_mask",
        "bug",
        _edit(_RF_BASE, ("np.maximum(0, x)", "(x > 0).astype(x.dtype)")),
        "Returns the 0/1 mask (the derivative) instead of max(0, x). Exposed by positive "
        "entries other than 1.",
    ),
    _m(
        RF,
        "minimum",
        "bug",
        _edit(_RF_BASE, ("np.maximum(0, x)", "np.minimum(0, x)")),
        "np.minimum: keeps the negatives and zeroes the positives. Exposed by any input.",
    ),
    _m(
        RF,
        "leaky",
        "bug",
        _edit(_RF_BASE, ("np.maximum(0, x)", "np.maximum(0.01 * x, x)")),
        "A leaky ReLU (slope 0.01 for x < 0). Exposed by `negatives`.",
    ),
    _m(
        RF,
        "returns_out_only",
        "bug",
        _edit(_RF_BASE, ("    return out, cache", "    return out")),
        "Returns out without the cache. Exposed by `pair`.",
    ),
]


# --------------------------------------------------------------------------------------
# relu_backward(dout, cache)
# --------------------------------------------------------------------------------------

_RB_BASE = """
def relu_backward(dout, cache):
    x = cache
    dx = dout * (x > 0)
    return dx
"""

_RELU_BACKWARD = [
    _m(
        RB,
        "where",
        "alt",
        """
        def relu_backward(dout, cache):
            x = cache
            dx = np.where(x > 0, dout, 0.0)
            return dx
        """,
        "np.where(x > 0, dout, 0.0).",
    ),
    _m(
        RB,
        "copy_then_zero",
        "alt",
        """
        def relu_backward(dout, cache):
            x = cache
            dx = dout.copy()
            dx[x <= 0] = 0
            return dx
        """,
        "Zeroes a copy of dout where x <= 0.",
    ),
    _m(
        RB,
        "heaviside",
        "alt",
        """
        def relu_backward(dout, cache):
            return dout * np.heaviside(cache, 0.0)
        """,
        "np.heaviside(x, 0.0): 0 at x == 0, like the reference.",
    ),
    _m(
        RB,
        "float_mask",
        "alt",
        """
        def relu_backward(dout, cache):
            x = cache
            mask = np.greater(x, 0).astype(np.float64)
            return mask * dout
        """,
        "An explicit float mask from np.greater.",
    ),
    _m(
        RB,
        "mask_at_zero",
        "bug",
        _edit(_RB_BASE, ("(x > 0)", "(x >= 0)")),
        "x >= 0 lets the gradient through at x == 0 (the reference takes 0 there). Exposed "
        "by `zeros`.",
    ),
    _m(
        RB,
        "mask_on_dout",
        "bug",
        _edit(_RB_BASE, ("(x > 0)", "(dout > 0)")),
        "Masks on the sign of dout instead of x. Exposed by any random dout.",
    ),
    _m(
        RB,
        "forgot_dout",
        "bug",
        _edit(_RB_BASE, ("dout * (x > 0)", "(x > 0).astype(float)")),
        "Returns the local derivative only, without the upstream gradient. Exposed by any "
        "dout other than ones.",
    ),
    _m(
        RB,
        "relu_of_dout",
        "bug",
        _edit(_RB_BASE, ("dout * (x > 0)", "np.maximum(0, dout)")),
        "Applies the ReLU to dout. Exposed by any random dout.",
    ),
    _m(
        RB,
        "times_relu_output",
        "bug",
        _edit(_RB_BASE, ("dout * (x > 0)", "dout * np.maximum(0, x)")),
        "Multiplies by max(0, x) (the forward output) instead of the 0/1 mask. Exposed by "
        "positive x other than 1.",
    ),
    _m(
        RB,
        "inverted_mask",
        "bug",
        _edit(_RB_BASE, ("(x > 0)", "(x < 0)")),
        "Passes the gradient where x < 0. Exposed by any input.",
    ),
    _m(
        RB,
        "inplace_dout",
        "bug",
        _edit(_RB_BASE, ("    dx = dout * (x > 0)\n", "    dout[x <= 0] = 0\n    dx = dout\n")),
        "Zeroes the caller's dout in place and returns it. Exposed by `dout-unchanged`.",
    ),
]


# --------------------------------------------------------------------------------------
# sigmoid_forward(x)
# --------------------------------------------------------------------------------------

_SF_BASE = """
def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x))
    cache = out
    return out, cache
"""

_SIGMOID_FORWARD = [
    _m(
        SF,
        "stable_where",
        "alt",
        """
        def sigmoid_forward(x):
            z = np.exp(-np.abs(x))
            out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
            cache = out
            return out, cache
        """,
        "The stable two-branch form on exp(-|x|), which never overflows.",
    ),
    _m(
        SF,
        "logaddexp",
        "alt",
        """
        def sigmoid_forward(x):
            out = np.exp(-np.logaddexp(0, -x))
            return out, out
        """,
        "exp(-log(1 + exp(-x))) with np.logaddexp.",
    ),
    _m(
        SF,
        "tanh_identity",
        "alt",
        """
        def sigmoid_forward(x):
            out = 0.5 * (1 + np.tanh(x / 2))
            cache = out
            return out, cache
        """,
        "sigmoid(x) = (1 + tanh(x / 2)) / 2.",
    ),
    _m(
        SF,
        "where_both_naive_branches",
        "alt",
        """
        def sigmoid_forward(x):
            with np.errstate(over="ignore", invalid="ignore"):
                pos = 1 / (1 + np.exp(-x))
                neg = np.exp(x) / (1 + np.exp(x))
            out = np.where(x >= 0, pos, neg)
            return out, out
        """,
        "np.where over two naive branches: both are evaluated (and overflow), but the "
        "branch chosen for each entry is finite.",
    ),
    _m(
        SF,
        "clip_wide",
        "alt",
        """
        def sigmoid_forward(x):
            x_safe = np.clip(x, -500, 500)
            out = 1.0 / (1.0 + np.exp(-x_safe))
            cache = out
            return out, cache
        """,
        "Clips x to +-500 before exp: no overflow, and sigmoid(+-500) is 1 or ~0.",
    ),
    _m(
        SF,
        "missing_minus",
        "bug",
        _edit(_SF_BASE, ("np.exp(-x)", "np.exp(x)")),
        "exp(x) instead of exp(-x): computes sigmoid(-x). Exposed by `moderate`.",
    ),
    _m(
        SF,
        "precedence",
        "bug",
        _edit(_SF_BASE, ("1 / (1 + np.exp(-x))", "1 / 1 + np.exp(-x)")),
        "Missing parentheses: 1 / 1 + exp(-x). Exposed by `moderate`.",
    ),
    _m(
        SF,
        "overflowing_ratio",
        "bug",
        _edit(_SF_BASE, ("1 / (1 + np.exp(-x))", "np.exp(x) / (1 + np.exp(x))")),
        "exp(x) / (1 + exp(x)): right formula, but inf / inf = nan at x = 800. Exposed by `pm800`.",
    ),
    _m(
        SF,
        "tanh_without_half",
        "bug",
        _edit(_SF_BASE, ("1 / (1 + np.exp(-x))", "0.5 * (1 + np.tanh(x))")),
        "Misremembers the tanh identity (tanh(x) instead of tanh(x / 2)). Exposed by `moderate`.",
    ),
    _m(
        SF,
        "clip_too_tight",
        "bug",
        _edit(
            _SF_BASE,
            (
                "    out = 1 / (1 + np.exp(-x))\n",
                "    out = 1 / (1 + np.exp(-np.clip(x, -10, 10)))\n",
            ),
        ),
        "Clips x to +-10 to avoid overflow, so sigmoid(800) = 0.99995. Exposed by `pm800`.",
    ),
    _m(
        SF,
        "swapped_stable_branches",
        "bug",
        """
        def sigmoid_forward(x):
            z = np.exp(-np.abs(x))
            out = np.where(x >= 0, z / (1 + z), 1 / (1 + z))
            cache = out
            return out, cache
        """,
        "The stable form with its two branches swapped (gives sigmoid(-x)). Exposed by "
        "`moderate` and `pm800`.",
    ),
    _m(
        SF,
        "inplace_exp",
        "bug",
        """
        def sigmoid_forward(x):
            np.negative(x, out=x)
            np.exp(x, out=x)
            out = 1 / (1 + x)
            cache = out
            return out, cache
        """,
        "Saves memory with ufuncs writing into x: the caller's x is overwritten. Exposed "
        "by `x-unchanged`.",
    ),
]


# --------------------------------------------------------------------------------------
# sigmoid_backward(dout, cache)
# --------------------------------------------------------------------------------------

_SB_BASE = """
def sigmoid_backward(dout, cache):
    out = cache
    dx = dout * out * (1 - out)
    return dx
"""

_SIGMOID_BACKWARD = [
    _m(
        SB,
        "expanded",
        "alt",
        """
        def sigmoid_backward(dout, cache):
            s = cache
            return dout * (s - s * s)
        """,
        "s - s**2 expanded.",
    ),
    _m(
        SB,
        "local_grad_first",
        "alt",
        """
        def sigmoid_backward(dout, cache):
            out = cache
            local = out * (1.0 - out)
            dx = local * dout
            return dx
        """,
        "Local gradient first, then the chain rule.",
    ),
    _m(
        SB,
        "inplace_on_copy",
        "alt",
        """
        def sigmoid_backward(dout, cache):
            dx = np.array(dout, dtype=np.float64, copy=True)
            dx *= cache
            dx *= 1 - cache
            return dx
        """,
        "In-place products on a copy of dout.",
    ),
    _m(
        SB,
        "multiply_ufunc",
        "alt",
        """
        def sigmoid_backward(dout, cache):
            out = cache
            return np.multiply(dout, np.multiply(out, np.subtract(1, out)))
        """,
        "np.multiply / np.subtract spelled out.",
    ),
    _m(
        SB,
        "missing_one_minus",
        "bug",
        _edit(_SB_BASE, ("dout * out * (1 - out)", "dout * out")),
        "dx = dout * out (forgets the (1 - out) factor). Exposed by any input.",
    ),
    _m(
        SB,
        "sigmoid_of_cache",
        "bug",
        _edit(
            _SB_BASE,
            (
                "    dx = dout * out * (1 - out)\n",
                "    s = 1 / (1 + np.exp(-out))\n    dx = dout * s * (1 - s)\n",
            ),
        ),
        "Treats the cache as x and applies the sigmoid again. Exposed by any input.",
    ),
    _m(
        SB,
        "one_plus_out",
        "bug",
        _edit(_SB_BASE, ("(1 - out)", "(1 + out)")),
        "out * (1 + out): sign slip. Exposed by any input.",
    ),
    _m(
        SB,
        "forgot_dout",
        "bug",
        _edit(_SB_BASE, ("dout * out * (1 - out)", "out * (1 - out)")),
        "Returns the local derivative only. Exposed by any dout other than ones.",
    ),
    _m(
        SB,
        "tanh_derivative",
        "bug",
        _edit(_SB_BASE, ("dout * out * (1 - out)", "dout * (1 - out**2)")),
        "Uses the tanh derivative 1 - out**2. Exposed by any input.",
    ),
    _m(
        SB,
        "missing_out",
        "bug",
        _edit(_SB_BASE, ("dout * out * (1 - out)", "dout * (1 - out)")),
        "dx = dout * (1 - out) (forgets the out factor). Exposed by any input.",
    ),
    _m(
        SB,
        "inplace_dout",
        "bug",
        _edit(
            _SB_BASE,
            ("    dx = dout * out * (1 - out)\n", "    dout *= out * (1 - out)\n    dx = dout\n"),
        ),
        "Multiplies the caller's dout in place and returns it. Exposed by `dout-unchanged`.",
    ),
]


# --------------------------------------------------------------------------------------
# softmax_loss(scores, y)
# --------------------------------------------------------------------------------------

_SM_BASE = """
def softmax_loss(scores, y):
    N = scores.shape[0]
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    sums = np.sum(exp_scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(sums)
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dscores = exp_scores / sums
    dscores[np.arange(N), y] -= 1
    dscores /= N
    return loss, dscores
"""

_SOFTMAX_LOSS = [
    _m(
        SM,
        "probs_then_log",
        "alt",
        """
        def softmax_loss(scores, y):
            N = scores.shape[0]
            shifted = scores - scores.max(axis=1, keepdims=True)
            probs = np.exp(shifted)
            probs /= probs.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(probs[np.arange(N), y]))
            dscores = probs.copy()
            dscores[np.arange(N), y] -= 1
            dscores /= N
            return loss, dscores
        """,
        "CS231n's probs, then log of the correct-class probabilities.",
    ),
    _m(
        SM,
        "one_hot",
        "alt",
        """
        def softmax_loss(scores, y):
            N, C = scores.shape
            one_hot = np.eye(C)[y]
            z = scores - np.max(scores, axis=1)[:, None]
            logsumexp = np.log(np.sum(np.exp(z), axis=1))
            loss = np.mean(logsumexp - np.sum(z * one_hot, axis=1))
            probs = np.exp(z - logsumexp[:, None])
            dscores = (probs - one_hot) / N
            return loss, dscores
        """,
        "A one-hot matrix from np.eye and the log-sum-exp written out.",
    ),
    _m(
        SM,
        "row_loop",
        "alt",
        """
        def softmax_loss(scores, y):
            N = scores.shape[0]
            loss = 0.0
            dscores = np.zeros(scores.shape)
            for i in range(N):
                row = scores[i] - np.max(scores[i])
                p = np.exp(row) / np.sum(np.exp(row))
                loss += -np.log(p[y[i]])
                dscores[i] = p
                dscores[i, y[i]] -= 1
            return loss / N, dscores / N
        """,
        "A loop over the samples, shifting each row by its max.",
    ),
    _m(
        SM,
        "take_along_axis",
        "alt",
        """
        def softmax_loss(scores, y):
            N = len(y)
            m = scores.max(axis=1, keepdims=True)
            lse = m + np.log(np.exp(scores - m).sum(axis=1, keepdims=True))
            correct = np.take_along_axis(scores, y.reshape(-1, 1), axis=1)
            loss = float(np.sum(lse - correct) / N)
            dscores = np.exp(scores - lse)
            np.add.at(dscores, (np.arange(N), y), -1.0)
            return loss, dscores / N
        """,
        "loss = mean(logsumexp - correct score) with np.take_along_axis; np.add.at for -1.",
    ),
    _m(
        SM,
        "no_average",
        "bug",
        _edit(
            _SM_BASE,
            (
                "loss = -np.sum(log_probs[np.arange(N), y]) / N",
                "loss = -np.sum(log_probs[np.arange(N), y])",
            ),
        ),
        "Sums the loss over the batch instead of averaging. Exposed by `N>1`.",
    ),
    _m(
        SM,
        "forgot_minus_one",
        "bug",
        _edit(_SM_BASE, ("    dscores[np.arange(N), y] -= 1\n", "")),
        "dscores = probs / N, forgetting the -1 at the correct class. Exposed by any input.",
    ),
    _m(
        SM,
        "no_shift",
        "bug",
        _edit(
            _SM_BASE,
            ("shifted = scores - np.max(scores, axis=1, keepdims=True)", "shifted = scores"),
        ),
        "No max shift: exp(1000) overflows to inf and the loss is nan. Exposed by `large-scores`.",
    ),
    _m(
        SM,
        "dscores_not_averaged",
        "bug",
        _edit(_SM_BASE, ("    dscores /= N\n", "")),
        "Averages the loss but not dscores. Exposed by `N>1`.",
    ),
    _m(
        SM,
        "normalised_over_batch",
        "bug",
        _edit(
            _SM_BASE,
            (
                "np.sum(exp_scores, axis=1, keepdims=True)",
                "np.sum(exp_scores, axis=0, keepdims=True)",
            ),
        ),
        "Normalises the exponentials over the batch (axis 0) instead of the classes. "
        "Exposed by `N>1`.",
    ),
    _m(
        SM,
        "max_without_keepdims",
        "bug",
        _edit(_SM_BASE, ("np.max(scores, axis=1, keepdims=True)", "np.max(scores, axis=1)")),
        "Row max without keepdims: (N, C) - (N,) fails or subtracts column-wise. Exposed by "
        "`N!=M` (N != C) and `large-scores`.",
    ),
    _m(
        SM,
        "labels_as_columns",
        "bug",
        _edit(_SM_BASE, ("log_probs[np.arange(N), y]", "log_probs[:, y]")),
        "Indexes log_probs[:, y] (an (N, N) block) for the correct-class terms. Exposed by `N>1`.",
    ),
    _m(
        SM,
        "rows_indexed_by_label",
        "bug",
        _edit(_SM_BASE, ("dscores[np.arange(N), y] -= 1", "dscores[y] -= 1")),
        "dscores[y] -= 1 subtracts 1 from whole rows picked by the labels. Exposed by any input.",
    ),
    _m(
        SM,
        "inplace_shift",
        "bug",
        _edit(
            _SM_BASE,
            (
                "    shifted = scores - np.max(scores, axis=1, keepdims=True)\n",
                "    scores -= np.max(scores, axis=1, keepdims=True)\n    shifted = scores\n",
            ),
        ),
        "Shifts the caller's scores in place. Exposed by `scores-unchanged`.",
    ),
    _m(
        SM,
        "positive_log_likelihood",
        "bug",
        _edit(_SM_BASE, ("loss = -np.sum(", "loss = np.sum(")),
        "Forgets the minus sign: returns the mean log-likelihood (negative). Exposed by any input.",
    ),
]


# --------------------------------------------------------------------------------------
# svm_loss(scores, y)
# --------------------------------------------------------------------------------------

_SV_BASE = """
def svm_loss(scores, y):
    N = scores.shape[0]
    correct = scores[np.arange(N), y][:, None]
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    dscores = (margins > 0).astype(float)
    dscores[np.arange(N), y] = -np.sum(dscores, axis=1)
    dscores /= N
    return loss, dscores
"""

_SVM_LOSS = [
    _m(
        SV,
        "row_loop",
        "alt",
        """
        def svm_loss(scores, y):
            N, C = scores.shape
            loss = 0.0
            dscores = np.zeros((N, C))
            for i in range(N):
                for j in range(C):
                    if j == y[i]:
                        continue
                    margin = scores[i, j] - scores[i, y[i]] + 1
                    if margin > 0:
                        loss += margin
                        dscores[i, j] += 1
                        dscores[i, y[i]] -= 1
            return loss / N, dscores / N
        """,
        "The double loop of the naive SVM.",
    ),
    _m(
        SV,
        "one_hot_mask",
        "alt",
        """
        def svm_loss(scores, y):
            N, C = scores.shape
            is_correct = np.eye(C, dtype=bool)[y]
            correct = np.sum(scores * is_correct, axis=1, keepdims=True)
            margins = np.where(is_correct, 0.0, np.maximum(0.0, scores - correct + 1.0))
            loss = margins.sum() / N
            active = (margins > 0).astype(np.float64)
            dscores = active - is_correct * active.sum(axis=1, keepdims=True)
            return loss, dscores / N
        """,
        "A boolean one-hot mask for the correct classes.",
    ),
    _m(
        SV,
        "clip_and_subtract",
        "alt",
        """
        def svm_loss(scores, y):
            N = len(y)
            rows = np.arange(N)
            margins = np.clip(scores - scores[rows, y].reshape(N, 1) + 1, 0, None)
            loss = (margins.sum() - N) / N
            margins[rows, y] = 0
            counts = margins > 0
            dscores = counts / N
            dscores[rows, y] = -counts.sum(axis=1) / N
            return loss, dscores
        """,
        "Counts the correct class's margin of exactly 1 and subtracts N afterwards.",
    ),
    _m(
        SV,
        "take_along_axis",
        "alt",
        """
        def svm_loss(scores, y):
            N = scores.shape[0]
            correct = np.take_along_axis(scores, y[:, None], axis=1)
            margins = np.maximum(0, scores - correct + 1)
            np.put_along_axis(margins, y[:, None], 0, axis=1)
            loss = margins.sum() / N
            grad = np.sign(margins)
            np.put_along_axis(grad, y[:, None], -grad.sum(axis=1, keepdims=True), axis=1)
            return loss, grad / N
        """,
        "take_along_axis / put_along_axis; the indicator as np.sign of the margins.",
    ),
    _m(
        SV,
        "counts_correct_class",
        "bug",
        _edit(_SV_BASE, ("    margins[np.arange(N), y] = 0\n", "")),
        "Does not zero the correct class's margin (always 1): loss + 1 and a wrong "
        "gradient. Exposed by any input.",
    ),
    _m(
        SV,
        "margin_zero",
        "bug",
        _edit(_SV_BASE, ("scores - correct + 1", "scores - correct")),
        "Margin delta = 0 instead of 1. Exposed by any input.",
    ),
    _m(
        SV,
        "dscores_not_averaged",
        "bug",
        _edit(_SV_BASE, ("    dscores /= N\n", "")),
        "Averages the loss but not dscores. Exposed by `N>1`.",
    ),
    _m(
        SV,
        "loss_not_averaged",
        "bug",
        _edit(_SV_BASE, ("loss = np.sum(margins) / N", "loss = np.sum(margins)")),
        "Sums the loss over the batch. Exposed by `N>1`.",
    ),
    _m(
        SV,
        "positive_correct_class",
        "bug",
        _edit(
            _SV_BASE,
            ("= -np.sum(dscores, axis=1)", "= np.sum(dscores, axis=1)"),
        ),
        "Wrong sign at the correct class (it should be minus the count). Exposed by any "
        "input with an active margin.",
    ),
    _m(
        SV,
        "correct_not_column",
        "bug",
        _edit(_SV_BASE, ("scores[np.arange(N), y][:, None]", "scores[np.arange(N), y]")),
        "Correct scores as (N,), broadcast against the columns: (N, C) - (N,) fails or "
        "mixes samples. Exposed by `N!=M` (N != C) and square inputs.",
    ),
    _m(
        SV,
        "indicator_ge_zero",
        "bug",
        _edit(_SV_BASE, ("(margins > 0)", "(margins >= 0)")),
        "margins >= 0 after the max: every class counts in the gradient. Exposed by any "
        "input with an inactive margin.",
    ),
    _m(
        SV,
        "no_hinge",
        "bug",
        _edit(_SV_BASE, ("np.maximum(0, scores - correct + 1)", "scores - correct + 1")),
        "Forgets the max(0, .): negative margins count. Exposed by any input with an "
        "inactive margin.",
    ),
    _m(
        SV,
        "margins_in_place",
        "bug",
        _edit(
            _SV_BASE,
            (
                "    margins = np.maximum(0, scores - correct + 1)\n",
                "    scores -= correct - 1\n    margins = np.maximum(0, scores)\n",
            ),
        ),
        "Computes the margins in the caller's scores array (scores -= correct - 1) to save "
        "a copy: the loss and dscores are right, scores is overwritten. Exposed by "
        "`scores-unchanged`.",
    ),
]


# --------------------------------------------------------------------------------------
# TwoLayerNet.__init__(self, input_dim, hidden_dim, num_classes, weight_scale=1e-3,
#                      reg=0.0, rng=None)
# --------------------------------------------------------------------------------------

_TI_BASE = """
def __init__(self, input_dim, hidden_dim, num_classes, weight_scale=1e-3, reg=0.0, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    self.reg = reg
    self.params = {}
    self.params["W1"] = weight_scale * rng.standard_normal((input_dim, hidden_dim))
    self.params["b1"] = np.zeros(hidden_dim)
    self.params["W2"] = weight_scale * rng.standard_normal((hidden_dim, num_classes))
    self.params["b2"] = np.zeros(num_classes)
"""

_TWO_LAYER_INIT = [
    _m(
        TI,
        "rng_normal",
        "alt",
        """
        def __init__(
            self, input_dim, hidden_dim, num_classes, weight_scale=1e-3, reg=0.0, rng=None
        ):
            if rng is None:
                rng = np.random.default_rng()
            self.reg = reg
            self.params = {}
            self.params["W1"] = rng.normal(0.0, weight_scale, size=(input_dim, hidden_dim))
            self.params["b1"] = np.zeros(hidden_dim)
            self.params["W2"] = rng.normal(0.0, weight_scale, size=(hidden_dim, num_classes))
            self.params["b2"] = np.zeros(num_classes)
        """,
        "rng.normal(0, weight_scale, size): the same draws as weight_scale * standard_normal.",
    ),
    _m(
        TI,
        "dict_literal",
        "alt",
        """
        def __init__(
            self, input_dim, hidden_dim, num_classes, weight_scale=1e-3, reg=0.0, rng=None
        ):
            rng = np.random.default_rng() if rng is None else rng
            W1 = weight_scale * rng.standard_normal((input_dim, hidden_dim))
            W2 = weight_scale * rng.standard_normal((hidden_dim, num_classes))
            self.params = {
                "W1": W1,
                "b1": np.zeros(hidden_dim),
                "W2": W2,
                "b2": np.zeros(num_classes),
            }
            self.reg = reg
        """,
        "Draws W1 then W2 into locals, then one dict literal.",
    ),
    _m(
        TI,
        "default_rng_passthrough",
        "alt",
        """
        def __init__(
            self, input_dim, hidden_dim, num_classes, weight_scale=1e-3, reg=0.0, rng=None
        ):
            rng = np.random.default_rng(rng)
            self.reg = reg
            self.params = {}
            sizes = [(input_dim, hidden_dim), (hidden_dim, num_classes)]
            for i, (fan_in, fan_out) in enumerate(sizes, start=1):
                self.params[f"W{i}"] = weight_scale * rng.standard_normal((fan_in, fan_out))
                self.params[f"b{i}"] = np.zeros(fan_out)
        """,
        "np.random.default_rng(rng) returns a given Generator unchanged (and a fresh one for "
        "None); a loop over the two layers.",
    ),
    _m(
        TI,
        "float_zeros_and_attrs",
        "alt",
        """
        def __init__(
            self, input_dim, hidden_dim, num_classes, weight_scale=1e-3, reg=0.0, rng=None
        ):
            if rng is None:
                rng = np.random.default_rng()
            self.input_dim = input_dim
            self.hidden_dim = hidden_dim
            self.num_classes = num_classes
            self.reg = float(reg)
            self.params = dict()
            self.params["W1"] = rng.standard_normal(size=(input_dim, hidden_dim)) * weight_scale
            self.params["b1"] = np.zeros((hidden_dim,), dtype=np.float64)
            self.params["W2"] = rng.standard_normal(size=(hidden_dim, num_classes)) * weight_scale
            self.params["b2"] = np.zeros((num_classes,), dtype=np.float64)
        """,
        "Keeps the dims as attributes, reg as a float, explicit float64 zeros.",
    ),
    _m(
        TI,
        "w2_drawn_first",
        "bug",
        """
        def __init__(
            self, input_dim, hidden_dim, num_classes, weight_scale=1e-3, reg=0.0, rng=None
        ):
            if rng is None:
                rng = np.random.default_rng()
            self.reg = reg
            self.params = {}
            self.params["W2"] = weight_scale * rng.standard_normal((hidden_dim, num_classes))
            self.params["b2"] = np.zeros(num_classes)
            self.params["W1"] = weight_scale * rng.standard_normal((input_dim, hidden_dim))
            self.params["b1"] = np.zeros(hidden_dim)
        """,
        "Draws W2 before W1 from the generator. Exposed by `seeded`.",
    ),
    _m(
        TI,
        "forgot_weight_scale",
        "bug",
        _edit(
            _TI_BASE,
            ("weight_scale * rng.standard_normal((input_dim", "rng.standard_normal((input_dim"),
            ("weight_scale * rng.standard_normal((hidden_dim", "rng.standard_normal((hidden_dim"),
        ),
        "Draws unit-variance weights, never using weight_scale. Exposed by `seeded`.",
    ),
    _m(
        TI,
        "random_biases",
        "bug",
        _edit(
            _TI_BASE,
            ("np.zeros(hidden_dim)", "weight_scale * rng.standard_normal(hidden_dim)"),
            ("np.zeros(num_classes)", "weight_scale * rng.standard_normal(num_classes)"),
        ),
        "Initialises the biases randomly like the weights. Exposed by `seeded` (biases not "
        "zero, and W2 drawn after b1).",
    ),
    _m(
        TI,
        "transposed_shapes",
        "bug",
        _edit(
            _TI_BASE,
            ("((input_dim, hidden_dim))", "((hidden_dim, input_dim))"),
            ("((hidden_dim, num_classes))", "((num_classes, hidden_dim))"),
        ),
        "Weights shaped (fan_out, fan_in) as in torch's Linear. Exposed by `seeded` (shapes).",
    ),
    _m(
        TI,
        "global_randn",
        "bug",
        _edit(
            _TI_BASE,
            (
                "weight_scale * rng.standard_normal((input_dim, hidden_dim))",
                "weight_scale * np.random.randn(input_dim, hidden_dim)",
            ),
            (
                "weight_scale * rng.standard_normal((hidden_dim, num_classes))",
                "weight_scale * np.random.randn(hidden_dim, num_classes)",
            ),
        ),
        "Draws from the global np.random (CS231n's randn) instead of rng. Exposed by `seeded`.",
    ),
    _m(
        TI,
        "reg_not_stored",
        "bug",
        _edit(_TI_BASE, ("    self.reg = reg\n", "")),
        "Never stores reg (model.reg raises AttributeError). Exposed by `reg-attr`.",
    ),
    _m(
        TI,
        "wrong_default_scale",
        "bug",
        _edit(_TI_BASE, ("weight_scale=1e-3", "weight_scale=1e-2")),
        "Default weight_scale 1e-2 (FullyConnectedNet's). Exposed by `default-scale`.",
    ),
    _m(
        TI,
        "ignores_rng",
        "bug",
        _edit(
            _TI_BASE,
            (
                "    if rng is None:\n        rng = np.random.default_rng()\n",
                "    rng = np.random.default_rng()\n",
            ),
        ),
        "Always makes a fresh generator, ignoring the rng passed in. Exposed by `seeded`.",
    ),
    _m(
        TI,
        "uniform_weights",
        "bug",
        _edit(
            _TI_BASE,
            ("rng.standard_normal((input_dim, hidden_dim))", "rng.random((input_dim, hidden_dim))"),
            (
                "rng.standard_normal((hidden_dim, num_classes))",
                "rng.random((hidden_dim, num_classes))",
            ),
        ),
        "Uniform [0, 1) draws (np.random.rand habit) instead of standard normal. Exposed by "
        "`seeded`.",
    ),
    _m(
        TI,
        "row_vector_biases",
        "bug",
        _edit(
            _TI_BASE,
            ("np.zeros(hidden_dim)", "np.zeros((1, hidden_dim))"),
            ("np.zeros(num_classes)", "np.zeros((1, num_classes))"),
        ),
        "Biases shaped (1, H) and (1, C) instead of (H,) and (C,). Exposed by the bias "
        "shape checks.",
    ),
]


# --------------------------------------------------------------------------------------
# TwoLayerNet.loss(self, X, y=None)
# --------------------------------------------------------------------------------------

_TL_BASE = """
def loss(self, X, y=None):
    W1, b1 = self.params["W1"], self.params["b1"]
    W2, b2 = self.params["W2"], self.params["b2"]
    a1, fc1_cache = affine_forward(X, W1, b1)
    h1, relu_cache = relu_forward(a1)
    scores, fc2_cache = affine_forward(h1, W2, b2)
    if y is None:
        return scores
    loss, dscores = softmax_loss(scores, y)
    loss += self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dh1, dW2, db2 = affine_backward(dscores, fc2_cache)
    da1 = relu_backward(dh1, relu_cache)
    dx, dW1, db1 = affine_backward(da1, fc1_cache)
    grads = {}
    grads["W1"] = dW1 + 2 * self.reg * W1
    grads["b1"] = db1
    grads["W2"] = dW2 + 2 * self.reg * W2
    grads["b2"] = db2
    return loss, grads
"""

_TWO_LAYER_LOSS = [
    _m(
        TL,
        "inline_numpy",
        "alt",
        """
        def loss(self, X, y=None):
            W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
            N = X.shape[0]
            hidden = np.maximum(0, X @ W1 + b1)
            scores = hidden @ W2 + b2
            if y is None:
                return scores
            shifted = scores - scores.max(axis=1, keepdims=True)
            probs = np.exp(shifted)
            probs /= probs.sum(axis=1, keepdims=True)
            loss = -np.log(probs[np.arange(N), y]).mean()
            loss += self.reg * (np.sum(W1**2) + np.sum(W2**2))
            dscores = probs.copy()
            dscores[np.arange(N), y] -= 1
            dscores /= N
            grads = {"W2": hidden.T @ dscores + 2 * self.reg * W2, "b2": dscores.sum(axis=0)}
            dhidden = dscores @ W2.T
            dhidden[hidden <= 0] = 0
            grads["W1"] = X.T @ dhidden + 2 * self.reg * W1
            grads["b1"] = dhidden.sum(axis=0)
            return loss, grads
        """,
        "The whole forward and backward pass inline in numpy (CS231n's neural_net.py).",
    ),
    _m(
        TL,
        "layer_calls_grads_dict",
        "alt",
        """
        def loss(self, X, y=None):
            p = self.params
            out1, cache1 = affine_forward(X, p["W1"], p["b1"])
            out2, cache2 = relu_forward(out1)
            scores, cache3 = affine_forward(out2, p["W2"], p["b2"])
            if y is None:
                return scores
            data_loss, dscores = softmax_loss(scores, y)
            reg_loss = self.reg * sum(np.sum(p[w] ** 2) for w in ("W1", "W2"))
            grads = {}
            dout2, grads["W2"], grads["b2"] = affine_backward(dscores, cache3)
            dout1 = relu_backward(dout2, cache2)
            _, grads["W1"], grads["b1"] = affine_backward(dout1, cache1)
            for w in ("W1", "W2"):
                grads[w] = grads[w] + 2 * self.reg * p[w]
            return data_loss + reg_loss, grads
        """,
        "Layer calls unpacked straight into the grads dict, regularisation in a loop.",
    ),
    _m(
        TL,
        "inline_logsumexp",
        "alt",
        """
        def loss(self, X, y=None):
            W1, b1 = self.params["W1"], self.params["b1"]
            W2, b2 = self.params["W2"], self.params["b2"]
            N = len(X)
            z1 = X.reshape(N, -1).dot(W1) + b1
            h1 = np.where(z1 > 0, z1, 0.0)
            scores = h1.dot(W2) + b2
            if y is None:
                return scores
            m = scores.max(axis=1, keepdims=True)
            lse = m + np.log(np.sum(np.exp(scores - m), axis=1, keepdims=True))
            loss = np.mean(lse[:, 0] - scores[np.arange(N), y])
            loss += self.reg * np.sum(W1 * W1) + self.reg * np.sum(W2 * W2)
            dscores = np.exp(scores - lse)
            dscores[np.arange(N), y] -= 1.0
            dscores /= N
            dh1 = dscores.dot(W2.T) * (z1 > 0)
            grads = {
                "W1": X.reshape(N, -1).T.dot(dh1) + 2 * self.reg * W1,
                "b1": np.sum(dh1, axis=0),
                "W2": h1.T.dot(dscores) + 2 * self.reg * W2,
                "b2": np.sum(dscores, axis=0),
            }
            return loss, grads
        """,
        "Inline numpy with the log-sum-exp and np.where for the ReLU.",
    ),
    _m(
        TL,
        "no_reg_in_loss",
        "bug",
        _edit(_TL_BASE, ("    loss += self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))\n", "")),
        "Forgets the regularisation term in the loss (the grads have it). Exposed by `reg>0` "
        "and `numgrad`.",
    ),
    _m(
        TL,
        "reg_grad_without_2",
        "bug",
        _edit(
            _TL_BASE,
            ("dW1 + 2 * self.reg * W1", "dW1 + self.reg * W1"),
            ("dW2 + 2 * self.reg * W2", "dW2 + self.reg * W2"),
        ),
        "Regularisation gradient reg * W instead of 2 * reg * W. Exposed by `reg>0` and `numgrad`.",
    ),
    _m(
        TL,
        "half_reg_convention",
        "bug",
        _edit(
            _TL_BASE,
            ("loss += self.reg * (", "loss += 0.5 * self.reg * ("),
            ("dW1 + 2 * self.reg * W1", "dW1 + self.reg * W1"),
            ("dW2 + 2 * self.reg * W2", "dW2 + self.reg * W2"),
        ),
        "The 0.5 * reg * sum(W**2) convention (consistent, but not the course's). Exposed "
        "by `reg>0` compared with the reference.",
    ),
    _m(
        TL,
        "regularises_biases",
        "bug",
        _edit(
            _TL_BASE,
            (
                "(np.sum(W1 * W1) + np.sum(W2 * W2))",
                "(np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(b1 * b1) + np.sum(b2 * b2))",
            ),
            ('grads["b1"] = db1', 'grads["b1"] = db1 + 2 * self.reg * b1'),
            ('grads["b2"] = db2', 'grads["b2"] = db2 + 2 * self.reg * b2'),
        ),
        "Regularises the biases too. Exposed by `reg>0` with `random-params` (nonzero b).",
    ),
    _m(
        TL,
        "skips_relu_backward",
        "bug",
        _edit(_TL_BASE, ("da1 = relu_backward(dh1, relu_cache)", "da1 = dh1")),
        "Backpropagates through the ReLU as if it were the identity. Exposed by any input "
        "with a negative hidden pre-activation.",
    ),
    _m(
        TL,
        "returns_probs",
        "bug",
        _edit(
            _TL_BASE,
            (
                "    if y is None:\n        return scores\n",
                "    if y is None:\n"
                "        e = np.exp(scores - scores.max(axis=1, keepdims=True))\n"
                "        return e / e.sum(axis=1, keepdims=True)\n",
            ),
        ),
        "Returns softmax probabilities instead of scores when y is None. Exposed by `scores`.",
    ),
    _m(
        TL,
        "grads_without_reg",
        "bug",
        _edit(
            _TL_BASE,
            ("dW1 + 2 * self.reg * W1", "dW1"),
            ("dW2 + 2 * self.reg * W2", "dW2"),
        ),
        "Adds the regularisation to the loss but not to the gradients. Exposed by `reg>0` "
        "and `numgrad`.",
    ),
    _m(
        TL,
        "forgot_relu",
        "bug",
        _edit(_TL_BASE, ("affine_forward(h1, W2, b2)", "affine_forward(a1, W2, b2)")),
        "Feeds the pre-activation a1 to the second layer (the ReLU output is unused). "
        "Exposed by `scores` and the loss (negative pre-activations).",
    ),
    _m(
        TL,
        "grads_alias_params",
        "bug",
        _edit(_TL_BASE, ("    grads = {}\n", "    grads = self.params\n")),
        "grads = self.params makes no new dict: the gradients are right, but they replace "
        "the model's weights. Exposed by `params-unchanged`.",
    ),
]


# --------------------------------------------------------------------------------------
# FullyConnectedNet.__init__(self, hidden_dims, input_dim, num_classes, weight_scale=1e-2,
#                            reg=0.0, rng=None)
# --------------------------------------------------------------------------------------

_FI_BASE = """
def __init__(self, hidden_dims, input_dim, num_classes, weight_scale=1e-2, reg=0.0, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    self.reg = reg
    self.num_layers = len(hidden_dims) + 1
    self.params = {}
    dims = [input_dim] + list(hidden_dims) + [num_classes]
    for i in range(self.num_layers):
        self.params[f"W{i + 1}"] = weight_scale * rng.standard_normal((dims[i], dims[i + 1]))
        self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])
"""

_FC_INIT = [
    _m(
        FI,
        "zip_sizes",
        "alt",
        """
        def __init__(
            self, hidden_dims, input_dim, num_classes, weight_scale=1e-2, reg=0.0, rng=None
        ):
            rng = np.random.default_rng() if rng is None else rng
            self.reg = reg
            self.num_layers = len(hidden_dims) + 1
            sizes = [input_dim, *hidden_dims, num_classes]
            self.params = {}
            for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
                self.params[f"W{i}"] = weight_scale * rng.standard_normal((fan_in, fan_out))
                self.params[f"b{i}"] = np.zeros(fan_out)
        """,
        "zip over consecutive layer sizes.",
    ),
    _m(
        FI,
        "rng_normal_prev_dim",
        "alt",
        """
        def __init__(
            self, hidden_dims, input_dim, num_classes, weight_scale=1e-2, reg=0.0, rng=None
        ):
            if rng is None:
                rng = np.random.default_rng()
            self.reg = reg
            self.num_layers = len(hidden_dims) + 1
            self.params = {}
            prev = input_dim
            for i, h in enumerate(list(hidden_dims) + [num_classes]):
                self.params["W" + str(i + 1)] = rng.normal(0, weight_scale, (prev, h))
                self.params["b" + str(i + 1)] = np.zeros(h)
                prev = h
        """,
        "Carries the previous width along; rng.normal(0, weight_scale, shape).",
    ),
    _m(
        FI,
        "weights_then_biases",
        "alt",
        """
        def __init__(
            self, hidden_dims, input_dim, num_classes, weight_scale=1e-2, reg=0.0, rng=None
        ):
            rng = np.random.default_rng(rng)
            self.reg = reg
            dims = (input_dim,) + tuple(hidden_dims) + (num_classes,)
            self.num_layers = len(dims) - 1
            self.params = {}
            for l in range(1, len(dims)):
                self.params[f"W{l}"] = weight_scale * rng.standard_normal((dims[l - 1], dims[l]))
            for l in range(1, len(dims)):
                self.params[f"b{l}"] = np.zeros(dims[l])
        """,
        "All weights in layer order, then all biases (zeros draw nothing); "
        "np.random.default_rng(rng) passes a Generator through.",
    ),
    _m(
        FI,
        "while_loop",
        "alt",
        """
        def __init__(
            self, hidden_dims, input_dim, num_classes, weight_scale=1e-2, reg=0.0, rng=None
        ):
            if rng is None:
                rng = np.random.default_rng()
            self.hidden_dims = list(hidden_dims)
            self.reg = reg
            self.num_layers = 1 + len(self.hidden_dims)
            layer_sizes = [input_dim]
            layer_sizes.extend(self.hidden_dims)
            layer_sizes.append(num_classes)
            self.params = {}
            i = 1
            while i < len(layer_sizes):
                shape = (layer_sizes[i - 1], layer_sizes[i])
                self.params["W%d" % i] = rng.standard_normal(shape) * weight_scale
                self.params["b%d" % i] = np.zeros(layer_sizes[i])
                i += 1
        """,
        "A while loop over an explicit list of layer sizes.",
    ),
    _m(
        FI,
        "missing_last_layer",
        "bug",
        _edit(_FI_BASE, ("for i in range(self.num_layers):", "for i in range(len(hidden_dims)):")),
        "Loops over the hidden layers only, so the output layer W_L, b_L is never created. "
        "Exposed by `keys`.",
    ),
    _m(
        FI,
        "transposed_shapes",
        "bug",
        _edit(_FI_BASE, ("((dims[i], dims[i + 1]))", "((dims[i + 1], dims[i]))")),
        "Weights shaped (fan_out, fan_in). Exposed by `seeded` (shapes).",
    ),
    _m(
        FI,
        "random_biases",
        "bug",
        _edit(
            _FI_BASE, ("np.zeros(dims[i + 1])", "weight_scale * rng.standard_normal(dims[i + 1])")
        ),
        "Initialises the biases randomly. Exposed by `seeded`.",
    ),
    _m(
        FI,
        "zero_based_keys",
        "bug",
        _edit(
            _FI_BASE,
            ('self.params[f"W{i + 1}"]', 'self.params[f"W{i}"]'),
            ('self.params[f"b{i + 1}"]', 'self.params[f"b{i}"]'),
        ),
        "Names the layers W0, b0, ... from the loop index. Exposed by `keys`.",
    ),
    _m(
        FI,
        "wrong_default_scale",
        "bug",
        _edit(_FI_BASE, ("weight_scale=1e-2", "weight_scale=1e-3")),
        "Default weight_scale 1e-3 (TwoLayerNet's). Exposed by `default-scale`.",
    ),
    _m(
        FI,
        "global_randn",
        "bug",
        _edit(
            _FI_BASE,
            (
                "rng.standard_normal((dims[i], dims[i + 1]))",
                "np.random.randn(dims[i], dims[i + 1])",
            ),
        ),
        "Draws from the global np.random instead of rng. Exposed by `seeded`.",
    ),
    _m(
        FI,
        "reversed_layer_order",
        "bug",
        _edit(
            _FI_BASE,
            ("for i in range(self.num_layers):", "for i in reversed(range(self.num_layers)):"),
        ),
        "Draws the layers from the output back to the input. Exposed by `seeded` with 2+ layers.",
    ),
    _m(
        FI,
        "list_concat_tuple",
        "bug",
        _edit(
            _FI_BASE,
            (
                "[input_dim] + list(hidden_dims) + [num_classes]",
                "[input_dim] + hidden_dims + [num_classes]",
            ),
        ),
        "Concatenates hidden_dims to a list directly: TypeError for a tuple. Exposed by "
        "`tuple-dims`.",
    ),
    _m(
        FI,
        "reg_not_stored",
        "bug",
        _edit(_FI_BASE, ("    self.reg = reg\n", "")),
        "Never stores reg. Exposed by `reg-attr`.",
    ),
    _m(
        FI,
        "first_hidden_width_everywhere",
        "bug",
        _edit(
            _FI_BASE,
            (
                "[input_dim] + list(hidden_dims) + [num_classes]",
                "[input_dim] + [hidden_dims[0]] * len(hidden_dims) + [num_classes]",
            ),
        ),
        "Uses hidden_dims[0] as the width of every hidden layer. Exposed by `deep` with "
        "different widths.",
    ),
]


# --------------------------------------------------------------------------------------
# FullyConnectedNet.loss(self, X, y=None)
# --------------------------------------------------------------------------------------

_FL_BASE = """
def loss(self, X, y=None):
    L = len(self.params) // 2
    caches = []
    out = X
    for i in range(1, L):
        out, fc_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
        out, relu_cache = relu_forward(out)
        caches.append((fc_cache, relu_cache))
    scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
    if y is None:
        return scores
    loss, dout = softmax_loss(scores, y)
    grads = {}
    dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last_cache)
    for i in range(L - 1, 0, -1):
        fc_cache, relu_cache = caches[i - 1]
        dout = relu_backward(dout, relu_cache)
        dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
    for i in range(1, L + 1):
        W = self.params[f"W{i}"]
        loss += self.reg * np.sum(W * W)
        grads[f"W{i}"] = grads[f"W{i}"] + 2 * self.reg * W
    return loss, grads
"""

_FC_LOSS = [
    _m(
        FL,
        "inline_numpy",
        "alt",
        """
        def loss(self, X, y=None):
            L = len(self.params) // 2
            Ws = [self.params[f"W{i}"] for i in range(1, L + 1)]
            bs = [self.params[f"b{i}"] for i in range(1, L + 1)]
            N = X.shape[0]
            acts = [X.reshape(N, -1)]
            for W, b in zip(Ws[:-1], bs[:-1]):
                acts.append(np.maximum(0, acts[-1] @ W + b))
            scores = acts[-1] @ Ws[-1] + bs[-1]
            if y is None:
                return scores
            shifted = scores - scores.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss = -log_probs[np.arange(N), y].mean()
            loss += self.reg * sum(np.sum(W * W) for W in Ws)
            d = np.exp(log_probs)
            d[np.arange(N), y] -= 1
            d /= N
            grads = {}
            for i in range(L, 0, -1):
                grads[f"W{i}"] = acts[i - 1].T @ d + 2 * self.reg * Ws[i - 1]
                grads[f"b{i}"] = d.sum(axis=0)
                if i > 1:
                    d = (d @ Ws[i - 1].T) * (acts[i - 1] > 0)
            return loss, grads
        """,
        "Inline numpy: a list of activations forward, then one backward loop.",
    ),
    _m(
        FL,
        "cache_dict_by_layer",
        "alt",
        """
        def loss(self, X, y=None):
            num_layers = len([k for k in self.params if k.startswith("W")])
            cache = {}
            h = X
            for l in range(1, num_layers + 1):
                W, b = self.params[f"W{l}"], self.params[f"b{l}"]
                h, cache[f"affine{l}"] = affine_forward(h, W, b)
                if l < num_layers:
                    h, cache[f"relu{l}"] = relu_forward(h)
            scores = h
            if y is None:
                return scores
            data_loss, dh = softmax_loss(scores, y)
            reg_loss = 0.0
            grads = {}
            for l in range(num_layers, 0, -1):
                if l < num_layers:
                    dh = relu_backward(dh, cache[f"relu{l}"])
                dh, dW, db = affine_backward(dh, cache[f"affine{l}"])
                W = self.params[f"W{l}"]
                reg_loss += self.reg * np.sum(W**2)
                grads[f"W{l}"] = dW + 2 * self.reg * W
                grads[f"b{l}"] = db
            return data_loss + reg_loss, grads
        """,
        "One loop for all layers with a dict of caches, skipping the ReLU on the last.",
    ),
    _m(
        FL,
        "cache_stack",
        "alt",
        """
        def loss(self, X, y=None):
            n = len(self.params) // 2
            stack = []
            out = X
            for i in range(1, n):
                a, c1 = affine_forward(out, self.params["W%d" % i], self.params["b%d" % i])
                out, c2 = relu_forward(a)
                stack.append((i, c1, c2))
            scores, c_last = affine_forward(out, self.params["W%d" % n], self.params["b%d" % n])
            if y is None:
                return scores
            loss, dscores = softmax_loss(scores, y)
            weights = [self.params["W%d" % i] for i in range(1, n + 1)]
            loss += self.reg * np.sum([np.sum(W * W) for W in weights])
            grads = {}
            dout, dW, db = affine_backward(dscores, c_last)
            grads["W%d" % n] = dW + 2 * self.reg * self.params["W%d" % n]
            grads["b%d" % n] = db
            while stack:
                i, c1, c2 = stack.pop()
                dout, dW, db = affine_backward(relu_backward(dout, c2), c1)
                grads["W%d" % i] = dW + 2 * self.reg * self.params["W%d" % i]
                grads["b%d" % i] = db
            return loss, grads
        """,
        "Caches pushed on a stack and popped in reverse order.",
    ),
    _m(
        FL,
        "extra_relu_on_scores",
        "bug",
        _edit(
            _FL_BASE,
            (
                "    if y is None:\n        return scores\n",
                "    scores, last_relu_cache = relu_forward(scores)\n"
                "    if y is None:\n        return scores\n",
            ),
            (
                '    dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last_cache)\n',
                "    dout = relu_backward(dout, last_relu_cache)\n"
                '    dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last_cache)\n',
            ),
        ),
        "Applies a ReLU after the last affine layer too (negative scores clipped). Exposed "
        "by `scores` and the loss.",
    ),
    _m(
        FL,
        "skips_a_hidden_layer",
        "bug",
        _edit(
            _FL_BASE,
            (
                "    for i in range(1, L):\n        out, fc_cache",
                "    for i in range(1, L - 1):\n        out, fc_cache",
            ),
        ),
        "Off by one in the forward loop: the last hidden layer is never applied, so the "
        "shapes break (or W1 feeds the output layer directly). Exposed by any depth.",
    ),
    _m(
        FL,
        "one_cache_for_all_layers",
        "bug",
        """
        def loss(self, X, y=None):
            L = len(self.params) // 2
            out = X
            for i in range(1, L):
                out, fc_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
                out, relu_cache = relu_forward(out)
            scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
            if y is None:
                return scores
            loss, dout = softmax_loss(scores, y)
            grads = {}
            dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last_cache)
            for i in range(L - 1, 0, -1):
                dout = relu_backward(dout, relu_cache)
                dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
            for i in range(1, L + 1):
                W = self.params[f"W{i}"]
                loss += self.reg * np.sum(W * W)
                grads[f"W{i}"] = grads[f"W{i}"] + 2 * self.reg * W
            return loss, grads
        """,
        "Keeps only the last hidden layer's caches (overwritten in the loop) and uses them "
        "for every layer. Exposed by `deep` (2+ hidden layers).",
    ),
    _m(
        FL,
        "backward_in_forward_order",
        "bug",
        _edit(_FL_BASE, ("for i in range(L - 1, 0, -1):", "for i in range(1, L):")),
        "Walks the hidden layers in forward order during backprop. Exposed by `deep`.",
    ),
    _m(
        FL,
        "reg_skips_last_layer",
        "bug",
        _edit(
            _FL_BASE,
            (
                "    for i in range(1, L + 1):\n        W = ",
                "    for i in range(1, L):\n        W = ",
            ),
        ),
        "Regularises only the hidden layers' weights (off by one). Exposed by `reg>0`.",
    ),
    _m(
        FL,
        "regularises_biases",
        "bug",
        _edit(
            _FL_BASE,
            (
                '        grads[f"W{i}"] = grads[f"W{i}"] + 2 * self.reg * W\n',
                '        grads[f"W{i}"] = grads[f"W{i}"] + 2 * self.reg * W\n'
                '        b = self.params[f"b{i}"]\n'
                "        loss += self.reg * np.sum(b * b)\n"
                '        grads[f"b{i}"] = grads[f"b{i}"] + 2 * self.reg * b\n',
            ),
        ),
        "Regularises the biases too. Exposed by `reg>0` with `random-params`.",
    ),
    _m(
        FL,
        "reg_grad_without_2",
        "bug",
        _edit(_FL_BASE, ("+ 2 * self.reg * W", "+ self.reg * W")),
        "Regularisation gradient reg * W. Exposed by `reg>0` and `numgrad`.",
    ),
    _m(
        FL,
        "skips_relu_backward",
        "bug",
        _edit(_FL_BASE, ("        dout = relu_backward(dout, relu_cache)\n", "")),
        "Backpropagates through the ReLUs as if they were the identity. Exposed by any "
        "input with negative pre-activations.",
    ),
    _m(
        FL,
        "no_reg_in_loss",
        "bug",
        _edit(_FL_BASE, ("        loss += self.reg * np.sum(W * W)\n", "")),
        "Forgets the regularisation term in the loss. Exposed by `reg>0` and `numgrad`.",
    ),
    _m(
        FL,
        "grads_alias_params",
        "bug",
        _edit(_FL_BASE, ("    grads = {}\n", "    grads = self.params\n")),
        "grads = self.params makes no new dict: the backward pass writes the gradients "
        "over the weights, so the regularisation then reads gradients as weights. Exposed "
        "by `params-unchanged`, and by `reg>0`.",
    ),
]


MUTANTS: list[Mutant] = [
    *_AFFINE_FORWARD,
    *_AFFINE_BACKWARD,
    *_RELU_FORWARD,
    *_RELU_BACKWARD,
    *_SIGMOID_FORWARD,
    *_SIGMOID_BACKWARD,
    *_SOFTMAX_LOSS,
    *_SVM_LOSS,
    *_TWO_LAYER_INIT,
    *_TWO_LAYER_LOSS,
    *_FC_INIT,
    *_FC_LOSS,
]


def _each(target: str, *names: str) -> tuple[tuple[str, str], ...]:
    return tuple((target, name) for name in names)


# Bugs with one slip in one concern: they keep the points of the concerns they do not touch
# (tests/test_assignments.py, test_one_slip_costs_once). (target, name) pairs. The hidden
# cells of each function test one concern each (values on ordinary inputs, shapes, edge
# cases, inputs left unchanged, the numerical gradient of a model's loss), and every cell
# also checks an ordinary value, so that no trick earns a point (tests/mutants/tricks.py):
# a slip at an edge or in place keeps the other cells, and a model's unchanged cell
# compares only the scores model.loss(X), so a slip in the regularisation or the backward
# pass keeps it (and the numerical gradient's, which compares the loss at reg = 0). Not here:
# bugs whose formula is wrong on every input (forgot_bias, db_mean, leaky, forgot_dout,
# no_average, margin_zero, forgot_relu...) and returns_out_only (every cell reads out from
# the (out, cache) pair), which fail every cell, and bugs that crash (w_transposed,
# bias_as_column, max_without_keepdims, a deep network's broken backward pass...).
PARTIAL: tuple[tuple[str, str], ...] = (
    *_each(
        AF,
        "no_reshape",
        "reshape_with_dim1",
        "reshapes_x_in_place",
    ),
    *_each(
        AB,
        "dx_not_reshaped",
        "dw_x_not_flattened",
        "db_accumulates_into_view",
    ),
    *_each(
        RF,
        "inplace_maximum",
        "inplace_mask",
    ),
    *_each(
        RB,
        "mask_at_zero",
        "inplace_dout",
    ),
    *_each(
        SF,
        "overflowing_ratio",
        "tanh_without_half",
        "clip_too_tight",
        "inplace_exp",
    ),
    *_each(
        SB,
        "inplace_dout",
    ),
    *_each(
        SM,
        "no_shift",
        "inplace_shift",
    ),
    *_each(
        SV,
        "margins_in_place",
    ),
    *_each(
        TI,
        "w2_drawn_first",
        "forgot_weight_scale",
        "random_biases",
        "global_randn",
        "reg_not_stored",
        "wrong_default_scale",
        "ignores_rng",
        "uniform_weights",
    ),
    *_each(
        TL,
        "no_reg_in_loss",
        "reg_grad_without_2",
        "half_reg_convention",
        "regularises_biases",
        "skips_relu_backward",
        "returns_probs",
        "grads_without_reg",
        "grads_alias_params",
    ),
    *_each(
        FI,
        "random_biases",
        "wrong_default_scale",
        "global_randn",
        "reversed_layer_order",
        "list_concat_tuple",
        "reg_not_stored",
    ),
    *_each(
        FL,
        "reg_skips_last_layer",
        "regularises_biases",
        "reg_grad_without_2",
        "skips_relu_backward",
        "no_reg_in_loss",
    ),
)
