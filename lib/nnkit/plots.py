"""Plots used across the notebooks, built on matplotlib alone.

Every function draws into the ``ax`` (or ``fig``) it is given, or into a new one, and
returns it; none calls ``plt.show()``, so the functions work the same in a notebook,
a script and a headless test (``matplotlib.use("Agg")``).

Class labels are coloured with one fixed palette (tab10, or tab20 beyond 10 classes),
so class c has the same colour in ``plot_2d_dataset`` and ``plot_decision_boundary``.
"""

import math
import numbers
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

REGION_ALPHA = 0.3  # opacity of the decision regions under the points


# ---------------------------------------------------------------------------
# helpers


def _axes(ax: Axes | None) -> Axes:
    """``ax`` itself, or the axes of a new figure."""
    if ax is None:
        _, ax = plt.subplots()
    return ax


def class_colors(num_classes: int) -> tuple[ListedColormap, BoundaryNorm]:
    """Colormap and norm that paint integer label c in the c-th palette colour."""
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    if num_classes <= 10:
        colors = plt.get_cmap("tab10").colors[:num_classes]
    elif num_classes <= 20:
        colors = plt.get_cmap("tab20").colors[:num_classes]
    else:
        colors = plt.get_cmap("viridis")(np.linspace(0, 1, num_classes))
    cmap = ListedColormap(colors)
    norm = BoundaryNorm(np.arange(num_classes + 1) - 0.5, num_classes)
    return cmap, norm


def _int_at_least(value, low: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def _labels(y, name: str = "y") -> np.ndarray:
    """y as a 1-D int64 array of non-negative labels."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must have shape (N,), got {y.shape}")
    if y.size and not np.all(np.equal(np.mod(y, 1), 0)):
        raise ValueError(f"{name} must hold integer class labels")
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise ValueError(f"{name} must hold labels >= 0, got {y.min()}")
    return y


def _points(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Check a 2-D labelled data set: X (N, 2), y (N,)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2), got {X.shape}")
    y = _labels(y)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    return X, y


def moving_average(values, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean over a sliding window: (x, ys) with ``ys[i] = mean(values[x[i]-window+1 : x[i]+1])``.

    ``window`` is clipped to ``len(values)``. Returns two arrays of length
    ``len(values) - window + 1``; x are the indices of each window's last value.
    """
    values = np.asarray(values, dtype=np.float64)
    window = _int_at_least(window, 1, "smoothing window")
    if len(values) == 0:
        return np.arange(0), values
    window = min(window, len(values))
    ys = np.convolve(values, np.ones(window) / window, mode="valid")
    return np.arange(window - 1, window - 1 + len(ys)), ys


# ---------------------------------------------------------------------------
# curves


def plot_curves(
    histories: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    xlabel: str = "iteration",
    ylabel: str = "loss",
    logy: bool = False,
    smooth: int | None = None,
) -> Axes:
    """Overlay named curves, e.g. ``{"train": train_acc, "val": val_acc}``.

    Value i of each curve is drawn at x = i. With ``smooth=k`` each curve is
    replaced by its moving average over k values (see ``moving_average``). One line
    per curve, labelled with its name; ``logy`` sets a log y axis.
    """
    if not histories:
        raise ValueError("histories is empty: pass a dict {name: values}")
    ax = _axes(ax)
    for name, values in histories.items():
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"curve {name!r} must be 1-D, got shape {values.shape}")
        if smooth is None:
            x, ys = np.arange(len(values)), values
        else:
            x, ys = moving_average(values, smooth)
        ax.plot(x, ys, label=str(name))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_error_vs_h(hs, errors: Mapping[str, Sequence[float]], ax: Axes | None = None) -> Axes:
    """Log-log plot of gradient error against the finite-difference step h.

    Inputs:
    - hs: (K,) positive step sizes.
    - errors: {method name: (K,) errors at those steps}, e.g. forward and centred
      differences. Their slopes show the order of each method (1 vs 2) until
      floating-point round-off takes over at small h.
    """
    hs = np.asarray(hs, dtype=np.float64)
    if hs.ndim != 1 or hs.size == 0 or np.any(hs <= 0):
        raise ValueError("hs must be a non-empty 1-D array of positive step sizes")
    if not errors:
        raise ValueError("errors is empty: pass a dict {method: errors}")
    ax = _axes(ax)
    for name, err in errors.items():
        err = np.asarray(err, dtype=np.float64)
        if err.shape != hs.shape:
            raise ValueError(f"errors[{name!r}] has shape {err.shape}, expected {hs.shape}")
        ax.loglog(hs, err, "o-", label=str(name))
    ax.set_xlabel("step size h")
    ax.set_ylabel("error")
    ax.legend()
    return ax


