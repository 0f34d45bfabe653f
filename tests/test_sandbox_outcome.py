"""nncourse.sandbox.outcome: what an execution's facts say, as status and detail. Pure
functions, so every rule is checked here with plain values, no kernel."""

import nbformat.v4 as v4
import pytest

from nncourse.sandbox import kernel
from nncourse.sandbox.outcome import (
    STOPPED_ENAME,
    Observed,
    cell_name,
    classify,
    describe_exit,
    fresh,
    mark_not_run,
    where,
)

LIMITS = dict(timeout=60, memory_mb=1024, output_mb=8, max_procs=32)
IN_CELL_2 = "while running cell 2 (adam)"


def status(cell_timeout=None, **facts):
    facts.setdefault("where", IN_CELL_2)
    return classify(Observed(**facts), **LIMITS, cell_timeout=cell_timeout)


def test_a_clean_run_is_ok_with_nothing_to_say():
    assert status() == ("ok", "")


MEMORY = "memory limit of 1024 MB exceeded:"
OOM = f"{MEMORY} the OOM killer ended"
RULES = {
    "timeout": (
        dict(timed_out=True),
        "timeout",
        f"killed after 60 s (whole-notebook timeout) {IN_CELL_2}",
    ),
    "oom": (dict(oom_kills=2), "memory", f"{OOM} 2 process(es) of the notebook"),
    "oom-while-dying": (
        dict(oom_kills=1, kernel_died=True),
        "memory",
        f"{OOM} 1 process(es) {IN_CELL_2}",
    ),
    "flood": (
        dict(flooded=True),
        "error",
        f"killed {IN_CELL_2}: the notebook sent more than 8 MB of output",
    ),
    "garbled": (
        dict(garbled=True),
        "error",
        f"stopped {IN_CELL_2}: a message from the kernel could not be read (cut short for"
        " being over the 8 MB output cap, or not signed by the kernel)",
    ),
    "exit": (
        dict(kernel_died=True, exit_code=1),
        "error",
        f"kernel died {IN_CELL_2} (exit code 1)",
    ),
    "signal": (
        dict(kernel_died=True, exit_code=139),
        "error",
        f"kernel died {IN_CELL_2} (signal SIGSEGV)",
    ),
    "silent": (dict(no_answer=True), "error", f"no answer from the kernel {IN_CELL_2}"),
    "client-error": (dict(error="KeyError: 'state'"), "error", f"KeyError {IN_CELL_2}: 'state'"),
    "memory-error": (dict(memory_error_in="cell 3"), "memory", f"{MEMORY} MemoryError in cell 3"),
    "cell-timeout": (
        dict(cell_timeouts=("cell 1", "cell 4"), cell_timeout=2.5),
        "timeout",
        "per-cell timeout of 3 s: interrupted cell 1, cell 4",
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_each_rule(rule):
    facts, *expected = RULES[rule]
    assert status(**facts) == tuple(expected)


def test_the_first_rule_that_applies_wins():
    """A notebook killed by the deadline while flooding, after a MemoryError: timeout."""
    everything = dict(flooded=True, memory_error_in="cell 1", cell_timeouts=("cell 1",))
    assert status(timed_out=True, **everything)[0] == "timeout"
    assert status(oom_kills=1, **everything)[0] == "memory"
    assert status(**everything)[1].endswith("more than 8 MB of output")
    assert status(kernel_died=True, memory_error_in="cell 1")[0] == "error"


def test_an_exit_code_alone_is_not_a_failure():
    """The kernel ended after the last cell answered: every cell ran."""
    assert status(exit_code=0) == ("ok", "")


def test_a_kernel_that_never_started_shows_the_last_line_of_its_log():
    seen = dict(where="during kernel start-up", started=False, kernel_died=True, exit_code=1)
    assert status(**seen, log_tail="launcher broken") == (
        "error",
        "kernel failed to start (exit code 1): launcher broken",
    )
    assert status(**seen) == ("error", "kernel failed to start (exit code 1)")


def test_the_process_limit_is_added_to_whatever_happened():
    assert status(fork_failures=7) == ("ok", "process limit (32) reached")
    assert status(fork_failures=1, timed_out=True)[1].endswith("; process limit (32) reached")


def test_a_long_client_error_is_capped():
    assert len(status(error="RuntimeError: " + "x" * 1000)[1]) == 300


@pytest.mark.parametrize(
    "code, sandboxed, expected",
    [
        (None, True, "no exit status"),
        (0, True, "exit code 0"),
        (3, False, "exit code 3"),
        (-11, False, "signal SIGSEGV"),
        (137, True, "signal SIGKILL"),  # bwrap: 128 + signal
        (137, False, "exit code 137"),  # a plain kernel's own exit code
        (-99, False, "signal 99"),
    ],
)
def test_describe_exit(code, sandboxed, expected):
    assert describe_exit(code, sandboxed) == expected


def test_cells_are_named_from_1_with_their_grade_id():
    nb = v4.new_notebook(cells=[v4.new_code_cell("1"), v4.new_code_cell("2")])
    nb.cells[1].metadata["nbgrader"] = {"grade_id": "sgd_hidden"}
    assert (cell_name(nb, 0), cell_name(nb, 1)) == ("cell 1", "cell 2 (sgd_hidden)")
    assert where(nb, 1) == "while running cell 2 (sgd_hidden)"
    assert where(nb, None) == "during kernel start-up"


def test_cells_that_did_not_finish_can_never_pass_as_tests():
    nb = v4.new_notebook(cells=[v4.new_code_cell("a"), v4.new_markdown_cell("m")])
    nb.cells += [v4.new_code_cell("b"), v4.new_code_cell("c")]
    nb.cells[2].execution_count = 5
    mark_not_run(nb, 2, "timeout: killed")
    assert nb.cells[0].outputs == [] and nb.cells[1].get("outputs") is None
    stopped, after = nb.cells[2], nb.cells[3]
    assert stopped.execution_count is None and after.execution_count is None
    assert [o.ename for o in stopped.outputs + after.outputs] == [STOPPED_ENAME] * 2
    assert (stopped.outputs[0].evalue, after.outputs[0].evalue) == (
        "timeout: killed",
        "not run: timeout: killed",
    )


def test_submitted_outputs_never_survive():
    nb = v4.new_notebook(cells=[v4.new_code_cell("print(1)")])
    nb.cells[0].outputs = [v4.new_output("stream", text="forged")]
    nb.cells[0].execution_count = 7
    copy = fresh(nb)
    assert copy.cells[0].outputs == [] and copy.cells[0].execution_count is None
    assert nb.cells[0].execution_count == 7  # the caller's notebook is left alone


def test_binary_buffers_count_against_the_output_cap():
    """Comm (widget) buffers travel outside ``content``: they must be counted too."""
    small = {"content": {"data": {}}}
    with_buffers = {**small, "buffers": [b"x" * 1000, memoryview(b"y" * 24)]}
    assert kernel.message_bytes(with_buffers) - kernel.message_bytes(small) == 1024
