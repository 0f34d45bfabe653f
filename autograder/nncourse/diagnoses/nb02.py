"""Known mistakes in the update rules of 02_minibatch_sgd (tests/mutants/nb02.py).

Each rule is written once with switches for the mistakes the catalog lists, and each
cause is that rule with one switch on. A rule first runs nnkit's reference on copies of
its arguments, so that it raises where a correct rule raises (shapes, bad
hyperparameters). Not diagnosed: ``minibatches`` (its outputs are random batches; the
messages already say which rows repeat or go missing), rules that return the wrong kind
of thing (the message already says what came back), ignored or overwritten
hyperparameters that only a custom value shows, and defaults (the message names the
expected default).
"""

import copy
from functools import partial

import numpy as np

from nnkit import optim

from . import switched


def _start(reference, w, dw, config, **defaults):
    reference(np.array(w, copy=True), np.array(dw, copy=True), copy.deepcopy(config))
    config = {} if config is None else config
    for key, value in defaults.items():
        config.setdefault(key, value)
    return config


def _moved(w, step, config, in_place: bool):
    """``(w + step, config)``; ``in_place``: the caller's w itself is moved (w += step)."""
    if in_place:
        w += step
        return w, config
    return w + step, config


# ----------------------------------------------------------------------------------- sgd


def _sgd(w, dw, config=None, *, in_place=False, sign=-1.0, divide=False, returns_step=False):
    config = _start(optim.sgd, w, dw, config, learning_rate=1e-2)
    step = sign * config["learning_rate"] * (dw / dw.size if divide else dw)
    if returns_step:
        return step, config
    return _moved(w, step, config, in_place)


switched(
    "sgd",
    _sgd,
    {
        "in_place": (
            {"in_place": True},
            "w is changed in place (w -= ...): return a new array, w - lr * dw.",
        ),
        "sign_error": ({"sign": 1.0}, "the step goes uphill: subtract lr * dw, do not add it."),
        "divides_by_size": (
            {"divide": True},
            "dw is divided by its size: it is already the gradient, use it as it is.",
        ),
        "returns_step": (
            {"returns_step": True},
            "the step -lr * dw is returned instead of the new weights w - lr * dw.",
        ),
    },
)


# -------------------------------------------------------------------------- sgd_momentum


def _momentum(
    w, dw, config=None, *, store=True, start_dw=False, plus=False, in_place=False,
    ema=False, old_velocity=False,
):  # fmt: skip
    config = _start(optim.sgd_momentum, w, dw, config, learning_rate=1e-2, momentum=0.9)
    mu, lr = config["momentum"], config["learning_rate"]
    v_old = config.get("velocity", np.array(dw, copy=True) if start_dw else np.zeros_like(w))
    if ema:
        v = mu * v_old + (1 - mu) * dw
        step = -lr * v
    else:
        v = mu * v_old + lr * dw if plus else mu * v_old - lr * dw
        step = v_old if old_velocity else v
    if store:
        config["velocity"] = v
    return _moved(w, step, config, in_place)


switched(
    "sgd_momentum",
    _momentum,
    {
        "velocity_not_stored": (
            {"store": False},
            "the velocity is not kept in config['velocity'], so each step is plain SGD.",
        ),
        "velocity_starts_at_dw": (
            {"start_dw": True},
            "the velocity starts at dw: it starts at zeros like w.",
        ),
        "plus_lr_dw": (
            {"plus": True},
            "the velocity adds lr * dw (uphill): v = mu * v - lr * dw.",
        ),
        "in_place": (
            {"in_place": True},
            "w is changed in place (w += v): return a new array, w + v.",
        ),
        "ema_velocity": (
            {"ema": True},
            "the velocity is a damped average mu * v + (1 - mu) * dw: the course's "
            "momentum is v = mu * v - lr * dw, then w + v.",
        ),
        "uses_old_velocity": (
            {"old_velocity": True},
            "w moves with the previous velocity: update v first, then return w + v.",
        ),
    },
)


# --------------------------------------------------------------------- nesterov_momentum


