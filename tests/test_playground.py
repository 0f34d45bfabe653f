"""nnkit.widgets.NetworkPlayground driven without a browser, on the headless Agg backend.

The oracles are independent of the widget: the same run written out by hand with
nnkit.data, nnkit.models and nnkit.optim (its own minibatch loop), the model's own
predictions, and the softmax loss of nnkit.layers plus the written L2 term.
"""

import html
import io
import math
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from nnkit import layers  # noqa: E402
from nnkit.data import make_spiral  # noqa: E402
from nnkit.models import FullyConnectedNet  # noqa: E402
from nnkit.optim import adam  # noqa: E402
from nnkit.plots import boundary_grid, data_extent  # noqa: E402
from nnkit.solver import batch_stream, train_steps  # noqa: E402
from nnkit.widgets import (  # noqa: E402
    LEARNING_RATES,
    PLAYGROUND_DATASETS,
    NetworkPlayground,
    build_playground_model,
    make_playground_data,
)
from nnkit.widgets import figure as widget_figure  # noqa: E402

SEED = 7


@pytest.fixture(autouse=True)
def close_figures():
    # Every redraw renders a PNG on Agg; a lower dpi keeps the file fast and changes
    # nothing the tests read (artists, labels, which pixels changed).
    with matplotlib.rc_context({"figure.dpi": 50}):
        yield
    plt.close("all")


STUB_PNG = b"\x89PNG\r\n\x1a\n (not rendered)"


@pytest.fixture
def no_png(monkeypatch):
    """Skip rasterising the figure: the fallback canvas gets a stub PNG. For the tests
    that read the model, the artists' data and the text, not pixels; rendering them is
    most of a redraw's time. The tests of the picture use ``drawn_pg``."""
    monkeypatch.setattr(widget_figure, "figure_png", lambda fig, dpi=None: STUB_PNG)


@pytest.fixture
def pg(no_png):
    playground = NetworkPlayground(rng=np.random.default_rng(SEED))
    yield playground
    playground.close()


@pytest.fixture
def drawn_pg():
    playground = NetworkPlayground(rng=np.random.default_rng(SEED))
    assert bytes(playground.canvas.value).startswith(b"\x89PNG")
    assert bytes(playground.canvas.value) != STUB_PNG
    yield playground
    playground.close()


def shapes(model):
    return {name: w.shape for name, w in model.params.items()}


def params_copy(model):
    return {name: w.copy() for name, w in model.params.items()}


