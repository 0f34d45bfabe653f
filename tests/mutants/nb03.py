"""Mutants for 03_lr_schedules.

Every ``source`` is a complete replacement of one graded top-level function. It uses only
``np`` and ``math`` (imported by the notebook), builtins and, inside a function body, a
standard-library import; it never calls another graded function. Bugs are small edits of a
plain, correct base version (``_edit`` checks that each edited text occurs exactly once),
so each bug differs from a correct schedule in one misconception only. Alternatives are
written out in full; they return the reference value to ~1e-13 relative and raise
ValueError for exactly the arguments the reference rejects (including ``lr0 < 0``,
``lr_min < 0``, a non-integer ``t``, and a non-callable ``schedule``).

Inputs that expose the bugs (named in each ``why``):
- ``table``: the (t, lr) table of the schedule, t = 0, 1, ..., past T (or several cycles),
  including t = 0, t = T, t > T; for SGDR the exact restart boundaries
  ``t = T0 * (T_mult**k - 1) / (T_mult - 1)`` with T_mult 1, 2, 3 and k up to 30.
- ``gamma=0.5`` / ``lr_min=0.1`` / ``warmup=16``: a call with that non-default argument.
- ``bad-t``: ``t = -1`` must raise ValueError (every function, and ``g(-1)`` for the
  schedule returned by ``with_warmup``).
- ``bad-<arg>``: the function's own argument rule must raise ValueError (not return, not
  raise ZeroDivisionError / TypeError): ``step_size=0``, ``T=0``, ``milestones=[60, 30]``,
  ``warmup=0``, ``T0=0``, ``T_mult=1.5`` or ``0``, ``warmup_steps=0``.
- ``decaying``: ``with_warmup`` around a non-constant schedule, e.g.
  ``lambda t: 0.1 * 0.9**t``, warmup_steps = 5 or 10.
"""

from tests.mutants import Mutant
from tests.mutants import edit as _edit
from tests.mutants import mutant as _m

SD = "step_decay"
MS = "multistep_decay"
CD = "cosine_decay"
LD = "linear_decay"
IS = "inverse_sqrt"
SGDR = "cosine_with_restarts"
WW = "with_warmup"

_T_CHECK = """\
    if t < 0 or t != int(t):
        raise ValueError(f"t must be a non-negative integer step, got {t}")
"""


# --------------------------------------------------------------------------------------
# step_decay(t, lr0, step_size, gamma=0.1)
# --------------------------------------------------------------------------------------

_STEP = """
def step_decay(t, lr0, step_size, gamma=0.1):
    if t < 0 or t != int(t):
        raise ValueError(f"t must be a non-negative integer step, got {t}")
    if lr0 < 0:
        raise ValueError(f"lr0 must be >= 0, got {lr0}")
    if step_size <= 0:
        raise ValueError(f"step_size must be > 0, got {step_size}")
    return float(lr0 * gamma ** (t // step_size))
"""

_STEP_SIZE_CHECK = """\
    if step_size <= 0:
        raise ValueError(f"step_size must be > 0, got {step_size}")
"""

_STEP_DECAY = [
    _m(
        SD,
        "python_loop",
        "alt",
        """
        def step_decay(t, lr0, step_size, gamma=0.1):
            if t < 0 or int(t) != t:
                raise ValueError("t must be a non-negative integer")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            if step_size <= 0:
                raise ValueError("step_size must be positive")
            lr = float(lr0)
            for _ in range(int(t // step_size)):
                lr *= gamma
            return lr
        """,
        "Multiplies by gamma once per completed interval.",
    ),
    _m(
        SD,
        "numpy_power",
        "alt",
        """
        def step_decay(t, lr0, step_size, gamma=0.1):
            if not float(t).is_integer() or t < 0:
                raise ValueError(f"bad step t={t}")
            if lr0 < 0:
                raise ValueError(f"lr0 must be >= 0, got {lr0}")
            if not step_size > 0:
                raise ValueError(f"step_size must be > 0, got {step_size}")
            drops = np.floor_divide(t, step_size)
            return float(lr0 * np.power(float(gamma), drops))
        """,
        "np.floor_divide and np.power.",
    ),
    _m(
        SD,
        "divmod_math_pow",
        "alt",
        """
        def step_decay(t, lr0, step_size, gamma=0.1):
            if t < 0:
                raise ValueError("t must be >= 0")
            if t % 1:
                raise ValueError("t must be an integer")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            if step_size <= 0:
                raise ValueError("step_size must be > 0")
            k, _ = divmod(t, step_size)
            return lr0 * math.pow(gamma, k)
        """,
        "divmod for the number of drops, math.pow for the factor.",
    ),
    _m(
        SD,
        "float_division",
        "bug",
        _edit(_STEP, ("(t // step_size)", "(t / step_size)")),
        "Decays smoothly (t / step_size) instead of in steps. Exposed by `table`, e.g. "
        "t = 5, step_size = 10.",
    ),
    _m(
        SD,
        "t_plus_one",
        "bug",
        _edit(_STEP, ("(t // step_size)", "((t + 1) // step_size)")),
        "Counts steps from 1: drops one step early. Exposed by t = step_size - 1.",
    ),
    _m(
        SD,
        "extra_power",
        "bug",
        _edit(_STEP, ("(t // step_size)", "(t // step_size + 1)")),
        "Already decayed once at t = 0. Exposed by t = 0.",
    ),
    _m(
        SD,
        "ceil_intervals",
        "bug",
        _edit(_STEP, ("(t // step_size)", "math.ceil(t / step_size)")),
        "Rounds the interval count up. Exposed by t = 1, step_size = 10.",
    ),
    _m(
        SD,
        "gamma_times_count",
        "bug",
        _edit(_STEP, ("gamma ** (t // step_size)", "gamma * (t // step_size)")),
        "Multiplies gamma by the number of drops instead of raising it to that power. "
        "Exposed by t = 0 (gives 0).",
    ),
    _m(
        SD,
        "divides_by_gamma",
        "bug",
        _edit(_STEP, ("lr0 * gamma **", "lr0 / gamma **")),
        "Divides by gamma (thinks of it as a decay divisor): the rate grows. Exposed by "
        "t = step_size.",
    ),
    _m(
        SD,
        "no_step_size_check",
        "bug",
        _edit(_STEP, (_STEP_SIZE_CHECK, "")),
        "No step_size validation: step_size = 0 raises ZeroDivisionError, step_size = -5 "
        "returns. Exposed by `bad-step_size`.",
    ),
    _m(
        SD,
        "no_t_check",
        "bug",
        _edit(_STEP, (_T_CHECK, "")),
        "Negative t accepted (returns lr0 / gamma). Exposed by `bad-t`.",
    ),
]


