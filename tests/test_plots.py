"""nnkit.plots on the headless Agg backend: what each function draws, and into what."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnkit.plots import (  # noqa: E402
    REGION_ALPHA,
    class_colors,
    moving_average,
    plot_2d_dataset,
    plot_curves,
    plot_decision_boundary,
    plot_error_vs_h,
    plot_trajectories,
    plot_weight_templates,
    show_images,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


# ---------------------------------------------------------------------------
# curves


def test_plot_curves_one_line_per_history():
    ax = plot_curves({"train": [3.0, 2.0, 1.0], "val": [3.5, 2.5, 2.0, 1.5]})
    assert isinstance(ax, Axes)
    assert [line.get_label() for line in ax.lines] == ["train", "val"]
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [3.5, 2.5, 2.0, 1.5])
    assert ax.get_yscale() == "linear"
    assert ax.get_xlabel() == "iteration" and ax.get_ylabel() == "loss"
    assert ax.get_legend() is not None


def test_plot_curves_into_given_axes_with_log_scale_and_labels():
    _, ax = plt.subplots()
    out = plot_curves({"lr=1e-3": [1.0, 0.1, 0.01]}, ax=ax, xlabel="epoch", ylabel="x", logy=True)
    assert out is ax
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "x"


def test_plot_curves_smoothing_is_a_moving_average():
    values = [0.0, 2.0, 4.0, 6.0, 8.0]
    ax = plot_curves({"loss": values}, smooth=2)
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 3.0, 5.0, 7.0])


def test_moving_average_clips_the_window_and_handles_empty():
    x, ys = moving_average([1.0, 2.0, 3.0], 10)
    np.testing.assert_array_equal(x, [2])
    np.testing.assert_allclose(ys, [2.0])
    x, ys = moving_average([], 3)
    assert len(x) == len(ys) == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: plot_curves({}),
        lambda: plot_curves({"a": [[1.0, 2.0]]}),
        lambda: plot_curves({"a": [1.0, 2.0]}, smooth=0),
        lambda: plot_curves({"a": [1.0, 2.0]}, smooth=1.5),
    ],
)
def test_plot_curves_rejects_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_plot_error_vs_h_is_log_log():
    hs = np.logspace(-8, -1, 8)
    ax = plot_error_vs_h(hs, {"forward": hs, "centred": hs**2})
    assert isinstance(ax, Axes)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.lines] == ["forward", "centred"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), hs**2)
    _, ax2 = plt.subplots()
    assert plot_error_vs_h(hs, {"f": hs}, ax=ax2) is ax2


@pytest.mark.parametrize(
    "hs, errors",
    [
        ([1e-3, 0.0], {"f": [1.0, 1.0]}),
        ([1e-3, 1e-2], {"f": [1.0]}),
        ([], {"f": []}),
        ([1e-3], {}),
    ],
)
def test_plot_error_vs_h_rejects_bad_input(hs, errors):
    with pytest.raises(ValueError):
        plot_error_vs_h(hs, errors)


# ---------------------------------------------------------------------------
# 2-D classification


def test_plot_2d_dataset_one_scatter_coloured_by_class():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 3.0]])
    y = np.array([0, 1, 2, 1])
    ax = plot_2d_dataset(X, y)
    assert isinstance(ax, Axes)
    assert len(ax.collections) == 1
    scatter = ax.collections[0]
    np.testing.assert_array_equal(scatter.get_offsets(), X)
    ax.figure.canvas.draw()
    colors = scatter.get_facecolors()[:, :3]
    cmap, _ = class_colors(3)
    for i, label in enumerate(y):
        np.testing.assert_allclose(colors[i], to_rgb(cmap.colors[label]))


@pytest.mark.parametrize(
    "X, y",
    [
        (np.zeros((3, 3)), [0, 1, 0]),
        (np.zeros((3, 2)), [0, 1]),
        (np.zeros((2, 2)), [0, -1]),
        (np.zeros((2, 2)), [0.5, 1.0]),
    ],
)
def test_plot_2d_dataset_rejects_bad_input(X, y):
    with pytest.raises(ValueError):
        plot_2d_dataset(X, y)


def pixel_rgb(ax, x, y):
    """RGB in [0, 1] of the rendered pixel at data point (x, y)."""
    fig = ax.figure
    fig.canvas.draw()
    buf = np.asarray(fig.canvas.buffer_rgba())
    px, py = ax.transData.transform((x, y))
    return buf[buf.shape[0] - 1 - round(py), round(px), :3] / 255.0


def test_decision_boundary_regions_have_the_predicted_colours():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    y = np.array([0, 1, 2, 2])

    def predict(P):  # class 0 left, 1 top right, 2 bottom right
        return np.where(P[:, 0] < 0, 0, np.where(P[:, 1] > 0, 1, 2))

    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    out = plot_decision_boundary(predict, X, y, ax=ax, resolution=50, padding=1.0)
    assert out is ax
    assert len(ax.collections) == 2
    assert isinstance(ax.collections[0], ContourSet)
    assert ax.get_xlim() == pytest.approx((-2.0, 2.0))
    cmap, _ = class_colors(3)
    white = np.ones(3)
    # Points of the grid far from the data and from the boundaries.
    for (px, py), label in [((-1.6, 0.0), 0), ((1.6, 1.6), 1), ((1.6, -1.6), 2)]:
        assert predict(np.array([[px, py]]))[0] == label
        expected = REGION_ALPHA * np.array(to_rgb(cmap.colors[label])) + (1 - REGION_ALPHA) * white
        np.testing.assert_allclose(pixel_rgb(ax, px, py), expected, atol=0.02)


def test_decision_boundary_new_axes_and_float_labels():
    X, y = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1])
    ax = plot_decision_boundary(lambda P: (P[:, 0] > 0.5).astype(float), X, y, resolution=10)
    assert isinstance(ax, Axes)
    assert ax.get_xlim() == pytest.approx((-0.5, 1.5))


def test_decision_boundary_calls_predict_once_on_the_grid():
    calls = []

    def predict(P):
        calls.append(P.shape)
        return np.zeros(len(P), dtype=int)

    plot_decision_boundary(predict, np.zeros((3, 2)), [0, 0, 0], resolution=7)
    assert calls == [(49, 2)]


@pytest.mark.parametrize(
    "predict, kwargs",
    [
        (lambda P: np.zeros((len(P), 1)), {}),
        (lambda P: np.zeros(len(P) - 1), {}),
        (lambda P: np.full(len(P), 0.5), {}),
        (lambda P: np.zeros(len(P)), {"resolution": 1}),
        (lambda P: np.zeros(len(P)), {"padding": -1.0}),
    ],
)
def test_decision_boundary_rejects_bad_input(predict, kwargs):
    with pytest.raises(ValueError):
        plot_decision_boundary(predict, np.zeros((2, 2)), [0, 1], **kwargs)


# ---------------------------------------------------------------------------
# images


def test_show_images_grid_titles_and_normalisation():
    images = np.arange(13 * 8 * 8, dtype=np.float64).reshape(13, 8, 8)
    fig = show_images(images, labels=list(range(13)), ncols=5)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 15  # 3 rows of 5
    shown = image_axes(fig)
    assert len(shown) == 13
    assert [ax.get_title() for ax in shown] == [str(i) for i in range(13)]
    for ax in shown:
        data = ax.images[0].get_array()
        assert data.shape == (8, 8)
        assert data.min() == 0.0 and data.max() == 1.0
    np.testing.assert_allclose(shown[3].images[0].get_array(), (images[3] - images[3].min()) / 63)


def test_show_images_rows_with_image_shape_into_given_figure():
    rows = np.random.default_rng(0).uniform(0, 16, size=(4, 64))
    fig = plt.figure()
    out = show_images(rows, fig=fig, image_shape=(8, 8), normalize=False)
    assert out is fig
    assert len(image_axes(fig)) == 4 and len(fig.axes) == 4
    np.testing.assert_array_equal(
        image_axes(fig)[2].images[0].get_array(), np.clip(rows[2].reshape(8, 8), 0, 1)
    )
    assert all(ax.get_title() == "" for ax in fig.axes)


def test_show_images_colour_and_constant_images():
    images = np.zeros((2, 4, 4, 3))
    images[1, ..., 0] = 5.0
    images[1, 0, 0, 2] = -5.0
    fig = show_images(images)
    a, b = (ax.images[0].get_array() for ax in image_axes(fig))
    assert a.shape == (4, 4, 3)
    np.testing.assert_allclose(a, 0.5)  # a constant image has no range to stretch
    assert b[0, 0, 2] == 0.0 and b[1, 1, 0] == 1.0 and b[1, 1, 1] == 0.5


@pytest.mark.parametrize(
    "images, kwargs",
    [
        (np.zeros((2, 4, 4)), {"labels": ["a"]}),
        (np.zeros((2, 4, 4)), {"ncols": 0}),
        (np.zeros((2, 16)), {}),
        (np.zeros((2, 16)), {"image_shape": (3, 3)}),
        (np.zeros((0, 4, 4)), {}),
        (np.zeros((2, 4, 4, 2)), {}),
    ],
)
def test_show_images_rejects_bad_input(images, kwargs):
    with pytest.raises(ValueError):
        show_images(images, **kwargs)


def test_weight_templates_one_image_per_class_with_names():
    W = np.random.default_rng(0).standard_normal((64, 3))
    fig = plot_weight_templates(W, (8, 8), class_names=["a", "b", "c"])
    assert isinstance(fig, Figure)
    shown = image_axes(fig)
    assert [ax.get_title() for ax in shown] == ["a", "b", "c"]
    w1 = W[:, 1].reshape(8, 8)
    np.testing.assert_allclose(shown[1].images[0].get_array(), (w1 - w1.min()) / np.ptp(w1))


def test_weight_templates_drop_the_bias_row():
    D = 4 * 4 * 3
    W = np.random.default_rng(1).standard_normal((D + 1, 10))
    W[-1] = 1e6  # a bias row kept in the image would dominate the normalisation
    fig = plot_weight_templates(W, (4, 4, 3))
    shown = image_axes(fig)
    assert len(shown) == 10
    assert [ax.get_title() for ax in shown] == [str(c) for c in range(10)]
    for c, ax in enumerate(shown):
        data = ax.images[0].get_array()
        assert data.shape == (4, 4, 3)
        w = W[:D, c].reshape(4, 4, 3)
        np.testing.assert_allclose(data, (w - w.min()) / np.ptp(w))


@pytest.mark.parametrize(
    "W, kwargs",
    [
        (np.zeros((63, 2)), {}),
        (np.zeros((66, 2)), {}),
        (np.zeros(64), {}),
        (np.zeros((64, 2)), {"class_names": ["only one"]}),
    ],
)
def test_weight_templates_reject_bad_shapes(W, kwargs):
    with pytest.raises(ValueError):
        plot_weight_templates(W, (8, 8), **kwargs)


# ---------------------------------------------------------------------------
# optimizer trajectories


def bowl(w):
    """(value, gradient) of x**2 + 4 y**2, on a point (2,) or a stack (2, ...)."""
    return w[0] ** 2 + 4 * w[1] ** 2, np.stack([2 * w[0], 8 * w[1]])


def path_lines(ax):
    return {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}


def test_plot_trajectories_contours_and_one_labelled_line_per_path():
    paths = {
        "sgd": np.array([[1.5, 1.0], [1.0, -0.5], [0.5, 0.2]]),
        "adam": [[-1.0, 1.0], [-0.5, 0.5]],
    }
    ax = plot_trajectories(bowl, paths, xlim=(-2, 2), ylim=(-1.5, 1.5), levels=7, minimum=(0, 0))
    assert isinstance(ax, Axes)
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert len(contours) == 1 and len(contours[0].levels) <= 9
    lines = path_lines(ax)
    assert list(lines) == ["sgd", "adam"]
    np.testing.assert_array_equal(lines["sgd"].get_xdata(), [1.5, 1.0, 0.5])
    np.testing.assert_array_equal(lines["adam"].get_ydata(), [1.0, 0.5])
    # A start marker in the path's colour, and the star at the minimum.
    starts = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in starts] == [(1.5, 1.0), (-1.0, 1.0)]
    assert starts[0].get_color() == lines["sgd"].get_color()
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert len(stars) == 1 and stars[0].get_xdata()[0] == 0.0
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1.5, 1.5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam"]


def test_plot_trajectories_given_levels_and_axes():
    _, ax = plt.subplots()
    levels = [0.1, 1.0, 10.0]
    out = plot_trajectories(bowl, {"p": [[0.0, 1.0]]}, ax=ax, levels=levels, resolution=20)
    assert out is ax
    contour = next(c for c in ax.collections if isinstance(c, ContourSet))
    np.testing.assert_allclose(contour.levels, levels)


def test_plot_trajectories_pointwise_function_gives_the_same_contours():
    calls = []

    def pointwise(w):  # refuses stacks of points, and returns a plain value
        calls.append(w.shape)
        if w.shape != (2,):
            raise ValueError("one point at a time")
        return float(w[0] ** 2 + 4 * w[1] ** 2)

    levels = [0.5, 2.0, 4.0]
    ax1 = plot_trajectories(pointwise, {}, levels=levels, resolution=15)
    ax2 = plot_trajectories(bowl, {}, levels=levels, resolution=15)
    assert calls.count((2,)) == 15 * 15
    (c1,) = (c for c in ax1.collections if isinstance(c, ContourSet))
    (c2,) = (c for c in ax2.collections if isinstance(c, ContourSet))
    for seg1, seg2 in zip(c1.allsegs, c2.allsegs, strict=True):
        assert len(seg1) == len(seg2)
        for a, b in zip(seg1, seg2, strict=True):
            np.testing.assert_allclose(a, b)
    assert ax1.get_legend() is None


def test_plot_trajectories_tolerates_diverged_paths():
    path = np.array([[1.0, 1.0], [10.0, -10.0], [np.inf, np.nan]])
    ax = plot_trajectories(bowl, {"diverged": path})
    ax.figure.canvas.draw()
    assert ax.get_xlim() == (-2.0, 2.0)


@pytest.mark.parametrize(
    "paths, kwargs",
    [
        ({"p": np.zeros((3, 3))}, {}),
        ({"p": np.zeros(2)}, {}),
        ({"p": np.zeros((0, 2))}, {}),
        ({}, {"xlim": (1.0, -1.0)}),
        ({}, {"ylim": (0.0, np.inf)}),
        ({}, {"levels": 0}),
        ({}, {"levels": [1.0, 0.5]}),
        ({}, {"resolution": 1}),
    ],
)
def test_plot_trajectories_rejects_bad_input(paths, kwargs):
    with pytest.raises(ValueError):
        plot_trajectories(bowl, paths, **kwargs)
