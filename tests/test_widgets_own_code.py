"""The widgets run on the reader's own functions (the schedules, the warmup, the update
rule and the network they wrote), and a function that is not written yet is named in the
widget instead of breaking it. Headless (Agg): the fallback canvas is a PNG."""

import html
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnkit import schedules as S  # noqa: E402
from nnkit.answers import Locked  # noqa: E402
from nnkit.models import FullyConnectedNet  # noqa: E402
from nnkit.optim import sgd  # noqa: E402
from nnkit.own_code import NotWritten, call, explain, not_written  # noqa: E402
from nnkit.widgets import (  # noqa: E402
    NetworkPlayground,
    ScheduleExplorer,
    TrainingComparison,
    build_playground_model,
    plot_all_schedules,
)


@pytest.fixture(autouse=True)
def close_figures():
    with matplotlib.rc_context({"figure.dpi": 40}):
        yield
    plt.close("all")


# the reader's functions: same signatures as nnkit's, values that nnkit's never give
def doubled_cosine(t, lr0, T, lr_min=0.0):
    return 2 * S.cosine_decay(t, lr0, T, lr_min)


def step_by_halves(t, lr0, step_size, gamma=0.1):
    return lr0 * 0.5 ** (t // step_size)


def flat_warmup(schedule, warmup_steps):
    return lambda t: 0.001 if t < warmup_steps else schedule(t - warmup_steps)


def not_written_yet(t, lr0, T, lr_min=0.0):
    # YOUR CODE HERE
    raise NotImplementedError()


def crashes(t, lr0, step_size, gamma=0.1):
    return [lr0][t]  # an IndexError from t = 1 on


def text(widget) -> str:
    return html.unescape(widget.error.value)


def test_the_explorer_draws_the_readers_functions_and_offers_only_them():
    ex = ScheduleExplorer(schedules={"cosine": doubled_cosine, "step": step_by_halves})
    assert [key for _, key in ex.schedule_select.options] == ["step", "cosine"]
    assert set(ex.lines) == {"step", "cosine"}
    ys = ex.lines["cosine"].get_ydata()
    p = ex.params("cosine")
    assert list(ys) == [doubled_cosine(t, p["lr0"], p["T"], p["lr_min"]) for t in range(300)]
    assert ex.readout_values["lr(t=0)"] == pytest.approx(2 * p["lr0"])
    ex.schedule_select.value = "step"
    p = ex.params("step")
    assert list(ex.lines["step"].get_ydata()) == [
        step_by_halves(t, p["lr0"], p["step_size"]) for t in range(300)
    ]
    assert ex.error.value == ""
    ex.close()


def test_the_explorer_wraps_with_the_readers_warmup():
    ex = ScheduleExplorer(schedules={"cosine": doubled_cosine}, warmup=flat_warmup)
    ex.sliders["cosine"]["warmup_steps"].value = 10
    ys = ex.lines["cosine"].get_ydata()
    assert list(ys[:10]) == [0.001] * 10
    p = ex.params("cosine")
    assert ys[10] == doubled_cosine(0, p["lr0"], p["T"], p["lr_min"])
    ex.close()


def test_a_function_not_written_yet_is_named_and_the_others_are_drawn():
    ex = ScheduleExplorer(
        schedule="cosine",
        overlay=("step",),
        schedules={"cosine": not_written_yet, "step": step_by_halves},
    )
    message = text(ex)
    assert "not_written_yet is not written yet" in message
    assert "Traceback" not in message and ex.log.outputs == ()
    assert ex.lines["step"].get_visible() and len(ex.lines["step"].get_ydata()) == 300
    assert not ex.lines["cosine"].get_visible()
    ex.close()


def test_a_locked_nnkit_function_says_whose_it_is():
    def locked(t, lr0, T, lr_min=0.0):
        raise Locked("cosine_decay", "03_lr_schedules")

    ex = ScheduleExplorer(schedules={"cosine": locked})
    assert "cosine_decay is not written yet" in text(ex)
    assert "03_lr_schedules" in text(ex)
    ex.close()


def test_a_readers_bug_is_named_with_its_error_and_the_traceback_logged():
    ex = ScheduleExplorer(schedules={"step": crashes, "cosine": doubled_cosine})
    ex.schedule_select.value = "step"
    assert "crashes raised IndexError: list index out of range" in text(ex)
    assert any("IndexError" in o.get("text", "") for o in ex.log.outputs)
    ex.schedule_select.value = "cosine"  # the widget is still usable
    assert ex.error.value == ""
    ex.close()


def test_a_warmup_not_written_yet_is_named_when_warmup_is_used():
    def with_warmup(schedule, warmup_steps):
        raise NotImplementedError()

    ex = ScheduleExplorer(schedules={"cosine": doubled_cosine}, warmup=with_warmup)
    assert ex.error.value == ""
    ex.sliders["cosine"]["warmup_steps"].value = 5
    assert "with_warmup is not written yet" in text(ex)
    ex.close()


def test_bad_schedule_mappings_are_refused():
    with pytest.raises(ValueError, match="unknown schedule 'cos'"):
        ScheduleExplorer(schedules={"cos": doubled_cosine})
    with pytest.raises(ValueError, match="must be a function"):
        ScheduleExplorer(schedules={"cosine": 0.1})
    with pytest.raises(ValueError, match="must be a dict"):
        ScheduleExplorer(schedules=[doubled_cosine])
    with pytest.raises(ValueError, match="overlay: 'linear' is not one of cosine"):
        ScheduleExplorer(schedules={"cosine": doubled_cosine}, overlay=("linear",))


def test_the_static_overview_draws_the_readers_functions():
    fig = plot_all_schedules(schedules={"cosine": doubled_cosine}, warmup=flat_warmup)
    (ax,) = [a for a in fig.axes if a.get_visible()]
    solid, dashed = ax.get_lines()
    assert solid.get_ydata()[0] == pytest.approx(0.2)  # 2 x the default lr0 = 0.1
    assert dashed.get_ydata()[0] == 0.001


def test_the_comparison_trains_with_the_explorers_functions_and_the_readers_rule():
    ex = ScheduleExplorer(schedules={"cosine": doubled_cosine, "step": step_by_halves})
    ex.sliders["cosine"]["lr0"].value = 0.2
    calls = []

    def my_sgd(w, dw, config=None):
        calls.append(1)
        return sgd(w, dw, config)

    tc = TrainingComparison(
        schedules=("cosine", "step"), num_epochs=1, explorer=ex, update_rule=my_sgd
    )
    assert [key for _, key in tc.schedule_select.options] == ["step", "cosine"]
    results = tc.run()
    p = ex.params("cosine")
    lrs = results["cosine"].lr
    assert list(lrs) == [doubled_cosine(t, 0.2, p["T"], p["lr_min"]) for t in range(len(lrs))]
    assert len(calls) == 2 * 2 * len(lrs)  # two schedules, W and b, every step
    assert tc.error.value == ""
    tc.close()
    ex.close()


def test_a_schedule_not_written_yet_is_named_and_the_others_still_train():
    tc = TrainingComparison(
        schedules=("cosine", "step"),
        num_epochs=1,
        functions={"cosine": not_written_yet, "step": step_by_halves},
    )
    tc.run_button.click()
    assert "not_written_yet is not written yet" in text(tc)
    assert set(tc.results) == {"step"}
    assert "1 schedules" in tc.status.value
    tc.close()

    only = TrainingComparison(schedules=("cosine",), functions={"cosine": not_written_yet})
    only.run_button.click()
    assert "not_written_yet is not written yet" in text(only)
    assert only.results == {}
    only.close()


class ReadersNet(FullyConnectedNet):
    """A reader's network: FullyConnectedNet's course signature (ReLU, no activation)."""

    built = 0

    def __init__(self, hidden_dims, input_dim, num_classes, weight_scale=1e-2, reg=0.0, rng=None):
        ReadersNet.built += 1
        super().__init__(hidden_dims, input_dim, num_classes, weight_scale, reg, rng)


class UnwrittenNet:
    def __init__(self, hidden_dims, input_dim, num_classes, weight_scale=1e-2, reg=0.0, rng=None):
        # YOUR CODE HERE
        raise NotImplementedError()


class UnwrittenLoss(ReadersNet):
    def loss(self, X, y=None):
        # YOUR CODE HERE
        raise NotImplementedError()


def test_the_playground_trains_the_readers_network():
    ReadersNet.built = 0
    pg = NetworkPlayground(rng=np.random.default_rng(0), model=ReadersNet, depth=2)
    assert isinstance(pg.model, ReadersNet) and ReadersNet.built == 1
    assert pg.activation.options == ("relu",)
    before = pg.full_loss()
    pg.train(200)
    assert pg.full_loss() < before and pg.error.value == ""
    pg.depth.value = 3  # a rebuild uses the reader's class again
    assert ReadersNet.built == 2 and sorted(pg.model.params)[-1] == "b4"
    pg.close()


def test_the_playground_names_what_is_not_written_yet():
    with pytest.raises(NotWritten, match="^loss is not written yet"):
        NetworkPlayground(rng=np.random.default_rng(0), model=UnwrittenLoss)
    pg = NetworkPlayground(rng=np.random.default_rng(0), model=ReadersNet)
    pg.model.loss = UnwrittenLoss.loss.__get__(pg.model)  # written, then broken again
    pg.train_button.click()
    assert "loss is not written yet" in text(pg)
    pg.close()
    with pytest.raises(NotWritten, match="UnwrittenNet is not written yet"):
        NetworkPlayground(rng=np.random.default_rng(0), model=UnwrittenNet)
    with pytest.raises(ValueError, match="uses ReLU"):
        build_playground_model(3, 4, 1, "tanh", net=ReadersNet)
    with pytest.raises(ValueError, match="activation must be one of relu"):
        NetworkPlayground(model=ReadersNet, activation="tanh")


def test_a_network_with_the_wrong_parameters_is_a_clear_error():
    class NoBiases(ReadersNet):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.params = {k: v for k, v in self.params.items() if k.startswith("W")}

    with pytest.raises(ValueError, match=r"has params \['W1', 'W2'\]; expected W1, W2, b1, b2"):
        build_playground_model(3, 4, 1, net=NoBiases)


def test_call_and_explain():
    assert call(math.sqrt, 4.0) == 2.0
    with pytest.raises(NotWritten, match="^not_written_yet is not written yet"):
        call(not_written_yet, 0, lr0=0.1, T=10)
    with pytest.raises(NotWritten, match="^adam is not written yet.*02_minibatch_sgd"):
        call(lambda: (_ for _ in ()).throw(Locked("adam", "02_minibatch_sgd")))
    with pytest.raises(IndexError):
        call(crashes, 3, 0.1, 1)
    assert explain(crashes, IndexError("list index out of range\nmore")) == (
        "crashes raised IndexError: list index out of range"
    )
    assert explain(S.bind(not_written_yet, lr0=1, T=2), NotImplementedError()).startswith(
        "not_written_yet is not written yet"
    )
    try:
        UnwrittenLoss([2], 2, 2).loss(np.zeros((1, 2)))
    except NotImplementedError as e:
        assert not_written(e).name == "loss"
