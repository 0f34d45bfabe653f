"""``TrainingComparison``: the same training run under several schedules, overlaid.

A softmax ``LinearClassifier`` on the 8x8 digits, trained by the ``Solver`` once per
chosen schedule on a button click, from the same seed; the lr, loss and validation
accuracy curves are overlaid. It takes its schedule functions (the reader's own) and
their parameters from a ``ScheduleExplorer``::

    TrainingComparison(schedules=("step", "cosine", "sgdr"), explorer=explorer)

Results are cached by (schedule, params, epochs, seed, batch size, update rule), so a
re-run is instant; a schedule that fails is named and the others still train.
"""

from __future__ import annotations

import html
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib
import numpy as np

from ..models import LinearClassifier
from ..optim import get_rule
from ..own_code import call, explain
from ..solver import Solver, rule_name
from .figure import FigureHost, Guarded, close_tree, error_html
from .schedule_explorer import ScheduleExplorer
from .schedule_specs import SCHEDULES, default_params, make_schedule, schedule_functions, spec_of


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


class TrainingComparison(Guarded):
    """Train a softmax ``LinearClassifier`` on the 8x8 digits under several schedules
    and overlay their curves: lr per step, training loss per step (moving average over
    half an epoch) and validation accuracy per epoch.

    Training runs only when ``run_button`` is clicked (or ``run()`` is called). Each
    schedule's run starts from the same seed: the digits split, the weights and the
    minibatch order come from ``np.random.default_rng(seed)``, so runs are
    deterministic and comparable. Results are cached in ``cache`` keyed by
    ``(schedule, params, num_epochs, seed, batch_size, update_rule)``; ``train_calls``
    counts the runs that actually trained.

    Schedule functions: the ``explorer``'s (a ScheduleExplorer: the reader's functions
    and its current sliders) when given, else ``functions`` (e.g.
    ``{"cosine": cosine_decay}``; default nnkit's) with ``default_params(key,
    total_steps, lr0)`` and the ``lr0`` and ``warmup_steps`` sliders here (warmup by
    ``warmup``, default nnkit's ``with_warmup``). ``update_rule``: a name of
    ``nnkit.optim.RULES`` or the reader's own rule function. A schedule that is not
    written yet, or fails, is named in ``error`` and the others still train.

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
        *,
        functions: Mapping[str, Callable] | None = None,
        warmup: Callable | None = None,
    ):
        super().__init__()
        if explorer is not None:
            self.functions, self.warmup = explorer.functions, explorer.warmup
        else:
            self.functions, self.warmup = schedule_functions(functions), warmup
        schedules = tuple(schedules)
        for key in schedules:
            spec_of(key)
            if key not in self.functions:
                raise ValueError(f"schedules: {key!r} is not one of {', '.join(self.functions)}")
        get_rule(update_rule)
        self.batch_size = batch_size
        self.update_rule = update_rule
        self.explorer = explorer
        self._data = dict(data) if data is not None else None
        self._data_by_seed: dict[int, dict] = {}
        self.cache: dict[tuple, RunResult] = {}
        self.results: dict[str, RunResult] = {}
        self.train_calls = 0

        options = [(SCHEDULES[key].label, key) for key in self.functions]
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

        self._host = FigureHost(figsize, ncols=3)
        self.fig, self.axes = self._host.fig, self._host.axes
        self.canvas = self._host.view
        colors = matplotlib.colormaps["tab10"].colors
        self.lines: dict[str, dict] = {"lr": {}, "loss": {}, "val_acc": {}}
        for i, (key, spec) in enumerate(SCHEDULES.items()):
            if key not in self.functions:
                continue
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
            from ..data import load_digits_split

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
        rule = rule_name(self.update_rule)
        return (key, _freeze(params), num_epochs, seed, self.batch_size, rule)

    def train_one(
        self,
        key: str,
        params: Mapping,
        num_epochs: int,
        seed: int,
        on_epoch: Callable[[int], None] | None = None,
    ) -> RunResult:
        """Train one model from ``seed`` under schedule ``key``; no caching."""

        self.train_calls += 1
        data = self.data(seed)
        rng = np.random.default_rng(seed)
        model = LinearClassifier(
            data["X_train"].shape[1], int(data["y_train"].max()) + 1, loss="softmax", rng=rng
        )

        schedule = make_schedule(key, params, fn=self.functions[key], warmup=self.warmup)
        solver = Solver(
            model,
            data,
            update_rule=self.update_rule,
            schedule=lambda t: call(schedule, t),
            on_epoch=None if on_epoch is None else lambda _, epoch: on_epoch(epoch),
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
        keys = [k for k in self.functions if k in self.schedule_select.value]
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

                    try:
                        self.cache[ck] = self.train_one(key, params, num_epochs, seed, tick)
                    except Exception as e:  # noqa: BLE001 - the reader's code: named, and on
                        errors.append(f"{SCHEDULES[key].label}: {explain(self.functions[key], e)}")
                        if not isinstance(e, ValueError):
                            self.log.append_stdout(traceback.format_exc())
                        continue
                    trained += 1
                results[key] = self.cache[ck]
                if results[key].error:
                    errors.append(f"{SCHEDULES[key].label}: {results[key].error}")
                self.progress.value = (i + 1) * num_epochs
        finally:
            self.run_button.disabled = False
        self.results = results
        if not results:
            raise ValueError("; ".join(errors))
        self._draw(results)
        cached = len(results) - trained
        best = max(results, key=lambda k: results[k].val_acc[-1])
        self.status.value = (
            f"{len(results)} schedules, {num_epochs} epochs x {total // num_epochs} steps "
            f"= {total} steps each; trained {trained}, from cache {cached}, "
            f"{time.perf_counter() - start:.2f} s. Best final val acc: "
            f"{html.escape(SCHEDULES[best].label)} {results[best].val_acc[-1]:.3f}"
        )
        if errors:
            self.error.value = error_html("; ".join(errors))
        return results

    # -- redraw --------------------------------------------------------------

    def _draw(self, results: Mapping[str, RunResult]):
        from ..plots import moving_average

        window = max(1, self.steps_per_epoch() // 2)
        for key in self.functions:
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
        close_tree(self.widget)
