"""Reference first-order update rules (CS231n API).

Every rule is ``rule(w, dw, config=None) -> (next_w, config)``:
- w, dw: arrays of the same shape; w is never modified in place.
- config: hyperparameters and optimizer state, a dict carried from one step to the next.
  Defaults are filled in with ``setdefault``; state arrays start at zeros like w.

Hyperparameters: ``learning_rate`` (1e-2, adam 1e-3), ``momentum`` (0.9), ``decay_rate``
(0.99), ``epsilon`` (1e-8), ``beta1`` (0.9), ``beta2`` (0.999).
State: ``velocity`` (momentum, nesterov), ``cache`` (adagrad, rmsprop), ``m``, ``v``,
``t`` (adam).
"""

import numpy as np

from .answers import answer


def _start(w, dw, config, **defaults):
    if np.shape(w) != np.shape(dw):
        raise ValueError(f"w has shape {np.shape(w)} but dw has shape {np.shape(dw)}")
    config = {} if config is None else config
    for key, value in defaults.items():
        config.setdefault(key, value)
    for key in ("learning_rate", "epsilon"):
        if key in config and not config[key] >= 0:
            raise ValueError(f"{key} must be >= 0, got {config[key]}")
    for key in ("momentum", "decay_rate", "beta1", "beta2"):
        if key in config and not 0 <= config[key] < 1:
            raise ValueError(f"{key} must lie in [0, 1), got {config[key]}")
    return config


@answer("02_minibatch_sgd")
def sgd(w, dw, config=None):
    """Vanilla SGD: ``w - lr * dw``."""
    config = _start(w, dw, config, learning_rate=1e-2)
    return w - config["learning_rate"] * dw, config


@answer("02_minibatch_sgd")
def sgd_momentum(w, dw, config=None):
    """SGD with momentum: ``v = mu * v - lr * dw; w = w + v``."""
    config = _start(w, dw, config, learning_rate=1e-2, momentum=0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


@answer("02_minibatch_sgd")
def nesterov_momentum(w, dw, config=None):
    """Nesterov momentum in the form of the CS231n notes, with dw taken at w:
    ``v_prev = v; v = mu * v - lr * dw; w = w - mu * v_prev + (1 + mu) * v``."""
    config = _start(w, dw, config, learning_rate=1e-2, momentum=0.9)
    mu = config["momentum"]
    v_prev = config.get("velocity", np.zeros_like(w))
    v = mu * v_prev - config["learning_rate"] * dw
    config["velocity"] = v
    return w - mu * v_prev + (1 + mu) * v, config


@answer("02_minibatch_sgd")
def adagrad(w, dw, config=None):
    """Adagrad: ``cache += dw**2; w - lr * dw / (sqrt(cache) + eps)``."""
    config = _start(w, dw, config, learning_rate=1e-2, epsilon=1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw**2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


@answer("02_minibatch_sgd")
def rmsprop(w, dw, config=None):
    """RMSProp: ``cache = dr * cache + (1 - dr) * dw**2; w - lr * dw / (sqrt(cache) + eps)``."""
    config = _start(w, dw, config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    dr = config["decay_rate"]
    cache = dr * config.get("cache", np.zeros_like(w)) + (1 - dr) * dw**2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


@answer("02_minibatch_sgd")
def adam(w, dw, config=None):
    """Adam with bias correction; ``t`` is incremented before use:
    ``m = b1 m + (1-b1) dw; v = b2 v + (1-b2) dw**2; m_hat = m / (1-b1**t);
    v_hat = v / (1-b2**t); w - lr * m_hat / (sqrt(v_hat) + eps)``."""
    config = _start(w, dw, config, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8)
    b1, b2 = config["beta1"], config["beta2"]
    t = config.get("t", 0) + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw**2
    config.update(t=t, m=m, v=v)
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


RULES = {
    "sgd": sgd,
    "sgd_momentum": sgd_momentum,
    "nesterov_momentum": nesterov_momentum,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
}


def get_rule(rule):
    """An update rule from its name (a key of ``RULES``) or the callable itself."""
    if callable(rule):
        return rule
    if rule not in RULES:
        raise ValueError(f"unknown update rule {rule!r}; choose one of {', '.join(RULES)}")
    return RULES[rule]
