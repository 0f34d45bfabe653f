"""Tricks: functions that do not do the work, written to collect points anyway.

Splitting hidden tests by concern (values, edge cases, inputs left unchanged, bad
arguments) must not pay a function that does nothing: ``return None`` leaves its inputs
unchanged, ``raise ValueError`` "rejects bad arguments", and ``return w, config`` has the
structure of an update rule. Each trick below replaces one graded function (or method)
in an otherwise solved notebook, and must earn **no** point of that function's tests
(tests/test_assignments.py, ``test_a_trick_earns_nothing``), so every concern's cell
also checks that the function works on an ordinary input.

For every target: ``returns_none``, ``raises_value_error``, and ``does_nothing``, the
lazy answer of its kind (the inputs handed back, zeros of the right shape, the initial
rate), from ``DOES_NOTHING``.
"""

import inspect

from nnkit.answers import reference

from . import Mutant

# target -> the body of a function that returns something of the right kind, computed
# from nothing but its inputs
DOES_NOTHING = {
    "numerical_gradient": "return np.zeros_like(x)",
    "numerical_gradient_array": "return np.zeros_like(x)",
    "relative_error": "return 0.0",
    "svm_loss_naive": "return 0.0, np.zeros_like(W)",
    "svm_loss_vectorized": "return 0.0, np.zeros_like(W)",
    "softmax_loss_naive": "return 0.0, np.zeros_like(W)",
    "softmax_loss_vectorized": "return 0.0, np.zeros_like(W)",
    "minibatches": "yield X, y",
    "sgd": "return w, {} if config is None else config",
    "sgd_momentum": "return w, {} if config is None else config",
    "nesterov_momentum": "return w, {} if config is None else config",
    "adagrad": "return w, {} if config is None else config",
    "rmsprop": "return w, {} if config is None else config",
    "adam": "return w, {} if config is None else config",
    "step_decay": "return float(lr0)",
    "multistep_decay": "return float(lr0)",
    "cosine_decay": "return float(lr0)",
    "linear_decay": "return float(lr0)",
    "inverse_sqrt": "return float(lr0)",
    "cosine_with_restarts": "return float(lr0)",
    "with_warmup": "return schedule",
    "affine_forward": "return np.zeros((x.shape[0], w.shape[1])), (x, w, b)",
    "affine_backward": "return np.zeros_like(cache[0]), np.zeros_like(cache[1]), "
    "np.zeros_like(cache[2])",
    "relu_forward": "return x, x",
    "relu_backward": "return dout",
    "sigmoid_forward": "return x, x",
    "sigmoid_backward": "return dout",
    "softmax_loss": "return 0.0, np.zeros_like(scores)",
    "svm_loss": "return 0.0, np.zeros_like(scores)",
    "TwoLayerNet.__init__": "self.params, self.reg = {}, reg",
    "TwoLayerNet.loss": "return 0.0, {k: np.zeros_like(v) for k, v in self.params.items()}",
    "FullyConnectedNet.__init__": "self.params, self.reg = {}, reg",
    "FullyConnectedNet.loss": "return 0.0, {k: np.zeros_like(v) for k, v in self.params.items()}",
}


def signature(target: str) -> str:
    """The ``def`` line of nnkit's reference of ``target`` (a method keeps ``self``),
    without annotations, which would name what the notebook never imports."""
    function = reference(target)
    name = target.rpartition(".")[2]
    plain = inspect.signature(function)
    params = [p.replace(annotation=p.empty) for p in plain.parameters.values()]
    plain = plain.replace(parameters=params, return_annotation=plain.empty)
    return f"def {name}{plain}:"


def tricks(targets) -> list[Mutant]:
    """The tricks for each of ``targets`` (kind "trick")."""
    found = []
    for target in sorted(targets):
        head = signature(target)
        bodies = {
            "returns_none": "return None",
            "raises_value_error": 'raise ValueError("not written yet")',
            "does_nothing": DOES_NOTHING[target],
        }
        for name, body in bodies.items():
            source = f"{head}\n    {body}\n"
            found.append(Mutant(target, f"trick_{name}", "trick", source, f"a trick: {body}"))
    return found
