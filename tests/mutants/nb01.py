"""Mutants for 01_gradient_checking.

Every ``source`` is a complete replacement of one graded top-level function. It uses only
``np`` (imported by the notebook) and builtins, and never calls another graded function.

Input families named in ``why`` (what exposes a bug):
- ``cubic``: ``numerical_gradient(lambda x: np.sum(x**3), x)`` with x = 0.1 * randn(3, 4),
  compared with the centred reference (forward-difference error ~ h / (2|x|) > 1e-4).
- ``x-unchanged``: ``x`` must be bit-for-bit equal to its copy after the call.
- ``2-D x``: gradient must come back with ``x.shape``.
- ``h=0.1``: a call with a non-default step, e.g. on ``sum(x**3)`` the centred result is
  3x**2 + h**2.
- ``affine`` / ``square-affine`` / ``view``: ``numerical_gradient_array`` on
  ``f = x @ w + b`` (out shape differs from x), ``f = x @ A`` with A square, and
  ``f = lambda x: x.T`` (f returns a view of x); dout is random.
- ``cifar-dev``: W = 0.001 * randn(3073, 10), X = randn(50, 3073), random y, reg 0 / 1.0.
- ``large-scores``: softmax with row scores ~1e3 (both a common offset of 1000 and
  scores ~ N(0, 1000**2)); loss and dW must be finite and equal the reference.
"""

from tests.mutants import Mutant, edit
from tests.mutants import mutant as _m

NG = "numerical_gradient"
NGA = "numerical_gradient_array"
RE = "relative_error"
SVN = "svm_loss_naive"
SVV = "svm_loss_vectorized"
SMN = "softmax_loss_naive"
SMV = "softmax_loss_vectorized"


# --------------------------------------------------------------------------------------
# numerical_gradient(f, x, h=1e-5)
# --------------------------------------------------------------------------------------

_NUMERICAL_GRADIENT = [
    _m(
        NG,
        "nditer_multi_index",
        "alt",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape, dtype=float)
            it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
            while not it.finished:
                ix = it.multi_index
                old = x[ix]
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old - h
                fxmh = f(x)
                x[ix] = old
                grad[ix] = (fxph - fxmh) / (2 * h)
                it.iternext()
            return grad
        """,
        "CS231n's nditer/multi_index loop.",
    ),
    _m(
        NG,
        "unravel_index_loop",
        "alt",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros_like(x, dtype=np.float64)
            for k in range(x.size):
                ix = np.unravel_index(k, x.shape)
                saved = x[ix]
                x[ix] = saved + h
                plus = float(f(x))
                x[ix] = saved - h
                minus = float(f(x))
                x[ix] = saved
                grad[ix] = (plus - minus) / (2.0 * h)
            return grad
        """,
        "Flat counter turned into an index with np.unravel_index.",
    ),
    _m(
        NG,
        "flat_attribute",
        "alt",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for i in range(x.size):
                old = x.flat[i]
                x.flat[i] = old + h
                fp = f(x)
                x.flat[i] = old - h
                fm = f(x)
                x.flat[i] = old
                grad.flat[i] = (fp - fm) / (2 * h)
            return grad
        """,
        "Writes through x.flat (works for non-contiguous x too).",
    ),
    _m(
        NG,
        "ndindex_with_helper",
        "alt",
        """
        def _numerical_gradient_entry(f, x, ix, h):
            old = x[ix]
            try:
                x[ix] = old + h
                fp = f(x)
                x[ix] = old - h
                fm = f(x)
            finally:
                x[ix] = old
            return 0.5 * (fp - fm) / h


        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                grad[ix] = _numerical_gradient_entry(f, x, ix, h)
            return grad
        """,
        "np.ndindex loop with a private helper that restores x in a finally block.",
    ),
    _m(
        NG,
        "forward_difference",
        "bug",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            fx = f(x)
            it = np.nditer(x, flags=["multi_index"])
            while not it.finished:
                ix = it.multi_index
                old = x[ix]
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old
                grad[ix] = (fxph - fx) / h
                it.iternext()
            return grad
        """,
        "Uses the one-sided (f(x+h) - f(x)) / h, error O(h). Exposed by `cubic` "
        "(sum(x**3), x = 0.1*randn): relative error ~1e-4, far above a 1e-7 tolerance.",
    ),
    _m(
        NG,
        "divide_by_h",
        "bug",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            it = np.nditer(x, flags=["multi_index"])
            while not it.finished:
                ix = it.multi_index
                old = x[ix]
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old - h
                fxmh = f(x)
                x[ix] = old
                grad[ix] = (fxph - fxmh) / h
                it.iternext()
            return grad
        """,
        "Centred difference divided by h instead of 2h (step is 2h wide): gradient is "
        "twice too large on any input, e.g. sum(x**2).",
    ),
    _m(
        NG,
        "precedence_2h",
        "bug",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old - h
                fxmh = f(x)
                x[ix] = old
                grad[ix] = (fxph - fxmh) / 2 * h
            return grad
        """,
        "Operator precedence: `/ 2 * h` multiplies by h. Gradient ~1e-10 of the truth "
        "on any input.",
    ),
    _m(
        NG,
        "sign_flipped",
        "bug",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old - h
                fxmh = f(x)
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old
                grad[ix] = (fxmh - fxph) / (2 * h)
            return grad
        """,
        "Subtracts in the wrong order, (f(x-h) - f(x+h)) / 2h: negated gradient on any input.",
    ),
    _m(
        NG,
        "no_restore",
        "bug",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            it = np.nditer(x, flags=["multi_index"])
            while not it.finished:
                ix = it.multi_index
                old = x[ix]
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old - h
                fxmh = f(x)
                grad[ix] = (fxph - fxmh) / (2 * h)
                it.iternext()
            return grad
        """,
        "Forgets to put x[ix] back, so every entry of x ends h lower. Exposed by `x-unchanged`.",
    ),
    _m(
        NG,
        "fixed_h",
        "bug",
        """
        def numerical_gradient(f, x, h=1e-5):
            step = 1e-5
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + step
                fxph = f(x)
                x[ix] = old - step
                fxmh = f(x)
                x[ix] = old
                grad[ix] = (fxph - fxmh) / (2 * step)
            return grad
        """,
        "Hard-codes the step and ignores the h argument. Exposed only by a call with a "
        "non-default step (`h=0.1` on sum(x**3): expected 3x**2 + h**2).",
    ),
    _m(
        NG,
        "returns_x_inplace",
        "bug",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old - h
                fxmh = f(x)
                x[ix] = old
                grad[ix] = (fxph - fxmh) / (2 * h)
            x[...] = grad
            return x
        """,
        "Correct values, but 'saves memory' by writing the gradient into x and returning "
        "x itself. Exposed by `x-unchanged` (and `grad is x`).",
    ),
    _m(
        NG,
        "grad_aliases_x",
        "bug",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = x
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old - h
                fxmh = f(x)
                x[ix] = old
                grad[ix] = (fxph - fxmh) / (2 * h)
            return grad
        """,
        "Believes `grad = x` makes a new array; the gradient overwrites x entry by "
        "entry (and later entries see a corrupted x). Exposed by `x-unchanged`.",
    ),
    _m(
        NG,
        "flattened_grad",
        "bug",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.size)
            for k, ix in enumerate(np.ndindex(*x.shape)):
                old = x[ix]
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old - h
                fxmh = f(x)
                x[ix] = old
                grad[k] = (fxph - fxmh) / (2 * h)
            return grad
        """,
        "Returns a flat (x.size,) vector instead of x's shape. Exposed by `2-D x`.",
    ),
    _m(
        NG,
        "plus_minus_restore",
        "alt",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros_like(x, dtype=float)
            for ix in np.ndindex(*x.shape):
                x[ix] += h
                fxph = f(x)
                x[ix] -= 2 * h
                fxmh = f(x)
                x[ix] += h
                grad[ix] = (fxph - fxmh) / (2 * h)
            return grad
        """,
        "Restores x by += h, -= 2h, += h: x may drift by one ulp, which is not a bug. "
        "The tests forgive round-off when checking that x is unchanged.",
    ),
]