def _nesterov(
    w, dw, config=None, *, classical=False, sign_prev=-1.0, one_minus=False, store=True,
    no_lr_dw=False, in_place=False,
):  # fmt: skip
    config = _start(optim.nesterov_momentum, w, dw, config, learning_rate=1e-2, momentum=0.9)
    mu, lr = config["momentum"], config["learning_rate"]
    v_prev = config.get("velocity", np.zeros_like(w))
    v = mu * v_prev - lr * dw
    if store:
        config["velocity"] = v
    if classical:
        step = v
    elif no_lr_dw:
        step = mu * v
    else:
        step = sign_prev * mu * v_prev + ((1 - mu) if one_minus else (1 + mu)) * v
    return _moved(w, step, config, in_place)


switched(
    "nesterov_momentum",
    _nesterov,
    {
        "plain_momentum": (
            {"classical": True},
            "the step is classical momentum's, w + v (as it also is when v_prev is the "
            "same array as the new v, updated in place): Nesterov's step is "
            "w - mu * v_prev + (1 + mu) * v, with v_prev the velocity before this step.",
        ),
        "sign_of_v_prev": (
            {"sign_prev": 1.0},
            "mu * v_prev is added: Nesterov subtracts it, w - mu * v_prev + (1 + mu) * v.",
        ),
        "one_minus_mu": (
            {"one_minus": True},
            "the factor of v is (1 - mu): it is (1 + mu), w - mu * v_prev + (1 + mu) * v.",
        ),
        "velocity_not_stored": (
            {"store": False},
            "the velocity is not kept in config['velocity'], so each step starts from v = 0.",
        ),
        "in_place": ({"in_place": True}, "w is changed in place: return a new array."),
        "lookahead_without_lr_dw": (
            {"no_lr_dw": True},
            "the step w + mu * v leaves out the gradient term: w - mu * v_prev + (1 + mu) * v.",
        ),
    },
)


# ------------------------------------------------------------------ adagrad and rmsprop


def _adaptive(
    w, dw, config=None, *, rule="adagrad", eps_inside=False, accumulate=True, store=True,
    no_sqrt=False, eps_on_w=False, no_square=False, in_place=False, swapped=False,
    no_one_minus=False, as_adagrad=False,
):  # fmt: skip
    if rule == "adagrad":
        config = _start(optim.adagrad, w, dw, config, learning_rate=1e-2, epsilon=1e-8)
    else:
        config = _start(
            optim.rmsprop, w, dw, config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8
        )
    lr, eps = config["learning_rate"], config["epsilon"]
    old = config.get("cache", np.zeros_like(w))
    g2 = dw if no_square else dw**2
    if rule == "adagrad" or as_adagrad:
        cache = old + g2 if accumulate else g2
    else:
        dr = config["decay_rate"]
        keep, new = (1 - dr, dr) if swapped else (dr, 1 - dr)
        cache = keep * old + (1.0 if no_one_minus else new) * g2
    if store:
        config["cache"] = cache
    with np.errstate(invalid="ignore", divide="ignore"):
        if no_sqrt:
            step = -lr * dw / (cache + eps)
        elif eps_inside:
            step = -lr * dw / np.sqrt(cache + eps)
        elif eps_on_w:
            step = -lr * dw / np.sqrt(cache) + eps
        else:
            step = -lr * dw / (np.sqrt(cache) + eps)
    return _moved(w, step, config, in_place)


