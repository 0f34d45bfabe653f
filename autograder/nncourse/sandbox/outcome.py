"""What happened to one execution, in words: a status and a detail from plain facts.

    classify(Observed(where="while running cell 2", timed_out=True, ...), limits)
        -> ("timeout", "killed after 300 s (whole-notebook timeout) while running cell 2")

The kernel driver (``kernel.py``) records what it saw as an ``Observed`` of plain values
(flags, counters, exit code, cell names); ``classify`` turns it into ``(status, detail)``.
Everything here is a pure function of its arguments (no I/O, no clock, no processes), so
each rule is unit-tested with plain inputs.

``status`` is:

- ``ok``: every cell ran (a cell may still have failed: that is a failing test, not a
  failed execution);
- ``error``: the kernel died (``os._exit``, a segfault, a signal) or could not start, or
  the notebook sent more than ``Limits.output_mb`` of output and was killed, or a message
  came that the grader could not read (``garbled``: its signature does not match);
- ``timeout``: the whole-notebook wall clock ran out and the kernel was killed, or a cell
  overran ``cell_timeout`` and was interrupted (the next cells still ran);
- ``memory``: the memory limit was hit: a ``MemoryError`` in a cell, or the OOM killer
  ended a process of the notebook.

When several things went wrong, the first rule that applies wins, in this order: the
whole-notebook timeout, an OOM kill, the output cap, an unreadable message, a dead or
silent kernel, a
``MemoryError``, a per-cell timeout. Hitting the process limit is added to the detail of
whatever status results (a fork bomb that the limit held need not stop the notebook).

Scoring rule for the caller: every code cell that did not run to completion carries an
error output, so a test cell passes only if it really ran without error (nbgrader's rule,
which awards the points of a test cell that has no error output). The error is the
cell's own exception; ``CellTimeoutError`` for a cell interrupted by ``cell_timeout``
(and for cells queued behind one that ignored the interrupt); or ``ExecutionStopped``
(``STOPPED_ENAME``) with ``execution_count`` None for the cell that was running when the
kernel died or was killed and for every cell after it (``mark_not_run``). Outputs that
came with the submission never survive (``fresh``).
"""

from __future__ import annotations

import copy
import math
import signal
from dataclasses import dataclass, field

from nbformat import NotebookNode

STATUSES = ("ok", "error", "timeout", "memory")
STOPPED_ENAME = "ExecutionStopped"  # error output of cells the kernel did not finish
DETAIL_CHARS = 300  # longest detail made from an exception's text


@dataclass
class Execution:
    """What happened to one notebook; see the module docstring for ``status``."""

    nb: NotebookNode  # the executed copy: outputs of the cells that ran
    status: str  # ok | error | timeout | memory
    detail: str  # one line for people ("" when ok and nothing to say)
    seconds: float  # wall clock of the whole call, clean-up included
    sandboxed: bool  # True when the kernel ran inside bubblewrap
    warnings: list[str] = field(default_factory=list)  # missing isolation layers
    backend: str = ""  # what enforced the limits: "cgroup v1", "cgroup v2" or "none"


@dataclass(frozen=True)
class Observed:
    """Plain facts about one execution, as the kernel driver saw them."""

    where: str  # "while running cell 2 (adam)" or "during kernel start-up"
    started: bool = True  # a cell had started (False: the kernel never became ready)
    timed_out: bool = False  # the whole-notebook deadline killed it
    flooded: bool = False  # killed for sending more than output_mb
    garbled: bool = False  # a message arrived that its signature does not match
    oom_kills: int = 0  # processes the OOM killer ended (cgroup counter)
    fork_failures: int = 0  # forks refused by the process limit (cgroup counter)
    kernel_died: bool = False  # the run failed and the kernel process was found ended
    exit_code: int | None = None  # the kernel's Popen return code, if it had ended
    no_answer: bool = False  # the kernel stopped answering (a client-side timeout)
    error: str = ""  # any other failure of the client: "TypeName: message"
    memory_error_in: str = ""  # name of the first cell that raised MemoryError
    cell_timeouts: tuple[str, ...] = ()  # names of the cells cell_timeout interrupted
    log_tail: str = ""  # last line of the kernel's own log
    sandboxed: bool = True  # bwrap reports a signal as exit code 128 + n