# ---------------------------------------------------------------------------
# 2-D classification


def plot_2d_dataset(X, y, ax: Axes | None = None, *, num_classes: int | None = None) -> Axes:
    """Scatter a 2-D data set X (N, 2) coloured by its labels y (N,).

    ``num_classes`` fixes the palette (default ``max(y) + 1``). Draws one scatter
    collection.
    """
    X, y = _points(X, y)
    C = num_classes if num_classes is not None else int(y.max(initial=0)) + 1
    cmap, norm = class_colors(C)
    ax = _axes(ax)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, norm=norm, s=20, edgecolors="k", linewidths=0.5)
    ax.set_aspect("equal")
    return ax


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X,
    y,
    ax: Axes | None = None,
    resolution: int = 200,
    padding: float = 0.5,
) -> Axes:
    """Colour the plane by the class ``predict`` assigns, then scatter the points.

    Inputs:
    - predict: maps points P (M, 2) to integer labels (M,).
    - X (N, 2), y (N,): the data set; the grid covers its bounding box plus
      ``padding`` on each side, with ``resolution`` points along each axis.

    Draws a filled contour (one collection, regions at opacity ``REGION_ALPHA``) and
    the scatter of the points, in the same class colours.
    """
    X, y = _points(X, y)
    resolution = _int_at_least(resolution, 2, "resolution")
    if not (math.isfinite(padding) and padding >= 0):
        raise ValueError(f"padding must be finite and >= 0, got {padding!r}")
    xx, yy = np.meshgrid(
        np.linspace(X[:, 0].min() - padding, X[:, 0].max() + padding, resolution),
        np.linspace(X[:, 1].min() - padding, X[:, 1].max() + padding, resolution),
    )
    P = np.column_stack([xx.ravel(), yy.ravel()])
    Z = np.asarray(predict(P))
    if Z.shape != (len(P),):
        raise ValueError(f"predict must map (M, 2) points to (M,) labels; got shape {Z.shape}")
    Z = _labels(Z, "predict(P)")
    C = int(max(Z.max(), y.max(initial=0))) + 1
    cmap, norm = class_colors(C)
    ax = _axes(ax)
    levels = np.arange(C + 1) - 0.5
    Z = Z.reshape(xx.shape)
    ax.contourf(xx, yy, Z, levels=levels, cmap=cmap, norm=norm, alpha=REGION_ALPHA)
    plot_2d_dataset(X, y, ax=ax, num_classes=C)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    return ax


def data_extent(X, padding: float = 0.25) -> tuple[float, float, float, float]:
    """A square ``(x_min, x_max, y_min, y_max)`` around the points of X (N, 2): centred
    on their bounding box, with sides as long as its longer side plus ``2 * padding``."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"X must have shape (N, 2) with N >= 1, got {X.shape}")
    low, high = X.min(axis=0), X.max(axis=0)
    cx, cy = (low + high) / 2
    half = float(np.max(high - low)) / 2 + padding
    return (cx - half, cx + half, cy - half, cy + half)


def boundary_grid(model, extent, resolution: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The model's class and confidence on a ``resolution x resolution`` grid.

    The grid has ``x = linspace(x_min, x_max, resolution)`` along the columns and
    ``y = linspace(y_min, y_max, resolution)`` along the rows (row 0 at y_min, as
    ``imshow(origin="lower")`` draws it), for ``extent = (x_min, x_max, y_min, y_max)``.
    ``model.loss(P)`` maps points P (R*R, 2) to scores (R*R, C). Returns labels (R, R)
    int64, the argmax of the scores, and confidence (R, R), the largest softmax
    probability, in [1 / C, 1].
    """
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, numbers.Integral)
        or not (2 <= resolution <= 1000)
    ):
        raise ValueError(f"resolution must be an integer from 2 to 1000, got {resolution!r}")
    x_min, x_max, y_min, y_max = extent
    xx, yy = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    P = np.column_stack([xx.ravel(), yy.ravel()])
    scores = model.loss(P)
    if scores is None:
        raise ValueError("model.loss(X) returned None: it must return the scores (N, C)")
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != len(P):
        raise ValueError(
            f"model.loss(X) must return scores of shape (N, C); for X {P.shape} it "
            f"returned {scores.shape}"
        )
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    shape = (resolution, resolution)
    return np.argmax(scores, axis=1).reshape(shape), probs.max(axis=1).reshape(shape)