# --------------------------------------------------------------------------------------
# numerical_gradient_array(f, x, dout, h=1e-5)
# --------------------------------------------------------------------------------------

_NUMERICAL_GRADIENT_ARRAY = [
    _m(
        NGA,
        "nditer_copy",
        "alt",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros_like(x, dtype=float)
            it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
            while not it.finished:
                ix = it.multi_index
                oldval = x[ix]
                x[ix] = oldval + h
                pos = f(x).copy()
                x[ix] = oldval - h
                neg = f(x).copy()
                x[ix] = oldval
                grad[ix] = np.sum((pos - neg) * dout) / (2 * h)
                it.iternext()
            return grad
        """,
        "CS231n's eval_numerical_gradient_array.",
    ),
    _m(
        NGA,
        "dot_of_ravels",
        "alt",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros(x.shape)
            d = np.ravel(dout)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                pos = np.array(f(x), dtype=float)
                x[ix] = old - h
                neg = np.array(f(x), dtype=float)
                x[ix] = old
                grad[ix] = np.dot((pos - neg).ravel(), d) / (2 * h)
            return grad
        """,
        "Contracts with dout through np.dot of flattened arrays.",
    ),
    _m(
        NGA,
        "flat_vdot",
        "alt",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros(x.shape)
            for i in range(x.size):
                old = x.flat[i]
                x.flat[i] = old + h
                pos = np.copy(f(x))
                x.flat[i] = old - h
                neg = np.copy(f(x))
                x.flat[i] = old
                grad.flat[i] = np.vdot(dout, pos - neg) / (2 * h)
            return grad
        """,
        "x.flat indexing and np.vdot.",
    ),
    _m(
        NGA,
        "unravel_helper",
        "alt",
        """
        def _numerical_gradient_array_side(f, x, ix, value):
            x[ix] = value
            return np.asarray(f(x), dtype=np.float64).copy()


        def numerical_gradient_array(f, x, dout, h=1e-5):
            dout = np.asarray(dout)
            grad = np.zeros(x.shape, dtype=np.float64)
            for k in range(x.size):
                ix = np.unravel_index(k, x.shape)
                old = x[ix]
                pos = _numerical_gradient_array_side(f, x, ix, old + h)
                neg = _numerical_gradient_array_side(f, x, ix, old - h)
                x[ix] = old
                grad[ix] = np.sum(dout * (pos - neg)) / (2 * h)
            return grad
        """,
        "unravel_index loop with a helper that evaluates and copies one side.",
    ),
    _m(
        NGA,
        "ignores_dout",
        "bug",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                pos = f(x).copy()
                x[ix] = old - h
                neg = f(x).copy()
                x[ix] = old
                grad[ix] = np.sum(pos - neg) / (2 * h)
            return grad
        """,
        "Sums d out / d x_i without weighting by the upstream gradient (as if dout were "
        "all ones). Exposed by any random dout (`affine`).",
    ),
    _m(
        NGA,
        "mean_not_sum",
        "bug",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                pos = f(x).copy()
                x[ix] = old - h
                neg = f(x).copy()
                x[ix] = old
                grad[ix] = np.mean((pos - neg) * dout) / (2 * h)
            return grad
        """,
        "Averages instead of summing over the outputs: off by a factor out.size. "
        "Exposed by `affine` (out has 12 entries).",
    ),
    _m(
        NGA,
        "forward_difference",
        "bug",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros(x.shape)
            fx = f(x).copy()
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                pos = f(x).copy()
                x[ix] = old
                grad[ix] = np.sum((pos - fx) * dout) / h
            return grad
        """,
        "One-sided difference, error O(h). Exposed by a non-linear elementwise f "
        "(f = x**3, x = 0.1*randn, dout random): relative error ~1e-4.",
    ),
    _m(
        NGA,
        "divide_by_h",
        "bug",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                pos = f(x).copy()
                x[ix] = old - h
                neg = f(x).copy()
                x[ix] = old
                grad[ix] = np.sum((pos - neg) * dout) / h
            return grad
        """,
        "Divides the centred difference by h, not 2h: twice too large on any input.",
    ),
    _m(
        NGA,
        "no_restore",
        "bug",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                pos = f(x).copy()
                x[ix] = old - h
                neg = f(x).copy()
                grad[ix] = np.sum((pos - neg) * dout) / (2 * h)
            return grad
        """,
        "Leaves every entry of x shifted by -h. Exposed by `x-unchanged`.",
    ),
    _m(
        NGA,
        "no_copy_view",
        "bug",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                pos = f(x)
                x[ix] = old - h
                neg = f(x)
                x[ix] = old
                grad[ix] = np.sum((pos - neg) * dout) / (2 * h)
            return grad
        """,
        "Does not copy f(x): when f returns a view of x (reshape, transpose) pos and neg "
        "are the same memory and the gradient is 0. Exposed by `view` (f = lambda x: x.T).",
    ),
    _m(
        NGA,
        "diagonal_only",
        "bug",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = np.zeros(x.shape)
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                pos = f(x).copy()
                x[ix] = old - h
                neg = f(x).copy()
                x[ix] = old
                grad[ix] = (pos[ix] - neg[ix]) / (2 * h) * dout[ix]
            return grad
        """,
        "Thinks dx = dout * local derivative entry by entry (true only for elementwise "
        "f). Exposed by `square-affine` (f = x @ A) and crashes on `affine`.",
    ),
    _m(
        NGA,
        "flattened_grad",
        "bug",
        """
        def numerical_gradient_array(f, x, dout, h=1e-5):
            grad = []
            for ix in np.ndindex(*x.shape):
                old = x[ix]
                x[ix] = old + h
                pos = f(x).copy()
                x[ix] = old - h
                neg = f(x).copy()
                x[ix] = old
                grad.append(np.sum((pos - neg) * dout) / (2 * h))
            return np.array(grad)
        """,
        "Collects the entries in a list and returns shape (x.size,). Exposed by `2-D x`.",
    ),
]


