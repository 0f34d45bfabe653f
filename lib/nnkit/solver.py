"""A small training loop for any model with ``model.params`` and ``model.loss(X, y)``.

The contract (as in CS231n's Solver):
- ``model.params``: dict name -> array, updated by the solver.
- ``model.loss(X)`` returns scores (N, C); ``model.loss(X, y)`` returns
  ``(loss, grads)`` with grads keyed like params.

Learning rates come from a schedule, a function of the integer step ``t`` (0, 1, ...):
before each update the solver sets ``config["learning_rate"] = schedule(t)`` for every
parameter. Nothing multiplies the rate in place. Without a schedule the rate in
``optim_config`` (or the rule's default) stays constant.

Randomness: one ``np.random.Generator`` drives the epoch shuffles and the subsampling
for accuracy checks, so a seeded rng makes a run deterministic.

The update rule is a name of ``nnkit.optim.RULES`` or any function with the CS231n
signature ``rule(w, dw, config) -> (next_w, config)``, e.g. the ``adam`` a student wrote
in notebook 02. ``on_epoch(solver, epoch)``, if given, is called after every epoch, once
its accuracies are recorded: a progress bar, a live plot or an early stop (raise) hook
in without subclassing.

For loops that are not epochs (a widget that trains click by click): ``batch_stream``
yields minibatches without end and ``train_steps`` runs a given number of updates.
"""

import copy
import math
from collections.abc import Callable, Iterator

import numpy as np
from tqdm.auto import tqdm

from .answers import answer
from .optim import get_rule


@answer("02_minibatch_sgd")
def minibatches(X, y, batch_size: int, rng: np.random.Generator | None = None, drop_last=False):
    """One epoch of shuffled minibatches.

    Calls ``rng.permutation(N)`` exactly once, then yields ``(X_batch, y_batch)`` for
    consecutive slices of that order: N // batch_size full batches and, unless
    ``drop_last``, a last partial batch. X (N, ...) and y (N,) stay aligned.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels")
    if not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    rng = np.random.default_rng() if rng is None else rng
    return _batches(X, y, batch_size, rng.permutation(X.shape[0]), drop_last)


@answer("02_minibatch_sgd", "minibatches", helper=True)
def _batches(X, y, batch_size, order, drop_last) -> Iterator:
    N = len(order)
    stop = N - N % batch_size if drop_last else N
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def rule_name(rule) -> str:
    """How messages name an update rule: its name, or the function's ``__name__``."""
    return rule if isinstance(rule, str) else getattr(rule, "__name__", repr(rule))


def apply_rule(rule: Callable, w, dw, config: dict, name: str = "w"):
    """``rule(w, dw, config)``, checked: it must return ``(next_w, config)`` with next_w
    of w's shape (a rule that is not written yet often returns None). ValueError naming
    the rule and the parameter otherwise."""
    out = rule(w, dw, config)
    label = rule_name(rule)
    if out is None:
        raise ValueError(
            f"{label} returned None (is it written yet?); an update rule returns (next_w, config)"
        )
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError(
            f"{label} returned {type(out).__name__}; an update rule returns "
            "the pair (next_w, config)"
        )
    next_w, next_config = out
    if np.shape(next_w) != np.shape(w) or not isinstance(next_config, dict):
        raise ValueError(
            f"{label} returned next_w of shape {np.shape(next_w)} for {name} of shape "
            f"{np.shape(w)} (and config {type(next_config).__name__}); expected the same "
            "shape and a dict"
        )
    return next_w, next_config


def accuracy(model, X, y, batch_size: int = 500) -> float:
    """Fraction of rows of X whose highest score is the label y."""
    correct = 0
    for start in range(0, X.shape[0], batch_size):
        scores = model.loss(X[start : start + batch_size])
        correct += int(np.sum(np.argmax(scores, axis=1) == y[start : start + batch_size]))
    return correct / X.shape[0]