# --------------------------------------------------------------------------------------
# multistep_decay(t, lr0, milestones, gamma=0.1)
# --------------------------------------------------------------------------------------

_MULTISTEP = """
def multistep_decay(t, lr0, milestones, gamma=0.1):
    if t < 0 or t != int(t):
        raise ValueError(f"t must be a non-negative integer step, got {t}")
    if lr0 < 0:
        raise ValueError(f"lr0 must be >= 0, got {lr0}")
    milestones = list(milestones)
    if milestones != sorted(milestones):
        raise ValueError(f"milestones must be sorted, got {milestones}")
    passed = sum(1 for m in milestones if m <= t)
    return float(lr0 * gamma**passed)
"""

_SORT_CHECK = """\
    if milestones != sorted(milestones):
        raise ValueError(f"milestones must be sorted, got {milestones}")
"""

_MULTISTEP_DECAY = [
    _m(
        MS,
        "bisect_right",
        "alt",
        """
        def multistep_decay(t, lr0, milestones, gamma=0.1):
            import bisect

            if t < 0 or int(t) != t:
                raise ValueError("t must be a non-negative integer")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            ms = list(milestones)
            for a, b in zip(ms, ms[1:]):
                if b < a:
                    raise ValueError("milestones must be sorted")
            return lr0 * gamma ** bisect.bisect_right(ms, t)
        """,
        "bisect_right counts the milestones <= t.",
    ),
    _m(
        MS,
        "numpy_searchsorted",
        "alt",
        """
        def multistep_decay(t, lr0, milestones, gamma=0.1):
            if not float(t).is_integer() or t < 0:
                raise ValueError(f"t must be a non-negative integer, got {t}")
            if lr0 < 0:
                raise ValueError(f"lr0 must be >= 0, got {lr0}")
            ms = np.asarray(milestones, dtype=float).ravel()
            if np.any(np.diff(ms) < 0):
                raise ValueError(f"milestones must be sorted, got {list(milestones)}")
            k = int(np.searchsorted(ms, t, side="right"))
            return float(lr0 * gamma**k)
        """,
        "np.diff for the sort check, np.searchsorted(side='right') for the count.",
    ),
    _m(
        MS,
        "loop_with_break",
        "alt",
        """
        def multistep_decay(t, lr0, milestones, gamma=0.1):
            if t < 0:
                raise ValueError("t must be >= 0")
            if t % 1 != 0:
                raise ValueError("t must be an integer")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            if any(milestones[i] > milestones[i + 1] for i in range(len(milestones) - 1)):
                raise ValueError("milestones must be sorted")
            lr = lr0
            for m in milestones:
                if t < m:
                    break
                lr = lr * gamma
            return float(lr)
        """,
        "Walks the sorted milestones, multiplying by gamma for each passed one.",
    ),
    _m(
        MS,
        "numpy_count",
        "alt",
        """
        def multistep_decay(t, lr0, milestones, gamma=0.1):
            if t < 0 or t != int(t):
                raise ValueError("t must be a non-negative integer step")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            ms = np.array(list(milestones), dtype=float)
            if not np.array_equal(ms, np.sort(ms)):
                raise ValueError("milestones must be sorted")
            return lr0 * gamma ** int(np.count_nonzero(ms <= t))
        """,
        "np.count_nonzero(ms <= t).",
    ),
    _m(
        MS,
        "strict_less",
        "bug",
        _edit(_MULTISTEP, ("m <= t", "m < t")),
        "Counts milestones < t: decays one step late. Exposed by t = 30 with [30, 60, 90].",
    ),
    _m(
        MS,
        "bisect_left",
        "bug",
        _edit(
            _MULTISTEP,
            (
                "    passed = sum(1 for m in milestones if m <= t)\n",
                "    import bisect\n\n    passed = bisect.bisect_left(milestones, t)\n",
            ),
        ),
        "bisect_left instead of bisect_right (milestones < t). Exposed by t = 30.",
    ),
    _m(
        MS,
        "searchsorted_left",
        "bug",
        _edit(
            _MULTISTEP,
            (
                "passed = sum(1 for m in milestones if m <= t)",
                "passed = int(np.searchsorted(milestones, t))",
            ),
        ),
        "np.searchsorted with its default side='left'. Exposed by t = 60.",
    ),
    _m(
        MS,
        "gamma_times_count",
        "bug",
        _edit(_MULTISTEP, ("gamma**passed", "gamma * passed")),
        "gamma * count instead of gamma ** count. Exposed by t = 0 (gives 0).",
    ),
    _m(
        MS,
        "decays_once",
        "bug",
        _edit(
            _MULTISTEP,
            ("return float(lr0 * gamma**passed)", "return float(lr0 * gamma if passed else lr0)"),
        ),
        "Applies gamma once after the first milestone, not once per milestone. Exposed by t = 60.",
    ),
    _m(
        MS,
        "sorts_silently",
        "bug",
        _edit(_MULTISTEP, (_SORT_CHECK, "    milestones = sorted(milestones)\n")),
        "Sorts unsorted milestones instead of rejecting them. Exposed by `bad-milestones`.",
    ),
    _m(
        MS,
        "no_sort_check",
        "bug",
        _edit(_MULTISTEP, (_SORT_CHECK, "")),
        "No sort check: [60, 30] returns a value. Exposed by `bad-milestones`.",
    ),
    _m(
        MS,
        "no_t_check",
        "bug",
        _edit(_MULTISTEP, (_T_CHECK, "")),
        "Negative t accepted (returns lr0). Exposed by `bad-t`.",
    ),
]


