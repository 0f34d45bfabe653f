"""nnkit.widgets driven without a browser, on the headless Agg backend.

Every check reads the real widget state (slider values, Line2D data, label text) and
compares it with an independent oracle: the nnkit.schedules function called with the
same keyword arguments, or the written formula.
"""

import html
import inspect
import math
import re
import subprocess
import sys
from functools import partial

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnkit import schedules as S  # noqa: E402
from nnkit.widgets import (  # noqa: E402
    SCHEDULES,
    ScheduleExplorer,
    TrainingComparison,
    default_params,
    display_static,
    make_schedule,
    parse_milestones,
    plot_all_schedules,
    schedule_curve,
)

FUNCTIONS = {
    "step": S.step_decay,
    "multistep": S.multistep_decay,
    "cosine": S.cosine_decay,
    "linear": S.linear_decay,
    "inverse-sqrt": S.inverse_sqrt,
    "sgdr": S.cosine_with_restarts,
}

# New values for every parameter, away from the defaults.
NEW_VALUES = {
    "lr0": 0.37,
    "step_size": 40,
    "gamma": 0.5,
    "milestones": "20,70,71",
    "T": 123,
    "lr_min": 0.004,
    "warmup": 17,
    "T0": 25,
    "T_mult": 3,
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def explorer():
    ex = ScheduleExplorer(num_steps=200)
    yield ex
    ex.close()


def oracle(key, params, num_steps):
    """``[schedule(t) for t in ts]`` straight from nnkit.schedules, no widget code."""
    kwargs = {k: v for k, v in params.items() if k != "warmup_steps"}
    if isinstance(kwargs.get("milestones"), str):
        kwargs["milestones"] = [int(m) for m in kwargs["milestones"].split(",")]
    schedule = partial(FUNCTIONS[key], **kwargs)
    if params.get("warmup_steps"):
        schedule = S.with_warmup(schedule, params["warmup_steps"])
    return [schedule(t) for t in range(num_steps)]


def slider_values(ex, key):
    return {name: w.value for name, w in ex.sliders[key].items()}


def readout_numbers(text):
    """{"lr(t=100)": 0.05, ..., "peak": (value, t)} parsed from the readout HTML."""
    found = {
        f"lr(t={t})": float(v)
        for t, v in re.findall(r"lr\(t=(\d+)\) = ([-+0-9.e]+)", text.replace("&nbsp;", " "))
    }
    peak = re.search(r"peak ([-+0-9.e]+) at t=(\d+)", text)
    found["peak"] = (float(peak[1]), int(peak[2]))
    return found


def visible_keys(ex):
    return {key for key, line in ex.lines.items() if line.get_visible()}


# ---------------------------------------------------------------------------
# ScheduleExplorer


def test_every_schedule_is_offered_with_the_parameters_of_its_function(explorer):
    assert {value for _, value in explorer.schedule_select.options} == set(FUNCTIONS)
    for key, fn in FUNCTIONS.items():
        own = set(inspect.signature(fn).parameters) - {"t"}
        assert set(explorer.sliders[key]) == own | {"warmup_steps"}, key


def test_default_curve_is_the_schedule_function(explorer):
    assert explorer.current == "cosine"
    line = explorer.lines["cosine"]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(200))
    assert list(line.get_ydata()) == oracle("cosine", slider_values(explorer, "cosine"), 200)
    assert explorer.error.value == ""


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_moving_each_slider_redraws_the_exact_schedule(explorer, key):
    explorer.schedule_select.value = key
    line = explorer.lines[key]
    for name, control in explorer.sliders[key].items():
        if name == "warmup_steps":
            continue
        before = list(line.get_ydata())
        control.value = NEW_VALUES[name]
        assert control.value == NEW_VALUES[name]
        expected = oracle(key, slider_values(explorer, key), 200)
        assert list(line.get_ydata()) == expected, f"{key}: after moving {name}"
        assert list(line.get_ydata()) != before, f"{key}: moving {name} changed nothing"
    assert explorer.error.value == ""


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_warmup_wraps_the_schedule(explorer, key):
    explorer.schedule_select.value = key
    explorer.sliders[key]["warmup_steps"].value = 25
    values = slider_values(explorer, key)
    ys = list(explorer.lines[key].get_ydata())
    assert ys == oracle(key, values, 200)
    # linear ramp up to schedule(0) at t = warmup_steps, then the schedule shifted
    base = oracle(key, {**values, "warmup_steps": 0}, 200)
    assert ys[:25] == pytest.approx([base[0] * t / 25 for t in range(25)], rel=1e-12, abs=0)
    assert ys[25:] == base[: 200 - 25]
    assert "warmup" in explorer.formula.value