# --------------------------------------------------------------------------------------
# relative_error(a, b)
# --------------------------------------------------------------------------------------

_RELATIVE_ERROR = [
    _m(
        RE,
        "cs231n_one_liner",
        "alt",
        """
        def relative_error(a, b):
            return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
        """,
        "CS231n's rel_error, returning an np.float64.",
    ),
    _m(
        RE,
        "asarray_clip",
        "alt",
        """
        def relative_error(a, b):
            a = np.asarray(a, dtype=float)
            b = np.asarray(b, dtype=float)
            denom = np.clip(np.abs(a) + np.abs(b), 1e-8, None)
            return float((np.abs(a - b) / denom).max())
        """,
        "Converts to float arrays and floors the denominator with np.clip.",
    ),
    _m(
        RE,
        "python_loop",
        "alt",
        """
        def relative_error(a, b):
            a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
            worst = 0.0
            for u, v in zip(a.ravel(), b.ravel(), strict=True):
                worst = max(worst, abs(u - v) / max(1e-8, abs(u) + abs(v)))
            return float(worst)
        """,
        "Elementwise Python loop with builtin max.",
    ),
    _m(
        RE,
        "masked_floor",
        "alt",
        """
        def relative_error(a, b):
            a = np.atleast_1d(np.asarray(a, dtype=np.float64))
            b = np.atleast_1d(np.asarray(b, dtype=np.float64))
            denom = np.abs(a) + np.abs(b)
            denom = np.where(denom < 1e-8, 1e-8, denom)
            return float(np.amax(np.abs(a - b) / denom))
        """,
        "Floors the denominator with np.where.",
    ),
    _m(
        RE,
        "no_floor",
        "bug",
        """
        def relative_error(a, b):
            return np.max(np.abs(a - b) / (np.abs(a) + np.abs(b)))
        """,
        "Drops max(1e-8, .): 0/0 gives nan. Exposed by relative_error(0.0, 0.0) and by "
        "arrays with a common zero entry.",
    ),
    _m(
        RE,
        "mean_not_max",
        "bug",
        """
        def relative_error(a, b):
            return np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
        """,
        "Averages the elementwise errors, hiding one bad entry. Exposed by arrays where "
        "one entry differs, e.g. a = [1, 1, 1, 1], b = [1, 1, 1, 2].",
    ),
    _m(
        RE,
        "sum_not_max",
        "bug",
        """
        def relative_error(a, b):
            return np.sum(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
        """,
        "Sums the elementwise errors. Exposed by any array with several differing entries.",
    ),
    _m(
        RE,
        "absolute_error",
        "bug",
        """
        def relative_error(a, b):
            return np.max(np.abs(a - b))
        """,
        "Reports the absolute error. Exposed by large values, e.g. (1000.0, 1001.0) gives "
        "1 instead of 5e-4, or tiny values.",
    ),
    _m(
        RE,
        "normwise",
        "bug",
        """
        def relative_error(a, b):
            a = np.asarray(a, dtype=float)
            b = np.asarray(b, dtype=float)
            return np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b))
        """,
        "Uses the norm-wise ||a-b|| / (||a|| + ||b||), not the elementwise maximum. "
        "Exposed by mixed magnitudes, e.g. a = [1e-3, 100], b = [2e-3, 100].",
    ),
    _m(
        RE,
        "separate_maxes",
        "bug",
        """
        def relative_error(a, b):
            num = np.max(np.abs(a - b))
            return num / max(1e-8, np.max(np.abs(a) + np.abs(b)))
        """,
        "Takes max of numerator and of denominator separately. Exposed by mixed "
        "magnitudes (a = [1e-3, 100], b = [2e-3, 100]) and by ordinary random arrays.",
    ),
    _m(
        RE,
        "max_abs_denominator",
        "bug",
        """
        def relative_error(a, b):
            return np.max(np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b))))
        """,
        "Divides by max(|a|, |b|) instead of |a| + |b|: about twice the specified value "
        "whenever a is close to b, e.g. relative_error(1.0, 1.1) = 0.0909, not 0.0476.",
    ),
    _m(
        RE,
        "abs_of_sum",
        "bug",
        """
        def relative_error(a, b):
            return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b)))
        """,
        "Writes |a + b| for |a| + |b|. Exposed by opposite signs: relative_error(1.0, -1.0) "
        "is 2e8 instead of 1, and by random arrays with negative entries.",
    ),
    _m(
        RE,
        "no_reduction",
        "bug",
        """
        def relative_error(a, b):
            return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
        """,
        "Forgets the max: returns an array for array inputs, not a float. Exposed by any "
        "array input (wrong shape; `err < tol` is ambiguous).",
    ),
    _m(
        RE,
        "abs_in_place",
        "bug",
        """
        def relative_error(a, b):
            a = np.asarray(a, dtype=float)
            b = np.asarray(b, dtype=float)
            num = np.abs(a - b)
            np.abs(a, out=a)
            np.abs(b, out=b)
            return float(np.max(num / np.maximum(1e-8, a + b)))
        """,
        "Takes |a| and |b| in place to save memory, believing np.asarray copies: it does "
        "not for a float array, so the caller's a and b lose their signs (the value is "
        "right). Exposed only by `unchanged` on arrays with negative entries.",
    ),
]


