"""nncourse.judge on a real notebook's plan, with the kernel's side played by this test:
the right data passes, and nothing else a kernel can send (nothing, garbage, a message
about another cell, a fake "passed", huge or deep data) passes a test."""

import copy
import json

import nbformat
import pytest

from nncourse.execution import probe_source, worker_notebook
from nncourse.judge import MIME, Plan, PlanError, Verdict, collect_cases, with_hints
from nncourse.mutate import solved_submission
from nnkit.answers import reference
from nnkit.checks import wire
from nnkit.checks.run import run_case
from nnkit.validation import Finding
from tests import harness

A = "02_minibatch_sgd"


@pytest.fixture(scope="module")
def plan():
    return Plan.from_notebook(harness.read("solutions", A))


def honest_messages(plan, resolve=reference) -> dict:
    """What an honest kernel sends: each cell's cases run on correct functions."""
    return {
        grade_id: {"cell": grade_id, "cases": [run_case(p, resolve) for p in cell.programs]}
        for grade_id, cell in plan.cells.items()
    }


def executed(messages: dict, extra_outputs=()) -> dict:
    """An executed worker notebook whose probe cells carry these messages."""
    cells = []
    for grade_id, message in messages.items():
        outputs = [*extra_outputs]
        if message is not None:
            outputs.append({"output_type": "display_data", "data": {MIME: message}})
        meta = {"nbgrader": {"grade_id": grade_id, "grade": True, "points": 1}}
        cells.append({"cell_type": "code", "metadata": meta, "outputs": outputs})
    return {"cells": cells}


def test_the_payload_holds_inputs_but_no_expected_value_or_test_code(plan):
    payload = plan.payload()
    source = harness.read("solutions", A)
    hidden = [c.source for c in source.cells if "BEGIN HIDDEN TESTS" in c.source]
    assert hidden and not any(line.strip() in payload for c in hidden for line in
                              c.splitlines() if len(line.strip()) > 25)  # fmt: skip
    assert "like_reference" not in payload and "expect" not in payload
    assert json.loads(payload)["cells"].keys() == plan.cells.keys()


def test_honest_data_passes_every_cell(plan):
    verdicts = plan.judge(executed(honest_messages(plan)))
    assert all(v.passed for v in verdicts.values()), verdicts


def test_a_missing_probe_is_not_run_with_the_reason(plan):
    messages = honest_messages(plan)
    messages["adam_hidden"] = None
    verdicts = plan.judge(executed(messages), reason="timeout: killed after 300 s")
    assert not verdicts["adam_hidden"].passed
    assert verdicts["adam_hidden"].ename == "NotGraded"
    assert "did not run: timeout: killed after 300 s" in verdicts["adam_hidden"].message
    assert verdicts["adam_visible"].passed


def forged(plan, change) -> dict:
    messages = honest_messages(plan)
    messages["sgd_hidden"] = change(copy.deepcopy(messages["sgd_hidden"]))
    return plan.judge(executed(messages))["sgd_hidden"]


@pytest.mark.parametrize(
    "change",
    [
        lambda m: {"cell": "sgd_hidden", "cases": []},  # fewer cases
        lambda m: {"cell": "sgd_hidden", "cases": m["cases"] * 2},  # more cases
        lambda m: {"cell": "sgd_hidden", "passed": True},
        lambda m: "passed",
        lambda m: {**m, "cell": "sgd_visible"},  # about another cell
        lambda m: {"cell": "sgd_hidden", "cases": [{"steps": "ok"}] * len(m["cases"])},
        lambda m: {"cell": "sgd_hidden", "cases": [{"verdict": "pass"}] * len(m["cases"])},
    ],
    ids=["fewer", "more", "claims-passed", "text", "other-cell", "bad-steps", "verdict-key"],
)
def test_forged_or_malformed_messages_never_pass(plan, change):
    assert not forged(plan, change).passed


