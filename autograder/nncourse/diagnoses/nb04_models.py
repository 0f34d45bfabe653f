"""Known mistakes in the two model classes of 04_neural_networks (tests/mutants/nb04.py).

Each mistake of a model method is that method written with the mistake and nnkit's layers
(``_params``, ``_two_layer_loss``, ``_deep_loss`` with a switch per mistake); it runs as
nnkit's class with that one method replaced (``diagnoses.cause``). An ``__init__``
mistake keeps nnkit's argument checks and attributes and draws the params as the mistake
does.

Not diagnosed:
- ``TwoLayerNet.__init__/global_randn``, ``ignores_rng`` and
  ``FullyConnectedNet.__init__/global_randn``: they draw from np.random's global state
  or a fresh generator, which no cause can reproduce (only the shapes are right);
- ``FullyConnectedNet.__init__/list_concat_tuple``: it only raises (TypeError for a tuple
  hidden_dims), and the message shows it;
- ``FullyConnectedNet.loss/skips_a_hidden_layer``, ``one_cache_for_all_layers`` and
  ``backward_in_forward_order``: in each cell, the first case they fail raises a
  ValueError (a shape mismatch), and an error type does not tell them apart from each
  other or from other shape slips;
- ``TwoLayerNet.loss/grads_alias_params``: its scores, loss and grads are right; only the
  check that model.params is unchanged (a property, which no cause is compared on) sees
  it. (``FullyConnectedNet``'s alias also changes the regularisation, so it is named.)
"""

import numpy as np

from nnkit import layers, models

from . import causes, switched

# ------------------------------------------------------------------ model initialisers


def _params(rng, sizes, weight_scale, *, reverse=False, unscaled=False, uniform=False,
            transposed=False, random_biases=False, row_biases=False, skip_last=False,
            first_key=1, one_width=False):  # fmt: skip
    """The params of layer sizes [D, H1, ..., C] drawn from rng as the mistakes draw them
    (no mistake: Wi = weight_scale * rng.standard_normal((fan_in, fan_out)) in layer
    order, bi = zeros (fan_out,))."""
    if one_width:
        sizes = [sizes[0], *[sizes[1]] * (len(sizes) - 2), sizes[-1]]
    shapes = list(zip(sizes[:-1], sizes[1:], strict=True))[: -1 if skip_last else None]
    order = range(len(shapes))[::-1] if reverse else range(len(shapes))
    params = {}
    for i in order:
        fan_in, fan_out = shapes[i]
        shape = (fan_out, fan_in) if transposed else (fan_in, fan_out)
        W = rng.random(shape) if uniform else rng.standard_normal(shape)
        params[f"W{i + first_key}"] = W if unscaled else weight_scale * W
        if random_biases:
            params[f"b{i + first_key}"] = weight_scale * rng.standard_normal(fan_out)
        else:
            params[f"b{i + first_key}"] = np.zeros((1, fan_out) if row_biases else fan_out)
    return params


def _spare():
    """A generator of its own for nnkit's __init__ (its argument checks and attributes),
    so that the case's rng gives the mistaken draws only."""
    return np.random.default_rng(0)


def _two_layer_init(self, input_dim, hidden_dim, num_classes, weight_scale=1e-3, reg=0.0,
                    rng=None, **mistakes):  # fmt: skip
    rng = np.random.default_rng() if rng is None else rng
    models.TwoLayerNet.__init__(
        self, input_dim, hidden_dim, num_classes, weight_scale, reg, _spare()
    )
    self.params = _params(rng, [input_dim, hidden_dim, num_classes], weight_scale, **mistakes)


def _deep_init(self, hidden_dims, input_dim, num_classes, weight_scale=1e-2, reg=0.0, rng=None,
               **mistakes):  # fmt: skip
    rng = np.random.default_rng() if rng is None else rng
    sizes = [input_dim, *hidden_dims, num_classes]
    models.FullyConnectedNet.__init__(
        self, hidden_dims, input_dim, num_classes, weight_scale, reg, _spare()
    )
    self.params = _params(rng, sizes, weight_scale, **mistakes)


def _two_layer_default_1e2(self, input_dim, hidden_dim, num_classes, weight_scale=1e-2, reg=0.0,
                           rng=None):  # fmt: skip
    models.TwoLayerNet.__init__(self, input_dim, hidden_dim, num_classes, weight_scale, reg, rng)


def _deep_default_1e3(self, hidden_dims, input_dim, num_classes, weight_scale=1e-3, reg=0.0,
                      rng=None):  # fmt: skip
    models.FullyConnectedNet.__init__(
        self, hidden_dims, input_dim, num_classes, weight_scale, reg, rng
    )


def _without_reg(init):
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        del self.reg

    return __init__


