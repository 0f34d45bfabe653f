"""Reference networks: the init contract, gradients against numerical ones, and training
with the course's Solver."""

import numpy as np
import pytest

from nnkit.data import load_digits_split
from nnkit.gradcheck import eval_numerical_gradient, rel_error
from nnkit.models import FullyConnectedNet, TwoLayerNet
from nnkit.schedules import cosine_decay
from nnkit.solver import Solver, accuracy


def numerical_grads(model, X, y):
    """Numerical gradient of model.loss for every parameter, perturbing it in place."""

    def f(_):
        return model.loss(X, y)[0]

    return {name: eval_numerical_gradient(f, p) for name, p in model.params.items()}


def test_two_layer_net_draws_W1_then_W2():
    net = TwoLayerNet(5, 4, 3, weight_scale=0.3, reg=0.2, rng=np.random.default_rng(9))
    draws = np.random.default_rng(9)
    np.testing.assert_array_equal(net.params["W1"], 0.3 * draws.standard_normal((5, 4)))
    np.testing.assert_array_equal(net.params["W2"], 0.3 * draws.standard_normal((4, 3)))
    np.testing.assert_array_equal(net.params["b1"], np.zeros(4))
    np.testing.assert_array_equal(net.params["b2"], np.zeros(3))
    assert net.reg == 0.2


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_net_gradients_match_numerical(reg):
    g = np.random.default_rng(1)
    net = TwoLayerNet(6, 5, 4, weight_scale=0.5, reg=reg, rng=g)
    for name in ("b1", "b2"):
        net.params[name] = g.standard_normal(net.params[name].shape)
    X, y = g.standard_normal((7, 6)), g.integers(4, size=7)
    loss, grads = net.loss(X, y)
    data_loss = net.loss(X, y)[0] - reg * sum(np.sum(net.params[w] ** 2) for w in ("W1", "W2"))
    assert data_loss > 0
    numerical = numerical_grads(net, X, y)
    for name in net.params:
        assert rel_error(grads[name], numerical[name]) < 1e-6, name


def test_two_layer_net_scores_by_formula():
    g = np.random.default_rng(2)
    net = TwoLayerNet(3, 4, 2, weight_scale=1.0, rng=g)
    X = g.standard_normal((5, 3))
    p = net.params
    expected = np.maximum(0, X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    np.testing.assert_allclose(net.loss(X), expected)


def test_fully_connected_net_draws_in_layer_order():
    net = FullyConnectedNet([4, 3], 5, 2, weight_scale=0.1, rng=np.random.default_rng(3))
    draws = np.random.default_rng(3)
    for i, shape in enumerate([(5, 4), (4, 3), (3, 2)], 1):
        np.testing.assert_array_equal(net.params[f"W{i}"], 0.1 * draws.standard_normal(shape))
        np.testing.assert_array_equal(net.params[f"b{i}"], np.zeros(shape[1]))
    assert sorted(net.params) == ["W1", "W2", "W3", "b1", "b2", "b3"]


@pytest.mark.parametrize("hidden_dims", [[], [5], [4, 3], [3, 4, 5]])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_fully_connected_net_gradients_match_numerical(hidden_dims, activation, reg):
    g = np.random.default_rng(4)
    net = FullyConnectedNet(
        hidden_dims, 6, 3, weight_scale=0.6, reg=reg, rng=g, activation=activation
    )
    for name, p in net.params.items():
        if name.startswith("b"):
            net.params[name] = 0.1 * g.standard_normal(p.shape)
    X, y = g.standard_normal((5, 6)), g.integers(3, size=5)
    _, grads = net.loss(X, y)
    numerical = numerical_grads(net, X, y)
    for name in net.params:
        assert rel_error(grads[name], numerical[name]) < 1e-6, name


def test_fully_connected_net_with_one_hidden_layer_equals_two_layer_net():
    fc = FullyConnectedNet([7], 4, 3, weight_scale=0.2, reg=0.1, rng=np.random.default_rng(5))
    two = TwoLayerNet(4, 7, 3, weight_scale=0.2, reg=0.1, rng=np.random.default_rng(5))
    X, y = np.random.default_rng(6).standard_normal((6, 4)), np.array([0, 1, 2, 0, 1, 2])
    loss_fc, grads_fc = fc.loss(X, y)
    loss_two, grads_two = two.loss(X, y)
    assert loss_fc == pytest.approx(loss_two)
    for name in grads_two:
        np.testing.assert_allclose(grads_fc[name], grads_two[name])


def test_initial_loss_is_log_C():
    net = FullyConnectedNet([50, 50], 64, 10, weight_scale=1e-3, rng=np.random.default_rng(7))
    X = np.random.default_rng(8).random((100, 64))
    loss, _ = net.loss(X, np.arange(100) % 10)
    assert loss == pytest.approx(np.log(10), rel=1e-3)


def test_two_layer_net_overfits_50_digits_with_the_solver():
    split = load_digits_split(rng=np.random.default_rng(12))
    X, y = split.X_train[:50], split.y_train[:50]
    data = {"X_train": X, "y_train": y, "X_val": split.X_val, "y_val": split.y_val}
    net = TwoLayerNet(64, 100, 10, weight_scale=0.1, rng=np.random.default_rng(10))
    solver = Solver(
        net,
        data,
        update_rule="adam",
        optim_config={"learning_rate": 1e-2},
        batch_size=25,
        num_epochs=40,
        rng=np.random.default_rng(11),
    ).train()
    assert solver.train_acc_history[-1] == 1.0
    assert solver.loss_history[-1] < 0.05 < solver.loss_history[0]


def test_digits_reach_96_percent_with_adam_and_cosine():
    split = load_digits_split(rng=np.random.default_rng(0))
    data = {k: getattr(split, k) for k in ("X_train", "y_train", "X_val", "y_val")}
    net = TwoLayerNet(64, 100, 10, weight_scale=0.1, reg=1e-4, rng=np.random.default_rng(1))
    epochs, batch_size = 30, 64
    steps = epochs * -(-len(split.y_train) // batch_size)
    Solver(
        net,
        data,
        update_rule="adam",
        schedule=lambda t: cosine_decay(t, 3e-3, steps),
        batch_size=batch_size,
        num_epochs=epochs,
        rng=np.random.default_rng(2),
    ).train()
    assert accuracy(net, split.X_test, split.y_test) >= 0.96


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: TwoLayerNet(0, 4, 3), "input_dim"),
        (lambda: TwoLayerNet(4, 2.5, 3), "hidden_dim"),
        (lambda: TwoLayerNet(4, 4, 3, weight_scale=0), "weight_scale"),
        (lambda: TwoLayerNet(4, 4, 3, reg=-1), "reg"),
        (lambda: FullyConnectedNet([4, 0], 4, 3), r"hidden_dims\[1\]"),
        (lambda: FullyConnectedNet([4], 4, 3, activation="gelu"), "activation"),
    ],
)
def test_bad_hyperparameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()