_EPS_INSIDE = "epsilon is inside the square root: it is added to sqrt(cache), outside it."
_IN_PLACE = "w is changed in place (w -= ...): return a new array."
_CACHE_NOT_STORED = "the cache is not kept in config['cache'], so every step starts from zero."
_NO_SQRT = "the step divides by the cache: divide by its square root, sqrt(cache) + eps."
switched(
    "adagrad",
    partial(_adaptive, rule="adagrad"),
    {
        "eps_inside_sqrt": ({"eps_inside": True}, _EPS_INSIDE),
        "cache_not_accumulated": (
            {"accumulate": False},
            "the cache holds only this step's dw**2: Adagrad adds it to the sum, cache += dw**2.",
        ),
        "missing_sqrt": ({"no_sqrt": True}, _NO_SQRT),
        "cache_not_stored": ({"store": False}, _CACHE_NOT_STORED),
        "eps_precedence": (
            {"eps_on_w": True},
            "epsilon is added to the step, not to the denominator: lr * dw / (sqrt(cache) "
            "+ eps) needs the parentheses.",
        ),
        "forgets_square": ({"no_square": True}, "the cache sums dw: it sums dw**2."),
        "in_place": ({"in_place": True}, _IN_PLACE),
    },
)
switched(
    "rmsprop",
    partial(_adaptive, rule="rmsprop"),
    {
        "decay_swapped": (
            {"swapped": True},
            "decay_rate and 1 - decay_rate are swapped: cache = decay_rate * cache + "
            "(1 - decay_rate) * dw**2.",
        ),
        "cache_not_stored": ({"store": False}, _CACHE_NOT_STORED),
        "eps_inside_sqrt": ({"eps_inside": True}, _EPS_INSIDE),
        "no_one_minus_dr": (
            {"no_one_minus": True},
            "dw**2 is not multiplied by (1 - decay_rate): cache = decay_rate * cache + "
            "(1 - decay_rate) * dw**2.",
        ),
        "missing_sqrt": ({"no_sqrt": True}, _NO_SQRT),
        "adagrad_accumulation": (
            {"as_adagrad": True},
            "the cache sums dw**2 like Adagrad: RMSProp keeps a leaky average, "
            "decay_rate * cache + (1 - decay_rate) * dw**2.",
        ),
        "in_place": ({"in_place": True}, _IN_PLACE),
    },
)


# ---------------------------------------------------------------------------------- adam


def _adam(
    w, dw, config=None, *, correct=True, t_late=False, same_beta=False, store_hat=False,
    v_dw=False, store_t=True, eps_inside=False, no_one_minus_b1=False, in_place=False,
):  # fmt: skip
    config = _start(
        optim.adam, w, dw, config, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8
    )
    b1, b2, lr, eps = config["beta1"], config["beta2"], config["learning_rate"], config["epsilon"]
    t_old = config.get("t", 0)
    t = t_old + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1.0 if no_one_minus_b1 else 1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * (dw if v_dw else dw**2)
    used = t_old if t_late else t
    with np.errstate(invalid="ignore", divide="ignore"):
        if correct:
            m_hat = m / (1 - b1**used)
            v_hat = v / (1 - (b1 if same_beta else b2) ** used)
        else:
            m_hat, v_hat = m, v
        denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        step = -lr * m_hat / denominator
    config.update(m=m_hat if store_hat else m, v=v_hat if store_hat else v)
    if store_t:
        config["t"] = t
    return _moved(w, step, config, in_place)


switched(
    "adam",
    _adam,
    {
        "no_bias_correction": (
            {"correct": False},
            "the bias correction is missing: divide m by (1 - beta1**t) and v by "
            "(1 - beta2**t), or the first steps are far too small.",
        ),
        "t_incremented_after_use": (
            {"t_late": True},
            "Adam's bias correction uses t before incrementing it: add 1 to t first, so the "
            "first step uses t = 1.",
        ),
        "same_beta_correction": (
            {"same_beta": True},
            "v is corrected with beta1: its correction is 1 - beta2**t.",
        ),
        "stores_corrected_moments": (
            {"store_hat": True},
            "the corrected m_hat and v_hat are stored as the moments: store m and v, and "
            "correct them afresh at every step.",
        ),
        "v_uses_dw": ({"v_dw": True}, "the second moment averages dw: it averages dw**2."),
        "t_not_stored": (
            {"store_t": False},
            "t is not kept in config['t'], so every step is corrected as the first.",
        ),
        "eps_inside_sqrt": ({"eps_inside": True}, _EPS_INSIDE.replace("cache", "v_hat")),
        "m_without_one_minus_b1": (
            {"no_one_minus_b1": True},
            "dw is not multiplied by (1 - beta1) in the first moment: m = beta1 * m + "
            "(1 - beta1) * dw.",
        ),
        "in_place": ({"in_place": True}, _IN_PLACE),
    },
)