def same_params(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def png_pixels(data: bytes) -> np.ndarray:
    return imread(io.BytesIO(data))


def error_text(playground) -> str:
    return html.unescape(playground.error.value)


def he_scaled(model):
    """The documented init of the default [20] relu net: He for the hidden layer (gain
    sqrt(2), fan_in 2), 1 / sqrt(fan_in) for the output layer."""
    model.params["W1"] *= math.sqrt(2) / math.sqrt(2)
    model.params["W2"] *= 1 / math.sqrt(20)
    return model


def hand_written_run(seed, num_steps, lr, reg, batch_size=32):
    """The default run without the widget: the spiral from the rng, then the net, then
    Adam on minibatches of a fresh permutation per epoch. Returns the rng as well."""
    rng = np.random.default_rng(seed)
    X, y = make_spiral(n_per_class=100, num_classes=3, noise=0.2, rng=rng)
    model = he_scaled(FullyConnectedNet([20], 2, 3, weight_scale=1.0, reg=reg, rng=rng))
    configs = {name: {"learning_rate": lr} for name in model.params}
    losses, order, pos = [], [], 0
    for _ in range(num_steps):
        if pos >= len(order):
            order, pos = rng.permutation(len(y)), 0
        idx = order[pos : pos + batch_size]
        pos += batch_size
        loss, grads = model.loss(X[idx], y[idx])
        losses.append(loss)
        for name in model.params:
            model.params[name], configs[name] = adam(model.params[name], grads[name], configs[name])
    return rng, X, y, model, losses


# ---------------------------------------------------------------------------
# the pure functions


@pytest.mark.parametrize("key", list(PLAYGROUND_DATASETS))
def test_every_data_set_is_learnt_by_the_default_net(key):
    rng = np.random.default_rng(SEED)
    X, y = make_playground_data(key, rng)
    C = PLAYGROUND_DATASETS[key].num_classes
    assert X.dtype == np.float64 and X.shape == (len(y), 2) and 200 <= len(y) <= 400
    assert y.dtype == np.int64 and set(y) == set(range(C))
    assert np.abs(X).max() < 2.0  # around the origin, on the scale of the init
    model = build_playground_model(C, 20, 1, "relu", 0.0, rng)
    configs = {}
    losses = train_steps(model, batch_stream(X, y, 32, rng), 600, configs, lr=0.01)
    assert len(losses) == 600 and {c["t"] for c in configs.values()} == {600}
    assert np.mean(losses[-50:]) < np.mean(losses[:50]) / 3
    assert np.mean(np.argmax(model.loss(X), axis=1) == y) > 0.95, key


def test_build_playground_model_scales_the_weights_for_the_activation():
    rng = np.random.default_rng(SEED)
    for activation, gain in (("relu", math.sqrt(2)), ("tanh", 1.0)):
        model = build_playground_model(3, 64, 4, activation, 0.0, rng)
        assert model.activation == activation and model.num_layers == 5
        for i in range(1, 5):
            std = model.params[f"W{i}"].std()
            assert std == pytest.approx(gain / math.sqrt(2 if i == 1 else 64), rel=0.35)
        assert model.params["W5"].std() == pytest.approx(1 / 8, rel=0.2)
        assert all(not model.params[f"b{i}"].any() for i in range(1, 6))


def test_boundary_grid_rows_are_y_and_columns_are_x():
    class SignOfXMinusY:  # class 1 where x > y, else class 0
        def loss(self, P):
            d = P[:, 0] - P[:, 1]
            return np.column_stack([-d, d])

    labels, confidence = boundary_grid(SignOfXMinusY(), (-1.0, 1.0, -2.0, 2.0), 5)
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-2, 2, 5)
    np.testing.assert_array_equal(labels, (xs[None, :] > ys[:, None]).astype(int))
    d = xs[None, :] - ys[:, None]
    np.testing.assert_allclose(confidence, 1 / (1 + np.exp(-2 * np.abs(d))), rtol=1e-12)


# ---------------------------------------------------------------------------
# the widget: model, data, training


def test_defaults_build_the_documented_model_and_a_png_bundle(drawn_pg):
    pg = drawn_pg
    assert isinstance(pg.model, FullyConnectedNet)
    assert shapes(pg.model) == {"W1": (2, 20), "b1": (20,), "W2": (20, 3), "b2": (3,)}
    assert pg.model.activation == "relu" and pg.model.reg == 0.0
    assert pg.X.shape == (300, 2) and set(pg.y) == {0, 1, 2}
    assert pg.num_classes == 3
    assert (pg.dataset.value, pg.hidden_dim.value, pg.depth.value) == ("spiral", 20, 1)
    assert (pg.activation.value, pg.lr.value, pg.reg.value) == ("relu", 0.01, 0.0)
    assert pg.step == 0 and pg.loss_history == []
    assert pg.readout_values["step"] == 0
    assert pg.error.value == ""
    bundle = pg._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == pg.widget.model_id
    assert bundle["image/png"].startswith("iVBOR")  # base64 of the PNG signature
    assert bytes(pg.canvas.value).startswith(b"\x89PNG")


def test_clicks_are_exactly_the_hand_written_adam_run(pg):
    pg.lr.value = 0.03
    pg.reg.value = 1e-3
    pg.steps.value = 150
    pg.train_button.click()
    assert pg.error.value == ""
    rng, X, y, model, losses = hand_written_run(SEED, 150, lr=0.03, reg=1e-3)
    np.testing.assert_array_equal(pg.X, X)
    np.testing.assert_array_equal(pg.y, y)
    np.testing.assert_allclose(pg.loss_history, losses, rtol=1e-12, atol=0)
    for name, w in model.params.items():
        np.testing.assert_allclose(pg.model.params[name], w, rtol=1e-10, atol=1e-14)
    # a second click continues from these weights and Adam state: 150 + 50 steps
    pg.train(num_steps=50)
    rng, *_, more = hand_written_run(SEED, 200, lr=0.03, reg=1e-3)
    np.testing.assert_allclose(pg.loss_history, more, rtol=1e-12, atol=0)
    assert pg.step == 200
    # Reset draws the next weights from the same generator
    pg.reset_button.click()
    fresh = he_scaled(FullyConnectedNet([20], 2, 3, weight_scale=1.0, rng=rng))
    assert same_params(params_copy(pg.model), fresh.params)


