"""Interactive widgets for the notebooks: learning-rate schedules (03_lr_schedules) and
a small TensorFlow-Playground for neural networks (04_neural_networks).

- ``ScheduleExplorer``: pick a schedule (step, multistep, cosine, linear, inverse-sqrt,
  SGDR), move the sliders of its own parameters, add a linear warmup, overlay several
  schedules, switch to a log scale. Shows the formula, readouts and any error.
- ``TrainingComparison``: train a softmax ``LinearClassifier`` on the digits under two
  or more schedules, on a button click, and overlay lr / loss / accuracy curves.
  Results are cached by (schedule, params, epochs, seed, ...), so a re-run is instant.
- ``plot_all_schedules``: a static figure of every schedule (small multiples), for
  readers without a live kernel (nbconvert, GitHub). ``display_static`` shows any
  figure as a PNG whatever the active backend.
- ``NetworkPlayground``: pick a 2-D data set (spiral, circles, blobs, xor), the width,
  depth and activation of a ``FullyConnectedNet``, the learning rate and L2 strength;
  each Train click runs some Adam steps from the current weights and redraws the
  decision regions, the loss curve and a readout (step, loss, train accuracy).

How a notebook uses them (one cell each)::

    %matplotlib widget
    from nnkit.widgets import ScheduleExplorer, TrainingComparison
    from nnkit.widgets import display_static, plot_all_schedules

    display_static(plot_all_schedules(num_steps=300))  # a PNG: survives static renders

    explorer = ScheduleExplorer()
    explorer            # the live widget; its output also carries a PNG of the plot

    TrainingComparison(schedules=("step", "cosine", "sgdr"), explorer=explorer)

    from nnkit.widgets import NetworkPlayground  # notebook 04

    NetworkPlayground(rng=np.random.default_rng(SEED + 99))

With ``%matplotlib widget`` (ipympl) the figure is built once and its lines are updated
in place (``line.set_data``, ``ax.relim(); ax.autoscale_view()``). When the axes
limits change the figure is redrawn with ``fig.canvas.draw_idle()``; when they do not
(most slider moves) only the lines are drawn over a cached background and blitted,
which halves the slider -> picture latency (benchmarks/bench_widget_latency.py).
Under any other backend (inline, Agg in tests) the same figure is rendered to a PNG
shown in an ``ipywidgets.Image`` after each change, so the widgets still work, only
more slowly.

For readers without a kernel: ``display_static(plot_all_schedules())`` stores a PNG in
the notebook, and the explorer's and the comparison's own outputs carry a PNG of their
figure next to the widget view (``_repr_mimebundle_``), which nbconvert and the GitHub
viewer show when there is no widget state.

Compute is kept apart from redraw: ``make_schedule`` and ``schedule_curve`` are pure
functions of the parameters; the widget classes only read sliders, call them, and
update artists. Errors raised in a callback (e.g. milestones "60,30") are shown in the
widget's ``error`` label; the previous curve stays on screen.

Steps are integers ``t = 0 .. num_steps - 1``; every curve is exactly
``[schedule(t) for t in ts]`` of the matching ``nnkit.schedules`` function.

The playground follows the same split: ``make_playground_data``,
``build_playground_model``, ``train_steps`` and ``boundary_grid`` are plain functions
of their arguments (no widgets), ``NetworkPlayground`` reads its controls, calls them
and updates its artists (``imshow`` / scatter / lines, all built once). Every random
draw (data, weights, minibatch order) comes from the one Generator it is given. It
trains only on a click and redraws once per click (a full ``draw_idle``, no blitting);
a click of 100 steps on the spiral takes tens of milliseconds to train, the redraw
(boundary grid 100 x 100, and a PNG under non-ipympl backends) the rest. A click whose
loss stops being finite is undone and reported in ``error``.
"""

from __future__ import annotations

import copy
import html
import io
import math
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from . import optim
from . import schedules as S

__all__ = [
    "LEARNING_RATES",
    "PLAYGROUND_ACTIVATIONS",
    "PLAYGROUND_DATASETS",
    "REGULARIZATIONS",
    "SCHEDULES",
    "NetworkPlayground",
    "Param",
    "PlaygroundDataset",
    "ScheduleExplorer",
    "RunResult",
    "ScheduleSpec",
    "TrainingComparison",
    "batch_stream",
    "boundary_grid",
    "build_playground_model",
    "data_extent",
    "default_params",
    "display_static",
    "figure_png",
    "make_playground_data",
    "make_schedule",
    "parse_milestones",
    "plot_all_schedules",
    "region_rgba",
    "schedule_curve",
    "train_steps",
]

# ---------------------------------------------------------------------------
# the schedules and their parameters (pure data + pure functions)


