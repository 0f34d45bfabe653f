"""nnkit.schedules against their written formulas, as tables of (t, lr)."""

import math

import pytest

from nnkit import schedules as S


@pytest.mark.parametrize(
    "t, expected",
    [(0, 0.1), (9, 0.1), (10, 0.1 * 0.5), (19, 0.05), (20, 0.1 * 0.25), (35, 0.1 * 0.125)],
)
def test_step_decay_table(t, expected):
    assert S.step_decay(t, 0.1, step_size=10, gamma=0.5) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "t, expected",
    [(0, 1.0), (29, 1.0), (30, 0.1), (59, 0.1), (60, 0.01), (90, 0.001), (500, 0.001)],
)
def test_multistep_resnet_table(t, expected):
    assert S.multistep_decay(t, 1.0, [30, 60, 90]) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("t", [0, 1, 25, 50, 99, 100, 150])
def test_cosine_decay_formula(t):
    T, lr0, lr_min = 100, 0.2, 0.01
    expected = lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * min(t, T) / T)) / 2
    assert S.cosine_decay(t, lr0, T, lr_min) == pytest.approx(expected, rel=1e-12)
    assert S.cosine_decay(50, 1.0, 100) == pytest.approx(0.5)


@pytest.mark.parametrize("t, expected", [(0, 1.0), (25, 0.75), (100, 0.0), (200, 0.0)])
def test_linear_decay_table(t, expected):
    assert S.linear_decay(t, 1.0, 100) == pytest.approx(expected, abs=1e-15)
    assert S.linear_decay(t, 1.0, 100, lr_min=0.1) == pytest.approx(0.1 + 0.9 * expected)


def test_inverse_sqrt_peaks_at_warmup():
    lr0, warmup = 0.5, 16
    assert S.inverse_sqrt(0, lr0, warmup) == 0.0
    assert S.inverse_sqrt(warmup, lr0, warmup) == pytest.approx(lr0)
    assert S.inverse_sqrt(4, lr0, warmup) == pytest.approx(lr0 * 4 / 16)  # linear rise
    assert S.inverse_sqrt(64, lr0, warmup) == pytest.approx(lr0 * math.sqrt(16 / 64))
    values = [S.inverse_sqrt(t, lr0, warmup) for t in range(1, 200)]
    assert max(values) == pytest.approx(lr0)


def sgdr_oracle(t, lr0, T0, T_mult, lr_min):
    """Independent SGDR: list the cycle boundaries, then find the cycle holding t."""
    start, length = 0, T0
    while not start <= t < start + length:
        start, length = start + length, length * T_mult
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * (t - start) / length)) / 2


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_cosine_with_restarts_matches_oracle(T_mult):
    for t in range(0, 400):
        assert S.cosine_with_restarts(t, 0.1, 10, T_mult, 0.001) == pytest.approx(
            sgdr_oracle(t, 0.1, 10, T_mult, 0.001), rel=1e-12
        )


def test_cosine_with_restarts_restarts_exactly_at_cycle_starts():
    # T0 = 10, T_mult = 2: cycles start at 0, 10, 30, 70, 150
    for start in (0, 10, 30, 70, 150):
        assert S.cosine_with_restarts(start, 1.0, 10, 2) == 1.0
    assert S.cosine_with_restarts(20, 1.0, 10, 2) == pytest.approx(0.5)  # middle of cycle 2
    # far out, where a float log of the cycle index is fragile
    t = 10 * (2**40 - 1)
    assert S.cosine_with_restarts(t, 1.0, 10, 2) == 1.0


def sgdr_formula(t_cur, T_i, lr0, lr_min):
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / T_i)) / 2


def cycle_start(k, T0, T_mult):
    """S_k = T0 + T0 T_mult + ... + T0 T_mult**(k-1), summed term by term (no closed form)."""
    return sum(T0 * T_mult**i for i in range(k))