def test_a_seeded_playground_is_deterministic(no_png):
    a = NetworkPlayground(rng=np.random.default_rng(SEED))
    b = NetworkPlayground(rng=np.random.default_rng(SEED))
    for p in (a, b):
        p.steps.value = 40
        p.train_button.click()
    assert same_params(params_copy(a.model), params_copy(b.model))
    assert a.loss_history == b.loss_history
    np.testing.assert_array_equal(a.boundary_labels, b.boundary_labels)
    np.testing.assert_array_equal(a.image.get_array(), b.image.get_array())
    assert a.readout.value == b.readout.value
    other, _ = make_playground_data("spiral", np.random.default_rng(SEED + 1))
    assert not np.array_equal(a.X, other)
    for p in (a, b):
        p.close()


def test_train_clicks_lower_the_loss_and_fit_the_spiral(pg):
    pg.steps.value = 300
    losses, accuracies = [pg.full_loss()], [pg.accuracy()]
    for _ in range(2):
        pg.train_button.click()
        losses.append(pg.readout_values["loss"])
        accuracies.append(pg.readout_values["accuracy"])
    assert pg.error.value == ""
    assert pg.step == 600 and len(pg.loss_history) == 600
    assert losses[0] > losses[1] > losses[2], losses
    assert losses[-1] < losses[0] / 5
    assert accuracies[0] < 0.6 < 0.95 < accuracies[-1], accuracies
    # the readout is the model's own numbers on the whole training set
    predicted = np.argmax(pg.model.loss(pg.X), axis=1)
    assert pg.readout_values["accuracy"] == np.mean(predicted == pg.y)
    assert pg.readout_values["epoch"] == 600 / math.ceil(300 / 32)
    text = html.unescape(pg.readout.value)
    assert "step <b>600</b>" in text
    assert f"train accuracy <b>{accuracies[-1]:.1%}</b>" in text
    assert f"loss <b>{losses[-1]:.4f}</b>" in text
    assert "last click: 300 steps" in pg.status.value


def test_lr_and_reg_apply_from_the_next_click(no_png):
    # values outside the menus are added to them
    pg = NetworkPlayground(rng=np.random.default_rng(SEED), lr=0.05, reg=0.002)
    assert pg.lr.value == 0.05 and 0.05 in dict(pg.lr.options).values()
    assert set(LEARNING_RATES) <= set(dict(pg.lr.options).values())
    assert pg.reg.value == 0.002 and pg.model.reg == 0.002

    before = params_copy(pg.model)
    pg.train(num_steps=1)
    assert all(c["learning_rate"] == 0.05 for c in pg.configs.values())
    # Adam's first step moves every weight with a nonzero gradient by lr * sign(dw)
    moved = np.abs(pg.model.params["W2"] - before["W2"])
    assert moved.max() == pytest.approx(0.05, rel=1e-6)
    assert np.mean(np.isclose(moved, 0.05, rtol=1e-3)) > 0.9
    # the readout's loss is the softmax loss plus reg * sum(W**2)
    data_loss, _ = layers.softmax_loss(pg.model.loss(pg.X), pg.y)
    l2 = sum(np.sum(pg.model.params[f"W{i}"] ** 2) for i in (1, 2))
    assert pg.readout_values["loss"] == pytest.approx(data_loss + 0.002 * l2, rel=1e-12)

    trained = params_copy(pg.model)
    pg.lr.value = 0.3
    pg.reg.value = 0.0
    assert same_params(trained, params_copy(pg.model))  # no reset, no training yet
    assert pg.model.reg == 0.002 and pg.step == 1
    assert "next Train click" in pg.status.value
    pg.train(num_steps=1)
    assert all(c["learning_rate"] == 0.3 for c in pg.configs.values())
    assert pg.model.reg == 0.0 and pg.step == 2
    pg.close()


# ---------------------------------------------------------------------------
# changing the architecture or the data set rebuilds the model