def test_lines_are_updated_in_place_not_recreated(explorer):
    lines = dict(explorer.lines)
    n_artists = len(explorer.ax.lines)
    for key in FUNCTIONS:
        explorer.schedule_select.value = key
        explorer.sliders[key]["lr0"].value = 0.2
    explorer.num_steps.value = 500
    assert explorer.lines == lines
    assert all(explorer.lines[k] is lines[k] for k in lines)
    assert len(explorer.ax.lines) == n_artists
    assert len(explorer.lines[explorer.current].get_xdata()) == 500


def test_switching_schedule_shows_only_its_own_sliders(explorer):
    for key in FUNCTIONS:
        explorer.schedule_select.value = key
        (box,) = explorer.controls.children
        assert box is explorer.param_boxes[key]
        assert list(box.children) == list(explorer.sliders[key].values())
        assert visible_keys(explorer) == {key}
        assert SCHEDULES[key].label in explorer.formula.value
    shown = {c.description for c in explorer.controls.children[0].children}
    assert shown == {"lr0", "T0", "T_mult", "lr_min", "warmup_steps"}


def test_horizon_slider_sets_the_number_of_steps(explorer):
    explorer.num_steps.value = 80
    line = explorer.lines["cosine"]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(80))
    assert list(line.get_ydata()) == oracle("cosine", slider_values(explorer, "cosine"), 80)
    assert "lr(t=79)" in explorer.readout.value


def test_overlay_draws_one_line_per_chosen_schedule(explorer):
    explorer.overlay_select.value = ("step", "sgdr")
    assert visible_keys(explorer) == {"cosine"}  # overlay mode is off
    explorer.overlay_toggle.value = True
    assert explorer.overlay_select.layout.display is None
    assert visible_keys(explorer) == {"cosine", "step", "sgdr"}
    assert set(explorer.drawn()) == {"cosine", "step", "sgdr"}
    for key in ("cosine", "step", "sgdr"):
        ys = list(explorer.lines[key].get_ydata())
        assert ys == oracle(key, slider_values(explorer, key), 200)
    legend = [t.get_text() for t in explorer.ax.get_legend().get_texts()]
    assert sorted(legend) == sorted(SCHEDULES[k].label for k in ("cosine", "step", "sgdr"))
    # each overlaid schedule keeps its own parameters while another one is edited
    explorer.sliders["cosine"]["T"].value = 50
    assert list(explorer.lines["step"].get_ydata()) == oracle(
        "step", slider_values(explorer, "step"), 200
    )
    explorer.overlay_select.value = ("step", "linear", "multistep", "inverse-sqrt")
    assert visible_keys(explorer) == {"cosine", "step", "linear", "multistep", "inverse-sqrt"}
    explorer.overlay_toggle.value = False
    assert visible_keys(explorer) == {"cosine"}
    assert explorer.ax.get_legend() is None
    assert explorer.overlay_select.layout.display == "none"


def test_log_toggle_sets_the_y_scale(explorer):
    explorer.log_toggle.value = True
    assert explorer.ax.get_yscale() == "log"
    explorer.schedule_select.value = "inverse-sqrt"  # lr(0) = 0 must not break log scale
    assert explorer.error.value == ""
    low, high = explorer.ax.get_ylim()
    assert 0 < low < high
    explorer.log_toggle.value = False
    assert explorer.ax.get_yscale() == "linear"