# --------------------------------------------------------------------------------------
# cosine_decay(t, lr0, T, lr_min=0.0)
# --------------------------------------------------------------------------------------

_COSINE = """
def cosine_decay(t, lr0, T, lr_min=0.0):
    if t < 0 or t != int(t):
        raise ValueError(f"t must be a non-negative integer step, got {t}")
    if lr0 < 0 or lr_min < 0:
        raise ValueError(f"lr0 and lr_min must be >= 0, got {lr0}, {lr_min}")
    if T <= 0:
        raise ValueError(f"T must be > 0, got {T}")
    angle = math.pi * min(t, T) / T
    return float(lr_min + (lr0 - lr_min) * (1 + math.cos(angle)) / 2)
"""

_T_POSITIVE_CHECK = """\
    if T <= 0:
        raise ValueError(f"T must be > 0, got {T}")
"""

_COSINE_DECAY = [
    _m(
        CD,
        "numpy",
        "alt",
        """
        def cosine_decay(t, lr0, T, lr_min=0.0):
            if t < 0 or int(t) != t:
                raise ValueError("t must be a non-negative integer")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            if lr_min < 0:
                raise ValueError("lr_min must be >= 0")
            if T <= 0:
                raise ValueError("T must be > 0")
            cos = np.cos(np.pi * np.minimum(t, T) / T)
            return float(lr_min + 0.5 * (lr0 - lr_min) * (1.0 + cos))
        """,
        "np.cos / np.minimum, with 0.5 * (...) in front.",
    ),
    _m(
        CD,
        "early_return",
        "alt",
        """
        def cosine_decay(t, lr0, T, lr_min=0.0):
            if not float(t).is_integer() or t < 0:
                raise ValueError(f"bad step {t}")
            if min(lr0, lr_min) < 0:
                raise ValueError("learning rates must be >= 0")
            if not T > 0:
                raise ValueError(f"T must be > 0, got {T}")
            if t >= T:
                return float(lr_min)
            return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t / T)) / 2
        """,
        "Returns lr_min after T instead of clamping t.",
    ),
    _m(
        CD,
        "progress_fraction",
        "alt",
        """
        def cosine_decay(t, lr0, T, lr_min=0.0):
            if t < 0:
                raise ValueError("t must be >= 0")
            if t % 1:
                raise ValueError("t must be an integer")
            if lr0 < 0 or lr_min < 0:
                raise ValueError("lr0 and lr_min must be >= 0")
            if T <= 0:
                raise ValueError("T must be > 0")
            progress = min(t / T, 1.0)
            factor = 0.5 * (1.0 + math.cos(math.pi * progress))
            return lr_min + (lr0 - lr_min) * factor
        """,
        "Clamps the progress fraction t / T at 1.",
    ),
    _m(
        CD,
        "no_clamp",
        "bug",
        _edit(_COSINE, ("math.pi * min(t, T) / T", "math.pi * t / T")),
        "No min(t, T): the rate climbs back up after T. Exposed by t = 1.5 T.",
    ),
    _m(
        CD,
        "half_period",
        "bug",
        _edit(_COSINE, ("math.pi * min(t, T) / T", "math.pi * min(t, T) / (2 * T)")),
        "cos(pi t / 2T): only half of the decay by t = T. Exposed by t = T.",
    ),
    _m(
        CD,
        "clamp_T_minus_1",
        "bug",
        _edit(_COSINE, ("min(t, T)", "min(t, T - 1)")),
        "Clamps at T - 1: never reaches lr_min. Exposed by t = T.",
    ),
    _m(
        CD,
        "inverted",
        "bug",
        _edit(_COSINE, ("(1 + math.cos(angle))", "(1 - math.cos(angle))")),
        "(1 - cos) / 2: rises from lr_min to lr0. Exposed by t = 0.",
    ),
    _m(
        CD,
        "missing_half",
        "bug",
        _edit(_COSINE, ("(1 + math.cos(angle)) / 2)", "(1 + math.cos(angle)))")),
        "Forgets the / 2: starts at 2 lr0 - lr_min. Exposed by t = 0.",
    ),
    _m(
        CD,
        "no_lr_min",
        "bug",
        _edit(_COSINE, ("lr_min + (lr0 - lr_min) * ", "lr0 * ")),
        "Ignores lr_min. Exposed by `lr_min=0.01`, t = T.",
    ),
    _m(
        CD,
        "lr_min_added",
        "bug",
        _edit(_COSINE, ("(lr0 - lr_min)", "lr0")),
        "lr_min + lr0 * (...): starts at lr0 + lr_min. Exposed by `lr_min=0.01`, t = 0.",
    ),
    _m(
        CD,
        "no_T_check",
        "bug",
        _edit(_COSINE, (_T_POSITIVE_CHECK, "")),
        "No T validation: T = 0 raises ZeroDivisionError, T = -10 returns. Exposed by `bad-T`.",
    ),
    _m(
        CD,
        "no_t_check",
        "bug",
        _edit(_COSINE, (_T_CHECK, "")),
        "Negative t accepted. Exposed by `bad-t`.",
    ),
]


# --------------------------------------------------------------------------------------
# linear_decay(t, lr0, T, lr_min=0.0)
# --------------------------------------------------------------------------------------