# --------------------------------------------------------------------------------------
# svm_loss_naive(W, X, y, reg)
# --------------------------------------------------------------------------------------

_SVM_NAIVE_TEMPLATE = """
def svm_loss_naive(W, X, y, reg):
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
{skip}            margin = scores[j] - correct_class_score + {delta}
            if margin > 0:
                loss += margin
{update}
{tail}
    return loss, dW
"""

_SVM_SKIP = """            if j == y[i]:
                continue
"""
_SVM_UPDATE = """                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]"""
_SVM_TAIL = """    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W"""


def _svm_naive(skip=_SVM_SKIP, delta="1", update=_SVM_UPDATE, tail=_SVM_TAIL) -> str:
    return _SVM_NAIVE_TEMPLATE.format(skip=skip, delta=delta, update=update, tail=tail)


_SVM_NAIVE = [
    _m(SVN, "cs231n_double_loop", "alt", _svm_naive(), "The CS231n double loop."),
    _m(
        SVN,
        "vectorized_in_naive",
        "alt",
        """
        def svm_loss_naive(W, X, y, reg):
            N = X.shape[0]
            scores = X @ W
            correct = scores[np.arange(N), y][:, None]
            margins = np.maximum(0.0, scores - correct + 1.0)
            margins[np.arange(N), y] = 0.0
            loss = margins.sum() / N + reg * np.sum(W * W)
            mask = (margins > 0).astype(float)
            mask[np.arange(N), y] = -mask.sum(axis=1)
            dW = X.T @ mask / N + 2 * reg * W
            return loss, dW
        """,
        "A vectorized body (graded by results, so it is fine in the naive slot).",
    ),
    _m(
        SVN,
        "row_loop_outer",
        "alt",
        """
        def svm_loss_naive(W, X, y, reg):
            num_train = X.shape[0]
            loss = 0.0
            dW = np.zeros_like(W, dtype=float)
            for i in range(num_train):
                s = X[i] @ W
                margins = np.maximum(0, s - s[y[i]] + 1)
                margins[y[i]] = 0
                loss += margins.sum()
                coeff = (margins > 0).astype(float)
                coeff[y[i]] = -coeff.sum()
                dW += np.outer(X[i], coeff)
            loss = loss / num_train + reg * np.sum(W**2)
            dW = dW / num_train + 2 * reg * W
            return loss, dW
        """,
        "Loops over samples only, one np.outer update per sample.",
    ),
    _m(
        SVN,
        "count_active_classes",
        "alt",
        """
        def svm_loss_naive(W, X, y, reg):
            N, C = X.shape[0], W.shape[1]
            loss = 0.0
            dW = np.zeros(W.shape)
            for i in range(N):
                scores = np.dot(X[i], W)
                active = 0
                for j in range(C):
                    if j != y[i]:
                        margin = scores[j] - scores[y[i]] + 1.0
                        if margin > 0:
                            loss += margin
                            active += 1
                            dW[:, j] += X[i]
                dW[:, y[i]] -= active * X[i]
            loss /= N
            dW /= N
            loss += reg * (W * W).sum()
            dW += reg * 2.0 * W
            return loss, dW
        """,
        "Counts active margins and applies the correct-class update once per sample.",
    ),
    _m(
        SVN,
        "counts_correct_class",
        "bug",
        _svm_naive(skip=""),
        "Does not skip j == y[i], so each sample adds a margin of delta = 1: loss is "
        "exactly 1 too high (dW happens to cancel). Exposed by the loss on any input.",
    ),
    _m(
        SVN,
        "delta_zero",
        "bug",
        _svm_naive(delta="0"),
        "Forgets the margin delta = 1 (hinge at 0). With small W almost no margin is "
        "active: loss ~0 instead of ~C-1. Exposed by `cifar-dev`.",
    ),
    _m(
        SVN,
        "no_average",
        "bug",
        _svm_naive(
            tail="""    loss += reg * np.sum(W * W)
    dW += 2 * reg * W"""
        ),
        "Returns the summed data loss and gradient, not the mean over N. Exposed by any N > 1.",
    ),
    _m(
        SVN,
        "dW_not_averaged",
        "bug",
        _svm_naive(
            tail="""    loss /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W"""
        ),
        "Divides the loss by N but not dW. Exposed by dW on any N > 1.",
    ),
    _m(
        SVN,
        "reg_W_in_dW",
        "bug",
        _svm_naive(
            tail="""    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += reg * W"""
        ),
        "Drops the factor 2 of d(reg*W^2)/dW. Exposed by dW with reg > 0 on "
        "`cifar-dev` (reg = 1.0).",
    ),
    _m(
        SVN,
        "half_reg_convention",
        "bug",
        _svm_naive(
            tail="""    loss /= num_train
    dW /= num_train
    loss += 0.5 * reg * np.sum(W * W)
    dW += reg * W"""
        ),
        "Uses the old CS231n 0.5*reg*||W||^2 convention (consistent, but not this "
        "course's). Exposed by loss and dW with reg > 0 on `cifar-dev` (reg = 1.0).",
    ),
    _m(
        SVN,
        "reg_sum_not_squared",
        "bug",
        _svm_naive(
            tail="""    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W)
    dW += 2 * reg * W"""
        ),
        "Regularises with reg*sum(W) instead of reg*sum(W*W). Exposed by the loss with "
        "reg = 1.0 on `cifar-dev`.",
    ),
    _m(
        SVN,
        "gradient_sign",
        "bug",
        _svm_naive(
            update="""                dW[:, j] -= X[i]
                dW[:, y[i]] += X[i]"""
        ),
        "Swaps the signs of the two updates (data gradient negated). Exposed by dW on any input.",
    ),
    _m(
        SVN,
        "missing_correct_class_grad",
        "bug",
        _svm_naive(update="""                dW[:, j] += X[i]"""),
        "Forgets that the correct-class score also appears in each margin "
        "(no -X[i] on column y[i]). Exposed by dW on any input.",
    ),
    _m(
        SVN,
        "squares_W_in_place",
        "bug",
        _svm_naive(
            tail="""    loss /= num_train
    dW /= num_train
    dW += 2 * reg * W
    W_squared = W
    W_squared *= W
    loss += reg * np.sum(W_squared)"""
        ),
        "Squares W in place for the regularisation (`W_squared = W` is the same array, not "
        "a copy): loss and dW are right, but the caller's W is squared. Exposed only by "
        "`unchanged`.",
    ),
]


