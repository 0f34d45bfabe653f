"""The training loop: minibatch order, determinism, histories, schedule per step."""

import numpy as np
import pytest

from nnkit.gradcheck import eval_numerical_gradient, rel_error
from nnkit.models import LinearClassifier
from nnkit.solver import Solver, minibatches


def blobs(rng, N=120, D=4, C=3):
    centers = 3 * rng.standard_normal((C, D))
    y = rng.integers(C, size=N)
    X = centers[y] + rng.standard_normal((N, D))
    return X, y


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X, y = blobs(rng)
    return {"X_train": X[:90], "y_train": y[:90], "X_val": X[90:], "y_val": y[90:]}


def test_minibatches_cover_each_sample_once_and_stay_aligned():
    X = np.arange(23)[:, None] * np.ones((1, 3))
    y = np.arange(23)
    batches = list(minibatches(X, y, 5, np.random.default_rng(3)))
    assert [len(b[1]) for b in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen) == list(range(23))
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], yb)
    order = np.random.default_rng(3).permutation(23)
    np.testing.assert_array_equal(seen, order)
    dropped = list(minibatches(X, y, 5, np.random.default_rng(3), drop_last=True))
    assert [len(b[1]) for b in dropped] == [5, 5, 5, 5]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5])
def test_minibatches_rejects_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        minibatches(np.zeros((4, 2)), np.zeros(4), batch_size)


@pytest.mark.parametrize("kind", ["softmax", "svm"])
def test_linear_classifier_gradient(kind):
    rng = np.random.default_rng(1)
    X, y = blobs(rng, N=10)
    model = LinearClassifier(4, 3, loss=kind, weight_scale=0.1, reg=0.3, rng=rng)
    model.params["b"] = 0.1 * rng.standard_normal(3)
    _, grads = model.loss(X, y)
    for name, param in model.params.items():
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], param)
        assert rel_error(grads[name], num) < 1e-6, name


def run(data, seed, **kwargs):
    model = LinearClassifier(4, 3, rng=np.random.default_rng(seed))
    solver = Solver(model, data, rng=np.random.default_rng(seed), **kwargs)
    return solver.train()


def test_same_rng_same_run_and_histories_have_the_right_length(data):
    a = run(
        data,
        5,
        update_rule="sgd_momentum",
        batch_size=32,
        num_epochs=4,
        optim_config={"learning_rate": 0.05},
    )
    b = run(
        data,
        5,
        update_rule="sgd_momentum",
        batch_size=32,
        num_epochs=4,
        optim_config={"learning_rate": 0.05},
    )
    c = run(
        data,
        6,
        update_rule="sgd_momentum",
        batch_size=32,
        num_epochs=4,
        optim_config={"learning_rate": 0.05},
    )
    assert a.loss_history == b.loss_history
    assert a.loss_history != c.loss_history
    steps = 4 * 3  # ceil(90 / 32) = 3 steps per epoch
    assert len(a.loss_history) == len(a.lr_history) == steps
    assert len(a.train_acc_history) == len(a.val_acc_history) == 4 + 1
    assert a.best_val_acc == max(a.val_acc_history) > 0.8
    assert np.mean(a.loss_history[-3:]) < a.loss_history[0]


def test_schedule_sets_the_rate_before_every_step(data):
    rates = []

    def schedule(t):
        rates.append(t)
        return 0.1 / (1 + t)

    solver = run(data, 0, update_rule="sgd", batch_size=45, num_epochs=3, schedule=schedule)
    assert rates == list(range(6))
    np.testing.assert_allclose(solver.lr_history, [0.1 / (1 + t) for t in range(6)])
    for config in solver.configs.values():
        assert config["learning_rate"] == pytest.approx(0.1 / 6)


def test_sgd_step_uses_the_scheduled_rate(data):
    model = LinearClassifier(4, 3, rng=np.random.default_rng(0))
    W0 = model.params["W"].copy()
    solver = Solver(
        model,
        data,
        update_rule="sgd",
        schedule=lambda t: 0.5,
        batch_size=90,
        num_epochs=1,
        rng=np.random.default_rng(0),
    )
    X, y = data["X_train"], data["y_train"]
    _, grads = model.loss(X, y)
    solver._step(X, y)
    np.testing.assert_allclose(model.params["W"], W0 - 0.5 * grads["W"])


def test_best_params_are_restored(data):
    solver = run(
        data,
        2,
        update_rule="adam",
        batch_size=30,
        num_epochs=3,
        optim_config={"learning_rate": 0.05},
    )
    for name, value in solver.best_params.items():
        np.testing.assert_array_equal(solver.model.params[name], value)


def test_diverging_run_raises_a_clear_error(data):
    with pytest.raises(FloatingPointError, match="learning rate"):
        run(data, 0, update_rule="sgd", optim_config={"learning_rate": 1e200}, num_epochs=2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_epochs": 0}, "num_epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"update_rule": "nope"}, "unknown update rule"),
        ({"schedule": 0.1}, "schedule"),
    ],
)
def test_bad_arguments(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Solver(LinearClassifier(4, 3), data, **kwargs)
    with pytest.raises(ValueError, match="X_val"):
        Solver(LinearClassifier(4, 3), {"X_train": 1, "y_train": 1, "y_val": 1})


def test_on_epoch_is_called_after_each_epoch_with_its_accuracies(data):
    seen = []

    def on_epoch(solver, epoch):
        seen.append((epoch, len(solver.val_acc_history), solver.t))

    solver = run(data, 2, batch_size=30, num_epochs=3, on_epoch=on_epoch)
    assert seen == [(1, 2, 3), (2, 3, 6), (3, 4, 9)]  # 90 rows / 30 = 3 steps per epoch
    assert solver.on_epoch is on_epoch


def test_a_callable_update_rule_is_used_and_checked(data):
    calls = []

    def my_sgd(w, dw, config=None):
        calls.append(w.shape)
        return w - config["learning_rate"] * dw, config

    a = run(data, 4, update_rule=my_sgd, num_epochs=2, optim_config={"learning_rate": 0.05})
    b = run(data, 4, update_rule="sgd", num_epochs=2, optim_config={"learning_rate": 0.05})
    assert len(calls) == 2 * len(a.loss_history)  # W and b at every step
    np.testing.assert_allclose(a.loss_history, b.loss_history, rtol=1e-12)

    def unwritten(w, dw, config=None):
        pass

    with pytest.raises(ValueError, match="unwritten returned None"):
        run(data, 4, update_rule=unwritten, num_epochs=1)