_LINEAR = """
def linear_decay(t, lr0, T, lr_min=0.0):
    if t < 0 or t != int(t):
        raise ValueError(f"t must be a non-negative integer step, got {t}")
    if lr0 < 0 or lr_min < 0:
        raise ValueError(f"lr0 and lr_min must be >= 0, got {lr0}, {lr_min}")
    if T <= 0:
        raise ValueError(f"T must be > 0, got {T}")
    frac = max(0.0, 1 - t / T)
    return float(lr_min + (lr0 - lr_min) * frac)
"""

_LINEAR_DECAY = [
    _m(
        LD,
        "early_return",
        "alt",
        """
        def linear_decay(t, lr0, T, lr_min=0.0):
            if t < 0 or int(t) != t:
                raise ValueError("t must be a non-negative integer")
            if lr0 < 0 or lr_min < 0:
                raise ValueError("learning rates must be >= 0")
            if T <= 0:
                raise ValueError("T must be > 0")
            if t >= T:
                return float(lr_min)
            return lr_min + (lr0 - lr_min) * (T - t) / T
        """,
        "Returns lr_min once t >= T, else (T - t) / T of the way.",
    ),
    _m(
        LD,
        "numpy_clip",
        "alt",
        """
        def linear_decay(t, lr0, T, lr_min=0.0):
            if not float(t).is_integer() or t < 0:
                raise ValueError(f"bad step {t}")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            if lr_min < 0:
                raise ValueError("lr_min must be >= 0")
            if not T > 0:
                raise ValueError("T must be > 0")
            remaining = np.clip(1.0 - t / T, 0.0, 1.0)
            return float(lr_min + (lr0 - lr_min) * remaining)
        """,
        "np.clip of the remaining fraction.",
    ),
    _m(
        LD,
        "interpolation",
        "alt",
        """
        def linear_decay(t, lr0, T, lr_min=0.0):
            if t < 0:
                raise ValueError("t must be >= 0")
            if t % 1:
                raise ValueError("t must be an integer")
            if min(lr0, lr_min) < 0:
                raise ValueError("lr0 and lr_min must be >= 0")
            if T <= 0:
                raise ValueError("T must be > 0")
            a = min(t / T, 1.0)
            return (1 - a) * lr0 + a * lr_min
        """,
        "Convex combination (1 - a) lr0 + a lr_min with a = min(t / T, 1).",
    ),
    _m(
        LD,
        "numpy_interp",
        "alt",
        """
        def linear_decay(t, lr0, T, lr_min=0.0):
            if t < 0 or t != int(t):
                raise ValueError("t must be a non-negative integer")
            if lr0 < 0 or lr_min < 0:
                raise ValueError("lr0 and lr_min must be >= 0")
            if T <= 0:
                raise ValueError("T must be > 0")
            return float(np.interp(t, [0.0, T], [lr0, lr_min]))
        """,
        "np.interp, which holds the end value past T.",
    ),
    _m(
        LD,
        "no_clamp",
        "bug",
        _edit(_LINEAR, ("max(0.0, 1 - t / T)", "1 - t / T")),
        "No max(0, ...): negative past T. Exposed by t = 2 T.",
    ),
    _m(
        LD,
        "T_plus_one",
        "bug",
        _edit(_LINEAR, ("1 - t / T", "1 - t / (T + 1)")),
        "Divides by T + 1: reaches lr_min one step late. Exposed by t = T.",
    ),
    _m(
        LD,
        "t_plus_one",
        "bug",
        _edit(_LINEAR, ("1 - t / T", "1 - (t + 1) / T")),
        "Counts steps from 1: already decayed at t = 0. Exposed by t = 0.",
    ),
    _m(
        LD,
        "integer_division",
        "bug",
        _edit(_LINEAR, ("1 - t / T", "1 - t // T")),
        "t // T: stays at lr0, then drops to lr_min at T. Exposed by t = T / 4.",
    ),
    _m(
        LD,
        "no_lr_min",
        "bug",
        _edit(_LINEAR, ("lr_min + (lr0 - lr_min) * frac", "lr0 * frac")),
        "Ignores lr_min. Exposed by `lr_min=0.1`.",
    ),
    _m(
        LD,
        "floor_at_lr_min",
        "bug",
        _edit(
            _LINEAR,
            ("frac = max(0.0, 1 - t / T)", "frac = 1 - t / T"),
            ("lr_min + (lr0 - lr_min) * frac", "max(lr_min, lr0 * frac)"),
        ),
        "Decays lr0 to 0 and floors at lr_min instead of decaying to lr_min. Exposed by "
        "`lr_min=0.1`, t = T / 4.",
    ),
    _m(
        LD,
        "no_T_check",
        "bug",
        _edit(_LINEAR, (_T_POSITIVE_CHECK, "")),
        "No T validation: T = 0 raises ZeroDivisionError. Exposed by `bad-T`.",
    ),
    _m(
        LD,
        "no_t_check",
        "bug",
        _edit(_LINEAR, (_T_CHECK, "")),
        "Negative t accepted (returns more than lr0). Exposed by `bad-t`.",
    ),
]


# --------------------------------------------------------------------------------------
# inverse_sqrt(t, lr0, warmup=1)
# --------------------------------------------------------------------------------------

_INVSQRT = """
def inverse_sqrt(t, lr0, warmup=1):
    if t < 0 or t != int(t):
        raise ValueError(f"t must be a non-negative integer step, got {t}")
    if lr0 < 0:
        raise ValueError(f"lr0 must be >= 0, got {lr0}")
    if warmup < 1 or warmup != int(warmup):
        raise ValueError(f"warmup must be a positive integer, got {warmup}")
    if t == 0:
        return 0.0
    return float(lr0 * math.sqrt(warmup) * min(1 / math.sqrt(t), t / warmup**1.5))
"""

_ZERO_CASE = """\
    if t == 0:
        return 0.0
"""

_WARMUP_CHECK = """\
    if warmup < 1 or warmup != int(warmup):
        raise ValueError(f"warmup must be a positive integer, got {warmup}")
"""

