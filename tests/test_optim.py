"""nnkit.optim against the update formulas (nnkit.optim's docstrings), step by step over many steps.

The oracle is written per entry with Python floats and math.sqrt, independently of the
vectorised library code.
"""

import math

import numpy as np
import pytest

from nnkit import optim

STEPS = 60


def formula(rule, w, grads, cfg):
    """Apply ``rule`` by the written formula to a list of floats, for each gradient."""
    lr = cfg.get("learning_rate", 1e-3 if rule == "adam" else 1e-2)
    mu = cfg.get("momentum", 0.9)
    dr = cfg.get("decay_rate", 0.99)
    eps = cfg.get("epsilon", 1e-8)
    b1, b2 = cfg.get("beta1", 0.9), cfg.get("beta2", 0.999)
    w = list(w)
    v = [0.0] * len(w)
    s = [0.0] * len(w)
    m = [0.0] * len(w)
    history = []
    for t, dw in enumerate(grads, 1):
        for i, g in enumerate(dw):
            if rule == "sgd":
                w[i] -= lr * g
            elif rule == "sgd_momentum":
                v[i] = mu * v[i] - lr * g
                w[i] += v[i]
            elif rule == "nesterov_momentum":
                v_prev = v[i]
                v[i] = mu * v[i] - lr * g
                w[i] += -mu * v_prev + (1 + mu) * v[i]
            elif rule == "adagrad":
                s[i] += g * g
                w[i] -= lr * g / (math.sqrt(s[i]) + eps)
            elif rule == "rmsprop":
                s[i] = dr * s[i] + (1 - dr) * g * g
                w[i] -= lr * g / (math.sqrt(s[i]) + eps)
            elif rule == "adam":
                m[i] = b1 * m[i] + (1 - b1) * g
                s[i] = b2 * s[i] + (1 - b2) * g * g
                m_hat = m[i] / (1 - b1**t)
                v_hat = s[i] / (1 - b2**t)
                w[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        history.append(list(w))
    return history


CONFIGS = [
    {},
    {"learning_rate": 0.05, "momentum": 0.5, "decay_rate": 0.9, "beta1": 0.8, "beta2": 0.99},
    {"learning_rate": 0.3, "epsilon": 1e-4},
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=["defaults", "custom", "big-eps"])
@pytest.mark.parametrize("rule", list(optim.RULES))
def test_rule_follows_formula_over_many_steps(rule, cfg):
    rng = np.random.default_rng(7)
    w0 = rng.standard_normal(5)
    grads = rng.standard_normal((STEPS, 5)) * np.array([1e-3, 1e-1, 1.0, 10.0, 100.0])
    expected = formula(rule, w0, grads, cfg)
    w, config = w0.copy(), dict(cfg)
    for t, dw in enumerate(grads):
        w_in, w_before = w, w.copy()
        w, config = optim.RULES[rule](w_in, dw, config)
        np.testing.assert_array_equal(w_in, w_before)
        np.testing.assert_allclose(w, expected[t], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("rule", list(optim.RULES))
def test_rule_never_mutates_w_and_keeps_state_in_config(rule):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 4))
    w_copy = w.copy()
    dw = rng.standard_normal((3, 4))
    next_w, config = optim.RULES[rule](w, dw, None)
    np.testing.assert_array_equal(w, w_copy)
    assert next_w is not w and next_w.shape == w.shape
    state = {
        "sgd": set(),
        "sgd_momentum": {"velocity"},
        "nesterov_momentum": {"velocity"},
        "adagrad": {"cache"},
        "rmsprop": {"cache"},
        "adam": {"m", "v", "t"},
    }[rule]
    assert state <= set(config)
    if rule == "adam":
        assert config["t"] == 1


def test_defaults_match_design():
    w, dw = np.zeros(2), np.ones(2)
    assert optim.sgd(w, dw)[1] == {"learning_rate": 1e-2}
    assert optim.adam(w, dw)[1]["learning_rate"] == 1e-3
    cfg = optim.rmsprop(w, dw)[1]
    assert (cfg["decay_rate"], cfg["epsilon"]) == (0.99, 1e-8)
    cfg = optim.adam(w, dw)[1]
    assert (cfg["beta1"], cfg["beta2"]) == (0.9, 0.999)
    assert optim.sgd_momentum(w, dw)[1]["momentum"] == 0.9


@pytest.mark.parametrize(
    "rule, config, message",
    [
        (optim.sgd, {"learning_rate": -1.0}, "learning_rate"),
        (optim.sgd_momentum, {"momentum": 1.0}, "momentum"),
        (optim.rmsprop, {"decay_rate": -0.1}, "decay_rate"),
        (optim.adam, {"beta2": 1.5}, "beta2"),
        (optim.adagrad, {"epsilon": -1e-8}, "epsilon"),
    ],
)
def test_bad_hyperparameters_raise(rule, config, message):
    with pytest.raises(ValueError, match=message):
        rule(np.zeros(2), np.zeros(2), config)


def test_shape_mismatch_and_unknown_rule():
    with pytest.raises(ValueError, match="shape"):
        optim.sgd(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="unknown update rule 'adamw'"):
        optim.get_rule("adamw")
    assert optim.get_rule("adam") is optim.adam
    assert optim.get_rule(optim.sgd) is optim.sgd