def test_wrong_values_fail_even_when_the_structure_is_right(plan):
    def wrong(message):
        for case in message["cases"]:
            for entry in case["want"]:
                value = entry.get("value")
                if isinstance(value, dict) and "nd" in value:
                    entry["value"] = wire.encode(wire.decode(value) + 1e-3)
        return message

    verdict = forged(plan, wrong)
    assert not verdict.passed and "next_w" in verdict.message


def test_deep_or_huge_data_fails_the_case_and_nothing_else(plan):
    inner = []
    for _ in range(5000):
        inner = [inner]
    huge = {"nd": {"dtype": "<f8", "shape": [2**31, 2**31], "b64": ""}}
    messages = honest_messages(plan)
    for case, value in zip(messages["sgd_hidden"]["cases"], [inner, huge] * 9, strict=False):
        case["want"][0] = {"value": value}
    verdicts = plan.judge(executed(messages))
    assert not verdicts["sgd_hidden"].passed
    assert all(v.passed for g, v in verdicts.items() if g != "sgd_hidden")


def test_printed_or_displayed_claims_do_not_count(plan):
    """Outputs other than the runner's message (text saying "passed", a result for
    another cell) are ignored; the first message about the cell is the one judged."""
    messages = honest_messages(plan)
    noise = [
        {"output_type": "stream", "name": "stdout", "text": "All visible tests passed.\n"},
        {"output_type": "execute_result", "data": {"text/plain": "1"}, "execution_count": 1},
    ]
    wrong_first = copy.deepcopy(messages)
    wrong_first["sgd_hidden"]["cases"] = []
    nb = executed({"sgd_hidden": wrong_first["sgd_hidden"]}, extra_outputs=noise)
    nb["cells"][0]["outputs"].append({"output_type": "display_data",
                                      "data": {MIME: messages["sgd_hidden"]}})  # fmt: skip
    assert not plan.judge(nb)["sgd_hidden"].passed
    nb = executed({"adam_hidden": None}, extra_outputs=noise)
    assert not plan.judge(nb)["adam_hidden"].passed


def test_the_worker_notebook_carries_probes_not_tests():
    release, solution = harness.read("assignments", A), harness.read("solutions", A)
    nb = worker_notebook(solved_submission(release, solution), solution, release)
    test_ids = [c.metadata["nbgrader"]["grade_id"] for c in harness.test_cells(solution)]
    probes = [c for c in nb.cells if c.metadata["nbgrader"].get("grade")]
    assert [c.source for c in probes] == [probe_source(g) for g in test_ids]
    text = nbformat.writes(nb)
    assert "BEGIN HIDDEN TESTS" not in text and "like_reference" not in text
    assert nb.cells[0].source.startswith("from nnkit.checks.sealed import install")


def test_a_test_cell_that_states_no_case_or_breaks_is_the_instructors_error():
    with pytest.raises(PlanError, match="states no case"):
        collect_cases("x = 1", {"sgd"}, "sgd_visible")
    with pytest.raises(PlanError, match="cannot be read: NameError"):
        collect_cases("check(Case(adam_typo, 1, 2))", {"sgd"}, "sgd_visible")


def test_a_name_error_of_a_scratch_cell_name_says_where_it_is_defined():
    finding = Finding("helper", False, (3,), (4,), ("step_decay",), "cell 4 of 9", "")
    failed = "step_decay for input t=0 raised NameError: name 'helper' is not defined."
    verdicts = {
        "a": Verdict(False, failed, "NameError"),
        "b": Verdict(
            False, "step_decay raised NameError: name 'other' is not defined.", "NameError"
        ),
        "c": Verdict(False, "expected 0.1, got 0.2 ('helper')", "AssertionError"),
        "d": Verdict(True),
    }
    out = with_hints(verdicts, [finding])
    assert out["a"] == Verdict(False, f"{failed} {finding.message}", "NameError")
    assert "`helper` is defined in a cell that is not a solution cell" in out["a"].message
    assert {g: out[g] for g in "bcd"} == {g: verdicts[g] for g in "bcd"}
    assert with_hints(verdicts, []) == verdicts