_INVERSE_SQRT = [
    _m(
        IS,
        "two_phases",
        "alt",
        """
        def inverse_sqrt(t, lr0, warmup=1):
            if t < 0 or int(t) != t:
                raise ValueError("t must be a non-negative integer")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            if warmup < 1 or int(warmup) != warmup:
                raise ValueError("warmup must be a positive integer")
            if t < warmup:
                return lr0 * t / warmup
            return lr0 * math.sqrt(warmup / t)
        """,
        "Linear rise lr0 t / warmup, then lr0 sqrt(warmup / t).",
    ),
    _m(
        IS,
        "numpy_powers",
        "alt",
        """
        def inverse_sqrt(t, lr0, warmup=1):
            if not float(t).is_integer() or t < 0:
                raise ValueError(f"bad step {t}")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            if not float(warmup).is_integer() or warmup < 1:
                raise ValueError(f"warmup must be a positive integer, got {warmup}")
            if t == 0:
                return 0.0
            t = float(t)
            scale = lr0 * np.sqrt(warmup)
            return float(scale * np.minimum(t**-0.5, t * warmup**-1.5))
        """,
        "Vaswani's d**-0.5 * min(step**-0.5, step * warmup**-1.5), written with numpy.",
    ),
    _m(
        IS,
        "min_of_ratios",
        "alt",
        """
        def inverse_sqrt(t, lr0, warmup=1):
            if t < 0:
                raise ValueError("t must be >= 0")
            if t % 1:
                raise ValueError("t must be an integer")
            if lr0 < 0:
                raise ValueError("lr0 must be >= 0")
            if warmup < 1 or warmup % 1:
                raise ValueError("warmup must be a positive integer")
            if t == 0:
                return 0.0
            return lr0 * min(t / warmup, math.sqrt(warmup / t))
        """,
        "sqrt(warmup) folded into both branches of the min.",
    ),
    _m(
        IS,
        "ignores_warmup",
        "bug",
        _edit(
            _INVSQRT,
            (
                "return float(lr0 * math.sqrt(warmup) * min(1 / math.sqrt(t), t / warmup**1.5))",
                "return float(lr0 / math.sqrt(t))",
            ),
        ),
        "Plain lr0 / sqrt(t): no warmup. Exposed by `warmup=16`, t = 4.",
    ),
    _m(
        IS,
        "no_zero_case",
        "bug",
        _edit(_INVSQRT, (_ZERO_CASE, "")),
        "No special case for t = 0: 1 / sqrt(0) raises ZeroDivisionError. Exposed by t = 0.",
    ),
    _m(
        IS,
        "one_based_step",
        "bug",
        _edit(_INVSQRT, (_ZERO_CASE, "    t = t + 1\n")),
        "Uses step t + 1 (as some code bases do): nonzero at t = 0, peak one step early. "
        "Exposed by t = 0.",
    ),
    _m(
        IS,
        "warmup_pow_half",
        "bug",
        _edit(_INVSQRT, ("warmup**1.5", "warmup**0.5")),
        "warmup**0.5 instead of warmup**1.5 in the rise. Exposed by `warmup=16`, t = 4.",
    ),
    _m(
        IS,
        "no_sqrt_warmup",
        "bug",
        _edit(_INVSQRT, ("lr0 * math.sqrt(warmup) * min", "lr0 * min")),
        "Missing sqrt(warmup) factor: peaks at lr0 / sqrt(warmup). Exposed by `warmup=16`, t = 16.",
    ),
    _m(
        IS,
        "max_not_min",
        "bug",
        _edit(_INVSQRT, ("* min(", "* max(")),
        "max of the two branches instead of min. Exposed by t = 2 (warmup 1) or t = 4 "
        "(`warmup=16`).",
    ),
    _m(
        IS,
        "no_warmup_check",
        "bug",
        _edit(
            _INVSQRT,
            (_WARMUP_CHECK, ""),
            (
                "lr0 * math.sqrt(warmup) * min(1 / math.sqrt(t), t / warmup**1.5)",
                "lr0 * np.sqrt(warmup) * np.minimum(1 / np.sqrt(t), t / np.power(warmup, 1.5))",
            ),
        ),
        "No warmup validation (numpy version): warmup = 0 returns 0, warmup = -1 returns "
        "nan. Exposed by `bad-warmup`.",
    ),
    _m(
        IS,
        "no_t_check",
        "bug",
        _edit(_INVSQRT, (_T_CHECK, ""), ("1 / math.sqrt(t)", "t**-0.5")),
        "Negative t not rejected: t**-0.5 is complex and min() raises TypeError. Exposed by "
        "`bad-t`.",
    ),
]


# --------------------------------------------------------------------------------------
# cosine_with_restarts(t, lr0, T0, T_mult=1, lr_min=0.0)
# --------------------------------------------------------------------------------------

_SGDR = """
def cosine_with_restarts(t, lr0, T0, T_mult=1, lr_min=0.0):
    if t < 0 or t != int(t):
        raise ValueError(f"t must be a non-negative integer step, got {t}")
    if lr0 < 0 or lr_min < 0:
        raise ValueError(f"lr0 and lr_min must be >= 0, got {lr0}, {lr_min}")
    if T0 < 1 or T0 != int(T0):
        raise ValueError(f"T0 must be a positive integer, got {T0}")
    if T_mult < 1 or T_mult != int(T_mult):
        raise ValueError(f"T_mult must be a positive integer, got {T_mult}")
    t_cur, T_i = int(t), int(T0)
    while t_cur >= T_i:
        t_cur -= T_i
        T_i *= int(T_mult)
    return float(lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / T_i)) / 2)
"""

_SGDR_LOOP = """\
    while t_cur >= T_i:
        t_cur -= T_i
        T_i *= int(T_mult)
"""