# --------------------------------------------------------------------------------------
# svm_loss_vectorized(W, X, y, reg)
# --------------------------------------------------------------------------------------

_SVM_VEC_TEMPLATE = """
def svm_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    correct = scores[np.arange(num_train), y]{newaxis}
    margins = np.maximum(0, scores - correct + {delta})
{zero}    loss = np.sum(margins){loss_div}
    loss += {reg_loss}
    mask = (margins > 0).astype(float)
    mask[np.arange(num_train), y] = {count}
    dW = {sign}X.T.dot(mask){dw_div}
    dW += {reg_dw}
    return loss, dW
"""


def _svm_vec(
    newaxis="[:, np.newaxis]",
    delta="1",
    zero="    margins[np.arange(num_train), y] = 0\n",
    loss_div=" / num_train",
    reg_loss="reg * np.sum(W * W)",
    count="-np.sum(mask, axis=1)",
    sign="",
    dw_div=" / num_train",
    reg_dw="2 * reg * W",
) -> str:
    return _SVM_VEC_TEMPLATE.format(
        newaxis=newaxis,
        delta=delta,
        zero=zero,
        loss_div=loss_div,
        reg_loss=reg_loss,
        count=count,
        sign=sign,
        dw_div=dw_div,
        reg_dw=reg_dw,
    )