def test_architecture_changes_and_reset_rebuild_the_model(pg):
    pg.train(num_steps=20)
    pg.depth.value = 3
    assert shapes(pg.model) == {
        "W1": (2, 20), "b1": (20,), "W2": (20, 20), "b2": (20,),
        "W3": (20, 20), "b3": (20,), "W4": (20, 3), "b4": (3,),
    }  # fmt: skip
    assert pg.step == 0 and pg.configs == {}
    assert len(pg.loss_line.get_xdata()) == 0
    pg.hidden_dim.value = 7
    assert [shapes(pg.model)[f"W{i}"] for i in (1, 2, 3, 4)] == [(2, 7), (7, 7), (7, 7), (7, 3)]
    pg.activation.value = "tanh"
    assert pg.model.activation == "tanh" and pg.model.num_layers == 4
    assert "2 -> 7 -> 7 -> 7 -> 3, tanh" in pg.ax_data.get_title()
    assert "2 -> 7 -> 7 -> 7 -> 3, tanh" in pg.status.value.replace("&gt;", ">")

    pg.train(num_steps=30)
    trained = params_copy(pg.model)
    pg.reset_button.click()
    assert shapes(pg.model) == {name: w.shape for name, w in trained.items()}
    assert not same_params(trained, params_copy(pg.model))
    assert pg.step == 0 and pg.readout_values["step"] == 0
    assert pg.loss_history == [] and len(pg.smooth_line.get_xdata()) == 0
    assert pg.model.activation == "tanh"
    assert pg.error.value == ""


def test_changing_the_data_set_draws_new_data_and_a_new_model(drawn_pg):
    pg = drawn_pg
    artists = (pg.image, pg.scatter, pg.loss_line, pg.smooth_line)
    counts = (len(pg.ax_data.get_children()), len(pg.ax_loss.get_children()))
    pg.train(num_steps=10)
    for key in ("circles", "blobs", "xor"):
        old_X = pg.X
        pg.dataset.value = key
        C = PLAYGROUND_DATASETS[key].num_classes
        assert pg.num_classes == C and set(pg.y) == set(range(C))
        assert pg.X.shape[1] == 2 and not np.array_equal(pg.X[:5], old_X[:5])
        assert shapes(pg.model)["W2"] == (20, C) and shapes(pg.model)["b2"] == (C,)
        assert pg.step == 0
        np.testing.assert_array_equal(pg.scatter.get_offsets(), pg.X)
        np.testing.assert_array_equal(pg.scatter.get_array(), pg.y)
        assert tuple(pg.image.get_extent()) == pytest.approx(data_extent(pg.X))
        assert pg.boundary_labels.max() < C
    # xor: label 1 when the signs differ (up to the blobs' overlap)
    assert np.mean((pg.X[:, 0] * pg.X[:, 1] < 0) == pg.y) > 0.9
    # the artists are updated in place, never added
    assert (pg.image, pg.scatter, pg.loss_line, pg.smooth_line) == artists
    assert (len(pg.ax_data.get_children()), len(pg.ax_loss.get_children())) == counts


# ---------------------------------------------------------------------------
# the view


def test_the_boundary_is_the_models_prediction_and_changes_with_training(drawn_pg):
    pg = drawn_pg
    labels, _ = boundary_grid(pg.model, pg.extent, 100)
    np.testing.assert_array_equal(pg.boundary_labels, labels)
    # spot checks against the model itself: grid row i is y_i, column j is x_j
    x0, x1, y0, y1 = pg.extent
    xs, ys = np.linspace(x0, x1, 100), np.linspace(y0, y1, 100)
    for i, j in ((0, 0), (10, 90), (99, 37), (50, 50)):
        point = np.array([[xs[j], ys[i]]])
        assert pg.boundary_labels[i, j] == np.argmax(pg.model.loss(point))

    image_before = pg.image.get_array().copy()
    png_before = png_pixels(bytes(pg.canvas.value))
    pg.steps.value = 200
    pg.train_button.click()
    assert not np.array_equal(pg.image.get_array(), image_before)
    png_after = png_pixels(bytes(pg.canvas.value))
    assert png_after.shape == png_before.shape
    width = png_before.shape[1]
    left = np.any(png_after[:, : width // 2] != png_before[:, : width // 2], axis=-1)
    assert left.mean() > 0.05  # the decision regions moved
    np.testing.assert_array_equal(pg.loss_line.get_ydata(), pg.loss_history)
    assert len(pg.smooth_line.get_xdata()) == 200 - pg.steps_per_epoch + 1


# ---------------------------------------------------------------------------
# errors


def test_bad_steps_per_click_is_a_readable_error(pg):
    for bad in (0, -5, 20_000):
        pg.steps.value = bad
        pg.train_button.click()  # must not raise out of the callback
        message = error_text(pg)
        assert "Error" in message and "steps per click must be an integer from 1 to" in message
        assert "Traceback" not in message and pg.log.outputs == ()
        assert pg.step == 0 and not pg.train_button.disabled
    pg.steps.value = 10
    pg.train_button.click()
    assert pg.error.value == "" and pg.step == 10


def test_a_non_finite_loss_undoes_the_click(pg):
    pg.train(num_steps=20)
    weights = params_copy(pg.model)
    pg.X[5] = np.nan  # a broken point: the batch holding it has a nan loss
    pg.train_button.click()
    message = error_text(pg)
    assert "the loss became nan" in message and "back to where they were" in message
    assert "Traceback" not in message and pg.log.outputs == ()
    assert same_params(weights, params_copy(pg.model))
    assert {c["t"] for c in pg.configs.values()} == {20}  # Adam's state too
    assert pg.step == 20 and not pg.train_button.disabled


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"dataset": "moons"}, "unknown data set"),
        ({"activation": "swish"}, "activation must be one of"),
        ({"depth": 5}, "depth"),
        ({"hidden_dim": 0}, "hidden_dim"),
        ({"lr": 0.0}, "lr must be a finite number > 0"),
        ({"reg": -1e-3}, "reg must be a finite number >= 0"),
        ({"steps_per_click": 0}, "steps_per_click"),
        ({"rng": 42}, "numpy.random.Generator"),
    ],
)
def test_bad_arguments_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        NetworkPlayground(**kwargs)