@pytest.mark.parametrize("T_mult", [1, 2, 3])
@pytest.mark.parametrize("T0", [1, 7, 10])
def test_cosine_with_restarts_is_exact_around_every_restart(T0, T_mult):
    # cycles up to about 10**28 steps for T_mult = 3, where a float log of the cycle index
    # is fragile and a loop over steps is impossible
    lr0, lr_min = 0.3, 0.01
    for k in range(60):
        S_k, T_k = cycle_start(k, T0, T_mult), T0 * T_mult**k
        assert S.cosine_with_restarts(S_k, lr0, T0, T_mult, lr_min) == lr0, (k, S_k)
        points = [(S_k + T_k // 2, T_k // 2, T_k), (S_k + T_k - 1, T_k - 1, T_k)]
        if T_k > 1:
            points.append((S_k + 1, 1, T_k))
        if k > 0:
            T_prev = T0 * T_mult ** (k - 1)
            points.append((S_k - 1, T_prev - 1, T_prev))  # the last step of the cycle before
        for t, t_cur, T_i in points:
            expected = sgdr_formula(t_cur, T_i, lr0, lr_min)
            got = S.cosine_with_restarts(t, lr0, T0, T_mult, lr_min)
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), (k, t)


@pytest.mark.parametrize("T_mult", [2, 3])
def test_cosine_with_restarts_matches_oracle_at_large_steps(T_mult):
    for t in [10**6 + 17, 123_456_789, 10**12, 10**15 - 1, 10**15, 3 * 10**15 + 5]:
        assert S.cosine_with_restarts(t, 0.1, 10, T_mult, 0.001) == pytest.approx(
            sgdr_oracle(t, 0.1, 10, T_mult, 0.001), rel=1e-12
        )


@pytest.mark.parametrize(
    "t, T0, t_cur",
    [
        (10**8, 10, 0),  # a restart
        (10**8 - 1, 10, 9),  # the last step of a cycle
        (10**8, 7, 2),  # 10**8 = 7 * 14285714 + 2
        (10**12, 10, 0),
        (10**12 + 5, 10, 5),
        (10**12, 7, 1),  # 10**12 = 7 * 142857142857 + 1
    ],
)
def test_cosine_with_restarts_with_equal_cycles_at_huge_steps(t, T0, t_cur):
    assert S.cosine_with_restarts(t, 0.2, T0, 1, 0.02) == pytest.approx(
        sgdr_formula(t_cur, T0, 0.2, 0.02), rel=1e-12
    )
    assert S.cosine_with_restarts(t, 0.2, T0) == pytest.approx(sgdr_formula(t_cur, T0, 0.2, 0.0))


def test_cosine_with_restarts_picks_the_cycle_a_float_log_misses():
    # cycle 5 of T0 = 10, T_mult = 3 starts at 1210, where log_3(1210 * 2 / 10 + 1) is
    # 4.999999999999999 in floating point (notebook 03, section 6)
    assert S.cosine_with_restarts(1210, 0.1, 10, 3) == 0.1
    # 1209 is the last step of cycle 4, which starts at 400 and lasts 810 steps
    expected = sgdr_formula(809, 810, 0.1, 0.0)
    assert S.cosine_with_restarts(1209, 0.1, 10, 3) == pytest.approx(expected)


def test_with_warmup_composes():
    base = S.bind(S.cosine_decay, lr0=0.1, T=100)
    g = S.with_warmup(base, 10)
    assert [g(t) for t in (0, 5)] == pytest.approx([0.0, 0.05])
    assert g(10) == pytest.approx(0.1)
    assert g(60) == pytest.approx(base(50))
    assert S.sample(g, 3) == [g(0), g(1), g(2)]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: S.step_decay(0, 0.1, 0), "step_size"),
        (lambda: S.step_decay(-1, 0.1, 10), "t must be >= 0"),
        (lambda: S.step_decay(1.5, 0.1, 10), "integer"),
        (lambda: S.multistep_decay(0, 0.1, [60, 30]), "sorted"),
        (lambda: S.cosine_decay(0, 0.1, 0), "T must be > 0"),
        (lambda: S.linear_decay(0, -0.1, 10), "lr0"),
        (lambda: S.inverse_sqrt(1, 0.1, 0), "warmup"),
        (lambda: S.cosine_with_restarts(0, 0.1, 0), "T0"),
        (lambda: S.cosine_with_restarts(0, 0.1, 10, 1.5), "T_mult"),
        (lambda: S.cosine_with_restarts(0, 0.1, 10, 0), "T_mult"),
        (lambda: S.with_warmup(lambda t: 0.1, 0), "warmup_steps"),
        (lambda: S.with_warmup(0.1, 5), "schedule"),
        (lambda: S.with_warmup(lambda t: 0.1, 5)(-2), "t must be >= 0"),
    ],
)
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