_REG_NOT_STORED = "model.reg is not set: keep the regularisation strength, self.reg = reg."
_RANDOM_BIASES = (
    "the biases are drawn from rng like the weights: they start at zero (np.zeros), and "
    "only the weights are drawn."
)
switched(
    "TwoLayerNet.__init__",
    _two_layer_init,
    {
        "w2_drawn_first": (
            {"reverse": True},
            "W2 is drawn before W1: draw the weights in layer order, W1 first.",
        ),
        "forgot_weight_scale": (
            {"unscaled": True},
            "the weights are not scaled: W1 = weight_scale * rng.standard_normal((D, H)).",
        ),
        "random_biases": ({"random_biases": True}, _RANDOM_BIASES),
        "transposed_shapes": (
            {"transposed": True},
            "the weights are shaped (fan_out, fan_in), as in torch: here W1 is (D, H) and "
            "W2 (H, C), so that X @ W1 works.",
        ),
        "uniform_weights": (
            {"uniform": True},
            "the weights are uniform in [0, 1) (rng.random): draw them from the standard "
            "normal, weight_scale * rng.standard_normal(shape).",
        ),
        "row_vector_biases": (
            {"row_biases": True},
            "the biases are (1, H) and (1, C) rows: make them 1-D, np.zeros(H) and np.zeros(C).",
        ),
    },
)
causes(
    "TwoLayerNet.__init__",
    {
        "reg_not_stored": (_without_reg(models.TwoLayerNet.__init__), _REG_NOT_STORED),
        "wrong_default_scale": (
            _two_layer_default_1e2,
            "the default weight_scale is 1e-2: TwoLayerNet's is 1e-3.",
        ),
    },
)
switched(
    "FullyConnectedNet.__init__",
    _deep_init,
    {
        "missing_last_layer": (
            {"skip_last": True},
            "the output layer is missing: create Wi and bi for all L = len(hidden_dims) + 1 "
            "layers, the last one (H(L-1), C).",
        ),
        "transposed_shapes": (
            {"transposed": True},
            "the weights are shaped (fan_out, fan_in), as in torch: Wi is (fan_in, fan_out), "
            "so that X @ W1 works.",
        ),
        "random_biases": ({"random_biases": True}, _RANDOM_BIASES),
        "zero_based_keys": (
            {"first_key": 0},
            "the layers are numbered from 0: the keys are W1, b1, ..., WL, bL.",
        ),
        "reversed_layer_order": (
            {"reverse": True},
            "the layers are drawn from the output back: draw the weights in layer order, W1 first.",
        ),
        "first_hidden_width_everywhere": (
            {"one_width": True},
            "every hidden layer has hidden_dims[0] units: layer i has hidden_dims[i - 1], "
            "sizes = [input_dim, *hidden_dims, num_classes].",
        ),
    },
)
causes(
    "FullyConnectedNet.__init__",
    {
        "reg_not_stored": (_without_reg(models.FullyConnectedNet.__init__), _REG_NOT_STORED),
        "wrong_default_scale": (
            _deep_default_1e3,
            "the default weight_scale is 1e-3: FullyConnectedNet's is 1e-2.",
        ),
    },
)


# -------------------------------------------------------------------------- model losses


def _two_layer_loss(self, X, y=None, *, relu=True, probs=False, reg_loss=1.0, reg_grad=2.0,
                    reg_biases=False, relu_backward=True):  # fmt: skip
    """TwoLayerNet.loss with nnkit's layers and the switched-on mistakes: the second layer
    takes a1 (``relu=False``), the scores come back as probabilities, the regularisation
    is reg_loss * reg * sum(W * W) in the loss and reg_grad * reg * W in the grads (the
    biases too), the backward pass skips the ReLU."""
    W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
    a1, fc1_cache = layers.affine_forward(X, W1, b1)
    h1, relu_cache = layers.relu_forward(a1)
    scores, fc2_cache = layers.affine_forward(h1 if relu else a1, W2, b2)
    if y is None:
        return _probabilities(scores) if probs else scores
    loss, dscores = layers.softmax_loss(scores, y)
    regularised = (W1, W2, b1, b2) if reg_biases else (W1, W2)
    loss += reg_loss * self.reg * sum(np.sum(P * P) for P in regularised)
    dh1, dW2, db2 = layers.affine_backward(dscores, fc2_cache)
    da1 = layers.relu_backward(dh1, relu_cache) if relu_backward else dh1
    _, dW1, db1 = layers.affine_backward(da1, fc1_cache)
    grads = {"W1": dW1 + reg_grad * self.reg * W1, "b1": db1}
    grads.update({"W2": dW2 + reg_grad * self.reg * W2, "b2": db2})
    if reg_biases:
        grads["b1"], grads["b2"] = db1 + 2 * self.reg * b1, db2 + 2 * self.reg * b2
    return loss, grads