_COSINE_WITH_RESTARTS = [
    _m(
        SGDR,
        "closed_form_integer",
        "alt",
        """
        def cosine_with_restarts(t, lr0, T0, T_mult=1, lr_min=0.0):
            if t < 0 or int(t) != t:
                raise ValueError("t must be a non-negative integer")
            if lr0 < 0 or lr_min < 0:
                raise ValueError("lr0 and lr_min must be >= 0")
            if T0 < 1 or int(T0) != T0:
                raise ValueError("T0 must be a positive integer")
            if T_mult < 1 or int(T_mult) != T_mult:
                raise ValueError("T_mult must be a positive integer")
            t, T0, T_mult = int(t), int(T0), int(T_mult)
            if T_mult == 1:
                t_cur, T_i = t % T0, T0
            else:
                n = 0  # cycle n starts at T0 * (T_mult**n - 1) / (T_mult - 1)
                while T0 * (T_mult ** (n + 1) - 1) // (T_mult - 1) <= t:
                    n += 1
                t_cur = t - T0 * (T_mult**n - 1) // (T_mult - 1)
                T_i = T0 * T_mult**n
            return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / T_i))
        """,
        "Geometric-series cycle starts in exact integer arithmetic; t % T0 for T_mult = 1.",
    ),
    _m(
        SGDR,
        "log_then_fix",
        "alt",
        """
        def cosine_with_restarts(t, lr0, T0, T_mult=1, lr_min=0.0):
            if not float(t).is_integer() or t < 0:
                raise ValueError(f"bad step {t}")
            if min(lr0, lr_min) < 0:
                raise ValueError("lr0 and lr_min must be >= 0")
            if not float(T0).is_integer() or T0 < 1:
                raise ValueError(f"T0 must be a positive integer, got {T0}")
            if not float(T_mult).is_integer() or T_mult < 1:
                raise ValueError(f"T_mult must be a positive integer, got {T_mult}")
            t, T0, T_mult = int(t), int(T0), int(T_mult)
            if T_mult == 1:
                n = t // T0
                start, T_i = n * T0, T0
            else:
                n = int(math.log(t / T0 * (T_mult - 1) + 1, T_mult))
                # the float log may be off by one at cycle boundaries: fix it exactly
                while n > 0 and T0 * (T_mult**n - 1) // (T_mult - 1) > t:
                    n -= 1
                while T0 * (T_mult ** (n + 1) - 1) // (T_mult - 1) <= t:
                    n += 1
                start = T0 * (T_mult**n - 1) // (T_mult - 1)
                T_i = T0 * T_mult**n
            cos = math.cos(math.pi * (t - start) / T_i)
            return float(lr_min + (lr0 - lr_min) * (1 + cos) / 2)
        """,
        "torch's float-log cycle index, then corrected with integer cycle bounds.",
    ),
    _m(
        SGDR,
        "helper_boundaries",
        "alt",
        """
        def _cosine_with_restarts_cycle(t, T0, T_mult):
            start, length = 0, T0
            if T_mult == 1:
                start = (t // T0) * T0
            while t >= start + length:
                start += length
                length *= T_mult
            return t - start, length


        def cosine_with_restarts(t, lr0, T0, T_mult=1, lr_min=0.0):
            if t < 0:
                raise ValueError("t must be >= 0")
            if t % 1:
                raise ValueError("t must be an integer")
            if lr0 < 0 or lr_min < 0:
                raise ValueError("lr0 and lr_min must be >= 0")
            if T0 < 1 or T0 % 1:
                raise ValueError("T0 must be a positive integer")
            if T_mult < 1 or T_mult % 1:
                raise ValueError("T_mult must be a positive integer")
            t_cur, T_i = _cosine_with_restarts_cycle(int(t), int(T0), int(T_mult))
            return float(lr_min + (lr0 - lr_min) * 0.5 * (1.0 + np.cos(np.pi * t_cur / T_i)))
        """,
        "Private helper walking the cycle boundaries; np.cos.",
    ),
    _m(
        SGDR,
        "no_restart",
        "bug",
        _edit(_SGDR, (_SGDR_LOOP, "    t_cur = min(t_cur, T_i)\n")),
        "Plain cosine over T0 that never restarts. Exposed by t = T0 (gives lr_min, not lr0).",
    ),
    _m(
        SGDR,
        "T_mult_ignored",
        "bug",
        _edit(_SGDR, (_SGDR_LOOP, "    t_cur = t_cur % T_i\n")),
        "Every cycle lasts T0 (t % T0). Exposed by T_mult = 2, t = 2 T0 (mid-cycle, not a "
        "restart). Closed form, so it stays fast for huge t.",
    ),
    _m(
        SGDR,
        "float_log",
        "bug",
        _edit(
            _SGDR,
            (
                _SGDR_LOOP,
                """\
    t, T0, T_mult = int(t), int(T0), int(T_mult)
    if T_mult == 1:
        t_cur, T_i = t % T0, T0
    else:
        n = int(math.log(t / T0 * (T_mult - 1) + 1, T_mult))
        t_cur = t - T0 * (T_mult**n - 1) // (T_mult - 1)
        T_i = T0 * T_mult**n
""",
            ),
            ("    t_cur, T_i = int(t), int(T0)\n", ""),
        ),
        "torch's float log for the cycle index: picks the previous cycle at some exact "
        "boundaries. Exposed by T0 = 10, T_mult = 3, t = 10 * (3**5 - 1) / 2 = 1210 (gives "
        "lr_min, not lr0); also k = 10, 13, 15, ...",
    ),
    _m(
        SGDR,
        "late_restart",
        "bug",
        _edit(_SGDR, ("while t_cur >= T_i:", "while t_cur > T_i:")),
        "Restarts one step late (> instead of >=). Exposed by t = T0.",
    ),
    _m(
        SGDR,
        "multiply_before_subtract",
        "bug",
        _edit(
            _SGDR,
            (
                "        t_cur -= T_i\n        T_i *= int(T_mult)\n",
                "        T_i *= int(T_mult)\n        t_cur -= T_i\n",
            ),
        ),
        "Grows the cycle before subtracting its length. Exposed by T_mult = 2, t = T0.",
    ),
    _m(
        SGDR,
        "first_cycle_multiplied",
        "bug",
        _edit(_SGDR, ("t_cur, T_i = int(t), int(T0)", "t_cur, T_i = int(t), int(T0 * T_mult)")),
        "First cycle already T0 * T_mult long. Exposed by T_mult = 2, t = T0.",
    ),
    _m(
        SGDR,
        "inverted",
        "bug",
        _edit(_SGDR, ("(1 + math.cos(", "(1 - math.cos(")),
        "(1 - cos) / 2: every cycle restarts at lr_min and climbs. Exposed by t = 0.",
    ),
    _m(
        SGDR,
        "no_lr_min",
        "bug",
        _edit(_SGDR, ("lr_min + (lr0 - lr_min) * ", "lr0 * ")),
        "Ignores lr_min. Exposed by `lr_min=0.001`, t = T0 - 1.",
    ),
    _m(
        SGDR,
        "T_mult_not_int_checked",
        "bug",
        _edit(
            _SGDR,
            (
                "if T_mult < 1 or T_mult != int(T_mult):",
                "if T_mult < 1:",
            ),
        ),
        "Only checks T_mult >= 1: T_mult = 1.5 returns a value. Exposed by `bad-T_mult` (1.5).",
    ),
    _m(
        SGDR,
        "no_t_check",
        "bug",
        _edit(_SGDR, (_T_CHECK, "")),
        "Negative t accepted (no cycle, cos of a negative angle). Exposed by `bad-t`.",
    ),
]