_SVM_VECTORIZED = [
    _m(SVV, "cs231n_mask", "alt", _svm_vec(), "The usual margins/mask vectorization."),
    _m(
        SVV,
        "one_hot_where",
        "alt",
        """
        def svm_loss_vectorized(W, X, y, reg):
            N, C = X.shape[0], W.shape[1]
            scores = X @ W
            onehot = np.eye(C)[y]
            correct = np.sum(scores * onehot, axis=1, keepdims=True)
            margins = np.where(onehot == 1, 0.0, np.maximum(0.0, scores - correct + 1.0))
            loss = np.mean(np.sum(margins, axis=1)) + reg * np.sum(np.square(W))
            active = (margins > 0) * 1.0
            coeff = active - onehot * active.sum(axis=1, keepdims=True)
            dW = X.T @ coeff / N + 2.0 * reg * W
            return loss, dW
        """,
        "One-hot matrix from np.eye and np.where instead of fancy indexing.",
    ),
    _m(
        SVV,
        "take_along_einsum",
        "alt",
        """
        def svm_loss_vectorized(W, X, y, reg):
            N = X.shape[0]
            scores = X.dot(W)
            correct = np.take_along_axis(scores, y[:, None], axis=1)
            margins = scores - correct + 1
            margins[np.arange(N), y] = 0
            margins = np.clip(margins, 0, None)
            loss = margins.sum() / N + reg * np.einsum("dc,dc->", W, W)
            g = np.sign(margins)
            g[np.arange(N), y] -= g.sum(axis=1)
            dW = np.einsum("nd,nc->dc", X, g) / N + 2 * reg * W
            return loss, dW
        """,
        "take_along_axis for the correct scores, np.sign for the mask, einsum for dW.",
    ),
    _m(
        SVV,
        "loop_over_classes",
        "alt",
        """
        def svm_loss_vectorized(W, X, y, reg):
            N, C = X.shape[0], W.shape[1]
            scores = X @ W
            rows = np.arange(N)
            correct = scores[rows, y]
            coeff = np.zeros((N, C))
            loss = 0.0
            for j in range(C):
                m = np.maximum(0.0, scores[:, j] - correct + 1.0)
                m[y == j] = 0.0
                loss += m.sum()
                coeff[:, j] = m > 0
            coeff[rows, y] = -coeff.sum(axis=1)
            loss = loss / N + reg * np.sum(W * W)
            dW = X.T @ coeff / N + 2 * reg * W
            return loss, dW
        """,
        "Loops over the C classes (not over N), vectorized over samples.",
    ),
    _m(
        SVV,
        "counts_correct_class",
        "bug",
        _svm_vec(zero=""),
        "Forgets to zero the correct-class margin: loss is 1 too high and the "
        "correct-class gradient counts one extra active margin. Exposed on any input.",
    ),
    _m(
        SVV,
        "delta_zero",
        "bug",
        _svm_vec(delta="0"),
        "Hinge at 0 instead of delta = 1. Exposed by `cifar-dev` (loss ~0).",
    ),
    _m(
        SVV,
        "no_average",
        "bug",
        _svm_vec(loss_div="", dw_div=""),
        "Sums over samples instead of averaging (loss and dW). Exposed by any N > 1.",
    ),
    _m(
        SVV,
        "dW_not_averaged",
        "bug",
        _svm_vec(dw_div=""),
        "Divides the loss by N but not dW. Exposed by dW on any N > 1.",
    ),
    _m(
        SVV,
        "reg_W_in_dW",
        "bug",
        _svm_vec(reg_dw="reg * W"),
        "Drops the factor 2 in the regularisation gradient. Exposed by dW with reg = 1.0 "
        "on `cifar-dev`.",
    ),
    _m(
        SVV,
        "half_reg_convention",
        "bug",
        _svm_vec(reg_loss="0.5 * reg * np.sum(W * W)", reg_dw="reg * W"),
        "Old 0.5*reg*||W||^2 convention. Exposed by loss and dW with reg = 1.0 on `cifar-dev`.",
    ),
    _m(
        SVV,
        "mask_minus_one",
        "bug",
        _svm_vec(count="-1"),
        "Puts -1 on the correct class instead of minus the number of active margins. "
        "Exposed by dW whenever several margins are active (always with small W).",
    ),
    _m(
        SVV,
        "correct_no_newaxis",
        "bug",
        _svm_vec(newaxis=""),
        "Subtracts the (N,) correct scores without a new axis: broadcasting error when "
        "N != C, silently wrong when N == C. Exposed on any input with N != C.",
    ),
    _m(
        SVV,
        "gradient_sign",
        "bug",
        _svm_vec(sign="-"),
        "Negates the data gradient. Exposed by dW on any input.",
    ),
]


# --------------------------------------------------------------------------------------
# softmax_loss_naive(W, X, y, reg)
# --------------------------------------------------------------------------------------

_SOFTMAX_NAIVE_TEMPLATE = """
def softmax_loss_naive(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
{pre}    for i in range(num_train):
        {scores}
{shift}        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores)
        loss += -np.log({picked})
        for j in range(num_classes):
            dW[:, j] += {coeff} * X[i]
{tail}
    return loss, dW
"""

_SMN_TAIL = """    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W"""


def _softmax_naive(
    pre="",
    scores="scores = X[i].dot(W)",
    shift="        scores -= np.max(scores)\n",
    picked="probs[y[i]]",
    coeff="(probs[j] - (j == y[i]))",
    tail=_SMN_TAIL,
) -> str:
    return _SOFTMAX_NAIVE_TEMPLATE.format(
        pre=pre, scores=scores, shift=shift, picked=picked, coeff=coeff, tail=tail
    )


# the double loop of loop_log_sum_exp, which reg_gradient_in_W edits
_SMN_LOOP = """
def softmax_loss_naive(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)
        sum_exp = np.sum(np.exp(scores))
        loss += np.log(sum_exp) - scores[y[i]]
        for j in range(num_classes):
            p = np.exp(scores[j]) / sum_exp
            dW[:, j] += (p - (j == y[i])) * X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW
"""

