"""Data sets and preprocessing for the notebooks.

- ``load_digits_split``: scikit-learn's 8x8 digits (ships with scikit-learn, no
  download), scaled to [0, 1] and split into train / val / test.
- ``make_spiral``, ``make_circles``, ``make_blobs``: small 2-D classification problems
  that a linear classifier can or cannot solve, for plotting decision boundaries.
- ``load_cifar10_batch``, ``load_cifar10``: the CIFAR-10 "python version" pickle batches.
- ``flatten``, ``subtract_mean``, ``append_bias``: the preprocessing of CS231n.

Shapes use the course letters: X ``(N, D)``, y ``(N,)`` with int64 labels in
``[0, C)``. Every random choice goes through an explicit ``rng``
(``np.random.Generator``); ``rng=None`` means ``np.random.default_rng()``.
Bad arguments raise ValueError with a message that names the argument.
"""

import functools
import math
import numbers
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_CLASSES = (
    "plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
CIFAR10_IMAGE_SHAPE = (32, 32, 3)
_CIFAR10_ROW = 3 * 32 * 32
_CIFAR10_NUM_TRAIN_BATCHES = 5


# ---------------------------------------------------------------------------
# argument checks


def _rng(rng) -> np.random.Generator:
    """``rng`` itself, or a fresh unseeded Generator when it is None."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            "rng must be a numpy.random.Generator, e.g. np.random.default_rng(0), or None; "
            f"got {type(rng).__name__}"
        )
    return rng


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _non_negative_float(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------
# digits


@dataclass(frozen=True, eq=False, repr=False)
class Split:
    """A train / val / test split. ``idx_*`` index rows of the full data set.

    X_* have shape ``(N_*, D)`` and y_* shape ``(N_*,)`` (int64).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    idx_train: np.ndarray
    idx_val: np.ndarray
    idx_test: np.ndarray

    def __repr__(self) -> str:
        return (
            f"Split(train={len(self.y_train)}, val={len(self.y_val)}, "
            f"test={len(self.y_test)}, D={self.X_train.shape[1]})"
        )


@functools.cache
def _digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits as read-only arrays: images (1797, 64) in 0..16, labels (1797,)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = np.asarray(digits.data, dtype=np.float64)
    y = np.asarray(digits.target, dtype=np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def _split_sizes(N: int, val_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    """Sizes (N_train, N_val, N_test) of a split of N rows, rounding the fractions."""
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if isinstance(f, bool) or not isinstance(f, numbers.Real) or not 0 <= f < 1:
            raise ValueError(f"{name} must be a number in [0, 1), got {f!r}")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            "val_fraction + test_fraction must be < 1 so that training rows remain, "
            f"got {val_fraction} + {test_fraction}"
        )
    N_val = round(val_fraction * N)
    N_test = round(test_fraction * N)
    N_train = N - N_val - N_test
    if N_train < 1:
        raise ValueError(f"the split leaves no training rows out of {N}")
    return N_train, N_val, N_test


def load_digits_split(
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    rng: np.random.Generator | None = None,
    dtype=np.float64,
) -> Split:
    """scikit-learn's 8x8 digits, scaled to [0, 1], split at random into train/val/test.

    Inputs:
    - val_fraction, test_fraction: shares of the 1797 rows in val and test, each in
      [0, 1) with a sum below 1; the sizes are rounded and train gets the rest.
    - rng: the split is ``rng.permutation(1797)``; the first rows go to train, then
      val, then test. The split is not stratified: class shares vary a little
      between the parts.
    - dtype: float dtype of the X arrays.

    Returns a Split with X_train (N_train, 64), y_train (N_train,) int64 in [0, 10),
    and the same for val and test. Pixel values are the original 0..16 divided by 16.
    """
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype must be a float dtype, got {dtype}")
    X_all, y_all = _digits_raw()
    N_train, N_val, _ = _split_sizes(len(y_all), val_fraction, test_fraction)
    order = _rng(rng).permutation(len(y_all))
    idx = np.split(order, [N_train, N_train + N_val])
    X = [(X_all[i] / 16.0).astype(dtype) for i in idx]
    y = [y_all[i].copy() for i in idx]
    return Split(X[0], y[0], X[1], y[1], X[2], y[2], idx[0], idx[1], idx[2])


# ---------------------------------------------------------------------------
# 2-D toy problems


def make_spiral(
    n_per_class: int = 100,
    num_classes: int = 3,
    noise: float = 0.2,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The CS231n spiral: ``num_classes`` interleaved arms, not linearly separable.

    Arm k has radius ``r = linspace(0, 1, n_per_class)`` and angle
    ``theta = 4k + linspace(0, 4, n_per_class) + noise * randn``; a point is
    ``(r sin theta, r cos theta)``.

    Returns X (N, 2) float64 with N = n_per_class * num_classes, ordered arm by arm,
    and y (N,) int64, y = k on arm k. Every point lies within radius 1 of the origin.
    """
    n_per_class = _positive_int(n_per_class, "n_per_class")
    num_classes = _positive_int(num_classes, "num_classes")
    noise = _non_negative_float(noise, "noise")
    rng = _rng(rng)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), num_classes)
    y = np.repeat(np.arange(num_classes, dtype=np.int64), n_per_class)
    theta = 4.0 * y + np.tile(np.linspace(0.0, 4.0, n_per_class), num_classes)
    theta = theta + noise * rng.standard_normal(theta.shape)
    X = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return X, y


def make_circles(
    n_samples: int = 200,
    noise: float = 0.05,
    factor: float = 0.5,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: label 0 on radius 1, label 1 on radius ``factor``.

    The outer circle gets ``n_samples // 2`` points and the inner one the rest, at
    evenly spaced angles; Gaussian noise with std ``noise`` is then added to each
    coordinate. Rows are ordered outer first, then inner.

    Returns X (N, 2) float64 and y (N,) int64, N = n_samples.
    """
    n_samples = _positive_int(n_samples, "n_samples")
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 so both circles get points, got {n_samples}")
    noise = _non_negative_float(noise, "noise")
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor!r}")
    rng = _rng(rng)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    X = np.concatenate([_circle(n_out, 1.0), _circle(n_in, float(factor))])
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return X, y


def _circle(n: int, radius: float) -> np.ndarray:
    """n points (n, 2) evenly spaced on the circle of the given radius."""
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return radius * np.column_stack([np.cos(theta), np.sin(theta)])


def make_blobs(
    n_samples: int = 300,
    centers=3,
    std: float = 1.0,
    rng: np.random.Generator | None = None,
    center_box: tuple[float, float] = (-10.0, 10.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, one class per centre.

    Inputs:
    - n_samples: total number of points N, shared as evenly as possible between the
      C centres (the first ``N % C`` centres get one more); N >= C.
    - centers: an int C, and then the centres are drawn uniformly from the square
      ``center_box`` x ``center_box`` with ``rng``; or an array (C, D) of centres.
    - std: standard deviation of each coordinate around its centre.

    Returns X (N, D) float64 (D = 2 unless centres are given) ordered class by class,
    and y (N,) int64 with y = c for points drawn around centre c.
    """
    n_samples = _positive_int(n_samples, "n_samples")
    std = _non_negative_float(std, "std")
    rng = _rng(rng)
    mu = _blob_centres(centers, center_box, rng)
    C, D = mu.shape
    if n_samples < C:
        raise ValueError(f"n_samples ({n_samples}) must be >= the number of centres ({C})")
    counts = np.full(C, n_samples // C) + (np.arange(C) < n_samples % C)
    y = np.repeat(np.arange(C, dtype=np.int64), counts)
    X = mu[y] + std * rng.standard_normal((n_samples, D))
    return X, y


def _blob_centres(centers, center_box, rng: np.random.Generator) -> np.ndarray:
    """Centres (C, D) from an int C (drawn from rng in the box) or an array."""
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        C = _positive_int(centers, "centers")
        low, high = (float(v) for v in center_box)
        if not low < high:
            raise ValueError(f"center_box must be (low, high) with low < high, got {center_box}")
        return rng.uniform(low, high, size=(C, 2))
    mu = np.asarray(centers, dtype=np.float64)
    if mu.ndim != 2 or mu.shape[0] < 1 or mu.shape[1] < 1:
        raise ValueError(f"centers must be an int or an array of shape (C, D), got {mu.shape}")
    if not np.all(np.isfinite(mu)):
        raise ValueError("centers must be finite")
    return mu


# ---------------------------------------------------------------------------
# CIFAR-10


def _missing_cifar(path: Path, what: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"CIFAR-10 {what} not found: {path}. Download the python version from "
        f"{CIFAR10_URL} and extract it; the folder cifar-10-batches-py holds "
        "data_batch_1 .. data_batch_5 and test_batch."
    )


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles plain containers and numpy arrays only, never arbitrary callables.

    A CIFAR batch needs nothing else, so a file that asks for any other global is
    rejected instead of run.
    """

    _NUMPY_MODULES = {
        "numpy",
        "numpy.core.multiarray",
        "numpy._core.multiarray",
        "numpy.core.numeric",
        "numpy._core.numeric",
    }

    def find_class(self, module, name):
        if (module, name) == ("_codecs", "encode"):  # bytes pickled with protocol <= 2
            import codecs

            return codecs.encode
        if module in self._NUMPY_MODULES and name in _numpy_pickle_globals():
            return _numpy_pickle_globals()[name]
        raise pickle.UnpicklingError(f"a CIFAR-10 batch may not reference {module}.{name}")


@functools.cache
def _numpy_pickle_globals() -> dict:
    """The numpy callables that pickled arrays and scalars refer to, by name."""
    return {
        "ndarray": np.ndarray,
        "dtype": np.dtype,
        "_reconstruct": np.zeros(1).__reduce__()[0],
        "scalar": np.float64(0).__reduce__()[0],
        "_frombuffer": np.zeros(1).__reduce_ex__(5)[0],
    }


_UNPICKLE_ERRORS = (
    pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError
)  # fmt: skip


def _read_batch(path) -> tuple[np.ndarray, np.ndarray]:
    """Raw contents of one batch file: data (N, 3072) uint8 and labels (N,) int64."""
    path = Path(path)
    if not path.is_file():
        raise _missing_cifar(path, "batch file")
    try:
        with path.open("rb") as f:
            batch = _BatchUnpickler(f, encoding="bytes").load()
    except _UNPICKLE_ERRORS as e:
        raise ValueError(f"{path} is not a CIFAR-10 python batch: {e}") from e
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: expected a pickled dict, got {type(batch).__name__}")
    data = _batch_entry(batch, "data", path)
    labels = _batch_entry(batch, "labels", path)
    return _check_data(data, path), _check_labels(labels, path, len(data))


def _batch_entry(batch: dict, key: str, path: Path):
    """batch[key], accepting the bytes keys of the real files and str keys."""
    for k in (key.encode(), key):
        if k in batch:
            return batch[k]
    raise ValueError(f"{path}: missing key {key!r}; found keys {sorted(map(repr, batch))}")


def _check_data(data, path: Path) -> np.ndarray:
    data = np.asarray(data)
    if data.ndim != 2 or data.shape[1] != _CIFAR10_ROW:
        raise ValueError(f"{path}: data must have shape (N, {_CIFAR10_ROW}), got {data.shape}")
    if data.dtype == np.uint8:
        return data
    is_int = np.issubdtype(data.dtype, np.integer)
    if not is_int or (data.size and (data.min() < 0 or data.max() > 255)):
        raise ValueError(f"{path}: data must hold pixels 0..255 (uint8), got dtype {data.dtype}")
    return data.astype(np.uint8)


def _check_labels(labels, path: Path, N: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (N,):
        raise ValueError(f"{path}: expected {N} labels (one per data row), got {labels.shape}")
    if N and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels must be integers in [0, 10)")
    return labels.astype(np.int64)


def _to_images(data: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Rows (N, 3072) stored channel-major (R plane, G, B) -> images (N, 32, 32, 3)."""
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(dtype)


def load_cifar10_batch(path, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Load one CIFAR-10 python batch file (e.g. ``data_batch_1`` or ``test_batch``).

    The file is a pickled dict with ``b"data"``, uint8 (N, 3072) whose rows hold the
    1024 red, then green, then blue pixels of a 32x32 image, and ``b"labels"``, a
    list of N ints in [0, 10). Only plain containers and numpy arrays are unpickled.

    Returns X (N, 32, 32, 3) float64 with pixel values 0..255 (channels last) and
    y (N,) int64. FileNotFoundError if the file is missing, ValueError if its contents
    are not a batch.
    """
    data, labels = _read_batch(path)
    return _to_images(data, dtype), labels


def load_cifar10(
    root, num_train: int | None = None, num_test: int | None = None, dtype=np.float64
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load CIFAR-10 from the extracted ``cifar-10-batches-py`` folder ``root``.

    Training data is the concatenation of whichever of ``data_batch_1`` ..
    ``data_batch_5`` exist (at least one must); test data is ``test_batch``.
    ``num_train`` / ``num_test`` keep only the first rows (None keeps all); batches
    beyond what ``num_train`` needs are not read.

    Returns X_train (N_train, 32, 32, 3), y_train (N_train,), X_test (N_test, 32, 32, 3),
    y_test (N_test,); X float64 in 0..255, y int64.
    """
    for n, name in ((num_train, "num_train"), (num_test, "num_test")):
        if n is not None:
            _positive_int(n, name)
    root = Path(root)
    if not root.is_dir():
        raise _missing_cifar(root, "folder")
    paths = [root / f"data_batch_{k}" for k in range(1, _CIFAR10_NUM_TRAIN_BATCHES + 1)]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        raise _missing_cifar(root / "data_batch_1", "training batches (data_batch_1..5)")
    if not (root / "test_batch").is_file():
        raise _missing_cifar(root / "test_batch", "test batch")
    train = []
    for p in paths:
        if num_train is not None and sum(len(b[1]) for b in train) >= num_train:
            break
        train.append(_read_batch(p))
    data_train, y_train = (np.concatenate(parts) for parts in zip(*train, strict=True))
    data_test, y_test = _read_batch(root / "test_batch")
    data_train, y_train = _first_rows(data_train, y_train, num_train, "num_train")
    data_test, y_test = _first_rows(data_test, y_test, num_test, "num_test")
    return _to_images(data_train, dtype), y_train, _to_images(data_test, dtype), y_test


def _first_rows(data: np.ndarray, labels: np.ndarray, n: int | None, name: str):
    """The first n rows of (data, labels); all of them when n is None."""
    if n is None:
        return data, labels
    if n > len(labels):
        raise ValueError(f"{name}={n} but only {len(labels)} rows are available")
    return data[:n], labels[:n]


# ---------------------------------------------------------------------------
# preprocessing


def flatten(X) -> np.ndarray:
    """Reshape X (N, d1, ..., dk) to (N, D) with D = d1 * ... * dk; (N,) becomes (N, 1)."""
    X = np.asarray(X)
    if X.ndim == 0:
        raise ValueError("flatten needs an array with a leading batch axis N, got a scalar")
    return X.reshape(X.shape[0], math.prod(X.shape[1:]))


def subtract_mean(X_train, *others) -> tuple[np.ndarray, ...]:
    """Centre the data on the mean of the training set.

    Inputs:
    - X_train: (N, ...) training data; its mean over axis 0 is used for every array.
    - others: arrays (M, ...) with the same trailing shape, e.g. X_val, X_test. They
      never influence the mean (that would leak test data into training).

    Returns (mean, X_train - mean, *(X - mean for X in others)) with mean of shape
    ``X_train.shape[1:]``. The inputs are not modified.
    """
    X_train = np.asarray(X_train)
    if X_train.ndim == 0 or X_train.shape[0] == 0:
        raise ValueError(f"X_train must have at least one row, got shape {X_train.shape}")
    mean = X_train.mean(axis=0)
    centred = [X_train - mean]
    for i, X in enumerate(others):
        X = np.asarray(X)
        if X.shape[1:] != X_train.shape[1:]:
            raise ValueError(
                f"others[{i}] has shape {X.shape}; it needs (M, *{X_train.shape[1:]}) "
                "to match X_train"
            )
        centred.append(X - mean)
    return (mean, *centred)


def append_bias(X) -> np.ndarray:
    """The bias trick: flatten X (N, ...) to (N, D) and append a column of ones.

    Returns (N, D + 1), so that ``append_bias(X) @ W`` with W (D + 1, C) equals
    ``flatten(X) @ W[:-1] + W[-1]``.
    """
    X = flatten(X)
    return np.concatenate([X, np.ones((X.shape[0], 1), dtype=X.dtype)], axis=1)