class Solver:
    """Train ``model`` on ``data`` (dict with X_train, y_train, X_val, y_val).

    Options: ``update_rule`` (name in nnkit.optim.RULES or a callable), ``optim_config``,
    ``schedule`` (callable t -> lr), ``batch_size``, ``num_epochs``, ``rng``,
    ``num_train_samples`` (rows used for the train-accuracy estimate, None = all),
    ``progress`` (tqdm bar), ``verbose`` (print per-epoch lines), ``on_epoch``
    (``callback(solver, epoch)`` after each epoch 1 .. num_epochs, its accuracies
    already in the histories).

    After ``train()``: ``loss_history`` (one entry per step), ``lr_history`` (one per
    step), ``train_acc_history`` and ``val_acc_history`` (one per epoch, plus one before
    training), ``best_val_acc`` and ``best_params`` (copied into ``model.params`` at the
    end).
    """

    def __init__(
        self,
        model,
        data: dict,
        update_rule="sgd",
        optim_config: dict | None = None,
        schedule: Callable[[int], float] | None = None,
        batch_size: int = 100,
        num_epochs: int = 10,
        rng: np.random.Generator | None = None,
        num_train_samples: int | None = 1000,
        progress: bool = False,
        verbose: bool = False,
        on_epoch: Callable[["Solver", int], None] | None = None,
    ):
        missing = {"X_train", "y_train", "X_val", "y_val"} - set(data)
        if missing:
            raise ValueError(f"data is missing {', '.join(sorted(missing))}")
        if not hasattr(model, "params") or not hasattr(model, "loss"):
            raise ValueError("model needs a `params` dict and a `loss(X, y=None)` method")
        if not isinstance(num_epochs, int) or num_epochs < 1:
            raise ValueError(f"num_epochs must be a positive integer, got {num_epochs!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if schedule is not None and not callable(schedule):
            raise ValueError("schedule must be a function of the step t")
        if on_epoch is not None and not callable(on_epoch):
            raise ValueError("on_epoch must be a function on_epoch(solver, epoch)")
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        self.update_rule = get_rule(update_rule)
        self.optim_config = dict(optim_config or {})
        self.schedule = schedule
        self.batch_size = batch_size
        self.num_epochs = num_epochs
        self.rng = np.random.default_rng() if rng is None else rng
        self.num_train_samples = num_train_samples
        self.progress = progress
        self.verbose = verbose
        self.on_epoch = on_epoch
        self._reset()

    def _reset(self):
        self.t = 0
        self.best_val_acc = -1.0
        self.best_params = {}
        self.loss_history: list[float] = []
        self.lr_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        self.configs = {name: copy.deepcopy(self.optim_config) for name in self.model.params}

    def _step(self, X_batch, y_batch):
        loss, grads = self.model.loss(X_batch, y_batch)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"loss became {loss} at step {self.t}: the learning rate is probably too large"
            )
        self.loss_history.append(float(loss))
        lr = None if self.schedule is None else float(self.schedule(self.t))
        for name, w in self.model.params.items():
            config = self.configs[name]
            if lr is not None:
                config["learning_rate"] = lr
            self.model.params[name], self.configs[name] = apply_rule(
                self.update_rule, w, grads[name], config, name
            )
        self.lr_history.append(self.configs[next(iter(self.configs))]["learning_rate"])
        self.t += 1

    def _record_accuracy(self, epoch: int):
        X, y = self.X_train, self.y_train
        if self.num_train_samples is not None and X.shape[0] > self.num_train_samples:
            idx = self.rng.choice(X.shape[0], self.num_train_samples, replace=False)
            X, y = X[idx], y[idx]
        train_acc = accuracy(self.model, X, y)
        val_acc = accuracy(self.model, self.X_val, self.y_val)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if self.verbose:
            print(
                f"epoch {epoch}/{self.num_epochs}: train acc {train_acc:.3f}, val acc {val_acc:.3f}"
            )

    def train(self):
        """Run all epochs; returns self."""
        self._reset()
        self._record_accuracy(0)
        steps_per_epoch = -(-self.X_train.shape[0] // self.batch_size)
        bar = tqdm(total=self.num_epochs * steps_per_epoch, disable=not self.progress, leave=False)
        for epoch in range(1, self.num_epochs + 1):
            for X_batch, y_batch in minibatches(
                self.X_train, self.y_train, self.batch_size, self.rng
            ):
                self._step(X_batch, y_batch)
                bar.update(1)
            self._record_accuracy(epoch)
            if self.on_epoch is not None:
                self.on_epoch(self, epoch)
        bar.close()
        self.model.params.update(self.best_params)
        return self


def batch_stream(X, y, batch_size: int, rng: np.random.Generator) -> Iterator[tuple]:
    """Endless minibatches ``(X_batch, y_batch)``: epoch after epoch of
    ``minibatches(X, y, batch_size, rng)`` (one ``rng.permutation`` at the start of each
    epoch, drawn when the epoch's first batch is asked for)."""
    if len(y) == 0:
        raise ValueError("cannot draw minibatches from an empty data set")
    while True:
        yield from minibatches(X, y, batch_size, rng)


def train_steps(
    model,
    batches: Iterator[tuple],
    num_steps: int,
    configs: dict,
    *,
    lr: float,
    update_rule="adam",
) -> list[float]:
    """Run ``num_steps`` updates of ``update_rule`` on ``model`` and return their losses.

    Each step takes the next ``(X_batch, y_batch)`` of ``batches``, computes
    ``loss, grads = model.loss(X_batch, y_batch)``, sets ``learning_rate = lr`` in the
    parameter's optimizer config and applies ``rule(w, dw, config) -> (w, config)`` (a
    name of ``nnkit.optim.RULES`` or the function). ``configs`` (name -> config, e.g.
    Adam's m, v, t) is created on first use and updated in place, so a second call
    continues where the first stopped.

    Raises ValueError at the first non-finite loss; that step's update is not applied,
    the earlier ones are (the caller decides whether to roll back).
    """
    rule = get_rule(update_rule)
    if isinstance(num_steps, bool) or not isinstance(num_steps, int | np.integer) or num_steps < 0:
        raise ValueError(f"num_steps must be an integer >= 0, got {num_steps!r}")
    if (
        isinstance(lr, bool)
        or not isinstance(lr, int | float | np.number)
        or not (math.isfinite(lr) and lr > 0)
    ):
        raise ValueError(f"learning rate must be a finite number > 0, got {lr!r}")
    losses: list[float] = []
    for _ in range(num_steps):
        X_batch, y_batch = next(batches)
        loss, grads = model.loss(X_batch, y_batch)
        if not np.isfinite(loss):
            raise ValueError(f"the loss became {loss} at step {len(losses) + 1} of {num_steps}")
        losses.append(float(loss))
        for name, w in model.params.items():
            config = configs.setdefault(name, {})
            config["learning_rate"] = float(lr)
            model.params[name], configs[name] = apply_rule(rule, w, grads[name], config, name)
    return losses