# --------------------------------------------------------------------------------------
# with_warmup(schedule, warmup_steps)
# --------------------------------------------------------------------------------------

_WARMUP = """
def with_warmup(schedule, warmup_steps):
    if not callable(schedule):
        raise ValueError("schedule must be a function of the step t")
    if warmup_steps < 1 or warmup_steps != int(warmup_steps):
        raise ValueError(f"warmup_steps must be a positive integer, got {warmup_steps}")

    def warmed(t):
        if t < 0 or t != int(t):
            raise ValueError(f"t must be a non-negative integer step, got {t}")
        if t < warmup_steps:
            return float(schedule(0) * t / warmup_steps)
        return float(schedule(t - warmup_steps))

    return warmed
"""

_WARMUP_STEPS_CHECK = """\
    if warmup_steps < 1 or warmup_steps != int(warmup_steps):
        raise ValueError(f"warmup_steps must be a positive integer, got {warmup_steps}")
"""

_WARMED_T_CHECK = """\
        if t < 0 or t != int(t):
            raise ValueError(f"t must be a non-negative integer step, got {t}")
"""

_WITH_WARMUP = [
    _m(
        WW,
        "lambda_and_helper",
        "alt",
        """
        def _with_warmup_lr(schedule, warmup_steps, t):
            if t < 0 or int(t) != t:
                raise ValueError("t must be a non-negative integer")
            if t >= warmup_steps:
                return schedule(t - warmup_steps)
            return schedule(0) * t / warmup_steps


        def with_warmup(schedule, warmup_steps):
            if not callable(schedule):
                raise ValueError("schedule must be a function of the step t")
            if warmup_steps < 1 or int(warmup_steps) != warmup_steps:
                raise ValueError("warmup_steps must be a positive integer")
            return lambda t: _with_warmup_lr(schedule, warmup_steps, t)
        """,
        "Returns a lambda around a private helper.",
    ),
    _m(
        WW,
        "functools_partial",
        "alt",
        """
        def _with_warmup_step(schedule, warmup_steps, t):
            if not float(t).is_integer() or t < 0:
                raise ValueError(f"bad step {t}")
            if t < warmup_steps:
                return float(schedule(0)) * (t / warmup_steps)
            return float(schedule(t - warmup_steps))


        def with_warmup(schedule, warmup_steps):
            import functools

            if not callable(schedule):
                raise ValueError("schedule must be callable")
            if not float(warmup_steps).is_integer() or warmup_steps < 1:
                raise ValueError(f"warmup_steps must be a positive integer, got {warmup_steps}")
            return functools.partial(_with_warmup_step, schedule, int(warmup_steps))
        """,
        "functools.partial of a module-level helper; lr0 * (t / w) order of operations.",
    ),
    _m(
        WW,
        "numpy_interp",
        "alt",
        """
        def with_warmup(schedule, warmup_steps):
            if not callable(schedule):
                raise ValueError("schedule must be a function")
            if warmup_steps < 1 or warmup_steps % 1:
                raise ValueError("warmup_steps must be a positive integer")
            w = int(warmup_steps)

            def g(t):
                if t < 0:
                    raise ValueError("t must be >= 0")
                if t % 1:
                    raise ValueError("t must be an integer")
                if t >= w:
                    return schedule(t - w)
                return float(np.interp(t, [0, w], [0.0, schedule(0)]))

            return g
        """,
        "np.interp from 0 to schedule(0) over the warmup, a closure over int(warmup_steps).",
    ),
    _m(
        WW,
        "scales_schedule_t",
        "bug",
        _edit(_WARMUP, ("schedule(0) * t", "schedule(t) * t")),
        "Ramps schedule(t) instead of schedule(0). Exposed by `decaying`, t = 5, "
        "warmup_steps = 10.",
    ),
    _m(
        WW,
        "no_shift",
        "bug",
        _edit(_WARMUP, ("schedule(t - warmup_steps)", "schedule(t)")),
        "The wrapped schedule does not start after the warmup. Exposed by `decaying`, "
        "t = warmup_steps.",
    ),
    _m(
        WW,
        "no_shift_continuous",
        "bug",
        _edit(
            _WARMUP,
            ("schedule(0) * t", "schedule(warmup_steps) * t"),
            ("schedule(t - warmup_steps)", "schedule(t)"),
        ),
        "Ramps to schedule(warmup_steps) and continues with schedule(t) (no shift). Exposed "
        "by `decaying`, t = warmup_steps.",
    ),
    _m(
        WW,
        "ramp_t_plus_one",
        "bug",
        _edit(_WARMUP, ("* t / warmup_steps", "* (t + 1) / warmup_steps")),
        "Ramp (t + 1) / warmup_steps: nonzero at t = 0. Exposed by t = 0.",
    ),
    _m(
        WW,
        "floor_ramp",
        "bug",
        _edit(_WARMUP, ("schedule(0) * t / warmup_steps", "schedule(0) * (t // warmup_steps)")),
        "Integer division t // warmup_steps: zero for the whole warmup. Exposed by t = 5, "
        "warmup_steps = 10.",
    ),
    _m(
        WW,
        "default_shadows_warmup",
        "bug",
        _edit(_WARMUP, ("def warmed(t):", "def warmed(t, warmup_steps=10):")),
        "The inner function's leftover default warmup_steps=10 shadows the argument. "
        "Exposed by warmup_steps = 5, t = 5.",
    ),
    _m(
        WW,
        "returns_ramp_list",
        "bug",
        """
        def with_warmup(schedule, warmup_steps):
            if not callable(schedule):
                raise ValueError("schedule must be a function of the step t")
            if warmup_steps < 1 or warmup_steps != int(warmup_steps):
                raise ValueError(f"warmup_steps must be a positive integer, got {warmup_steps}")
            return [schedule(0) * t / warmup_steps for t in range(int(warmup_steps))]
        """,
        "Returns the list of warmup rates instead of a schedule function. Exposed by any "
        "call g(t) (TypeError).",
    ),
    _m(
        WW,
        "lazy_check",
        "bug",
        """
        def with_warmup(schedule, warmup_steps):
            if not callable(schedule):
                raise ValueError("schedule must be a function of the step t")

            def warmed(t):
                if t < 0 or t != int(t):
                    raise ValueError(f"t must be a non-negative integer step, got {t}")
                if warmup_steps < 1 or warmup_steps != int(warmup_steps):
                    raise ValueError(f"warmup_steps must be a positive integer, got {warmup_steps}")
                if t < warmup_steps:
                    return float(schedule(0) * t / warmup_steps)
                return float(schedule(t - warmup_steps))

            return warmed
        """,
        "Validates warmup_steps only when g is called: with_warmup(s, 0) returns. Exposed by "
        "`bad-warmup_steps`.",
    ),
    _m(
        WW,
        "no_warmup_steps_check",
        "bug",
        _edit(_WARMUP, (_WARMUP_STEPS_CHECK, "")),
        "No warmup_steps validation. Exposed by `bad-warmup_steps`.",
    ),
    _m(
        WW,
        "no_t_check",
        "bug",
        _edit(_WARMUP, (_WARMED_T_CHECK, "")),
        "g(-1) returns -schedule(0) / warmup_steps. Exposed by `bad-t` on g.",
    ),
]


