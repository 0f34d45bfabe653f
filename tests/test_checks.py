"""The messages students read when a test cell fails."""

import numpy as np
import pytest

from nnkit.checks import (
    check_array,
    check_pair,
    check_raises,
    check_scalar,
    check_shape,
    check_unchanged,
    describe,
)


def message(call) -> str:
    with pytest.raises(AssertionError) as info:
        call()
    return str(info.value)


def test_describe_names_shapes_and_values():
    text = describe(W=np.zeros((4, 4)), reg=0.5, f=np.sum)
    assert text == "W of shape (4, 4) (float64), reg=0.5, f=sum"


def test_describe_shows_small_inputs_by_value():
    x = np.array([[0.123456, -2.0], [3.0, 1e-7]])
    assert describe(x=x, y=np.array([2, 0, 1])) == "x=[[0.1235, -2], [3, 1e-07]], y=[2, 0, 1]"
    assert describe(W=np.zeros((3, 4))) == "W=[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]"
    assert describe(W=np.zeros((13,))) == "W of shape (13,) (float64)"


def test_numbers_that_look_alike_are_shown_until_they_differ():
    with pytest.raises(AssertionError) as err:
        check_scalar(0.047619047772, 0.047619048, "err", rtol=1e-9, atol=0)
    message = str(err.value)
    assert "expected 0.047619048, got 0.0476190478" in message
    assert "difference -2.28e-10, relative 4.8e-09" in message


def test_check_array_names_first_wrong_entry():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = expected.copy()
    got[1, 0] = 9.0
    text = message(lambda: check_array(got, expected, name="dW", inputs="reg=0.1"))
    assert "dW for input reg=0.1 is wrong at 1 of 4 entries" in text
    assert "dW[1, 0]: expected 3, got 9" in text
    check_array(expected + 1e-12, expected, name="dW")  # within tolerance: no error


def test_check_array_reports_shape_and_type_in_words():
    assert "has shape (4,), but it should have shape (2, 2)" in message(
        lambda: check_array(np.zeros(4), np.zeros((2, 2)), name="dW")
    )
    assert "should be a numpy array of shape (2,), but it is a list" in message(
        lambda: check_array([1.0, 2.0], np.zeros(2), name="dx")
    )


def test_check_array_flags_nan_with_a_hint():
    text = message(lambda: check_array(np.array([1.0, np.nan]), np.ones(2), name="dx"))
    assert "contains nan at dx[1]" in text and "overflow" in text


def test_check_scalar_cases():
    check_scalar(np.float64(2.0), 2.0)
    check_scalar(np.array([2.0]), 2.0)  # a one-entry array is accepted as a number
    assert "expected 2, got 2.5" in message(lambda: check_scalar(2.5, 2.0, name="loss"))
    assert "should be a single number, but it has shape (3,)" in message(
        lambda: check_scalar(np.ones(3), 1.0, name="loss")
    )
    assert "should be a number, but it is a str" in message(lambda: check_scalar("x", 1.0))
    assert "is inf" in message(lambda: check_scalar(np.inf, 1.0, name="loss"))


def test_check_shape_and_pair():
    check_shape(np.zeros((2, 3)), (2, 3))
    assert "has shape (3, 2)" in message(lambda: check_shape(np.zeros((3, 2)), (2, 3)))
    assert check_pair((1, 2)) == (1, 2)
    assert "returned a float" in message(lambda: check_pair(1.0, name="svm_loss_naive"))
    assert "a tuple of length 3" in message(lambda: check_pair((1, 2, 3)))


def test_check_unchanged_points_at_the_changed_entry():
    before = np.arange(4.0)
    after = before.copy()
    after[2] += 1e-5
    text = message(lambda: check_unchanged(before, after, name="x"))
    assert "modified its input x" in text and "entry x[2] changed" in text
    check_unchanged(before, before.copy())


def test_check_raises():
    def bad(value):
        if value < 0:
            raise ValueError("negative")
        return value

    check_raises(bad, ValueError, -1)
    assert "returned normally" in message(lambda: check_raises(bad, ValueError, 1))
    assert "raised TypeError" in message(lambda: check_raises(bad, ValueError, "a"))


def test_check_unchanged_forgives_round_off_only_when_asked():
    x = np.array([0.1, 0.7, -0.3])
    roundtrip = x.copy()
    roundtrip += 1e-5
    roundtrip -= 2e-5
    roundtrip += 1e-5
    assert not np.array_equal(x, roundtrip)  # the classic += h, -= 2h, += h drift
    check_unchanged(x, roundtrip, rtol=1e-12)
    message(lambda: check_unchanged(x, roundtrip))
    assert "entry x[0] changed" in message(lambda: check_unchanged(x, x + 1e-5, rtol=1e-12))
    check_unchanged(np.array([1, 2]), np.array([1, 2]))


def test_a_failed_check_shows_no_frame_of_nnkit():
    """In Jupyter (Validate, the student's own runs), a failing visible test shows the
    message, not the frames of nnkit.checks; the kernel still reports an AssertionError.
    Guards nnkit.checks.case.failed's use of IPython's ``_render_traceback_``."""
    import re

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import numpy as np\nfrom nnkit.checks import Case, check\n"
            "def sgd(w, dw, config=None):\n    return w, config"
        ),
        nbformat.v4.new_code_cell(
            "check(Case(sgd, np.ones(3), np.ones(3), {'learning_rate': 0.1},\n"
            "           returns=('w', 'config')).like_reference('w'))"
        ),
    ]
    NotebookClient(nb, allow_errors=True, timeout=60).execute()
    [error] = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))
    assert error.ename == "AssertionError"
    assert "expected 0.9, got 1" in error.evalue
    assert text == f"AssertionError: {error.evalue}"
    assert "nnkit" not in text and "case.py" not in text
