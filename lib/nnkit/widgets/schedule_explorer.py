"""``ScheduleExplorer``: learning-rate schedules with sliders, live.

Pick a schedule, move the sliders of its own parameters, add a linear warmup, overlay
several schedules, switch to a log scale; the formula, readouts and any error show
below the plot. It draws the reader's own functions::

    explorer = ScheduleExplorer(
        schedules={"step": step_decay, "cosine": cosine_decay, "sgdr": cosine_with_restarts},
        warmup=with_warmup,
    )
    explorer

A function that is not written yet (or raises) is named in ``error`` and the others are
still drawn. With ``%matplotlib widget`` (ipympl) the figure is built once and its lines
are updated in place; when the axes limits do not change (most slider moves) only the
lines are drawn over a cached background and blitted, which halves the slider to picture
latency (benchmarks/bench_widget_latency.py). Under any other backend the figure is a
PNG in an ``ipywidgets.Image``, replaced after each change. Every curve is exactly
``[schedule(t) for t in range(num_steps)]``.
"""

from __future__ import annotations

import html
import traceback
from collections.abc import Callable, Iterable, Mapping

import ipywidgets as widgets
import matplotlib
import numpy as np

from ..own_code import explain
from .figure import FigureHost, Guarded, close_tree
from .schedule_specs import (
    SCHEDULES,
    WARMUP_FORMULA,
    WARMUP_STEPS,
    Param,
    default_params,
    fmt,
    make_schedule,
    param_text,
    parse_milestones,
    schedule_curve,
    schedule_functions,
    spec_of,
)


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


class ScheduleExplorer(Guarded):
    """Explore learning-rate schedules with sliders: the reader's own functions
    (``schedules={"cosine": cosine_decay, ...}``, ``warmup=with_warmup``) or, when
    notebook 03 is unlocked, nnkit's (the default).

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
        *,
        schedules: Mapping[str, Callable] | None = None,
        warmup: Callable | None = None,
    ):
        super().__init__()
        self.functions = schedule_functions(schedules)
        self.warmup = warmup
        if warmup is not None and not callable(warmup):
            raise ValueError(f"warmup must be a function like with_warmup, got {warmup!r}")
        if schedule not in self.functions:
            spec_of(schedule)
            schedule = next(iter(self.functions))  # the default is not among the reader's
        overlay = tuple(overlay)
        for key in overlay:
            if key not in self.functions:
                raise ValueError(f"overlay: {key!r} is not one of {', '.join(self.functions)}")
        self.sliders: dict[str, dict[str, widgets.Widget]] = {}
        self.param_boxes: dict[str, widgets.VBox] = {}
        for key in self.functions:
            spec = SCHEDULES[key]
            defaults = default_params(key, 300)
            controls = {p.name: _control(p, defaults[p.name]) for p in spec.params}
            controls["warmup_steps"] = _control(WARMUP_STEPS, 0)
            for name, control in controls.items():
                control.add_class(f"nnkit-param-{key}-{name}")
                control.observe(self._on_param, names="value")
            self.sliders[key] = controls
            self.param_boxes[key] = widgets.VBox(list(controls.values()))

        options = [(SCHEDULES[key].label, key) for key in self.functions]
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

        self._host = FigureHost(figsize)
        self.fig, self.ax = self._host.fig, self._host.axes[0]
        self.canvas = self._host.view
        colors = matplotlib.colormaps["tab10"].colors
        self.lines = {}
        for i, (key, spec) in enumerate(SCHEDULES.items()):
            if key not in self.functions:
                continue
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
        self._guard(self.update)  # a function not written yet: named in error

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
        return tuple(k for k in self.functions if k in keys)

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
        return make_schedule(key, self.params(key), fn=self.functions[key], warmup=self.warmup)

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
                ts, lrs = schedule_curve(
                    key, self.params(key), n, fn=self.functions[key], warmup=self.warmup
                )
            except Exception as e:  # noqa: BLE001 - the reader's code: shown, never lost
                errors.append(f"{SCHEDULES[key].label}: {explain(self.functions[key], e)}")
                if not isinstance(e, ValueError):
                    self.log.append_stdout(traceback.format_exc())
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
        self.param_text.value = f"<small>{html.escape(param_text(params))}</small>"
        schedule = self.schedule(key)
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
            f"lr(t=0) = {fmt(values[0])} &nbsp;·&nbsp; lr(t={mid}) = {fmt(schedule(mid))}"
            f" (halfway) &nbsp;·&nbsp; lr(t={last}) = {fmt(schedule(last))} (final)"
            f" &nbsp;·&nbsp; peak {fmt(values[peak_t])} at t={peak_t}"
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
        (or ``full``), else a blit of the lines (see ``FigureHost.redraw``)."""
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
            close_tree(box)
        close_tree(self.widget)