def test_readout_matches_the_written_formula(explorer):
    explorer.sliders["cosine"]["lr0"].value = 0.3
    explorer.sliders["cosine"]["T"].value = 120
    explorer.sliders["cosine"]["lr_min"].value = 0.01
    got = readout_numbers(explorer.readout.value)

    def cosine(t):
        return 0.01 + (0.3 - 0.01) * (1 + math.cos(math.pi * min(t, 120) / 120)) / 2

    assert got["lr(t=0)"] == pytest.approx(0.3, rel=1e-6)
    assert got["lr(t=100)"] == pytest.approx(cosine(100), rel=1e-5)
    assert got["lr(t=199)"] == pytest.approx(0.01, rel=1e-5)
    assert got["peak"] == (pytest.approx(0.3, rel=1e-6), 0)
    assert explorer.readout_values["lr(t=100)"] == pytest.approx(cosine(100), rel=1e-12)

    explorer.schedule_select.value = "inverse-sqrt"
    explorer.sliders["inverse-sqrt"]["lr0"].value = 0.5
    explorer.sliders["inverse-sqrt"]["warmup"].value = 16
    got = readout_numbers(explorer.readout.value)
    assert got["lr(t=0)"] == 0.0
    assert got["lr(t=100)"] == pytest.approx(0.5 * math.sqrt(16) / math.sqrt(100), rel=1e-5)
    assert got["peak"] == (pytest.approx(0.5, rel=1e-6), 16)  # peaks at lr0 when t = warmup


def test_bad_milestones_show_an_error_and_keep_the_old_curve(explorer):
    explorer.schedule_select.value = "multistep"
    text = explorer.sliders["multistep"]["milestones"]
    text.value = "50,100"
    good = list(explorer.lines["multistep"].get_ydata())
    readout = explorer.readout.value
    assert good == oracle("multistep", slider_values(explorer, "multistep"), 200)

    for bad, words in (("50,abc", "integers"), ("100,50", "sorted"), ("-3", ">= 0")):
        text.value = bad  # must not raise out of the callback
        message = html.unescape(explorer.error.value)
        assert "Error" in message and words in message, bad
        assert list(explorer.lines["multistep"].get_ydata()) == good
        assert explorer.lines["multistep"].get_visible()
        assert explorer.readout.value == readout

    text.value = "30, 60,90"
    assert explorer.error.value == ""
    assert explorer.params()["milestones"] == (30, 60, 90)
    assert list(explorer.lines["multistep"].get_ydata()) == oracle(
        "multistep", {**slider_values(explorer, "multistep"), "milestones": "30,60,90"}, 200
    )


def test_unexpected_errors_are_shown_with_their_traceback(explorer):
    def boom():
        raise RuntimeError("kaboom")

    explorer._guard(boom)
    assert "RuntimeError: kaboom" in explorer.error.value
    assert any("kaboom" in o.get("text", "") for o in explorer.log.outputs)


def test_fallback_canvas_is_a_png_image_that_follows_the_sliders(explorer):
    assert not explorer._host.interactive
    before = bytes(explorer.canvas.value)
    assert before.startswith(b"\x89PNG")
    explorer.sliders["cosine"]["T"].value = 60
    assert bytes(explorer.canvas.value) != before


def test_mimebundle_has_the_widget_and_a_static_png(explorer):
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == (
        explorer.widget.model_id
    )
    assert bundle["image/png"].startswith("iVBOR")  # base64 of the PNG signature