@dataclass(frozen=True)
class Param:
    """One parameter of a schedule and the control that sets it.

    kind: "float" (FloatSlider), "int" (IntSlider) or "milestones" (Text "30,60,90").
    ``default`` is the value for a 300-step horizon; ``default_params`` rescales the
    horizon-like ones (``scale`` is the fraction of the horizon, None = fixed).
    """

    name: str
    kind: str
    default: float | int | str
    min: float = 0.0
    max: float = 1.0
    step: float = 1.0
    scale: float | None = None
    help: str = ""


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule of ``nnkit.schedules``: its function, parameters and formula (LaTeX)."""

    key: str
    label: str
    fn: Callable[..., float]
    params: tuple[Param, ...]
    formula: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)


_LR0 = Param("lr0", "float", 0.1, 0.001, 1.0, 0.001, help="initial learning rate")
_LR_MIN = Param("lr_min", "float", 0.0, 0.0, 0.1, 0.0005, help="final learning rate")
_GAMMA = Param("gamma", "float", 0.1, 0.01, 1.0, 0.01, help="decay factor")
_WARMUP_STEPS = Param(
    "warmup_steps", "int", 0, 0, 500, 1, help="linear warmup steps (0 = no warmup)"
)
_LR = r"\mathrm{lr}"

SCHEDULES: dict[str, ScheduleSpec] = {
    spec.key: spec
    for spec in (
        ScheduleSpec(
            "step",
            "Step decay",
            S.step_decay,
            (_LR0, Param("step_size", "int", 100, 1, 1000, 1, scale=1 / 3), _GAMMA),
            rf"{_LR}_t = {_LR}_0\,\gamma^{{\lfloor t / \mathrm{{step\_size}} \rfloor}}",
        ),
        ScheduleSpec(
            "multistep",
            "Multistep decay",
            S.multistep_decay,
            (
                _LR0,
                Param("milestones", "milestones", "150,225", help="steps, e.g. 30,60,90"),
                _GAMMA,
            ),
            rf"{_LR}_t = {_LR}_0\,\gamma^{{\#\{{i:\ m_i \le t\}}}}",
        ),
        ScheduleSpec(
            "cosine",
            "Cosine decay",
            S.cosine_decay,
            (_LR0, Param("T", "int", 300, 1, 1000, 1, scale=1.0), _LR_MIN),
            rf"{_LR}_t = {_LR}_{{\min}} + \tfrac12 ({_LR}_0 - {_LR}_{{\min}})"
            r"\left(1 + \cos\frac{\pi \min(t, T)}{T}\right)",
        ),
        ScheduleSpec(
            "linear",
            "Linear decay",
            S.linear_decay,
            (_LR0, Param("T", "int", 300, 1, 1000, 1, scale=1.0), _LR_MIN),
            rf"{_LR}_t = {_LR}_{{\min}} + ({_LR}_0 - {_LR}_{{\min}})\,\max(0,\ 1 - t/T)",
        ),
        ScheduleSpec(
            "inverse-sqrt",
            "Inverse sqrt (Vaswani)",
            S.inverse_sqrt,
            (_LR0, Param("warmup", "int", 30, 1, 500, 1, scale=0.1)),
            rf"{_LR}_t = {_LR}_0 \sqrt{{w}}\,\min\left(\frac{{1}}{{\sqrt{{t}}}},\ "
            r"\frac{t}{w^{3/2}}\right)\ (t \ge 1),\quad 0\ \text{at}\ t = 0",
        ),
        ScheduleSpec(
            "sgdr",
            "SGDR (cosine with restarts)",
            S.cosine_with_restarts,
            (
                _LR0,
                Param("T0", "int", 43, 1, 500, 1, scale=1 / 7),
                Param("T_mult", "int", 2, 1, 4, 1),
                _LR_MIN,
            ),
            rf"{_LR}_t = {_LR}_{{\min}} + \tfrac12 ({_LR}_0 - {_LR}_{{\min}})"
            r"\left(1 + \cos\frac{\pi\, t_{\mathrm{cur}}}{T_i}\right),\ "
            r"T_i = T_0 \cdot T_{\mathrm{mult}}^{\,i}",
        ),
    )
}

WARMUP_FORMULA = (
    rf"\text{{with warmup }} W:\ {_LR}_t = {_LR}^{{\mathrm{{sched}}}}_0 \cdot t / W"
    rf"\ (t < W),\ \text{{else }} {_LR}^{{\mathrm{{sched}}}}_{{t - W}}"
)


def _spec(key: str) -> ScheduleSpec:
    if key not in SCHEDULES:
        raise ValueError(f"unknown schedule {key!r}; choose one of {', '.join(SCHEDULES)}")
    return SCHEDULES[key]


def parse_milestones(text: str | Iterable[int]) -> tuple[int, ...]:
    """``"30, 60,90"`` -> ``(30, 60, 90)``. ValueError for non-integers, negatives or an
    unsorted list (the message says what was wrong). An empty text means no milestones."""
    if not isinstance(text, str):
        items = list(text)
    else:
        items = [s.strip() for s in text.replace(";", ",").split(",") if s.strip()]
    out = []
    for item in items:
        try:
            value = float(item)
        except (TypeError, ValueError):
            raise ValueError(f"milestones must be integers like 30,60,90; got {item!r}") from None
        if not value.is_integer() or value < 0:
            raise ValueError(f"milestones must be integers >= 0, got {item!r}")
        out.append(int(value))
    if any(b < a for a, b in zip(out, out[1:], strict=False)):
        raise ValueError(f"milestones must be sorted, got {','.join(map(str, out))}")
    return tuple(out)


def default_params(key: str, num_steps: int = 300, lr0: float | None = None) -> dict:
    """Sensible parameters of schedule ``key`` for a run of ``num_steps`` steps.

    Horizon-like parameters follow the run: T = num_steps, step_size = num_steps / 3,
    milestones at 1/2 and 3/4, inverse-sqrt warmup = num_steps / 10, SGDR T0 =
    num_steps / 7 with T_mult = 2 (three cycles). No linear warmup (warmup_steps = 0).
    """
    if num_steps < 1:
        raise ValueError(f"num_steps must be >= 1, got {num_steps}")
    params: dict = {}
    for p in _spec(key).params:
        if p.kind == "milestones":
            params[p.name] = (num_steps // 2, (3 * num_steps) // 4)
        elif p.scale is not None:
            params[p.name] = max(1, math.ceil(p.scale * num_steps - 1e-9))
        else:
            params[p.name] = p.default
    if lr0 is not None:
        params["lr0"] = lr0
    params["warmup_steps"] = 0
    return params


def make_schedule(key: str, params: Mapping) -> Callable[[int], float]:
    """The schedule ``t -> lr`` for ``SCHEDULES[key]`` with these parameters.

    ``params`` holds the function's own keyword arguments (milestones as a text or a
    sequence) and optionally ``warmup_steps`` (0 or missing = no warmup, else the
    schedule is wrapped in ``nnkit.schedules.with_warmup``). Bad values raise ValueError,
    also at build time: the schedule is evaluated once at t = 0.
    """
    spec = _spec(key)
    unknown = set(params) - set(spec.names) - {"warmup_steps"}
    if unknown:
        raise ValueError(f"{key} has no parameter(s) {', '.join(sorted(unknown))}")
    kwargs = {name: params[name] for name in spec.names if name in params}
    if "milestones" in kwargs:
        kwargs["milestones"] = parse_milestones(kwargs["milestones"])
    schedule = S.bind(spec.fn, **kwargs)
    warmup_steps = params.get("warmup_steps", 0) or 0
    if warmup_steps:
        schedule = S.with_warmup(schedule, warmup_steps)
    schedule(0)  # raise bad arguments now, not halfway through a curve
    return schedule


def schedule_curve(key: str, params: Mapping, num_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(ts, lrs): ``ts = 0 .. num_steps - 1`` and ``lrs = [schedule(t) for t in ts]``."""
    if num_steps < 1:
        raise ValueError(f"num_steps must be >= 1, got {num_steps}")
    schedule = make_schedule(key, params)
    ts = np.arange(num_steps)
    return ts, np.array([schedule(int(t)) for t in ts], dtype=np.float64)


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _param_text(params: Mapping) -> str:
    parts = []
    for name, value in params.items():
        if name == "warmup_steps" and not value:
            continue
        if isinstance(value, tuple | list):
            value = ",".join(map(str, value))
        elif isinstance(value, float):
            value = _fmt(value)
        parts.append(f"{name}={value}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------
# figures: ipympl canvas when active, else a PNG in an ipywidgets.Image


def _ipympl_active() -> bool:
    """True when the notebook ran ``%matplotlib widget`` (or ``ipympl``)."""
    backend = str(matplotlib.rcParams["backend"]).lower()
    return "ipympl" in backend or backend in ("widget", "module://ipympl.backend_nbagg")


def figure_png(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure rendered to PNG bytes (Agg; does not touch the active backend)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi)
    return buf.getvalue()


def display_static(fig: Figure) -> None:
    """Show ``fig`` as a plain PNG output, whatever the backend (also under
    ``%matplotlib widget``). The PNG is stored in the notebook, so nbconvert, the
    GitHub viewer and a reader without a kernel all see it."""
    from IPython.display import Image, display

    display(Image(data=figure_png(fig), format="png"))


class _FigureHost:
    """Holds a figure and knows how to show and redraw it (ipympl or PNG fallback)."""

    def __init__(self, figsize, ncols=1):
        self.interactive = _ipympl_active()
        if self.interactive:
            import matplotlib.pyplot as plt

            with plt.ioff():
                self.fig = plt.figure(figsize=figsize)
            self.interactive = isinstance(self.fig.canvas, widgets.DOMWidget)
        else:
            self.fig = Figure(figsize=figsize)
        if self.interactive:
            canvas = self.fig.canvas
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.resizable = False
            canvas.toolbar_position = "right"
            canvas.add_class("nnkit-canvas")
            self.view: widgets.Widget = canvas
        else:
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(self.fig)
            self.view = widgets.Image(format="png")
            self.view.add_class("nnkit-canvas")
        self.axes = self.fig.subplots(1, ncols, squeeze=False)[0]
        self.draw_count = self.full_draws = self.blits = 0
        self._blit_ax = self._background = None
        self._blit_artists: Callable[[], list] = list

    def enable_blit(self, ax, artists: Callable[[], list]) -> None:
        """Blitting for ``ax`` (ipympl only): the artists ``artists()`` returns (e.g. the
        lines and the legend) are animated, i.e. left out of full draws and drawn over a
        cached background of ``ax`` instead. Full draws (limits, scale, resize, toolbar)
        cache that background in a ``draw_event`` callback and draw the artists on top,
        so every frame the browser gets is complete. Saved figures include them too."""
        if not self.interactive:
            return
        self._blit_ax, self._blit_artists = ax, artists
        self.fig.canvas.mpl_connect("draw_event", self._on_draw_event)

    def _on_draw_event(self, event):
        canvas = self.fig.canvas
        if self._blit_ax is None or canvas.is_saving() or event.canvas is not canvas:
            return
        self._background = canvas.copy_from_bbox(self._blit_ax.bbox)
        self._draw_animated()
        canvas._force_full = True  # this frame too is sent whole (see redraw)

    def _draw_animated(self):
        for artist in self._blit_artists():
            if artist is not None and artist.get_visible():
                self._blit_ax.draw_artist(artist)

    def redraw(self, full: bool = True):
        """Show the figure's current state. ipympl: ``full`` asks the browser for a full
        draw (``draw_idle``); otherwise, with blitting enabled and a cached background,
        only the animated artists are drawn and sent (``canvas.blit``), which skips
        redrawing the axes, ticks and labels. Fallback: a new PNG in the Image widget."""
        self.draw_count += 1
        if not self.interactive:
            self.view.value = figure_png(self.fig)
            return
        canvas = self.fig.canvas
        if self._blit_ax is not None:
            # A blit is sent at once, not when the browser asks for a frame, so two
            # frames can arrive while the browser still decodes the first; it then paints
            # only the second. ipympl sends the changed pixels only ("diff" frames), and a
            # dropped diff leaves the old curve on screen. Whole frames cannot go stale.
            canvas._force_full = True
        if full or self._blit_ax is None or self._background is None:
            self._background = None  # stale until the requested draw has happened
            self.full_draws += 1
            canvas.draw_idle()
        else:
            self.blits += 1
            canvas.restore_region(self._background)
            self._draw_animated()
            canvas.blit(self._blit_ax.bbox)

    def mimebundle(self, widget: widgets.Widget, **kwargs) -> dict:
        """The widget's own bundle plus a PNG of the figure for static renderers."""
        import base64

        data = dict(widget._repr_mimebundle_(**kwargs) or {})
        data["image/png"] = base64.b64encode(figure_png(self.fig)).decode("ascii")
        return data

    def close(self):
        if self.interactive:
            import matplotlib.pyplot as plt

            plt.close(self.fig)


def _close_tree(widget) -> None:
    """Close a widget and every widget inside it (boxes hold theirs in ``children``)."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


def _error_html(message: str) -> str:
    return f'<span style="color:#b00020"><b>Error:</b> {html.escape(message)}</span>'


class _Guarded:
    """Runs a callback; any exception is shown in ``error`` (ValueError as its message,
    anything else with its traceback in ``log``) instead of being lost."""

    def __init__(self):
        self.error = widgets.HTML(value="")
        self.error.add_class("nnkit-error")
        self.log = widgets.Output(layout=widgets.Layout(max_height="12em", overflow="auto"))

    def _guard(self, fn, *args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except ValueError as e:
            self.error.value = _error_html(str(e))
            return None
        except Exception as e:  # noqa: BLE001 - shown to the reader, never swallowed
            self.error.value = _error_html(f"{type(e).__name__}: {e}")
            self.log.append_stdout(traceback.format_exc())
            return None
        return result


# ---------------------------------------------------------------------------
# ScheduleExplorer


def _control(p: Param, value) -> widgets.Widget:
    common = dict(
        description=p.name,
        continuous_update=True,
        style={"description_width": "100px"},
        layout=widgets.Layout(width="400px"),
    )
    if p.kind == "float":
        w = widgets.FloatSlider(
            value=value, min=p.min, max=p.max, step=p.step, readout_format=".4", **common
        )
    elif p.kind == "int":
        w = widgets.IntSlider(
            value=value, min=int(p.min), max=int(p.max), step=int(p.step), **common
        )
    elif p.kind == "milestones":
        common["continuous_update"] = False  # update on Enter / leaving the box
        text = value if isinstance(value, str) else ",".join(map(str, value))
        w = widgets.Text(value=text, placeholder="e.g. 30,60,90", **common)
    else:
        raise ValueError(f"unknown parameter kind {p.kind!r}")
    w.tooltip = p.help or p.name
    return w


class ScheduleExplorer(_Guarded):
    """Explore the learning-rate schedules of ``nnkit.schedules`` with sliders.

    Widgets (attributes, so tests and notebooks can drive them):
    - ``schedule_select``: Dropdown, the current schedule (a key of ``SCHEDULES``).
    - ``sliders[key][name]``: the control of parameter ``name`` of schedule ``key``
      (FloatSlider / IntSlider; ``milestones`` is a Text like "30,60,90";
      ``warmup_steps`` 0 means no warmup). Only the current schedule's controls are
      shown: ``controls.children == (param_boxes[current],)``.
    - ``num_steps``: IntSlider, the plotted horizon (t = 0 .. num_steps - 1).
    - ``overlay_toggle`` (Checkbox) and ``overlay_select`` (SelectMultiple): in overlay
      mode the chosen schedules are drawn too, each with its own current parameters.
    - ``log_toggle``: Checkbox, log scale on the lr axis.
    - ``formula``: HTMLMath with the current schedule's formula (and the warmup's);
      ``param_text``: HTML with its parameter values.
    - ``readout``: HTML ``lr(t=0)``, ``lr(t=num_steps//2)`` (halfway), the final
      ``lr(t=num_steps-1)`` and the peak of the current schedule, computed from the
      schedule function.
    - ``error``: HTML, empty unless the last change failed; ``log``: Output with
      tracebacks of unexpected errors.
    - ``fig``, ``ax``, ``lines[key]`` (one Line2D per schedule, hidden unless drawn),
      ``canvas`` (the ipympl canvas or the fallback Image), ``widget`` (the VBox).
    """

    def __init__(
        self,
        schedule: str = "cosine",
        num_steps: int = 300,
        overlay: Iterable[str] = (),
        log_scale: bool = False,
        figsize=(6.4, 3.4),
    ):
        super().__init__()
        _spec(schedule)
        overlay = tuple(overlay)
        for key in overlay:
            _spec(key)
        self._updating = False
        self.sliders: dict[str, dict[str, widgets.Widget]] = {}
        self.param_boxes: dict[str, widgets.VBox] = {}
        for key, spec in SCHEDULES.items():
            defaults = default_params(key, 300)
            controls = {p.name: _control(p, defaults[p.name]) for p in spec.params}
            controls["warmup_steps"] = _control(_WARMUP_STEPS, 0)
            for name, control in controls.items():
                control.add_class(f"nnkit-param-{key}-{name}")
                control.observe(self._on_param, names="value")
            self.sliders[key] = controls
            self.param_boxes[key] = widgets.VBox(list(controls.values()))

        options = [(spec.label, key) for key, spec in SCHEDULES.items()]
        self.schedule_select = widgets.Dropdown(
            options=options,
            value=schedule,
            description="schedule",
            style={"description_width": "70px"},
            layout=widgets.Layout(width="300px"),
        )
        self.schedule_select.add_class("nnkit-schedule-select")
        self.num_steps = widgets.IntSlider(
            value=num_steps,
            min=10,
            max=1000,
            step=10,
            description="steps",
            style={"description_width": "50px"},
            layout=widgets.Layout(width="300px"),
        )
        self.num_steps.add_class("nnkit-num-steps")
        self.overlay_toggle = widgets.Checkbox(
            value=bool(overlay),
            description="overlay",
            indent=False,
            layout=widgets.Layout(width="90px"),
        )
        self.overlay_select = widgets.SelectMultiple(
            options=options,
            value=overlay,
            rows=len(options),
            description="compare",
            style={"description_width": "70px"},
            layout=widgets.Layout(width="300px"),
        )
        self.overlay_select.layout.display = None if overlay else "none"
        self.log_toggle = widgets.Checkbox(
            value=log_scale,
            description="log scale",
            indent=False,
            layout=widgets.Layout(width="100px"),
        )
        self.log_toggle.add_class("nnkit-log-toggle")
        self.formula = widgets.HTMLMath(value="")
        self.formula.add_class("nnkit-formula")
        self.param_text = widgets.HTML(value="")
        self.param_text.add_class("nnkit-params")
        self.readout = widgets.HTML(value="")
        self.readout.add_class("nnkit-readout")
        self.readout_values: dict[str, float] = {}
        # the sliders keep their width; on a narrow page the plot wraps below them
        self.controls = widgets.VBox(
            [self.param_boxes[schedule]], layout=widgets.Layout(flex="0 0 auto")
        )

        self._host = _FigureHost(figsize)
        self.fig, self.ax = self._host.fig, self._host.axes[0]
        self.canvas = self._host.view
        colors = matplotlib.colormaps["tab10"].colors
        self.lines = {}
        for i, (key, spec) in enumerate(SCHEDULES.items()):
            (self.lines[key],) = self.ax.plot(
                [],
                [],
                color=colors[i],
                lw=2,
                label=spec.label,
                visible=False,
                animated=self._host.interactive,
            )
        self.ax.set_xlabel("step t")
        self.ax.set_ylabel("learning rate")
        self.ax.grid(alpha=0.3)
        self.fig.tight_layout()
        self._host.enable_blit(self.ax, lambda: [*self.lines.values(), self.ax.get_legend()])

        self.schedule_select.observe(self._on_select, names="value")
        self.num_steps.observe(self._on_param, names="value")
        self.overlay_toggle.observe(self._on_overlay, names="value")
        self.overlay_select.observe(self._on_select, names="value")
        self.log_toggle.observe(self._on_log, names="value")

        top = widgets.HBox(
            [self.schedule_select, self.num_steps, self.overlay_toggle, self.log_toggle]
        )
        self.widget = widgets.VBox(
            [
                top,
                self.overlay_select,
                widgets.HBox(
                    [self.controls, self.canvas], layout=widgets.Layout(flex_flow="row wrap")
                ),
                self.formula,
                self.param_text,
                self.readout,
                self.error,
                self.log,
            ]
        )
        self.widget.add_class("nnkit-schedule-explorer")
        self._apply_log()
        self.update()

    # -- state ---------------------------------------------------------------

    @property
    def current(self) -> str:
        """Key of the schedule being edited (the dropdown's value)."""
        return self.schedule_select.value

    def drawn(self) -> tuple[str, ...]:
        """Keys of the schedules on the plot: the current one, plus the overlay choice
        in overlay mode (in ``SCHEDULES`` order)."""
        keys = {self.current}
        if self.overlay_toggle.value:
            keys.update(self.overlay_select.value)
        return tuple(k for k in SCHEDULES if k in keys)

    def params(self, key: str | None = None) -> dict:
        """Current parameter values of schedule ``key`` (default: the current one), as
        keyword arguments for ``make_schedule`` (milestones parsed to a tuple)."""
        key = key or self.current
        values = {name: w.value for name, w in self.sliders[key].items()}
        if "milestones" in values:
            values["milestones"] = parse_milestones(values["milestones"])
        return values

    def schedule(self, key: str | None = None) -> Callable[[int], float]:
        """The schedule function ``t -> lr`` with the current slider values."""
        key = key or self.current
        return make_schedule(key, self.params(key))

    # -- callbacks -------------------------------------------------------------

    def _on_select(self, change=None):
        self.controls.children = (self.param_boxes[self.current],)
        self._guard(self.update)

    def _on_param(self, change=None):
        self._guard(self.update)

    def _on_overlay(self, change=None):
        self.overlay_select.layout.display = None if self.overlay_toggle.value else "none"
        self._guard(self.update)

    def _on_log(self, change=None):
        self._guard(self._apply_log)
        self._guard(self._rescale_and_draw)

    def _apply_log(self):
        if self.log_toggle.value:
            self.ax.set_yscale("log", nonpositive="mask")
        else:
            self.ax.set_yscale("linear")

    # -- compute, then redraw ------------------------------------------------

    def update(self):
        """Recompute every drawn curve from the sliders and redraw. A schedule whose
        parameters are invalid keeps its previous line; the error is shown and raised
        (as ValueError) for the callers that do not go through the guard."""
        n = self.num_steps.value
        errors, failed = [], set()
        drawn = self.drawn()
        for key, line in self.lines.items():
            if key not in drawn:
                line.set_visible(False)
                continue
            try:
                ts, lrs = schedule_curve(key, self.params(key), n)
            except ValueError as e:
                errors.append(f"{SCHEDULES[key].label}: {e}")
                failed.add(key)
                line.set_visible(bool(len(line.get_xdata())))
                continue
            line.set_data(ts, lrs)
            line.set_visible(True)
        if self.current not in failed:
            self._update_text()
        self._update_legend(drawn)
        self._rescale_and_draw(full=False)
        if errors:
            raise ValueError("; ".join(errors))
        self.error.value = ""

    def _update_text(self):
        key, n = self.current, self.num_steps.value
        spec = SCHEDULES[key]
        params = self.params(key)
        formula = f"<b>{html.escape(spec.label)}</b>: ${spec.formula}$"
        if params.get("warmup_steps"):
            formula += f"<br>${WARMUP_FORMULA}$"
        # Only a new schedule or warmup on/off changes the formula: MathJax typesets it
        # again on every change, which would delay each redraw in the browser.
        self.formula.value = formula
        self.param_text.value = f"<small>{html.escape(_param_text(params))}</small>"
        schedule = make_schedule(key, params)
        mid, last = n // 2, n - 1
        values = [schedule(t) for t in range(n)]
        peak_t = int(np.argmax(values))
        self.readout_values = {
            "lr(t=0)": values[0],
            f"lr(t={mid})": schedule(mid),
            f"lr(t={last})": schedule(last),
            "peak": values[peak_t],
        }
        self.readout.value = (
            f"lr(t=0) = {_fmt(values[0])} &nbsp;·&nbsp; lr(t={mid}) = {_fmt(schedule(mid))}"
            f" (halfway) &nbsp;·&nbsp; lr(t={last}) = {_fmt(schedule(last))} (final)"
            f" &nbsp;·&nbsp; peak {_fmt(values[peak_t])} at t={peak_t}"
        )

    def _update_legend(self, drawn):
        legend = self.ax.get_legend()
        labels = [SCHEDULES[k].label for k in drawn]
        if len(drawn) < 2:
            if legend is not None:
                legend.remove()
            return
        if legend is not None and [t.get_text() for t in legend.get_texts()] == labels:
            return  # same schedules: keep the legend
        legend = self.ax.legend(
            [self.lines[k] for k in drawn], labels, fontsize="small", loc="upper right"
        )
        legend.set_animated(self._host.interactive)  # drawn over the lines when blitting

    def _view_state(self) -> tuple:
        """What a blit cannot change: the axes limits and scale."""
        return (self.ax.get_xlim(), self.ax.get_ylim(), self.ax.get_yscale())

    def _rescale_and_draw(self, full: bool = True):
        """Autoscale to the visible lines, then redraw: a full draw if the limits moved
        (or ``full``), else a blit of the lines (see ``_FigureHost.redraw``)."""
        before = self._view_state()
        self.ax.relim(visible_only=True)
        self.ax.autoscale_view()
        self._host.redraw(full=full or self._view_state() != before)

    # -- display -------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        return self._host.mimebundle(self.widget, **kwargs)

    def close(self):
        """Close the figure and all the widgets, hidden parameter boxes included."""
        self._host.close()
        for box in self.param_boxes.values():
            _close_tree(box)
        _close_tree(self.widget)


# ---------------------------------------------------------------------------
# TrainingComparison


@dataclass(frozen=True)
class RunResult:
    """One training run: per-step ``lr`` and ``loss``, per-epoch (plus epoch 0)
    ``train_acc`` and ``val_acc``; ``seconds`` of training; ``error`` if it diverged."""

    lr: tuple[float, ...]
    loss: tuple[float, ...]
    train_acc: tuple[float, ...]
    val_acc: tuple[float, ...]
    seconds: float
    error: str = ""


def _freeze(params: Mapping) -> tuple:
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in params.items())
    )