_SOFTMAX_NAIVE = [
    _m(
        SMN,
        "loop_log_sum_exp",
        "alt",
        _SMN_LOOP,
        "CS231n-style double loop, loss written as log(sum exp) - s_y of the shifted "
        "scores (finite even when p_y underflows).",
    ),
    _m(
        SMN,
        "vectorized_in_naive",
        "alt",
        """
        def softmax_loss_naive(W, X, y, reg):
            N = X.shape[0]
            scores = X @ W
            shifted = scores - scores.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss = -log_probs[np.arange(N), y].mean() + reg * np.sum(W * W)
            dscores = np.exp(log_probs)
            dscores[np.arange(N), y] -= 1.0
            dW = X.T @ dscores / N + 2 * reg * W
            return loss, dW
        """,
        "A vectorized body in the naive slot (graded by results).",
    ),
    _m(
        SMN,
        "row_loop_outer",
        "alt",
        """
        def _softmax_loss_naive_row(w, x, label):
            s = x @ w
            s = s - s.max()
            log_z = np.log(np.sum(np.exp(s)))
            p = np.exp(s - log_z)
            p[label] -= 1.0
            return log_z - s[label], np.outer(x, p)


        def softmax_loss_naive(W, X, y, reg):
            N = X.shape[0]
            loss = 0.0
            dW = np.zeros(W.shape)
            for i in range(N):
                li, gi = _softmax_loss_naive_row(W, X[i], y[i])
                loss += li
                dW += gi
            return loss / N + reg * np.sum(W * W), dW / N + 2 * reg * W
        """,
        "Per-sample helper returning the row loss and its np.outer gradient.",
    ),
    _m(
        SMN,
        "no_shift",
        "bug",
        _softmax_naive(shift=""),
        "No max shift: exp overflows. Exposed by `large-scores` (nan/inf loss).",
    ),
    _m(
        SMN,
        "log_prob_of_argmax",
        "bug",
        _softmax_naive(picked="np.max(probs)"),
        "Takes -log of the predicted (largest) probability instead of the correct "
        "class's. Exposed by the loss with random labels (`cifar-dev`).",
    ),
    _m(
        SMN,
        "missing_minus_one",
        "bug",
        _softmax_naive(coeff="probs[j]"),
        "Gradient probs * x without the -1 on the correct class. Exposed by dW on any input.",
    ),
    _m(
        SMN,
        "gradient_sign",
        "bug",
        _softmax_naive(coeff="((j == y[i]) - probs[j])"),
        "Uses onehot - p (the negative gradient). Exposed by dW on any input.",
    ),
    _m(
        SMN,
        "double_average",
        "bug",
        _softmax_naive(
            tail="""    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW /= num_train
    dW += 2 * reg * W"""
        ),
        "Divides dW by N twice. Exposed by dW on any N > 1.",
    ),
    _m(
        SMN,
        "no_average",
        "bug",
        _softmax_naive(
            tail="""    loss += reg * np.sum(W * W)
    dW += 2 * reg * W"""
        ),
        "Sums the per-sample losses and gradients instead of averaging. Exposed by any N > 1.",
    ),
    _m(
        SMN,
        "no_reg_in_loss",
        "bug",
        _softmax_naive(
            tail="""    loss /= num_train
    dW /= num_train
    dW += 2 * reg * W"""
        ),
        "Adds the regularisation gradient but forgets the term in the loss. Exposed by "
        "the loss with reg = 1.0 on `cifar-dev`.",
    ),
    _m(
        SMN,
        "reg_W_in_dW",
        "bug",
        _softmax_naive(
            tail="""    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += reg * W"""
        ),
        "Drops the factor 2 in the regularisation gradient. Exposed by dW with reg = 1.0 "
        "on `cifar-dev`.",
    ),
    _m(
        SMN,
        "shift_column_max",
        "bug",
        _softmax_naive(
            pre="""    all_scores = X.dot(W)
    all_scores -= np.max(all_scores, axis=0)
""",
            scores="scores = all_scores[i]",
            shift="",
        ),
        "Precomputes all scores and shifts by the max over samples (axis=0), a different "
        "constant per class, which changes the probabilities. Exposed by `cifar-dev`.",
    ),
    _m(
        SMN,
        "reg_gradient_in_W",
        "bug",
        edit(_SMN_LOOP, ("dW += 2 * reg * W\n", "W *= 2 * reg\n    dW += W\n")),
        "Forms the regularisation gradient in W itself (`W *= 2 * reg; dW += W`): loss and "
        "dW are right, but the caller's W is scaled by 2 * reg (zeroed for reg = 0). "
        "Exposed only by `unchanged`.",
    ),
]


# --------------------------------------------------------------------------------------
# softmax_loss_vectorized(W, X, y, reg)
# --------------------------------------------------------------------------------------

_SOFTMAX_VEC_TEMPLATE = """
def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
{shift}    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis={norm_axis}, keepdims=True)
    loss = -np.mean(np.log({picked}))
{reg_loss}    dscores = probs.copy()
{minus_one}    dW = X.T.dot(dscores) / num_train{extra_div}
    dW += 2 * reg * W
    return loss, dW
"""


def _softmax_vec(
    shift="    scores -= np.max(scores, axis=1, keepdims=True)\n",
    norm_axis="1",
    picked="probs[np.arange(num_train), y]",
    reg_loss="    loss += reg * np.sum(W * W)\n",
    minus_one="    dscores[np.arange(num_train), y] -= 1\n",
    extra_div="",
) -> str:
    return _SOFTMAX_VEC_TEMPLATE.format(
        shift=shift,
        norm_axis=norm_axis,
        picked=picked,
        reg_loss=reg_loss,
        minus_one=minus_one,
        extra_div=extra_div,
    )