def region_rgba(
    labels, confidence, num_classes: int, alpha: tuple[float, float] = (0.08, 0.6)
) -> np.ndarray:
    """An RGBA image (R, R, 4) of the decision regions: class c in the colour of
    ``class_colors`` (the points' colours), opaque in proportion to the confidence, from
    ``alpha[0]`` at chance (1 / C) to ``alpha[1]`` at certainty."""
    from matplotlib.colors import to_rgba_array

    cmap, _ = class_colors(num_classes)
    colors = to_rgba_array(cmap.colors)[:, :3]
    labels, confidence = np.asarray(labels), np.asarray(confidence, dtype=np.float64)
    chance = 1.0 / num_classes
    strength = np.clip((confidence - chance) / (1.0 - chance), 0.0, 1.0)
    rgba = np.empty((*labels.shape, 4))
    rgba[..., :3] = colors[labels]
    rgba[..., 3] = alpha[0] + (alpha[1] - alpha[0]) * strength
    return rgba


# ---------------------------------------------------------------------------
# images


def normalize_image(image) -> np.ndarray:
    """Rescale one image linearly to [0, 1] (min -> 0, max -> 1); constant -> 0.5."""
    image = np.asarray(image, dtype=np.float64)
    lo, hi = image.min(), image.max()
    if hi == lo:
        return np.full_like(image, 0.5)
    return (image - lo) / (hi - lo)


def _image_stack(images, image_shape) -> np.ndarray:
    """images as (N, H, W) or (N, H, W, 3|4); rows (N, D) need image_shape."""
    images = np.asarray(images, dtype=np.float64)
    if image_shape is not None:
        if images.ndim < 1 or math.prod(images.shape[1:]) != math.prod(image_shape):
            raise ValueError(f"cannot view images of shape {images.shape} as {image_shape}")
        images = images.reshape(len(images), *image_shape)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] in (3, 4))):
        raise ValueError(
            "images must have shape (N, H, W) or (N, H, W, 3), or (N, D) with image_shape; "
            f"got {images.shape}"
        )
    if len(images) == 0:
        raise ValueError("images is empty")
    return images


def show_images(
    images,
    labels: Sequence | None = None,
    ncols: int = 10,
    fig: Figure | None = None,
    cmap: str = "gray",
    *,
    image_shape: tuple[int, ...] | None = None,
    normalize: bool = True,
) -> Figure:
    """Show a grid of small images, one per axes, titled with ``labels``.

    Inputs:
    - images: (N, H, W) grey or (N, H, W, 3) colour; or rows (N, D) together with
      ``image_shape``, e.g. digits with ``image_shape=(8, 8)``.
    - labels: N titles (any printable values), or None.
    - ncols: images per row; the grid has ``ceil(N / ncols)`` rows.
    - fig: the figure to draw into (cleared first), or None for a new one.
    - normalize: rescale each image to [0, 1] on its own (``normalize_image``), which
      makes learned weight templates visible; otherwise values are clipped to [0, 1].

    Returns the figure; its first N axes hold one image each, the rest are hidden.
    """
    images = _image_stack(images, image_shape)
    N = len(images)
    if labels is not None and len(labels) != N:
        raise ValueError(f"got {len(labels)} labels for {N} images")
    ncols = min(_int_at_least(ncols, 1, "ncols"), N)
    nrows = math.ceil(N / ncols)
    if fig is None:
        fig = plt.figure(figsize=(1.2 * ncols, 1.3 * nrows))
    else:
        fig.clear()
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= N:
            continue
        image = normalize_image(images[i]) if normalize else np.clip(images[i], 0, 1)
        ax.imshow(image, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=9)
    return fig


