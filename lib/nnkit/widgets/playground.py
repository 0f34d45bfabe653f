"""``NetworkPlayground``: a small TensorFlow Playground for a fully connected network.

Pick a 2-D data set (spiral, circles, blobs, xor), the width, depth and activation of
the network, the learning rate and L2 strength; each Train click runs some Adam steps
from the current weights and redraws the decision regions, the loss curve and a readout
(step, loss, train accuracy). It trains the reader's own network::

    NetworkPlayground(rng=np.random.default_rng(SEED + 99), model=FullyConnectedNet)

(ReLU only, as the notebook's class); without ``model``, nnkit's ``FullyConnectedNet``
(any activation, once notebook 04 is unlocked).

``make_playground_data`` and ``build_playground_model`` are plain functions of their
arguments; the training steps (``nnkit.solver.batch_stream``, ``train_steps``) and the
boundary grid (``nnkit.plots.boundary_grid``, ``region_rgba``) live with the code they
belong to. ``NetworkPlayground`` reads its controls, calls them and updates its artists
(``imshow`` / scatter / lines, all built once). Every random draw (data, weights,
minibatch order) comes from the one Generator it is given. A click whose loss stops
being finite is undone and reported in ``error``.
"""

from __future__ import annotations

import copy
import html
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from ..models import ACTIVATIONS, FullyConnectedNet
from ..optim import get_rule
from ..own_code import call, name_of, not_written
from ..plots import boundary_grid, class_colors, data_extent, moving_average, region_rgba
from ..solver import batch_stream, train_steps
from .figure import FigureHost, Guarded, close_tree


@dataclass(frozen=True)
class PlaygroundDataset:
    """A 2-D data set of the playground: ``make(rng) -> (X, y)`` with X (N, 2) and
    y (N,) int labels in ``[0, num_classes)``; every random draw comes from ``rng``."""

    key: str
    label: str
    num_classes: int
    make: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]


# three blobs on a circle of radius 0.9 (at 90, 210 and 330 degrees); xor: four blobs
_BLOB_CENTRES = 0.9 * np.array([[0.0, 1.0], [-0.866025, -0.5], [0.866025, -0.5]])
_XOR_CENTRES = 0.5 * np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])


def _spiral(rng):
    from ..data import make_spiral

    return make_spiral(n_per_class=100, num_classes=3, noise=0.2, rng=rng)


def _circles(rng):
    from ..data import make_circles

    return make_circles(n_samples=300, noise=0.08, factor=0.5, rng=rng)


def _blobs(rng):
    from ..data import make_blobs

    return make_blobs(n_samples=300, centers=_BLOB_CENTRES, std=0.25, rng=rng)


def _xor(rng):
    """Four blobs around (+-0.5, +-0.5); a point's label is 1 when its blob's centre has
    coordinates of opposite signs (the XOR of the signs), else 0."""
    from ..data import make_blobs

    X, y = make_blobs(n_samples=400, centers=_XOR_CENTRES, std=0.2, rng=rng)
    return X, y // 2  # centres 0, 1 are (+, +), (-, -); centres 2, 3 are (+, -), (-, +)


PLAYGROUND_DATASETS: dict[str, PlaygroundDataset] = {
    d.key: d
    for d in (
        PlaygroundDataset("spiral", "spiral (3 classes)", 3, _spiral),
        PlaygroundDataset("circles", "circles (2 classes)", 2, _circles),
        PlaygroundDataset("blobs", "blobs (3 classes)", 3, _blobs),
        PlaygroundDataset("xor", "xor (2 classes)", 2, _xor),
    )
}
PLAYGROUND_ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
REGULARIZATIONS = (0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
MAX_HIDDEN_DIM = 64
MAX_DEPTH = 4
MAX_STEPS_PER_CLICK = 10_000


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _int_in(value, low: int, high: int, name: str) -> int:
    if not _is_int(value) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return int(value)


def _real(value, name: str, *, positive: bool) -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(
            f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {value!r}"
        )
    return float(value)


def _generator(rng) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)) or None, "
            f"got {type(rng).__name__}"
        )
    return rng