class TrainingComparison(_Guarded):
    """Train a softmax ``LinearClassifier`` on the 8x8 digits under several schedules
    and overlay their curves: lr per step, training loss per step (moving average over
    half an epoch) and validation accuracy per epoch.

    Training runs only when ``run_button`` is clicked (or ``run()`` is called). Each
    schedule's run starts from the same seed: the digits split, the weights and the
    minibatch order come from ``np.random.default_rng(seed)``, so runs are
    deterministic and comparable. Results are cached in ``cache`` keyed by
    ``(schedule, params, num_epochs, seed, batch_size, update_rule)``; ``train_calls``
    counts the runs that actually trained.

    Parameters of each schedule: from ``explorer`` (a ScheduleExplorer: its current
    sliders) when given, else ``default_params(key, total_steps, lr0)`` with the
    ``lr0`` and ``warmup_steps`` sliders here.

    Widgets: ``schedule_select`` (SelectMultiple), ``epochs`` (IntSlider), ``lr0``
    (FloatSlider), ``warmup_steps`` (IntSlider), ``seed`` (IntText), ``run_button``,
    ``progress`` (IntProgress: one tick per epoch of every chosen schedule), ``status``,
    ``error``, ``fig``, ``axes`` (lr, loss, val acc), ``lines[kind][key]``, ``widget``.
    """

    def __init__(
        self,
        schedules: Iterable[str] = ("step", "cosine", "sgdr"),
        num_epochs: int = 10,
        batch_size: int = 50,
        lr0: float = 1.0,
        warmup_steps: int = 0,
        seed: int = 0,
        update_rule: str = "sgd",
        data: Mapping | None = None,
        explorer: ScheduleExplorer | None = None,
        figsize=(10.0, 3.0),
    ):
        super().__init__()
        schedules = tuple(schedules)
        for key in schedules:
            _spec(key)
        self.batch_size = batch_size
        self.update_rule = update_rule
        self.explorer = explorer
        self._data = dict(data) if data is not None else None
        self._data_by_seed: dict[int, dict] = {}
        self.cache: dict[tuple, RunResult] = {}
        self.results: dict[str, RunResult] = {}
        self.train_calls = 0

        options = [(spec.label, key) for key, spec in SCHEDULES.items()]
        style = {"description_width": "90px"}
        self.schedule_select = widgets.SelectMultiple(
            options=options,
            value=schedules,
            rows=len(options),
            description="schedules",
            style=style,
            layout=widgets.Layout(width="330px"),
        )
        self.epochs = widgets.IntSlider(
            value=num_epochs,
            min=1,
            max=50,
            description="epochs",
            continuous_update=False,
            style=style,
        )
        self.lr0 = widgets.FloatSlider(
            value=lr0,
            min=0.01,
            max=3.0,
            step=0.01,
            description="lr0",
            continuous_update=False,
            style=style,
        )
        self.warmup_steps = widgets.IntSlider(
            value=warmup_steps,
            min=0,
            max=200,
            description="warmup_steps",
            style=style,
            continuous_update=False,
        )
        self.seed = widgets.IntText(
            value=seed, description="seed", style=style, layout=widgets.Layout(width="200px")
        )
        self.run_button = widgets.Button(description="Train", icon="play", button_style="primary")
        self.run_button.on_click(lambda _: self._guard(self.run))
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, description="progress", style=style
        )
        self.status = widgets.HTML(value="Choose schedules, then press Train.")
        self.status.add_class("nnkit-status")
        if explorer is not None:
            for w in (self.lr0, self.warmup_steps):
                w.disabled = True
                w.tooltip = "taken from the ScheduleExplorer"

        self._host = _FigureHost(figsize, ncols=3)
        self.fig, self.axes = self._host.fig, self._host.axes
        self.canvas = self._host.view
        colors = matplotlib.colormaps["tab10"].colors
        self.lines: dict[str, dict] = {"lr": {}, "loss": {}, "val_acc": {}}
        for i, (key, spec) in enumerate(SCHEDULES.items()):
            for ax, kind in zip(self.axes, self.lines, strict=True):
                (self.lines[kind][key],) = ax.plot(
                    [], [], color=colors[i], label=spec.label, visible=False
                )
        for ax, title, xlabel in zip(
            self.axes,
            ("learning rate", "training loss (smoothed)", "validation accuracy"),
            ("step", "step", "epoch"),
            strict=True,
        ):
            ax.set_title(title, fontsize="medium")
            ax.set_xlabel(xlabel)
            ax.grid(alpha=0.3)
        self.fig.tight_layout()
        self._host.redraw()

        settings = widgets.VBox(
            [self.schedule_select, self.epochs, self.lr0, self.warmup_steps, self.seed]
        )
        self.widget = widgets.VBox(
            [
                settings,
                widgets.HBox([self.run_button, self.progress]),
                self.status,
                self.error,
                self.canvas,
                self.log,
            ]
        )
        self.widget.add_class("nnkit-training-comparison")

    # -- compute -------------------------------------------------------------

    def data(self, seed: int) -> dict:
        """X_train, y_train, X_val, y_val: the given data, or the digits split by seed."""
        if self._data is not None:
            return self._data
        if seed not in self._data_by_seed:
            from .data import load_digits_split

            split = load_digits_split(rng=np.random.default_rng(seed))
            self._data_by_seed[seed] = {
                "X_train": split.X_train,
                "y_train": split.y_train,
                "X_val": split.X_val,
                "y_val": split.y_val,
            }
        return self._data_by_seed[seed]

    def steps_per_epoch(self, seed: int | None = None) -> int:
        n = len(self.data(self.seed.value if seed is None else seed)["y_train"])
        return -(-n // self.batch_size)

    def params_for(self, key: str, total_steps: int) -> dict:
        """The parameters schedule ``key`` trains with (see the class docstring)."""
        if self.explorer is not None:
            return self.explorer.params(key)
        params = default_params(key, total_steps, lr0=self.lr0.value)
        params["warmup_steps"] = self.warmup_steps.value
        return params

    def cache_key(self, key: str, params: Mapping, num_epochs: int, seed: int) -> tuple:
        return (key, _freeze(params), num_epochs, seed, self.batch_size, str(self.update_rule))

    def train_one(
        self,
        key: str,
        params: Mapping,
        num_epochs: int,
        seed: int,
        on_epoch: Callable[[int], None] | None = None,
    ) -> RunResult:
        """Train one model from ``seed`` under schedule ``key``; no caching."""
        from .models import LinearClassifier
        from .solver import Solver

        self.train_calls += 1
        data = self.data(seed)
        rng = np.random.default_rng(seed)
        model = LinearClassifier(
            data["X_train"].shape[1], int(data["y_train"].max()) + 1, loss="softmax", rng=rng
        )

        class _Solver(Solver):
            def _record_accuracy(self, epoch):
                super()._record_accuracy(epoch)
                if on_epoch is not None and epoch > 0:
                    on_epoch(epoch)

        solver = _Solver(
            model,
            data,
            update_rule=self.update_rule,
            schedule=make_schedule(key, params),
            batch_size=self.batch_size,
            num_epochs=num_epochs,
            rng=rng,
        )
        start = time.perf_counter()
        error = ""
        try:
            solver.train()
        except FloatingPointError as e:
            error = str(e)
        return RunResult(
            tuple(solver.lr_history),
            tuple(solver.loss_history),
            tuple(solver.train_acc_history),
            tuple(solver.val_acc_history),
            time.perf_counter() - start,
            error,
        )

    def run(self) -> dict[str, RunResult]:
        """Train (or fetch from the cache) every chosen schedule, then redraw."""
        keys = [k for k in SCHEDULES if k in self.schedule_select.value]
        if not keys:
            raise ValueError("choose at least one schedule")
        num_epochs, seed = self.epochs.value, self.seed.value
        total = num_epochs * self.steps_per_epoch(seed)
        self.progress.max = num_epochs * len(keys)
        self.progress.value = 0
        self.error.value = ""
        self.run_button.disabled = True
        start, trained, errors = time.perf_counter(), 0, []
        results = {}
        try:
            for i, key in enumerate(keys):
                params = self.params_for(key, total)
                ck = self.cache_key(key, params, num_epochs, seed)
                self.status.value = f"training {html.escape(SCHEDULES[key].label)} ..."
                if ck not in self.cache:
                    done = i * num_epochs

                    def tick(epoch, done=done):
                        self.progress.value = done + epoch

                    self.cache[ck] = self.train_one(key, params, num_epochs, seed, tick)
                    trained += 1
                results[key] = self.cache[ck]
                if results[key].error:
                    errors.append(f"{SCHEDULES[key].label}: {results[key].error}")
                self.progress.value = (i + 1) * num_epochs
        finally:
            self.run_button.disabled = False
        self.results = results
        self._draw(results)
        cached = len(keys) - trained
        best = max(results, key=lambda k: results[k].val_acc[-1])
        self.status.value = (
            f"{len(keys)} schedules, {num_epochs} epochs x {total // num_epochs} steps "
            f"= {total} steps each; trained {trained}, from cache {cached}, "
            f"{time.perf_counter() - start:.2f} s. Best final val acc: "
            f"{html.escape(SCHEDULES[best].label)} {results[best].val_acc[-1]:.3f}"
        )
        if errors:
            self.error.value = _error_html("; ".join(errors))
        return results

    # -- redraw --------------------------------------------------------------

    def _draw(self, results: Mapping[str, RunResult]):
        from .plots import moving_average

        window = max(1, self.steps_per_epoch() // 2)
        for key in SCHEDULES:
            r = results.get(key)
            for kind, line in ((k, self.lines[k][key]) for k in self.lines):
                line.set_visible(r is not None)
                if r is None:
                    continue
                if kind == "lr":
                    line.set_data(np.arange(len(r.lr)), r.lr)
                elif kind == "loss":
                    line.set_data(*moving_average(r.loss, window))
                else:
                    line.set_data(np.arange(len(r.val_acc)), r.val_acc)
        for ax in self.axes:
            ax.relim(visible_only=True)
            ax.autoscale_view()
        self.axes[-1].legend(
            fontsize="small", loc="lower right", handles=[self.lines["val_acc"][k] for k in results]
        )
        self._host.redraw()

    def _repr_mimebundle_(self, **kwargs):
        return self._host.mimebundle(self.widget, **kwargs)

    def close(self):
        """Close the figure and all the widgets."""
        self._host.close()
        _close_tree(self.widget)


# ---------------------------------------------------------------------------
# static figure


def plot_all_schedules(
    fig: Figure | None = None, num_steps: int = 300, warmup_steps: int | None = None
) -> Figure:
    """Small multiples: one axes per schedule in ``SCHEDULES``, drawn with
    ``default_params(key, num_steps)`` and titled with its parameters. With
    ``warmup_steps`` (default num_steps // 10; 0 = none) each panel also shows the
    warmed-up variant dashed.

    Draws into ``fig`` (cleared first) or a new ``matplotlib.figure.Figure`` that is not
    registered with pyplot, so it is not shown twice; show it with
    ``display_static(fig)`` (any backend) or ``fig`` under ``%matplotlib inline``.
    """
    if warmup_steps is None:
        warmup_steps = max(1, num_steps // 10)
    if fig is None:
        fig = Figure(figsize=(11, 5.6), layout="constrained")
    else:
        fig.clear()
    ncols = 3
    nrows = math.ceil(len(SCHEDULES) / ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    for ax, (key, spec) in zip(axes, SCHEDULES.items(), strict=False):
        params = default_params(key, num_steps)
        ts, lrs = schedule_curve(key, params, num_steps)
        ax.plot(ts, lrs, lw=2, label=spec.label)
        if warmup_steps:
            ts_w, lrs_w = schedule_curve(key, {**params, "warmup_steps": warmup_steps}, num_steps)
            ax.plot(ts_w, lrs_w, "--", lw=1.5, label=f"+ warmup {warmup_steps}")
            ax.legend(fontsize="x-small", loc="upper right")
        ax.set_title(f"{spec.label}\n{_param_text(params)}", fontsize="small")
        ax.grid(alpha=0.3)
    for ax in axes[len(SCHEDULES) :]:
        ax.set_visible(False)
    for ax in axes[-ncols:]:
        ax.set_xlabel("step t")
    for ax in axes[::ncols]:
        ax.set_ylabel("learning rate")
    return fig


# ---------------------------------------------------------------------------
# NetworkPlayground: a small TensorFlow-Playground for FullyConnectedNet


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
    from .data import make_spiral

    return make_spiral(n_per_class=100, num_classes=3, noise=0.2, rng=rng)


def _circles(rng):
    from .data import make_circles

    return make_circles(n_samples=300, noise=0.08, factor=0.5, rng=rng)


def _blobs(rng):
    from .data import make_blobs

    return make_blobs(n_samples=300, centers=_BLOB_CENTRES, std=0.25, rng=rng)


def _xor(rng):
    """Four blobs around (+-0.5, +-0.5); a point's label is 1 when its blob's centre has
    coordinates of opposite signs (the XOR of the signs), else 0."""
    from .data import make_blobs

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
):
    """A ``FullyConnectedNet`` with ``depth`` hidden layers of ``hidden_dim`` units for
    2-D inputs, its weights scaled for the activation.

    The net draws ``Wi = rng.standard_normal((fan_in, fan_out))`` (weight_scale=1), then
    each hidden layer's Wi is multiplied by ``gain / sqrt(fan_in)`` with gain sqrt(2) for
    relu / leaky_relu (He) and 1 for tanh / sigmoid (Xavier); the output layer by
    ``1 / sqrt(fan_in)``. A fixed small scale (the net's default 1e-2) would leave a deep
    net's scores near zero and its first steps near zero too.
    """
    from .models import ACTIVATIONS, FullyConnectedNet

    depth = _int_in(depth, 1, MAX_DEPTH, "depth (number of hidden layers)")
    hidden_dim = _int_in(hidden_dim, 1, MAX_HIDDEN_DIM, "hidden_dim")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    model = FullyConnectedNet(
        [hidden_dim] * depth,
        input_dim=2,
        num_classes=num_classes,
        weight_scale=1.0,
        reg=_real(reg, "reg", positive=False),
        rng=_generator(rng),
        activation=activation,
    )
    gain = math.sqrt(2.0) if activation in ("relu", "leaky_relu") else 1.0
    for i in range(1, model.num_layers + 1):
        W = model.params[f"W{i}"]
        scale = (gain if i < model.num_layers else 1.0) / math.sqrt(W.shape[0])
        model.params[f"W{i}"] = W * scale
    return model


def batch_stream(X, y, batch_size: int, rng: np.random.Generator) -> Iterator[tuple]:
    """Endless minibatches ``(X_batch, y_batch)``: epoch after epoch of
    ``nnkit.solver.minibatches(X, y, batch_size, rng)`` (one ``rng.permutation`` at
    the start of each epoch, drawn when the epoch's first batch is asked for)."""
    from .solver import minibatches

    if len(y) == 0:
        raise ValueError("cannot draw minibatches from an empty data set")
    while True:
        yield from minibatches(X, y, batch_size, rng)


def train_steps(
    model,
    batches: Iterator[tuple],
    num_steps: int,
    configs: dict,
    *,
    lr: float,
    update_rule="adam",
) -> list[float]:
    """Run ``num_steps`` updates of ``update_rule`` on ``model`` and return their losses.

    Each step takes the next ``(X_batch, y_batch)`` of ``batches``, computes
    ``loss, grads = model.loss(X_batch, y_batch)``, sets ``learning_rate = lr`` in the
    parameter's optimizer config and applies ``rule(w, dw, config) -> (w, config)``
    (``nnkit.optim``). ``configs`` (name -> config, e.g. Adam's m, v, t) is created on
    first use and updated in place, so a second call continues where the first stopped.

    Raises ValueError at the first non-finite loss; that step's update is not applied,
    the earlier ones are (the caller decides whether to roll back).
    """
    rule = optim.get_rule(update_rule)
    if not _is_int(num_steps) or num_steps < 0:
        raise ValueError(f"num_steps must be an integer >= 0, got {num_steps!r}")
    lr = _real(lr, "learning rate", positive=True)
    losses: list[float] = []
    for _ in range(num_steps):
        X_batch, y_batch = next(batches)
        loss, grads = model.loss(X_batch, y_batch)
        if not np.isfinite(loss):
            raise ValueError(f"the loss became {loss} at step {len(losses) + 1} of {num_steps}")
        losses.append(float(loss))
        for name, w in model.params.items():
            config = configs.setdefault(name, {})
            config["learning_rate"] = lr
            model.params[name], configs[name] = rule(w, grads[name], config)
    return losses


def data_extent(X, padding: float = 0.25) -> tuple[float, float, float, float]:
    """A square ``(x_min, x_max, y_min, y_max)`` around the points of X (N, 2): centred
    on their bounding box, with sides as long as its longer side plus ``2 * padding``."""
    X = np.asarray(X, dtype=np.float64)
    low, high = X.min(axis=0), X.max(axis=0)
    cx, cy = (low + high) / 2
    half = float(np.max(high - low)) / 2 + padding
    return (cx - half, cx + half, cy - half, cy + half)


def boundary_grid(model, extent, resolution: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The model's class and confidence on a ``resolution x resolution`` grid.

    The grid has ``x = linspace(x_min, x_max, resolution)`` along the columns and
    ``y = linspace(y_min, y_max, resolution)`` along the rows (row 0 at y_min, as
    ``imshow(origin="lower")`` draws it), for ``extent = (x_min, x_max, y_min, y_max)``.
    Returns labels (R, R) int64, the argmax of the scores, and confidence (R, R), the
    largest softmax probability, in [1 / C, 1].
    """
    resolution = _int_in(resolution, 2, 1000, "resolution")
    x_min, x_max, y_min, y_max = extent
    xx, yy = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    scores = np.asarray(model.loss(np.column_stack([xx.ravel(), yy.ravel()])))
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    shape = (resolution, resolution)
    return np.argmax(scores, axis=1).reshape(shape), probs.max(axis=1).reshape(shape)


def region_rgba(
    labels, confidence, num_classes: int, alpha: tuple[float, float] = (0.08, 0.6)
) -> np.ndarray:
    """An RGBA image (R, R, 4) of the decision regions: class c in the colour of
    ``nnkit.plots.class_colors`` (the points' colours), opaque in proportion to the
    confidence, from ``alpha[0]`` at chance (1 / C) to ``alpha[1]`` at certainty."""
    from matplotlib.colors import to_rgba_array

    from .plots import class_colors

    cmap, _ = class_colors(num_classes)
    colors = to_rgba_array(cmap.colors)[:, :3]
    labels, confidence = np.asarray(labels), np.asarray(confidence, dtype=np.float64)
    chance = 1.0 / num_classes
    strength = np.clip((confidence - chance) / (1.0 - chance), 0.0, 1.0)
    rgba = np.empty((*labels.shape, 4))
    rgba[..., :3] = colors[labels]
    rgba[..., 3] = alpha[0] + (alpha[1] - alpha[0]) * strength
    return rgba


def _value_options(values: Iterable[float], extra: float) -> list[tuple[str, float]]:
    """Dropdown options ``(label, value)``, sorted, with ``extra`` added if missing."""
    return [(f"{v:g}", v) for v in sorted({float(v) for v in values} | {float(extra)})]


class NetworkPlayground(_Guarded):
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
      ``error`` and ``log`` (see ``_Guarded``);
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
    ):
        super().__init__()
        from .plots import class_colors

        _playground_dataset(dataset)
        if activation not in PLAYGROUND_ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {', '.join(PLAYGROUND_ACTIVATIONS)}, got {activation!r}"
            )
        _int_in(hidden_dim, 1, MAX_HIDDEN_DIM, "hidden_dim")
        _int_in(depth, 1, MAX_DEPTH, "depth (number of hidden layers)")
        lr = _real(lr, "lr", positive=True)
        reg = _real(reg, "reg", positive=False)
        _int_in(steps_per_click, 1, MAX_STEPS_PER_CLICK, "steps_per_click")
        self.batch_size = _int_in(batch_size, 1, 100_000, "batch_size")
        self.resolution = _int_in(resolution, 2, 1000, "resolution")
        optim.get_rule(update_rule)
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
            options=list(PLAYGROUND_ACTIVATIONS),
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
        self._host = _FigureHost(figsize, ncols=2)
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
        self.new_data()

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
        from .plots import class_colors

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
        from .plots import moving_average

        start = time.perf_counter()
        labels, confidence = boundary_grid(self.model, self.extent, self.resolution)
        self.boundary_labels = labels
        self.image.set_data(region_rgba(labels, confidence, self.num_classes))
        self.ax_data.title.set_text(f"{self.dataset.value}: {self.architecture()}")

        losses = np.asarray(self.loss_history)
        self.loss_line.set_data(np.arange(1, len(losses) + 1), losses)
        x, smooth = moving_average(losses, self.steps_per_epoch)
        self.smooth_line.set_data(x + 1, smooth)
        if len(losses):  # limits set by hand: cheaper than relim, and log-safe
            low = max(float(losses.min()), 1e-6)
            self.ax_loss.set_xlim(0, 1.02 * len(losses))
            self.ax_loss.set_ylim(low / 1.5, max(float(losses.max()), low) * 1.5)
        else:
            self.ax_loss.set_xlim(0, self.steps.value)
            self.ax_loss.set_ylim(0.01, 2.0)

        loss, acc = self.full_loss(), self.accuracy()
        epoch = self.step / self.steps_per_epoch
        self.readout_values = {"step": self.step, "epoch": epoch, "loss": loss, "accuracy": acc}
        self.readout.value = (
            f"step <b>{self.step}</b> (epoch {epoch:.1f}) &nbsp;·&nbsp; "
            f"loss <b>{loss:.4f}</b> &nbsp;·&nbsp; train accuracy <b>{acc:.1%}</b>"
            f" &nbsp;·&nbsp; {len(self.y)} points"
        )
        self._host.redraw()
        self.last_draw_seconds = time.perf_counter() - start

    # -- display -------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        return self._host.mimebundle(self.widget, **kwargs)

    def close(self):
        """Close the figure and all the widgets."""
        self._host.close()
        _close_tree(self.widget)