def plot_weight_templates(
    W,
    image_shape: tuple[int, ...],
    class_names: Sequence[str] | None = None,
    fig: Figure | None = None,
) -> Figure:
    """Show each column of a linear classifier's W (D, C) as an image.

    ``image_shape`` is the shape of one input, e.g. (8, 8) or (32, 32, 3), with
    D = prod(image_shape); a W with one more row (the bias trick) has that last row
    dropped. Each template is rescaled to [0, 1] for display and titled with its
    class name (default: the class index).
    """
    W = np.asarray(W, dtype=np.float64)
    D = math.prod(image_shape)
    if W.ndim != 2 or W.shape[0] not in (D, D + 1):
        raise ValueError(
            f"W must have shape ({D}, C) or ({D + 1}, C) with a bias row for images of shape "
            f"{tuple(image_shape)}; got {W.shape}"
        )
    templates = W[:D].T.reshape(W.shape[1], *image_shape)
    names = list(range(W.shape[1])) if class_names is None else list(class_names)
    if len(names) != W.shape[1]:
        raise ValueError(f"got {len(names)} class names for {W.shape[1]} columns of W")
    return show_images(templates, labels=names, ncols=min(10, W.shape[1]), fig=fig)


# ---------------------------------------------------------------------------
# optimizer trajectories on 2-D functions


def _grid_values(f: Callable, xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """Values of f on a meshgrid: one call on the stack of all points when f accepts it
    (as the functions of ``nnkit.functions2d`` do), else one call per point."""

    def value_of(out):
        return out[0] if isinstance(out, tuple) else out

    try:
        Z = np.asarray(value_of(f(np.stack([xx, yy]))), dtype=np.float64)
        if Z.shape == xx.shape:
            return Z
    except (ValueError, TypeError, IndexError):
        pass
    points = zip(xx.ravel(), yy.ravel(), strict=True)
    Z = np.array([float(value_of(f(np.array([x, y])))) for x, y in points])
    return Z.reshape(xx.shape)


def plot_trajectories(
    f: Callable,
    paths: Mapping[str, Sequence],
    ax: Axes | None = None,
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-2.0, 2.0),
    levels: int | Sequence[float] = 20,
    resolution: int = 200,
    minimum: Sequence[float] | None = None,
) -> Axes:
    """Contour lines of a 2-D function with optimizer paths drawn over them.

    Inputs:
    - f: maps a point (2,) to its value, or to ``(value, gradient)`` like the functions
      of ``nnkit.functions2d``. If f also takes a stack of points (2, R, R) the grid is
      evaluated in one call, else point by point.
    - paths: {name: (T, 2) array of the points visited, start first}. Points that
      left the plot (or became inf/nan) are simply not shown.
    - xlim, ylim: the plotted window; the grid has ``resolution`` points along each axis.
    - levels: number of contour levels, or the increasing level values themselves
      (e.g. ``np.logspace(-1, 3, 15)`` for a function that varies over decades).
    - minimum: a point (2,) to mark with a star, e.g. the known minimum.

    Draws one contour set (grey), then one line per path, labelled with its name, with a
    larger marker at its start; the legend lists the paths. Returns the axes.
    """
    resolution = _int_at_least(resolution, 2, "resolution")
    for name, lim in (("xlim", xlim), ("ylim", ylim)):
        if len(lim) != 2 or not all(math.isfinite(v) for v in lim) or not lim[0] < lim[1]:
            raise ValueError(f"{name} must be (low, high) with low < high, got {lim!r}")
    if not isinstance(levels, numbers.Integral):
        levels = np.asarray(levels, dtype=np.float64)
        if levels.ndim != 1 or levels.size == 0 or np.any(np.diff(levels) <= 0):
            raise ValueError("levels must be a positive int or an increasing sequence")
    else:
        levels = _int_at_least(levels, 1, "levels")
    checked = {}
    for name, path in paths.items():
        path = np.asarray(path, dtype=np.float64)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
            raise ValueError(f"path {name!r} must have shape (T, 2) with T >= 1, got {path.shape}")
        checked[name] = path
    xx, yy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    ax = _axes(ax)
    ax.contour(xx, yy, _grid_values(f, xx, yy), levels=levels, colors="0.6", linewidths=0.8)
    for name, path in checked.items():
        (line,) = ax.plot(path[:, 0], path[:, 1], ".-", markersize=3, linewidth=1.2, label=name)
        ax.plot(path[0, 0], path[0, 1], "o", color=line.get_color(), markersize=7)
    if minimum is not None:
        ax.plot(*np.asarray(minimum, dtype=np.float64), "*", color="k", markersize=12)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel("$w_0$")
    ax.set_ylabel("$w_1$")
    if checked:
        ax.legend(fontsize="small")
    return ax