IPYMPL_CHECK = """
import matplotlib
matplotlib.use("module://ipympl.backend_nbagg")
import numpy as np
from ipympl.backend_nbagg import Canvas
from nnkit.schedules import cosine_decay
from nnkit.widgets import ScheduleExplorer

ex = ScheduleExplorer()
canvas = ex.fig.canvas
assert isinstance(ex.canvas, Canvas) and ex.canvas is canvas, type(ex.canvas)
assert ex.canvas in ex.widget.children[2].children
calls = []
draw_idle = canvas.draw_idle
canvas.draw_idle = lambda: calls.append("draw_idle")

# no browser has drawn yet, so there is no background to blit onto: a full draw
ex.sliders["cosine"]["T"].value = 77
assert calls == ["draw_idle"], calls

canvas.draw()  # what the browser's draw request runs: caches the background
canvas.blit = lambda bbox=None: calls.append("blit")
ex.sliders["cosine"]["T"].value = 150  # same limits: only the line is redrawn
assert calls == ["draw_idle", "blit"], calls
blitted = np.asarray(canvas.buffer_rgba()).copy()
canvas.draw()  # a full draw of the same state gives the same pixels
assert np.array_equal(blitted, np.asarray(canvas.buffer_rgba())), "blit != full draw"
line = ex.lines["cosine"]
assert list(line.get_ydata()) == [cosine_decay(t, 0.1, 150, 0.0) for t in range(300)]

ex.num_steps.value = 600  # the x limits change: full draw again
assert calls[-1] == "draw_idle", calls
ex.log_toggle.value = True
assert calls[-1] == "draw_idle", calls

# saved figures (the static PNG in the output) include the animated lines
import io
from matplotlib.image import imread
from nnkit.widgets.figure import figure_png  # what the static PNG is made with
def saved():
    return imread(io.BytesIO(figure_png(ex.fig)))
with_lines = saved()
for line in ex.lines.values():
    line.set_visible(False)
assert not np.array_equal(with_lines, saved()), "savefig left the lines out"
print("ok")
"""