_SOFTMAX_VECTORIZED = [
    _m(
        SMV,
        "log_softmax",
        "alt",
        """
        def softmax_loss_vectorized(W, X, y, reg):
            N = X.shape[0]
            scores = X @ W
            shifted = scores - np.max(scores, axis=1, keepdims=True)
            log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
            loss = -np.sum(log_probs[np.arange(N), y]) / N + reg * np.sum(W * W)
            dscores = np.exp(log_probs)
            dscores[np.arange(N), y] -= 1
            dW = X.T @ dscores / N + 2 * reg * W
            return loss, dW
        """,
        "Log-softmax of the row-shifted scores.",
    ),
    _m(
        SMV,
        "one_hot_logsumexp",
        "alt",
        """
        def _softmax_loss_vectorized_lse(s):
            m = s.max(axis=1, keepdims=True)
            return m + np.log(np.exp(s - m).sum(axis=1, keepdims=True))


        def softmax_loss_vectorized(W, X, y, reg):
            N, C = X.shape[0], W.shape[1]
            scores = X.dot(W)
            lse = _softmax_loss_vectorized_lse(scores)
            onehot = np.zeros((N, C))
            onehot[np.arange(N), y] = 1.0
            loss = np.mean(lse[:, 0] - np.sum(scores * onehot, axis=1))
            loss += reg * np.sum(W**2)
            probs = np.exp(scores - lse)
            dW = X.T.dot(probs - onehot) / N + reg * 2 * W
            return loss, dW
        """,
        "Helper computing logsumexp, one-hot matrix, loss = mean(lse - s_y).",
    ),
    _m(
        SMV,
        "take_along_einsum",
        "alt",
        """
        def softmax_loss_vectorized(W, X, y, reg):
            N = X.shape[0]
            z = X @ W
            z = z - z.max(axis=1)[:, None]
            e = np.exp(z)
            denom = e.sum(axis=1)
            correct = np.take_along_axis(z, y[:, None], axis=1)[:, 0]
            loss = np.mean(np.log(denom) - correct) + reg * np.einsum("ij,ij->", W, W)
            p = e / denom[:, None]
            p[np.arange(N), y] -= 1
            dW = np.einsum("nd,nc->dc", X, p) / N + 2 * reg * W
            return loss, dW
        """,
        "Row max via [:, None], take_along_axis for the correct class, einsum for dW.",
    ),
    _m(
        SMV,
        "no_shift",
        "bug",
        _softmax_vec(shift=""),
        "No max shift: exp overflows. Exposed by `large-scores` (nan/inf loss).",
    ),
    _m(
        SMV,
        "shift_column_max",
        "bug",
        _softmax_vec(shift="    scores -= np.max(scores, axis=0, keepdims=True)\n"),
        "np.max over axis=0 shifts each class by a different constant, which changes "
        "the probabilities. Exposed by `cifar-dev`.",
    ),
    _m(
        SMV,
        "shift_no_keepdims",
        "bug",
        _softmax_vec(shift="    scores = scores - np.max(scores, axis=1)\n"),
        "Row max without keepdims broadcasts along the wrong axis: error when N != C, "
        "wrong probabilities when N == C. Exposed on any input.",
    ),
    _m(
        SMV,
        "normalize_axis0",
        "bug",
        _softmax_vec(norm_axis="0"),
        "Normalises the exponentials over samples (axis=0) instead of classes. Exposed "
        "on any input.",
    ),
    _m(
        SMV,
        "fancy_index_NxN",
        "bug",
        _softmax_vec(picked="probs[:, y]"),
        "probs[:, y] is an (N, N) matrix, so the loss averages log p of every sample's "
        "label for every row. Exposed by the loss with random labels.",
    ),
    _m(
        SMV,
        "missing_minus_one",
        "bug",
        _softmax_vec(minus_one=""),
        "dscores = probs without the -1 on the correct class. Exposed by dW on any input.",
    ),
    _m(
        SMV,
        "double_average",
        "bug",
        _softmax_vec(extra_div=" / num_train"),
        "Divides dW by N twice. Exposed by dW on any N > 1.",
    ),
    _m(
        SMV,
        "no_reg_in_loss",
        "bug",
        _softmax_vec(reg_loss=""),
        "Regularisation only in dW, not in the loss. Exposed by the loss with reg = 1.0 "
        "on `cifar-dev`.",
    ),
]


MUTANTS: list[Mutant] = [
    *_NUMERICAL_GRADIENT,
    *_NUMERICAL_GRADIENT_ARRAY,
    *_RELATIVE_ERROR,
    *_SVM_NAIVE,
    *_SVM_VECTORIZED,
    *_SOFTMAX_NAIVE,
    *_SOFTMAX_VECTORIZED,
]


# Bugs with one slip in one concern: they keep the points of the concerns they do not touch
# (tests/test_assignments.py, test_one_slip_costs_once). (target, name) pairs. A bug whose
# result is wrong on every ordinary input is not listed: every concern's cell also checks
# an ordinary result (so that no trick earns a point), and such a bug may lose them all.
PARTIAL: tuple[tuple[str, str], ...] = (
    *(
        (NG, name)
        for name in (
            "no_restore",
            "fixed_h",
            "returns_x_inplace",
            "grad_aliases_x",
        )
    ),
    *(
        (NGA, name)
        for name in (
            "forward_difference",
            "no_restore",
            "no_copy_view",
        )
    ),
    *(
        (RE, name)
        for name in (
            "no_floor",
            "mean_not_max",
            "sum_not_max",
            "normwise",
            "separate_maxes",
            "max_abs_denominator",
            "abs_of_sum",
            "abs_in_place",
        )
    ),
    *((SVN, name) for name in ("squares_W_in_place",)),
    *(
        (SMN, name)
        for name in (
            "no_shift",
            "reg_gradient_in_W",
        )
    ),
    *((SMV, name) for name in ("no_shift",)),
)