IPYMPL_CHECK = """
import matplotlib
matplotlib.use("module://ipympl.backend_nbagg")
import numpy as np
from ipympl.backend_nbagg import Canvas
from nnkit.widgets import NetworkPlayground

pg = NetworkPlayground(rng=np.random.default_rng(0))
assert isinstance(pg.canvas, Canvas) and pg.canvas is pg.fig.canvas, type(pg.canvas)
assert pg.canvas in pg.widget.children
calls = []
pg.fig.canvas.draw_idle = lambda: calls.append("draw_idle")
pg.steps.value = 20
pg.train_button.click()
assert pg.error.value == "", pg.error.value
assert pg.step == 20 and calls == ["draw_idle"], calls
pg.depth.value = 2
assert calls == ["draw_idle"] * 2, calls

# once the browser has drawn (the background is cached), a click that keeps the limits
# redraws the regions, points and curves only, and the pixels are a full draw's
canvas = pg.fig.canvas
canvas.draw()  # what the browser's draw request runs
canvas.blit = lambda bbox=None: calls.append("blit")
pg.steps.value = 1
state = pg._view_state()
image = pg.image.get_array().copy()
pg.train_button.click()
assert pg._view_state() == state, (state, pg._view_state())
assert calls[-1] == "blit" and len(calls) == 3, calls
assert not np.array_equal(image, pg.image.get_array())  # the regions were redrawn
blitted = np.asarray(canvas.buffer_rgba()).copy()
canvas.draw()
assert np.array_equal(blitted, np.asarray(canvas.buffer_rgba())), "blit != full draw"
for _ in range(30):  # the steps axis outgrows its limit: a full draw, limits by half again
    pg.train_button.click()
assert "draw_idle" in calls[3:] and pg.ax_loss.get_xlim()[1] >= pg.step, calls

# new data or a new network changes the data axes' limits or title, even with the loss
# axes as they were: a full draw, never a blit over the old background
for control, value in ((pg.dataset, "xor"), (pg.hidden_dim, 7)):
    canvas.draw()
    pg.reset()  # the loss axes back at their start; a blit if nothing else changed
    n = len(calls)
    control.value = value
    assert calls[n:] == ["draw_idle"], (calls[n:], control.description)

# the static PNG (saved figure) shows the animated regions and curves too
import io
from matplotlib.image import imread
from nnkit.widgets.figure import figure_png  # what the static PNG is made with
def saved():
    return imread(io.BytesIO(figure_png(pg.fig)))
with_regions = saved()
pg.image.set_visible(False)
assert not np.array_equal(with_regions, saved()), "savefig left the regions out"
print("ok")
"""


def test_ipympl_backend_uses_the_canvas_widget():
    out = subprocess.run(
        [sys.executable, "-c", IPYMPL_CHECK], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")
