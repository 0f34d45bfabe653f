"""Learning-rate schedules: pure functions of the integer step ``t >= 0``.

Each returns a float learning rate; bad arguments raise ValueError. Plot any of them as
``[schedule(t) for t in ts]`` or with ``sample``. ``with_warmup`` composes a linear
warmup in front of any schedule.
"""

import math
from collections.abc import Callable, Sequence
from functools import partial

from .answers import answer


def _check_t(t) -> int:
    if isinstance(t, bool) or not isinstance(t, int) and not float(t).is_integer():
        raise ValueError(f"t must be an integer step, got {t!r}")
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    return int(t)


def _check_lr(lr0, lr_min=0.0) -> None:
    if lr0 < 0:
        raise ValueError(f"lr0 must be >= 0, got {lr0}")
    if lr_min < 0:
        raise ValueError(f"lr_min must be >= 0, got {lr_min}")


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


@answer("03_lr_schedules")
def step_decay(t, lr0, step_size, gamma=0.1) -> float:
    """``lr0 * gamma ** (t // step_size)``: multiply by gamma every step_size steps."""
    t = _check_t(t)
    _check_lr(lr0)
    if step_size <= 0:
        raise ValueError(f"step_size must be > 0, got {step_size}")
    return float(lr0 * gamma ** (t // step_size))


@answer("03_lr_schedules")
def multistep_decay(t, lr0, milestones: Sequence[int], gamma=0.1) -> float:
    """``lr0 * gamma ** (number of milestones <= t)``, e.g. ResNet's epochs 30/60/90."""
    t = _check_t(t)
    _check_lr(lr0)
    milestones = list(milestones)
    if any(b < a for a, b in zip(milestones, milestones[1:], strict=False)):
        raise ValueError(f"milestones must be sorted, got {milestones}")
    return float(lr0 * gamma ** sum(1 for m in milestones if m <= t))


@answer("03_lr_schedules")
def cosine_decay(t, lr0, T, lr_min=0.0) -> float:
    """``lr_min + (lr0 - lr_min) * (1 + cos(pi * min(t, T) / T)) / 2``; lr_min after T."""
    t = _check_t(t)
    _check_lr(lr0, lr_min)
    if T <= 0:
        raise ValueError(f"T must be > 0, got {T}")
    return float(lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * min(t, T) / T)) / 2)


@answer("03_lr_schedules")
def linear_decay(t, lr0, T, lr_min=0.0) -> float:
    """``lr_min + (lr0 - lr_min) * max(0, 1 - t / T)``."""
    t = _check_t(t)
    _check_lr(lr0, lr_min)
    if T <= 0:
        raise ValueError(f"T must be > 0, got {T}")
    return float(lr_min + (lr0 - lr_min) * max(0.0, 1 - t / T))


@answer("03_lr_schedules")
def inverse_sqrt(t, lr0, warmup=1) -> float:
    """Vaswani et al.: ``lr0 * sqrt(warmup) * min(1 / sqrt(t), t / warmup ** 1.5)`` for
    t >= 1, and 0.0 at t = 0. Rises linearly to lr0 at t = warmup, then decays as
    1/sqrt(t)."""
    t = _check_t(t)
    _check_lr(lr0)
    warmup = _check_positive_int(warmup, "warmup")
    if t == 0:
        return 0.0
    return float(lr0 * math.sqrt(warmup) * min(1 / math.sqrt(t), t / warmup**1.5))


@answer("03_lr_schedules", "cosine_with_restarts", helper=True)
def _sgdr_cycle(t: int, T0: int, T_mult: int) -> tuple[int, int]:
    """``(t_cur, T_i)`` for step t: the position inside its SGDR cycle and that cycle's
    length, in closed form and exact for any t (no loop over cycles).

    Cycle k starts at ``S_k = T0 * (T_mult**k - 1) / (T_mult - 1)`` (``k * T0`` for
    T_mult = 1). For T_mult = 1 the cycle is ``t // T0`` and ``t_cur = t % T0``. For
    T_mult >= 2, ``S_k <= t`` is ``T_mult**k <= t * (T_mult - 1) / T0 + 1``, and as the
    left side is an integer, ``T_mult**k <= q`` with ``q = t * (T_mult - 1) // T0 + 1``: k
    is the integer logarithm of q. A float log only estimates it (at an exact power it can
    land just below, the pitfall of torch's formula); the integer comparisons correct it.
    """
    if T_mult == 1:
        return t % T0, T0
    q = t * (T_mult - 1) // T0 + 1
    k = int(math.log(q, T_mult))
    while T_mult ** (k + 1) <= q:
        k += 1
    while k > 0 and T_mult**k > q:
        k -= 1
    power = T_mult**k
    return t - T0 * (power - 1) // (T_mult - 1), T0 * power


@answer("03_lr_schedules")
def cosine_with_restarts(t, lr0, T0, T_mult=1, lr_min=0.0) -> float:
    """SGDR (Loshchilov & Hutter): cosine decay restarted at the start of every cycle.

    Cycle i lasts ``T0 * T_mult ** i`` steps and starts at
    ``S_i = T0 * (T_mult ** i - 1) / (T_mult - 1)`` (``i * T0`` for T_mult = 1). With
    ``t_cur = t - S_i`` the position inside the cycle holding t, of length ``T_i``
    (found with integer arithmetic, in constant time for any t):
    ``lr_min + (lr0 - lr_min) * (1 + cos(pi * t_cur / T_i)) / 2``.
    """
    t = _check_t(t)
    _check_lr(lr0, lr_min)
    T0 = _check_positive_int(T0, "T0")
    T_mult = _check_positive_int(T_mult, "T_mult")
    t_cur, T_i = _sgdr_cycle(t, T0, T_mult)
    return float(lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / T_i)) / 2)


@answer("03_lr_schedules")
def with_warmup(schedule: Callable[[int], float], warmup_steps: int) -> Callable[[int], float]:
    """A new schedule: ``schedule(0) * t / warmup_steps`` for t < warmup_steps, then
    ``schedule(t - warmup_steps)`` (the wrapped schedule starts after the warmup)."""
    if not callable(schedule):
        raise ValueError("schedule must be a function of the step t")
    warmup_steps = _check_positive_int(warmup_steps, "warmup_steps")

    def warmed(t):
        t = _check_t(t)
        if t < warmup_steps:
            return float(schedule(0) * t / warmup_steps)
        return float(schedule(t - warmup_steps))

    warmed.__name__ = f"warmup_{getattr(schedule, '__name__', 'schedule')}"
    return warmed


def sample(schedule: Callable[[int], float], num_steps: int) -> list[float]:
    """``[schedule(t) for t in range(num_steps)]``, the schedule's curve for plotting."""
    return [schedule(t) for t in range(num_steps)]


def bind(schedule_fn, **params) -> Callable[[int], float]:
    """A one-argument schedule ``t -> schedule_fn(t, **params)``, e.g.
    ``bind(cosine_decay, lr0=0.1, T=100)``."""
    return partial(schedule_fn, **params)
