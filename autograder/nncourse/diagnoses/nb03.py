"""Known mistakes in the schedules of 03_lr_schedules (tests/mutants/nb03.py).

Each function first calls nnkit's reference with the same arguments, so that it raises
where a correct schedule raises (a bad t, lr0, T, ...), then returns what the mistake
gives. Not diagnosed: missing or lazy argument checks (the message already says which
input should raise), sorting the milestones silently, and ``with_warmup`` returning a
list (the message already says the result is not a function).
"""

import bisect
import math

from nnkit import schedules as S

from . import cause


def _cosine(lr0, lr_min, t_cur, T, *, sign=1.0, half=2.0):
    return float(lr_min + (lr0 - lr_min) * (1 + sign * math.cos(math.pi * t_cur / T)) / half)


# ---------------------------------------------------------------------------- step_decay


@cause(
    "step_decay",
    "float_division",
    "the rate decays smoothly: the number of drops "
    "is the whole number t // step_size, not t / step_size.",
)
def step_float_division(t, lr0, step_size, gamma=0.1):
    S.step_decay(t, lr0, step_size, gamma)
    return lr0 * gamma ** (t / step_size)


@cause(
    "step_decay",
    "t_plus_one",
    "the rate drops one step early: count the drops "
    "from t, not t + 1 (the first drop is at t = step_size).",
)
def step_t_plus_one(t, lr0, step_size, gamma=0.1):
    S.step_decay(t, lr0, step_size, gamma)
    return lr0 * gamma ** ((t + 1) // step_size)


@cause(
    "step_decay",
    "extra_power",
    "the rate is decayed once already at t = 0: there are "
    "t // step_size drops, not t // step_size + 1.",
)
def step_extra_power(t, lr0, step_size, gamma=0.1):
    S.step_decay(t, lr0, step_size, gamma)
    return lr0 * gamma ** (t // step_size + 1)


@cause(
    "step_decay",
    "ceil_intervals",
    "the number of drops is rounded up: use "
    "t // step_size (rounded down), so the rate stays lr0 until t = step_size.",
)
def step_ceil(t, lr0, step_size, gamma=0.1):
    S.step_decay(t, lr0, step_size, gamma)
    return lr0 * gamma ** math.ceil(t / step_size)


@cause(
    "step_decay",
    "gamma_times_count",
    "gamma is multiplied by the number of drops: "
    "raise it to that power, lr0 * gamma ** (t // step_size).",
)
def step_gamma_times(t, lr0, step_size, gamma=0.1):
    S.step_decay(t, lr0, step_size, gamma)
    return lr0 * gamma * (t // step_size)


@cause(
    "step_decay",
    "divides_by_gamma",
    "the rate grows: multiply by gamma at each drop "
    "(gamma < 1 is the factor), do not divide by it.",
)
def step_divides(t, lr0, step_size, gamma=0.1):
    S.step_decay(t, lr0, step_size, gamma)
    return lr0 / gamma ** (t // step_size)


# ----------------------------------------------------------------------- multistep_decay


@cause(
    "multistep_decay",
    "strict_less",
    "the rate drops one step late: a milestone m "
    "counts from t = m on (m <= t), not after it (m < t).",
)
def multistep_strict_less(t, lr0, milestones, gamma=0.1):
    S.multistep_decay(t, lr0, milestones, gamma)
    return lr0 * gamma ** bisect.bisect_left(list(milestones), t)


@cause(
    "multistep_decay",
    "gamma_times_count",
    "gamma is multiplied by the number of milestones passed: raise it to that power.",
)
def multistep_gamma_times(t, lr0, milestones, gamma=0.1):
    S.multistep_decay(t, lr0, milestones, gamma)
    return lr0 * gamma * bisect.bisect_right(list(milestones), t)


@cause(
    "multistep_decay",
    "decays_once",
    "the rate is multiplied by gamma only once: "
    "multiply once for every milestone passed, gamma ** (number of m <= t).",
)
def multistep_once(t, lr0, milestones, gamma=0.1):
    S.multistep_decay(t, lr0, milestones, gamma)
    return lr0 * gamma if any(m <= t for m in milestones) else lr0


# -------------------------------------------------------------------------- cosine_decay


@cause(
    "cosine_decay",
    "no_clamp",
    "the rate climbs back up after t = T: use min(t, T), so it stays at lr_min from T on.",
)
def cosine_no_clamp(t, lr0, T, lr_min=0.0):
    S.cosine_decay(t, lr0, T, lr_min)
    return _cosine(lr0, lr_min, t, T)


@cause(
    "cosine_decay",
    "half_period",
    "only half of the decay is done by t = T: the angle is pi * t / T, not pi * t / (2T).",
)
def cosine_half_period(t, lr0, T, lr_min=0.0):
    S.cosine_decay(t, lr0, T, lr_min)
    return _cosine(lr0, lr_min, min(t, T), 2 * T)


@cause(
    "cosine_decay",
    "clamp_T_minus_1",
    "the rate never reaches lr_min: clamp t at T (min(t, T)), not at T - 1.",
)
def cosine_clamp_early(t, lr0, T, lr_min=0.0):
    S.cosine_decay(t, lr0, T, lr_min)
    return _cosine(lr0, lr_min, min(t, T - 1), T)


@cause(
    "cosine_decay",
    "inverted",
    "the rate rises from lr_min to lr0: it is (1 + cos(...)) / 2, not (1 - cos(...)) / 2.",
)
def cosine_inverted(t, lr0, T, lr_min=0.0):
    S.cosine_decay(t, lr0, T, lr_min)
    return _cosine(lr0, lr_min, min(t, T), T, sign=-1.0)


@cause(
    "cosine_decay",
    "missing_half",
    "the rate starts at 2 * lr0 - lr_min: (1 + cos(...)) is between 0 and 2, so divide it by 2.",
)
def cosine_missing_half(t, lr0, T, lr_min=0.0):
    S.cosine_decay(t, lr0, T, lr_min)
    return _cosine(lr0, lr_min, min(t, T), T, half=1.0)


@cause(
    "cosine_decay",
    "no_lr_min",
    "lr_min is ignored: the rate goes from lr0 to "
    "lr_min, lr_min + (lr0 - lr_min) * (1 + cos(...)) / 2.",
)
def cosine_no_lr_min(t, lr0, T, lr_min=0.0):
    S.cosine_decay(t, lr0, T, lr_min)
    return _cosine(lr0, 0.0, min(t, T), T)


@cause(
    "cosine_decay",
    "lr_min_added",
    "the rate starts at lr0 + lr_min: scale the cosine by (lr0 - lr_min), not by lr0.",
)
def cosine_lr_min_added(t, lr0, T, lr_min=0.0):
    S.cosine_decay(t, lr0, T, lr_min)
    return float(lr_min + lr0 * (1 + math.cos(math.pi * min(t, T) / T)) / 2)


# -------------------------------------------------------------------------- linear_decay


def _linear(lr0, lr_min, fraction):
    return float(lr_min + (lr0 - lr_min) * fraction)


@cause("linear_decay", "no_clamp", "the rate goes below lr_min after t = T: use max(0, 1 - t / T).")
def linear_no_clamp(t, lr0, T, lr_min=0.0):
    S.linear_decay(t, lr0, T, lr_min)
    return _linear(lr0, lr_min, 1 - t / T)


@cause(
    "linear_decay", "T_plus_one", "the rate reaches lr_min one step late: divide by T, not T + 1."
)
def linear_T_plus_one(t, lr0, T, lr_min=0.0):
    S.linear_decay(t, lr0, T, lr_min)
    return _linear(lr0, lr_min, max(0.0, 1 - t / (T + 1)))


@cause("linear_decay", "t_plus_one", "the rate has already decayed at t = 0: use t, not t + 1.")
def linear_t_plus_one(t, lr0, T, lr_min=0.0):
    S.linear_decay(t, lr0, T, lr_min)
    return _linear(lr0, lr_min, max(0.0, 1 - (t + 1) / T))


@cause(
    "linear_decay", "integer_division", "t // T is 0 until T: the fraction done is t / T, a float."
)
def linear_integer_division(t, lr0, T, lr_min=0.0):
    S.linear_decay(t, lr0, T, lr_min)
    return _linear(lr0, lr_min, max(0.0, 1 - t // T))


@cause(
    "linear_decay",
    "no_lr_min",
    "lr_min is ignored: the rate goes from lr0 to lr_min, "
    "lr_min + (lr0 - lr_min) * max(0, 1 - t / T).",
)
def linear_no_lr_min(t, lr0, T, lr_min=0.0):
    S.linear_decay(t, lr0, T, lr_min)
    return _linear(lr0, 0.0, max(0.0, 1 - t / T))


@cause(
    "linear_decay",
    "floor_at_lr_min",
    "the rate decays to 0 and is cut at lr_min: "
    "decay from lr0 to lr_min instead, lr_min + (lr0 - lr_min) * max(0, 1 - t / T).",
)
def linear_floor(t, lr0, T, lr_min=0.0):
    S.linear_decay(t, lr0, T, lr_min)
    return float(max(lr_min, lr0 * max(0.0, 1 - t / T)))


# -------------------------------------------------------------------------- inverse_sqrt


def _inverse_sqrt(t, lr0, warmup, rise=1.5, scale=True, pick=min):
    factor = math.sqrt(warmup) if scale else 1.0
    return float(lr0 * factor * pick(1 / math.sqrt(t), t / warmup**rise))


@cause(
    "inverse_sqrt",
    "ignores_warmup",
    "there is no warmup: the rate rises linearly "
    "to lr0 until t = warmup, lr0 * sqrt(warmup) * min(1 / sqrt(t), t / warmup**1.5).",
)
def inverse_sqrt_no_warmup(t, lr0, warmup=1):
    S.inverse_sqrt(t, lr0, warmup)
    return 0.0 if t == 0 else float(lr0 / math.sqrt(t))


@cause(
    "inverse_sqrt",
    "no_zero_case",
    "1 / sqrt(0) divides by zero: t = 0 needs its own case (the rate is 0 there).",
)
def inverse_sqrt_no_zero(t, lr0, warmup=1):
    S.inverse_sqrt(t, lr0, warmup)
    return _inverse_sqrt(t, lr0, warmup)


@cause(
    "inverse_sqrt",
    "one_based_step",
    "the rate is one step early (nonzero at t = 0): use t, not t + 1.",
)
def inverse_sqrt_one_based(t, lr0, warmup=1):
    S.inverse_sqrt(t, lr0, warmup)
    return _inverse_sqrt(t + 1, lr0, warmup)


@cause(
    "inverse_sqrt",
    "warmup_pow_half",
    "the warmup rises too fast: the rising branch is t / warmup**1.5, not t / warmup**0.5.",
)
def inverse_sqrt_pow_half(t, lr0, warmup=1):
    S.inverse_sqrt(t, lr0, warmup)
    return 0.0 if t == 0 else _inverse_sqrt(t, lr0, warmup, rise=0.5)


@cause(
    "inverse_sqrt",
    "no_sqrt_warmup",
    "the peak is lr0 / sqrt(warmup), not lr0: multiply by sqrt(warmup).",
)
def inverse_sqrt_no_factor(t, lr0, warmup=1):
    S.inverse_sqrt(t, lr0, warmup)
    return 0.0 if t == 0 else _inverse_sqrt(t, lr0, warmup, scale=False)


@cause(
    "inverse_sqrt",
    "max_not_min",
    "the two branches are combined with max: the rate "
    "is the smaller one, min(1 / sqrt(t), t / warmup**1.5).",
)
def inverse_sqrt_max(t, lr0, warmup=1):
    S.inverse_sqrt(t, lr0, warmup)
    return 0.0 if t == 0 else _inverse_sqrt(t, lr0, warmup, pick=max)


# ------------------------------------------------------------------ cosine_with_restarts


def _cycles(t, T0, T_mult, first=None, late=False, grow_first=False):
    """(t_cur, T_i) walking the cycles, with the loop mistakes the catalog lists."""
    t_cur, T_i = int(t), int(first or T0)
    while (t_cur > T_i) if late else (t_cur >= T_i):
        if grow_first:
            T_i *= int(T_mult)
            t_cur -= T_i
        else:
            t_cur -= T_i
            T_i *= int(T_mult)
    return t_cur, T_i


@cause(
    "cosine_with_restarts",
    "no_restart",
    "the rate never restarts: at t = T0 a new cycle starts at lr0 (t_cur goes back to 0).",
)
def sgdr_no_restart(t, lr0, T0, T_mult=1, lr_min=0.0):
    S.cosine_with_restarts(t, lr0, T0, T_mult, lr_min)
    return _cosine(lr0, lr_min, min(t, T0), T0)


@cause(
    "cosine_with_restarts",
    "T_mult_ignored",
    "every cycle lasts T0: cycle i lasts T0 * T_mult**i steps.",
)
def sgdr_T_mult_ignored(t, lr0, T0, T_mult=1, lr_min=0.0):
    S.cosine_with_restarts(t, lr0, T0, T_mult, lr_min)
    return _cosine(lr0, lr_min, t % T0, T0)


@cause(
    "cosine_with_restarts",
    "float_log",
    "the cycle is found with a float logarithm, "
    "which lands just below a whole number at some restarts: find it with integers.",
)
def sgdr_float_log(t, lr0, T0, T_mult=1, lr_min=0.0):
    S.cosine_with_restarts(t, lr0, T0, T_mult, lr_min)
    if T_mult == 1:
        return _cosine(lr0, lr_min, t % T0, T0)
    n = int(math.log(t / T0 * (T_mult - 1) + 1, T_mult))
    return _cosine(lr0, lr_min, t - T0 * (T_mult**n - 1) // (T_mult - 1), T0 * T_mult**n)


@cause(
    "cosine_with_restarts",
    "late_restart",
    "the restart is one step late: SGDR "
    "restarts at t = T0 (t_cur >= T_i starts a new cycle), not at T0 + 1.",
)
def sgdr_late(t, lr0, T0, T_mult=1, lr_min=0.0):
    S.cosine_with_restarts(t, lr0, T0, T_mult, lr_min)
    return _cosine(lr0, lr_min, *_cycles(t, T0, T_mult, late=True))


@cause(
    "cosine_with_restarts",
    "multiply_before_subtract",
    "the cycle grows before its "
    "length is subtracted: subtract T_i first, then multiply it by T_mult.",
)
def sgdr_grow_first(t, lr0, T0, T_mult=1, lr_min=0.0):
    S.cosine_with_restarts(t, lr0, T0, T_mult, lr_min)
    return _cosine(lr0, lr_min, *_cycles(t, T0, T_mult, grow_first=True))


@cause(
    "cosine_with_restarts",
    "first_cycle_multiplied",
    "the first cycle is already T0 * T_mult long: it lasts T0 steps.",
)
def sgdr_first_long(t, lr0, T0, T_mult=1, lr_min=0.0):
    S.cosine_with_restarts(t, lr0, T0, T_mult, lr_min)
    return _cosine(lr0, lr_min, *_cycles(t, T0, T_mult, first=T0 * T_mult))


@cause(
    "cosine_with_restarts",
    "inverted",
    "each cycle rises from lr_min to lr0: it is (1 + cos(...)) / 2, not (1 - cos(...)) / 2.",
)
def sgdr_inverted(t, lr0, T0, T_mult=1, lr_min=0.0):
    S.cosine_with_restarts(t, lr0, T0, T_mult, lr_min)
    return _cosine(lr0, lr_min, *_cycles(t, T0, T_mult), sign=-1.0)


@cause(
    "cosine_with_restarts",
    "no_lr_min",
    "lr_min is ignored: each cycle goes from lr0 "
    "to lr_min, lr_min + (lr0 - lr_min) * (1 + cos(...)) / 2.",
)
def sgdr_no_lr_min(t, lr0, T0, T_mult=1, lr_min=0.0):
    S.cosine_with_restarts(t, lr0, T0, T_mult, lr_min)
    return _cosine(lr0, 0.0, *_cycles(t, T0, T_mult))


# --------------------------------------------------------------------------- with_warmup


def _warmup(schedule, warmup_steps, ramp, after):
    S.with_warmup(schedule, warmup_steps)  # raises where a correct with_warmup raises

    def warmed(t):
        S.with_warmup(schedule, warmup_steps)(t)
        return float(ramp(t) if t < warmup_steps else after(t))

    return warmed


@cause(
    "with_warmup",
    "scales_schedule_t",
    "the ramp scales schedule(t): during the warmup the rate is schedule(0) * t / warmup_steps.",
)
def warmup_scales_t(schedule, warmup_steps):
    return _warmup(
        schedule,
        warmup_steps,
        lambda t: schedule(t) * t / warmup_steps,
        lambda t: schedule(t - warmup_steps),
    )


@cause(
    "with_warmup",
    "no_shift",
    "the wrapped schedule does not start after the warmup: "
    "from t = warmup_steps on the rate is schedule(t - warmup_steps).",
)
def warmup_no_shift(schedule, warmup_steps):
    return _warmup(schedule, warmup_steps, lambda t: schedule(0) * t / warmup_steps, schedule)


@cause(
    "with_warmup",
    "no_shift_continuous",
    "the ramp goes to schedule(warmup_steps) and "
    "the schedule is not shifted: ramp to schedule(0), then use "
    "schedule(t - warmup_steps).",
)
def warmup_no_shift_continuous(schedule, warmup_steps):
    return _warmup(
        schedule, warmup_steps, lambda t: schedule(warmup_steps) * t / warmup_steps, schedule
    )


@cause(
    "with_warmup",
    "ramp_t_plus_one",
    "the ramp is nonzero at t = 0: it is "
    "schedule(0) * t / warmup_steps, not (t + 1) / warmup_steps.",
)
def warmup_t_plus_one(schedule, warmup_steps):
    return _warmup(
        schedule,
        warmup_steps,
        lambda t: schedule(0) * (t + 1) / warmup_steps,
        lambda t: schedule(t - warmup_steps),
    )


@cause(
    "with_warmup",
    "floor_ramp",
    "t // warmup_steps is 0 during the whole warmup: the ramp is t / warmup_steps, a float.",
)
def warmup_floor(schedule, warmup_steps):
    return _warmup(
        schedule,
        warmup_steps,
        lambda t: schedule(0) * (t // warmup_steps),
        lambda t: schedule(t - warmup_steps),
    )


@cause(
    "with_warmup",
    "default_shadows_warmup",
    "the inner function uses its own "
    "warmup_steps (a default argument) instead of the one with_warmup was given.",
)
def warmup_default_shadows(schedule, warmup_steps):
    S.with_warmup(schedule, warmup_steps)

    def warmed(t, warmup_steps=10):
        S.with_warmup(schedule, 1)(t)  # t's own checks
        if t < warmup_steps:
            return float(schedule(0) * t / warmup_steps)
        return float(schedule(t - warmup_steps))

    return warmed