def test_ipympl_backend_uses_the_canvas_widget_and_blits():
    out = subprocess.run(
        [sys.executable, "-c", IPYMPL_CHECK], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")


# ---------------------------------------------------------------------------
# pure helpers


def test_parse_milestones():
    assert parse_milestones("30, 60,90") == (30, 60, 90)
    assert parse_milestones("") == ()
    assert parse_milestones([1, 2]) == (1, 2)
    for bad in ("a", "1.5", "3,1", "-1"):
        with pytest.raises(ValueError):
            parse_milestones(bad)


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_schedule_curve_and_defaults(key):
    params = default_params(key, 260)
    ts, lrs = schedule_curve(key, params, 260)
    np.testing.assert_array_equal(ts, np.arange(260))
    assert list(lrs) == oracle(key, params, 260)
    assert make_schedule(key, params)(7) == lrs[7]


def test_default_horizons_follow_the_run():
    assert default_params("cosine", 260)["T"] == 260
    sgdr = default_params("sgdr", 260)
    assert sgdr["T0"] * (1 + 2 + 4) >= 260  # three cycles cover the run, no late restart
    assert default_params("multistep", 300)["milestones"] == (150, 225)


def test_make_schedule_rejects_bad_parameters():
    with pytest.raises(ValueError, match="T must be > 0"):
        make_schedule("cosine", {"lr0": 0.1, "T": 0})
    with pytest.raises(ValueError, match="no parameter"):
        make_schedule("cosine", {"lr0": 0.1, "T": 10, "gamma": 0.5})
    with pytest.raises(ValueError, match="unknown schedule"):
        make_schedule("exponential", {})


def test_plot_all_schedules_draws_every_schedule():
    n_before = len(plt.get_fignums())
    fig = plot_all_schedules(num_steps=120)
    assert len(plt.get_fignums()) == n_before  # not registered with pyplot
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == len(SCHEDULES)
    for ax, key in zip(axes, SCHEDULES, strict=True):
        solid, dashed = ax.lines
        params = default_params(key, 120)
        assert list(solid.get_ydata()) == oracle(key, params, 120)
        assert list(dashed.get_ydata()) == oracle(key, {**params, "warmup_steps": 12}, 120)
        assert SCHEDULES[key].label in ax.get_title()
    again = plot_all_schedules(fig=fig, num_steps=50, warmup_steps=0)
    assert again is fig
    assert all(len(ax.lines) == 1 for ax in fig.axes if ax.get_visible())


def test_display_static_shows_a_png(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    display_static(plot_all_schedules(num_steps=50))
    (image,) = shown
    assert isinstance(image, IPython.display.Image)
    assert image.data.startswith(b"\x89PNG")


# ---------------------------------------------------------------------------
# TrainingComparison


@pytest.fixture
def comparison():
    tc = TrainingComparison(schedules=("step", "cosine"), num_epochs=3, seed=0)
    yield tc
    tc.close()


def test_training_runs_on_click_and_draws_curves(comparison):
    assert comparison.train_calls == 0  # nothing trains before the click
    ticks = []
    comparison.progress.observe(lambda c: ticks.append(c["new"]), names="value")
    comparison.run_button.click()
    assert comparison.error.value == ""
    assert set(comparison.results) == {"step", "cosine"}
    assert comparison.train_calls == 2
    assert comparison.progress.max == 2 * 3
    assert comparison.progress.value == comparison.progress.max
    assert [t for t in ticks if t] == [1, 2, 3, 4, 5, 6]  # one tick per epoch

    steps = 3 * comparison.steps_per_epoch()
    for key, result in comparison.results.items():
        lr_line = comparison.lines["lr"][key]
        assert lr_line.get_visible()
        params = default_params(key, steps, lr0=comparison.lr0.value)
        assert list(lr_line.get_ydata()) == oracle(key, params, steps)
        assert len(result.loss) == steps
        assert len(comparison.lines["val_acc"][key].get_ydata()) == 3 + 1
        assert comparison.lines["loss"][key].get_visible()
        assert result.val_acc[-1] > 0.8  # a softmax classifier learns the digits
    assert not comparison.lines["lr"]["sgdr"].get_visible()
    assert "trained 2, from cache 0" in comparison.status.value


def test_second_run_with_the_same_settings_hits_the_cache(comparison):
    first = comparison.run()
    assert comparison.train_calls == 2
    second = comparison.run()
    assert comparison.train_calls == 2
    assert second == first
    assert comparison.progress.value == comparison.progress.max
    assert "from cache 2" in comparison.status.value

    comparison.schedule_select.value = ("step", "cosine", "linear")
    comparison.run()
    assert comparison.train_calls == 3  # only the new schedule trains
    comparison.epochs.value = 2
    comparison.run()
    assert comparison.train_calls == 6  # epochs are part of the key
    comparison.seed.value = 1
    comparison.run()
    assert comparison.train_calls == 9  # and so is the seed


def test_runs_are_deterministic_given_the_seed(comparison):
    a = comparison.run()
    other = TrainingComparison(schedules=("step", "cosine"), num_epochs=3, seed=0)
    b = other.run()
    assert a["cosine"].loss == b["cosine"].loss
    assert a["step"].val_acc == b["step"].val_acc
    other.seed.value = 5
    c = other.run()
    assert c["cosine"].loss != a["cosine"].loss
    other.close()


def test_training_takes_parameters_from_an_explorer():
    ex = ScheduleExplorer()
    ex.sliders["cosine"]["T"].value = 40
    ex.sliders["cosine"]["lr0"].value = 0.5
    ex.sliders["cosine"]["warmup_steps"].value = 5
    tc = TrainingComparison(schedules=("cosine", "step"), num_epochs=2, explorer=ex)
    result = tc.run()["cosine"]
    assert list(result.lr) == oracle("cosine", ex.params("cosine"), len(result.lr))
    ex.sliders["cosine"]["T"].value = 41  # a new parameter is a new cache key
    tc.run()
    assert tc.train_calls == 3
    tc.close()
    ex.close()


def test_no_schedule_chosen_is_an_error_in_the_widget(comparison):
    comparison.schedule_select.value = ()
    comparison.run_button.click()
    assert "choose at least one schedule" in comparison.error.value
    assert comparison.train_calls == 0