def _playground_dataset(key: str) -> PlaygroundDataset:
    if key not in PLAYGROUND_DATASETS:
        raise ValueError(
            f"unknown data set {key!r}; choose one of {', '.join(PLAYGROUND_DATASETS)}"
        )
    return PLAYGROUND_DATASETS[key]


def make_playground_data(key: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """X (N, 2) float64 and y (N,) int64 of the playground data set ``key`` (a key of
    ``PLAYGROUND_DATASETS``), drawn with ``rng``. All of them are centred on the origin
    and lie within about 2 of it (spiral and circles within 1.3), on the scale the
    initial weights of ``build_playground_model`` suit."""
    X, y = _playground_dataset(key).make(_generator(rng))
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def build_playground_model(
    num_classes: int,
    hidden_dim: int,
    depth: int,
    activation: str = "relu",
    reg: float = 0.0,
    rng: np.random.Generator | None = None,
    *,
    net: Callable | None = None,
):
    """A ``FullyConnectedNet`` with ``depth`` hidden layers of ``hidden_dim`` units for
    2-D inputs, its weights scaled for the activation.

    ``net`` is the class to build (the reader's own ``FullyConnectedNet`` of notebook 04,
    called as ``net(hidden_dims, input_dim, num_classes, weight_scale, reg, rng)``, so
    ReLU only); default nnkit's, which takes any activation of ``ACTIVATIONS``.

    The net draws ``Wi = rng.standard_normal((fan_in, fan_out))`` (weight_scale=1), then
    each hidden layer's Wi is multiplied by ``gain / sqrt(fan_in)`` with gain sqrt(2) for
    relu / leaky_relu (He) and 1 for tanh / sigmoid (Xavier); the output layer by
    ``1 / sqrt(fan_in)``. A fixed small scale (the net's default 1e-2) would leave a deep
    net's scores near zero and its first steps near zero too.
    """
    depth = _int_in(depth, 1, MAX_DEPTH, "depth (number of hidden layers)")
    hidden_dim = _int_in(hidden_dim, 1, MAX_HIDDEN_DIM, "hidden_dim")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    args = dict(
        input_dim=2,
        num_classes=num_classes,
        weight_scale=1.0,
        reg=_real(reg, "reg", positive=False),
        rng=_generator(rng),
    )
    if net is None:
        model = FullyConnectedNet([hidden_dim] * depth, activation=activation, **args)
    elif activation != "relu":
        raise ValueError(f"your {name_of(net)} uses ReLU; activation {activation!r} needs nnkit's")
    else:
        model = call(net, [hidden_dim] * depth, **args)
    num_layers = depth + 1
    expected = {f"{p}{i}" for i in range(1, num_layers + 1) for p in "Wb"}
    params = getattr(model, "params", None)
    if not isinstance(params, dict) or set(params) != expected:
        keys = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(
            f"{name_of(net or FullyConnectedNet)}({[hidden_dim] * depth}, input_dim=2, ...) "
            f"has params {keys}; expected {', '.join(sorted(expected))}"
        )
    gain = math.sqrt(2.0) if activation in ("relu", "leaky_relu") else 1.0
    for i in range(1, num_layers + 1):
        W = np.asarray(model.params[f"W{i}"], dtype=np.float64)
        scale = (gain if i < num_layers else 1.0) / math.sqrt(W.shape[0])
        model.params[f"W{i}"] = W * scale
    return model


def _value_options(values: Iterable[float], extra: float) -> list[tuple[str, float]]:
    """Dropdown options ``(label, value)``, sorted, with ``extra`` added if missing."""
    return [(f"{v:g}", v) for v in sorted({float(v) for v in values} | {float(extra)})]


class NetworkPlayground(Guarded):
    """Train a small ``FullyConnectedNet`` on a 2-D data set, click by click, and watch
    its decision regions and loss (after the TensorFlow Playground).

    Each Train click runs ``steps`` Adam steps (minibatches of ``batch_size``, reshuffled
    every epoch) from the current weights and optimizer state, then redraws. Changing
    the data set draws new data and new weights; changing the width, depth or activation
    builds a new model (new weights, empty loss curve); the learning rate and L2 strength
    are read at the next Train click, so they can change halfway through a run.

    Randomness: the data, the weights (every reset) and the minibatch order all come
    from ``rng``, in the order the clicks ask for them, so a seeded playground driven
    through the same clicks gives the same numbers.

    Widgets (attributes, so tests and notebooks can drive them):
    - ``dataset`` (Dropdown, keys of ``PLAYGROUND_DATASETS``), ``activation``
      (Dropdown), ``hidden_dim`` (IntSlider, units per hidden layer), ``depth``
      (IntSlider, hidden layers 1 .. 4);
    - ``lr`` (Dropdown of ``LEARNING_RATES``), ``reg`` (Dropdown of ``REGULARIZATIONS``,
      the L2 strength of ``FullyConnectedNet``), ``steps`` (IntText, steps per click);
    - ``train_button``, ``reset_button``;
    - ``readout`` (HTML: step, epoch, loss and accuracy on the whole training set; the
      same numbers in ``readout_values``), ``status`` (timing, pending changes),
      ``error`` and ``log`` (see ``Guarded``);
    - ``fig``, ``ax_data`` (regions ``image``, points ``scatter``), ``ax_loss``
      (``loss_line`` per step, ``smooth_line`` averaged over an epoch), ``canvas``,
      ``widget`` (the whole VBox).

    State: ``X``, ``y``, ``num_classes``, ``extent``, ``model``, ``configs`` (optimizer
    state per parameter), ``loss_history`` (minibatch loss of every step since the last
    reset), ``step`` (its length), ``boundary_labels`` (the class grid on screen).
    Methods: ``train(num_steps=None)`` (a Train click), ``reset()`` (Reset),
    ``new_data()`` (what a new data set choice runs), ``accuracy()`` and
    ``full_loss()`` on the whole training set, ``close()``.

    Arguments: the controls' starting values (``lr`` and ``reg`` not in the menus are
    added to them), ``steps_per_click``, ``batch_size``, ``update_rule`` (a name in
    ``nnkit.optim.RULES``, default "adam"), ``resolution`` of the boundary grid and
    ``figsize``. Bad values raise ValueError here; in the widget they are shown in
    ``error`` and the model is left as it was.
    """

    def __init__(
        self,
        rng: np.random.Generator | None = None,
        *,
        dataset: str = "spiral",
        hidden_dim: int = 20,
        depth: int = 1,
        activation: str = "relu",
        lr: float = 0.01,
        reg: float = 0.0,
        steps_per_click: int = 100,
        batch_size: int = 32,
        update_rule="adam",
        resolution: int = 100,
        figsize=(9.0, 4.0),
        model: Callable | None = None,
    ):
        super().__init__()
        _playground_dataset(dataset)
        if model is not None and not callable(model):
            raise ValueError(f"model must be a class like FullyConnectedNet, got {model!r}")
        self.net = model
        activations = PLAYGROUND_ACTIVATIONS if model is None else ("relu",)
        if activation not in activations:
            raise ValueError(
                f"activation must be one of {', '.join(activations)}, got {activation!r}"
            )
        _int_in(hidden_dim, 1, MAX_HIDDEN_DIM, "hidden_dim")
        _int_in(depth, 1, MAX_DEPTH, "depth (number of hidden layers)")
        lr = _real(lr, "lr", positive=True)
        reg = _real(reg, "reg", positive=False)
        _int_in(steps_per_click, 1, MAX_STEPS_PER_CLICK, "steps_per_click")
        self.batch_size = _int_in(batch_size, 1, 100_000, "batch_size")
        self.resolution = _int_in(resolution, 2, 1000, "resolution")
        get_rule(update_rule)
        self.update_rule = update_rule
        self.rng = _generator(rng)
        self.loss_history: list[float] = []
        self.configs: dict[str, dict] = {}
        self.readout_values: dict[str, float] = {}
        self.last_train_seconds = self.last_draw_seconds = 0.0

        style = {"description_width": "110px"}
        layout = widgets.Layout(width="300px")
        common = dict(style=style, layout=layout)
        self.dataset = widgets.Dropdown(
            options=[(d.label, d.key) for d in PLAYGROUND_DATASETS.values()],
            value=dataset,
            description="data set",
            **common,
        )
        self.activation = widgets.Dropdown(
            options=list(activations),
            value=activation,
            description="activation",
            **common,
        )
        self.hidden_dim = widgets.IntSlider(
            value=hidden_dim,
            min=1,
            max=MAX_HIDDEN_DIM,
            description="units / layer",
            continuous_update=False,
            **common,
        )
        self.depth = widgets.IntSlider(
            value=depth,
            min=1,
            max=MAX_DEPTH,
            description="hidden layers",
            continuous_update=False,
            **common,
        )
        self.lr = widgets.Dropdown(
            options=_value_options(LEARNING_RATES, lr),
            value=lr,
            description="learning rate",
            **common,
        )
        self.reg = widgets.Dropdown(
            options=_value_options(REGULARIZATIONS, reg), value=reg, description="L2 reg", **common
        )
        self.steps = widgets.IntText(value=steps_per_click, description="steps / click", **common)
        self.train_button = widgets.Button(
            description="Train",
            icon="play",
            button_style="primary",
            tooltip="train for 'steps / click' more steps, from the current weights",
        )
        self.reset_button = widgets.Button(
            description="Reset", icon="refresh", tooltip="new random weights"
        )
        self.readout = widgets.HTML(value="")
        self.readout.add_class("nnkit-readout")
        self.status = widgets.HTML(value="")
        self.status.add_class("nnkit-status")

        # the figure and its artists, built once; new data or weights only update them
        self._host = FigureHost(figsize, ncols=2)
        self.fig = self._host.fig
        self.ax_data, self.ax_loss = self._host.axes
        self.canvas = self._host.view
        cmap, norm = class_colors(3)
        self.image = self.ax_data.imshow(
            np.zeros((2, 2, 4)),
            extent=(-1, 1, -1, 1),
            origin="lower",
            interpolation="bilinear",
            zorder=0,
        )
        self.scatter = self.ax_data.scatter(
            [0.0], [0.0], c=[0], cmap=cmap, norm=norm, s=14, edgecolors="k", linewidths=0.4
        )
        (self.loss_line,) = self.ax_loss.plot([], [], color="tab:blue", lw=0.8, alpha=0.35)
        (self.smooth_line,) = self.ax_loss.plot([], [], color="tab:blue", lw=2)
        self.ax_loss.set_yscale("log")
        self.ax_loss.grid(alpha=0.3, which="both")
        # Fixed places for the titles and axis labels, fixed margins and no layout engine:
        # matplotlib then skips measuring the tick labels to place them (a third of the
        # draw time), and savefig draws once (tight_layout would leave a placeholder
        # engine behind, and with any engine set savefig draws the figure twice).
        self.ax_data.set_title(" ", fontsize="medium", y=1.01)
        self.ax_loss.set_title(
            "training loss (minibatch, epoch average)", fontsize="medium", y=1.01
        )
        for ax, xlabel, ylabel in ((self.ax_data, "$x_1$", "$x_2$"), (self.ax_loss, "step", "")):
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.xaxis.set_label_coords(0.5, -0.1)
            ax.yaxis.set_label_coords(-0.13, 0.5)
        self.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.9, wspace=0.22)
        # With ipympl, a Train click whose limits stay put redraws only these, over a
        # cached background (FigureHost.enable_blit): the axes, ticks and text are not
        # drawn again (a full draw is about 34 ms, most of it text).
        animated = [self.image, self.scatter, self.loss_line, self.smooth_line]
        if self._host.interactive:
            for artist in animated:
                artist.set_animated(True)
        self._host.enable_blit(None, lambda: animated)
        self._drawn_view = None  # _view_state() at the last full draw

        self.dataset.observe(lambda _: self._guard(self.new_data), names="value")
        for control in (self.hidden_dim, self.depth, self.activation):
            control.observe(lambda _: self._guard(self.reset), names="value")
        for control in (self.lr, self.reg):
            control.observe(self._on_hyper, names="value")
        self.train_button.on_click(lambda _: self._guard(self.train))
        self.reset_button.on_click(lambda _: self._guard(self.reset))

        model_box = widgets.VBox([self.dataset, self.activation, self.hidden_dim, self.depth])
        train_box = widgets.VBox(
            [
                self.lr,
                self.reg,
                self.steps,
                widgets.HBox([self.train_button, self.reset_button]),
            ]
        )
        self.widget = widgets.VBox(
            [
                widgets.HBox([model_box, train_box], layout=widgets.Layout(flex_flow="row wrap")),
                self.readout,
                self.canvas,
                self.status,
                self.error,
                self.log,
            ]
        )
        self.widget.add_class("nnkit-network-playground")
        try:
            self.new_data()
        except NotImplementedError as e:  # the reader's network is not written yet
            raise not_written(e) from None

    # -- state ---------------------------------------------------------------

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.y) // self.batch_size)

    @property
    def step(self) -> int:
        """Steps trained since the last reset."""
        return len(self.loss_history)

    def accuracy(self) -> float:
        """Fraction of the training points the model classifies correctly."""
        return float(np.mean(np.argmax(self.model.loss(self.X), axis=1) == self.y))

    def full_loss(self) -> float:
        """The model's loss on the whole training set (softmax loss plus the L2 term)."""
        return float(self.model.loss(self.X, self.y)[0])

    def architecture(self) -> str:
        """E.g. ``"2 -> 20 -> 20 -> 3, tanh"``."""
        dims = [2, *[self.hidden_dim.value] * self.depth.value, self.num_classes]
        return f"{' -> '.join(map(str, dims))}, {self.activation.value}"

    # -- actions (what the buttons and dropdowns run) ------------------------

    def new_data(self):
        """Draw the chosen data set anew, fit the axes to it, then ``reset()``."""
        spec = _playground_dataset(self.dataset.value)
        self.X, self.y = make_playground_data(spec.key, self.rng)
        self.num_classes = spec.num_classes
        self.extent = data_extent(self.X)
        cmap, norm = class_colors(self.num_classes)
        self.scatter.set_offsets(self.X)
        self.scatter.set_array(self.y)
        self.scatter.set_cmap(cmap)
        self.scatter.set_norm(norm)
        self.image.set_extent(self.extent)
        self.ax_data.set_xlim(self.extent[:2])
        self.ax_data.set_ylim(self.extent[2:])
        self.reset()

    def reset(self):
        """A new model with the current width, depth and activation (weights from
        ``rng``), fresh optimizer state and an empty loss curve; then redraw."""
        self.model = build_playground_model(
            self.num_classes,
            self.hidden_dim.value,
            self.depth.value,
            self.activation.value,
            self.reg.value,
            self.rng,
            net=self.net,
        )
        self.configs = {}
        self.loss_history = []
        self._batches = batch_stream(self.X, self.y, self.batch_size, self.rng)
        self._draw()
        num_params = sum(w.size for w in self.model.params.values())
        self.status.value = html.escape(
            f"new weights: {self.architecture()} ({num_params} parameters)"
        )
        self.error.value = ""

    def train(self, num_steps: int | None = None) -> list[float]:
        """What a Train click runs: ``num_steps`` (default: the ``steps`` box) more steps
        with the current learning rate and L2 strength, then a redraw. Returns the
        steps' minibatch losses. If the loss stops being finite, the click is undone
        (weights and optimizer state as before it) and a ValueError says so."""
        n = self.steps.value if num_steps is None else num_steps
        n = _int_in(n, 1, MAX_STEPS_PER_CLICK, "steps per click")
        lr, reg = self.lr.value, self.reg.value
        self.model.reg = _real(reg, "L2 reg", positive=False)
        params = {name: w.copy() for name, w in self.model.params.items()}
        configs = copy.deepcopy(self.configs)
        self.train_button.disabled = True
        start = time.perf_counter()
        try:
            with np.errstate(all="ignore"):  # a non-finite loss is reported below
                losses = train_steps(
                    self.model, self._batches, n, self.configs, lr=lr, update_rule=self.update_rule
                )
        except ValueError as e:
            self.model.params, self.configs = params, configs
            raise ValueError(
                f"{e}; training stopped and the weights are back to where they were before "
                "this click. Try a smaller learning rate, or press Reset."
            ) from None
        finally:
            self.train_button.disabled = False
        self.last_train_seconds = time.perf_counter() - start
        self.loss_history.extend(losses)
        self._draw()
        self.status.value = html.escape(
            f"last click: {n} steps (lr {lr:g}, L2 reg {reg:g}) in "
            f"{1000 * self.last_train_seconds:.0f} ms, redraw "
            f"{1000 * self.last_draw_seconds:.0f} ms"
        )
        self.error.value = ""
        return losses

    def _on_hyper(self, change=None):
        self.status.value = html.escape(
            f"learning rate {self.lr.value:g}, L2 reg {self.reg.value:g}: "
            "used from the next Train click"
        )

    # -- redraw --------------------------------------------------------------

    def _draw(self):
        start = time.perf_counter()
        labels, confidence = boundary_grid(self.model, self.extent, self.resolution)
        self.boundary_labels = labels
        self.image.set_data(region_rgba(labels, confidence, self.num_classes))
        self.ax_data.title.set_text(f"{self.dataset.value}: {self.architecture()}")

        losses = np.asarray(self.loss_history)
        self.loss_line.set_data(np.arange(1, len(losses) + 1), losses)
        x, smooth = moving_average(losses, self.steps_per_epoch)
        self.smooth_line.set_data(x + 1, smooth)
        self._set_loss_limits(losses)

        loss, acc = self.full_loss(), self.accuracy()
        epoch = self.step / self.steps_per_epoch
        self.readout_values = {"step": self.step, "epoch": epoch, "loss": loss, "accuracy": acc}
        self.readout.value = (
            f"step <b>{self.step}</b> (epoch {epoch:.1f}) &nbsp;·&nbsp; "
            f"loss <b>{loss:.4f}</b> &nbsp;·&nbsp; train accuracy <b>{acc:.1%}</b>"
            f" &nbsp;·&nbsp; {len(self.y)} points"
        )
        # a blit draws over the background of the last full draw: limits or titles changed
        # since then (new data, a new network, the curve outgrowing its axes) need a full one
        state = self._view_state()
        full = state != self._drawn_view
        self._host.redraw(full=full)
        if full:
            self._drawn_view = state
        self.last_draw_seconds = time.perf_counter() - start

    def _view_state(self) -> tuple:
        """What a blit cannot change: limits and titles."""
        axes = (self.ax_data, self.ax_loss)
        return tuple((ax.get_xlim(), ax.get_ylim(), ax.title.get_text()) for ax in axes)

    def _set_loss_limits(self, losses: np.ndarray) -> None:
        """Limits set by hand (cheaper than relim, and log-safe) that grow in steps: the
        steps axis by half again once the curve reaches its end, the loss axis by a
        factor of 3 beyond the curve's range, so that most clicks keep them (a blit)."""
        if not len(losses):
            self.ax_loss.set_xlim(0, self.steps.value)
            self.ax_loss.set_ylim(0.01, 2.0)
            return
        n = len(losses)
        if n > self.ax_loss.get_xlim()[1]:
            self.ax_loss.set_xlim(0, 1.5 * n)
        low = max(float(losses.min()), 1e-6)
        high = max(float(losses.max()), low)
        bottom, top = self.ax_loss.get_ylim()
        if low < bottom or high > top:
            self.ax_loss.set_ylim(min(bottom, low / 3), max(top, high * 1.5))

    # -- display -------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        return self._host.mimebundle(self.widget, **kwargs)

    def close(self):
        """Close the figure and all the widgets."""
        self._host.close()
        close_tree(self.widget)