MUTANTS: list[Mutant] = [
    *_STEP_DECAY,
    *_MULTISTEP_DECAY,
    *_COSINE_DECAY,
    *_LINEAR_DECAY,
    *_INVERSE_SQRT,
    *_COSINE_WITH_RESTARTS,
    *_WITH_WARMUP,
]


# Bugs with one slip in one concern: they keep the points of the concerns they do not touch
# (tests/test_assignments.py, test_one_slip_costs_once). (target, name) pairs. The hidden
# cells of each function test values (ordinary steps), edge cases (t = 0, t = T and past it,
# drops, milestones, restarts, defaults) and raises apart, and with_warmup's independent
# schedules on their own; so a boundary bug (cosine_decay no_clamp, the SGDR late_restart)
# keeps the values points, a missing check keeps everything else, and a formula bug keeps
# the raises points when it is right at the ordinary step that each raises cell checks
# first (so that no trick earns them, tests/mutants/tricks.py). Left out, as they cost
# every point: formula bugs wrong at every ordinary step (step_decay float_division,
# extra_power, ceil_intervals, divides_by_gamma; cosine_decay half_period, missing_half;
# linear_decay T_plus_one, t_plus_one; inverse_sqrt one_based_step, max_not_min), the ramp
# bugs of with_warmup (ramp_t_plus_one, floor_ramp: wrong at every step of the ramp, where
# its raises cell checks g first), and returns_ramp_list, whose g is not a function.
PARTIAL: tuple[tuple[str, str], ...] = (
    *((SD, n) for n in ("t_plus_one", "gamma_times_count", "no_step_size_check", "no_t_check")),
    *((MS, n) for n in ("strict_less", "bisect_left", "searchsorted_left", "gamma_times_count")),
    *((MS, n) for n in ("decays_once", "sorts_silently", "no_sort_check", "no_t_check")),
    *((CD, n) for n in ("no_clamp", "clamp_T_minus_1", "inverted", "no_lr_min")),
    *((CD, n) for n in ("lr_min_added", "no_T_check", "no_t_check")),
    *((LD, n) for n in ("no_clamp", "integer_division", "no_lr_min", "floor_at_lr_min")),
    *((LD, n) for n in ("no_T_check", "no_t_check")),
    *((IS, n) for n in ("ignores_warmup", "no_zero_case", "warmup_pow_half", "no_sqrt_warmup")),
    *((IS, n) for n in ("no_warmup_check", "no_t_check")),
    *((SGDR, n) for n in ("no_restart", "T_mult_ignored", "float_log", "late_restart")),
    *((SGDR, n) for n in ("multiply_before_subtract", "first_cycle_multiplied", "inverted")),
    *((SGDR, n) for n in ("no_lr_min", "T_mult_not_int_checked", "no_t_check")),
    *((WW, n) for n in ("scales_schedule_t", "no_shift", "no_shift_continuous")),
    *((WW, n) for n in ("default_shadows_warmup", "lazy_check", "no_warmup_steps_check")),
    (WW, "no_t_check"),
)