def classify(
    seen: Observed,
    *,
    timeout: float,
    memory_mb: int,
    output_mb: int,
    max_procs: int,
    cell_timeout: float | None = None,
) -> tuple[str, str]:
    """``(status, detail)`` of an execution; see the module docstring for the rules."""
    status, detail = _status(seen, timeout, memory_mb, output_mb, cell_timeout)
    if seen.fork_failures:
        detail = "; ".join(filter(None, [detail, f"process limit ({max_procs}) reached"]))
    return status, detail


def _status(seen, timeout, memory_mb, output_mb, cell_timeout) -> tuple[str, str]:
    if seen.timed_out:
        return "timeout", f"killed after {timeout:g} s (whole-notebook timeout) {seen.where}"
    if seen.oom_kills:
        return "memory", (
            f"memory limit of {memory_mb} MB exceeded: the OOM killer ended "
            f"{seen.oom_kills} process(es) {seen.where if _failed(seen) else 'of the notebook'}"
        )
    if seen.flooded:
        return "error", f"killed {seen.where}: the notebook sent more than {output_mb} MB of output"
    if seen.garbled:
        return "error", (
            f"stopped {seen.where}: a message from the kernel could not be read (cut short "
            f"for being over the {output_mb} MB output cap, or not signed by the kernel)"
        )
    if _failed(seen):
        return "error", _failure_detail(seen)
    if seen.memory_error_in:
        return "memory", (
            f"memory limit of {memory_mb} MB exceeded: MemoryError in {seen.memory_error_in}"
        )
    if seen.cell_timeouts:
        limit = math.ceil(cell_timeout) if cell_timeout else "?"
        return "timeout", (
            f"per-cell timeout of {limit} s: interrupted {', '.join(seen.cell_timeouts)}"
        )
    return "ok", ""


def _failed(seen: Observed) -> bool:
    return seen.kernel_died or seen.no_answer or bool(seen.error)


def _failure_detail(seen: Observed) -> str:
    if seen.kernel_died:
        how = describe_exit(seen.exit_code, seen.sandboxed)
        if not seen.started:
            return f"kernel failed to start ({how}): {seen.log_tail}".rstrip(": ")
        return f"kernel died {seen.where} ({how})"
    if seen.no_answer:
        return f"no answer from the kernel {seen.where}"
    name, _, message = seen.error.partition(": ")
    return f"{name} {seen.where}: {message}"[:DETAIL_CHARS]


def describe_exit(code: int | None, sandboxed: bool) -> str:
    """'exit code 1', 'signal SIGSEGV'... from a Popen return code (bwrap reports a signal
    that ended the command as 128 + signal number)."""
    if code is None:
        return "no exit status"
    signum = -code if code < 0 else (code - 128 if sandboxed and 128 < code < 160 else 0)
    if signum:
        try:
            return f"signal {signal.Signals(signum).name}"
        except ValueError:
            return f"signal {signum}"
    return f"exit code {code}"


def cell_name(nb: NotebookNode, index: int) -> str:
    """'cell 4' (counted from 1, as people do), with its nbgrader grade_id if any."""
    grade_id = nb.cells[index].get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {index + 1}" + (f" ({grade_id})" if grade_id else "")


def where(nb: NotebookNode, index: int | None) -> str:
    """Where an execution was when something happened: the running cell, or start-up."""
    return "during kernel start-up" if index is None else f"while running {cell_name(nb, index)}"


def fresh(nb: NotebookNode) -> NotebookNode:
    """A deep copy with every code cell's outputs and execution count cleared, so outputs
    that came with a submission can never pass for outputs of this run."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def mark_not_run(nb: NotebookNode, first: int, why: str) -> None:
    """Give every code cell from ``first`` on an execution count of None and an
    ``ExecutionStopped`` error output: a test cell that did not run to completion must
    never look like a test that passed (nbgrader awards the points of a test cell
    without an error output)."""
    for index in range(first, len(nb.cells)):
        cell = nb.cells[index]
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        text = why if index == first else f"not run: {why}"
        cell.outputs.append(
            NotebookNode(output_type="error", ename=STOPPED_ENAME, evalue=text, traceback=[text])
        )
