"""The schedules the widgets draw: their parameters, formulas and curves (no widgets).

``SCHEDULES`` names each schedule of notebook 03 with its parameters (and the slider
each one gets) and its formula in LaTeX; ``make_schedule`` and ``schedule_curve`` are
pure functions of the parameters. They call nnkit's schedule functions by default, or
the reader's own (``fn=cosine_decay``), with the same keyword arguments; every curve is
exactly ``[schedule(t) for t in range(num_steps)]``. ``plot_all_schedules`` is the
static overview (small multiples) for readers without a live kernel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from .. import schedules as S
from ..own_code import call, name_of


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
WARMUP_STEPS = Param(
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


def spec_of(key: str) -> ScheduleSpec:
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
    for p in spec_of(key).params:
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


def schedule_functions(schedules: Mapping[str, Callable] | None = None) -> dict[str, Callable]:
    """The schedule functions to draw, keyed like ``SCHEDULES`` and in its order.

    None means nnkit's own (``SCHEDULES[key].fn``; locked in the student edition until
    notebook 03 is unlocked). A mapping gives the reader's functions, e.g.
    ``{"cosine": cosine_decay, "sgdr": cosine_with_restarts}``: only those schedules are
    offered, each called with the keyword arguments of its nnkit namesake."""
    if schedules is None:
        return {key: spec.fn for key, spec in SCHEDULES.items()}
    if not isinstance(schedules, Mapping) or not schedules:
        raise ValueError(
            "schedules must be a dict like {'cosine': cosine_decay, 'step': step_decay}; "
            f"got {type(schedules).__name__}"
        )
    for key, fn in schedules.items():
        spec_of(key)
        if not callable(fn):
            raise ValueError(f"schedules[{key!r}] must be a function, got {type(fn).__name__}")
    return {key: schedules[key] for key in SCHEDULES if key in schedules}


def make_schedule(
    key: str, params: Mapping, *, fn: Callable | None = None, warmup: Callable | None = None
) -> Callable[[int], float]:
    """The schedule ``t -> lr`` for ``SCHEDULES[key]`` with these parameters.

    ``params`` holds the function's own keyword arguments (milestones as a text or a
    sequence) and optionally ``warmup_steps`` (0 or missing = no warmup, else the
    schedule is wrapped in ``warmup(schedule, warmup_steps)``). ``fn`` and ``warmup``
    are the functions to use (the reader's own), by default nnkit's
    ``SCHEDULES[key].fn`` and ``nnkit.schedules.with_warmup``. Bad values raise
    ValueError, also at build time: the schedule is evaluated once at t = 0; a function
    that is not written yet raises ``NotWritten`` naming it.
    """
    spec = spec_of(key)
    fn = spec.fn if fn is None else fn
    unknown = set(params) - set(spec.names) - {"warmup_steps"}
    if unknown:
        raise ValueError(f"{key} has no parameter(s) {', '.join(sorted(unknown))}")
    kwargs = {name: params[name] for name in spec.names if name in params}
    if "milestones" in kwargs:
        kwargs["milestones"] = parse_milestones(kwargs["milestones"])
    schedule = S.bind(fn, **kwargs)
    call(schedule, 0)  # raise bad arguments now, not halfway through a curve
    warmup_steps = params.get("warmup_steps", 0) or 0
    if warmup_steps:
        warmup = S.with_warmup if warmup is None else warmup
        warmed = call(warmup, schedule, warmup_steps)
        if not callable(warmed):
            raise ValueError(
                f"{name_of(warmup)} returned {type(warmed).__name__}; it must return the "
                "new schedule, a function of t"
            )
        call(warmed, 0)
        schedule = warmed
    return schedule


def schedule_curve(
    key: str,
    params: Mapping,
    num_steps: int,
    *,
    fn: Callable | None = None,
    warmup: Callable | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(ts, lrs): ``ts = 0 .. num_steps - 1`` and ``lrs = [schedule(t) for t in ts]``
    with ``make_schedule(key, params, fn=fn, warmup=warmup)``. A value that is not a
    finite real number raises ValueError naming the step."""
    if num_steps < 1:
        raise ValueError(f"num_steps must be >= 1, got {num_steps}")
    schedule = make_schedule(key, params, fn=fn, warmup=warmup)
    ts = np.arange(num_steps)
    lrs = []
    for t in ts:
        value = call(schedule, int(t))
        try:
            lrs.append(float(value))
        except (TypeError, ValueError):
            raise ValueError(
                f"{name_of(fn or spec_of(key).fn)} returned {type(value).__name__} at t = {t}; "
                "a schedule returns a number"
            ) from None
    return ts, np.array(lrs, dtype=np.float64)


def fmt(value: float) -> str:
    return f"{value:.6g}"


def param_text(params: Mapping) -> str:
    parts = []
    for name, value in params.items():
        if name == "warmup_steps" and not value:
            continue
        if isinstance(value, tuple | list):
            value = ",".join(map(str, value))
        elif isinstance(value, float):
            value = fmt(value)
        parts.append(f"{name}={value}")
    return ", ".join(parts)


def plot_all_schedules(
    fig: Figure | None = None,
    num_steps: int = 300,
    warmup_steps: int | None = None,
    *,
    schedules: Mapping[str, Callable] | None = None,
    warmup: Callable | None = None,
) -> Figure:
    """Small multiples: one axes per schedule of ``schedules`` (the reader's functions,
    see ``schedule_functions``; default nnkit's, every key of ``SCHEDULES``), drawn with
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
    functions = schedule_functions(schedules)
    ncols = 3
    nrows = math.ceil(len(functions) / ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    for ax, (key, fn) in zip(axes, functions.items(), strict=False):
        spec = SCHEDULES[key]
        params = default_params(key, num_steps)
        ts, lrs = schedule_curve(key, params, num_steps, fn=fn)
        ax.plot(ts, lrs, lw=2, label=spec.label)
        if warmup_steps:
            warmed = {**params, "warmup_steps": warmup_steps}
            ts_w, lrs_w = schedule_curve(key, warmed, num_steps, fn=fn, warmup=warmup)
            ax.plot(ts_w, lrs_w, "--", lw=1.5, label=f"+ warmup {warmup_steps}")
            ax.legend(fontsize="x-small", loc="upper right")
        ax.set_title(f"{spec.label}\n{param_text(params)}", fontsize="small")
        ax.grid(alpha=0.3)
    for ax in axes[len(functions) :]:
        ax.set_visible(False)
    for ax in axes[-ncols:]:
        ax.set_xlabel("step t")
    for ax in axes[::ncols]:
        ax.set_ylabel("learning rate")
    return fig
