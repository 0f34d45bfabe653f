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