def _probabilities(scores):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _deep_loss(self, X, y=None, *, last_relu=False, reg_loss=1.0, reg_grad=2.0,
               reg_last=True, reg_biases=False, relu_backward=True, alias=False):  # fmt: skip
    """FullyConnectedNet.loss with nnkit's layers and the switched-on mistakes: a ReLU on
    the scores, reg_loss * reg * sum(W * W) in the loss and reg_grad * reg * W in the
    grads, the last layer not regularised, the biases regularised, the backward pass
    skips the ReLUs, the grads written into self.params (``alias``)."""
    L, p = len(self.params) // 2, self.params
    out, caches = X, []
    for i in range(1, L):
        a, fc_cache = layers.affine_forward(out, p[f"W{i}"], p[f"b{i}"])
        out, relu_cache = layers.relu_forward(a)
        caches.append((fc_cache, relu_cache))
    scores, last_cache = layers.affine_forward(out, p[f"W{L}"], p[f"b{L}"])
    if last_relu:
        scores, last_relu_cache = layers.relu_forward(scores)
    if y is None:
        return scores
    loss, dout = layers.softmax_loss(scores, y)
    grads = p if alias else {}
    if last_relu:
        dout = layers.relu_backward(dout, last_relu_cache)
    dout, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(dout, last_cache)
    for i in range(L - 1, 0, -1):
        fc_cache, relu_cache = caches[i - 1]
        da = layers.relu_backward(dout, relu_cache) if relu_backward else dout
        dout, grads[f"W{i}"], grads[f"b{i}"] = layers.affine_backward(da, fc_cache)
    for i in range(1, L + 1 if reg_last else L):
        W, b = p[f"W{i}"], p[f"b{i}"]
        loss += reg_loss * self.reg * np.sum(W * W)
        grads[f"W{i}"] = grads[f"W{i}"] + reg_grad * self.reg * W
        if reg_biases:
            loss += self.reg * np.sum(b * b)
            grads[f"b{i}"] = grads[f"b{i}"] + 2 * self.reg * b
    return loss, grads


_NO_REG_IN_LOSS = (
    "the regularisation is missing from the loss: add reg * sum(W * W) of every weight "
    "(the grads have it)."
)
_REG_GRAD_WITHOUT_2 = (
    "the regularisation gradient is reg * W: the gradient of reg * sum(W * W) is 2 * reg * W."
)
_REGULARISES_BIASES = "the biases are regularised too: only the weights are."
_SKIPS_RELU_BACKWARD = (
    "the gradient skips the ReLU: pass it through relu_backward, which zeroes it where "
    "the pre-activation is not positive."
)
switched(
    "TwoLayerNet.loss",
    _two_layer_loss,
    {
        "no_reg_in_loss": ({"reg_loss": 0.0}, _NO_REG_IN_LOSS),
        "reg_grad_without_2": ({"reg_grad": 1.0}, _REG_GRAD_WITHOUT_2),
        "half_reg_convention": (
            {"reg_loss": 0.5, "reg_grad": 1.0},
            "the regularisation is 0.5 * reg * sum(W * W): the course's is reg * sum(W * W), "
            "with gradient 2 * reg * W.",
        ),
        "regularises_biases": ({"reg_biases": True}, _REGULARISES_BIASES),
        "skips_relu_backward": ({"relu_backward": False}, _SKIPS_RELU_BACKWARD),
        "returns_probs": (
            {"probs": True},
            "loss(X) returns the softmax probabilities: without y it returns the scores, "
            "h @ W2 + b2.",
        ),
        "grads_without_reg": (
            {"reg_grad": 0.0},
            "the grads miss the regularisation: add 2 * reg * W1 to dW1 and 2 * reg * W2 to dW2.",
        ),
        "forgot_relu": (
            {"relu": False},
            "the second layer takes the pre-activation a1: it takes the ReLU's output, "
            "h = max(0, a1).",
        ),
    },
)
switched(
    "FullyConnectedNet.loss",
    _deep_loss,
    {
        "extra_relu_on_scores": (
            {"last_relu": True},
            "the scores go through a ReLU: the last affine layer has no activation, the "
            "scores can be negative.",
        ),
        "reg_skips_last_layer": (
            {"reg_last": False},
            "the last layer's weights WL are not regularised: sum reg * sum(W * W) over "
            "W1, ..., WL.",
        ),
        "regularises_biases": ({"reg_biases": True}, _REGULARISES_BIASES),
        "reg_grad_without_2": ({"reg_grad": 1.0}, _REG_GRAD_WITHOUT_2),
        "skips_relu_backward": ({"relu_backward": False}, _SKIPS_RELU_BACKWARD),
        "no_reg_in_loss": ({"reg_loss": 0.0}, _NO_REG_IN_LOSS),
        "grads_alias_params": (
            {"alias": True},
            "grads = self.params makes no new dict: the gradients overwrite the weights, and "
            "the regularisation then reads gradients as weights. Start with grads = {}.",
        ),
    },
)
