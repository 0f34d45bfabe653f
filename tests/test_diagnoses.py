"""Diagnoses name the cause of a catalog bug, and only a cause that fits.

Every bug of a notebook's mutation catalog is run, in this process, on every case of its
function's test cells (the instructor's, hidden ones included), and judged as the grader
judges (``Plan.judge_cell``: reference outcomes, ``judge``, ``diagnose``). A bug in a
method of a graded class (``TwoLayerNet.loss``) runs as nnkit's class with that method
replaced, its layer calls going to nnkit's layers, as the solution's would. A bug with a
registered cause of its own name must have that cause named in some failed cell, and
only causes of its own function or method are ever named; no correct alternative may
fail (so none is diagnosed). The share of the catalog's bugs whose cause is named is
printed: the diagnosis rate. (tests/test_assignments.py checks the same through the
whole grading pipeline.)
"""

import json
import math
from collections import Counter

import numpy as np
import pytest

from nncourse.diagnoses import causes_for
from nncourse.judge import Plan
from nnkit.answers import reference
from nnkit.checks.run import run_case
from tests import harness
from tests.mutants import Mutant, edit, nb01, nb02, nb03, nb04

CATALOGS = {
    "01_gradient_checking": nb01,
    "02_minibatch_sgd": nb02,
    "03_lr_schedules": nb03,
    "04_neural_networks": nb04,
}
LIKELY = "Likely cause: "


def catalog(module) -> list:
    mutants = [m for v in vars(module).values() if isinstance(v, list) for m in v]
    unique = {(m.target, m.name): m for m in mutants if hasattr(m, "source")}
    return list(unique.values())


@pytest.fixture(scope="module", params=list(CATALOGS))
def graded(request):
    assignment = request.param
    plan = Plan.from_notebook(harness.read("solutions", assignment))
    return assignment, plan, catalog(CATALOGS[assignment])


def student_function(mutant) -> tuple[str, object]:
    """The graded name that the mutant's tests call, and what it is in the student's
    notebook: the function, or for a method ``C.m`` nnkit's C with ``m`` replaced. Other
    graded names the source calls (a model's layers) are nnkit's."""
    namespace = {"np": np, "math": math}
    for names in harness.GRADED.values():
        namespace.update({n: reference(n) for n in names if "." not in n})
    exec(mutant.source, namespace)  # noqa: S102 - the project's own catalog
    owner, _, method = mutant.target.rpartition(".")
    if not owner:
        return mutant.target, namespace[mutant.target]
    return owner, type(owner, (reference(owner),), {method: namespace[method]})


def messages(plan: Plan, mutant) -> dict[str, str]:
    """grade_id -> the failure message, for every test cell of the mutant's function."""
    called, fn = student_function(mutant)

    def resolve(name):
        return fn if name == called else reference(name)

    failed = {}
    for grade_id, cell in plan.cells.items():
        if harness.target_of(grade_id) != harness.key(mutant.target):
            continue
        results = [run_case(prog, resolve) for prog in cell.programs]
        message = json.loads(json.dumps({"cases": results}))  # as the kernel sends it
        verdict = plan.judge_cell(cell, message, "")
        if not verdict.passed:
            failed[grade_id] = verdict.message
    return failed


def named_causes(failed: dict[str, str], target: str) -> set[str]:
    names = set()
    for text in failed.values():
        for known in causes_for(target):
            if f"{LIKELY}{known.message}" in text:
                names.add(known.name)
    return names


def test_every_registered_cause_is_named_for_its_bug(graded, figure):
    assignment, plan, mutants = graded
    bugs = [m for m in mutants if m.kind == "bug"]
    # the causes that have a bug of their name in the catalog (a loss's causes are
    # registered for both its naive and its vectorized version)
    registered = {(c.graded, c.name) for m in bugs for c in causes_for(m.target)}
    registered &= {(m.target, m.name) for m in bugs}
    named, rate = {}, Counter()
    for m in bugs:
        failed = messages(plan, m)
        assert failed, f"{m.target}/{m.name} passed every test"
        named[(m.target, m.name)] = named_causes(failed, m.target)
        rate[bool(named[(m.target, m.name)])] += 1
    missing = [k for k in registered if k[1] not in named[k]]
    assert not missing, f"causes not named for their own bug: {missing}"
    figure(
        f"{assignment}: {rate[True]} of {len(bugs)} catalog bugs get a likely cause "
        f"({rate[True] / len(bugs):.0%}); plain message for "
        f"{sorted(f'{t}/{n}' for (t, n), c in named.items() if not c)}"
    )


def test_a_cause_is_named_only_when_it_fits(graded):
    _, plan, mutants = graded
    for m in (m for m in mutants if m.kind == "bug"):
        for text in messages(plan, m).values():
            assert text.count(LIKELY) <= 1, text
            if LIKELY in text:  # the named cause is one of this function's
                cause = text.split(LIKELY, 1)[1]
                assert any(cause == c.message for c in causes_for(m.target)), text


def test_correct_alternatives_are_never_diagnosed(graded):
    _, plan, mutants = graded
    for m in (m for m in mutants if m.kind == "alt"):
        assert messages(plan, m) == {}, f"{m.target}/{m.name} failed"


def test_a_wrong_answer_no_cause_fits_keeps_the_plain_message():
    plan = Plan.from_notebook(harness.read("solutions", "03_lr_schedules"))
    odd = Mutant(
        "cosine_decay",
        "made_up",
        "bug",
        "def cosine_decay(t, lr0, T, lr_min=0.0):\n    return 0.123\n",
    )
    failed = messages(plan, odd)
    assert failed and all(LIKELY not in text for text in failed.values())


def test_a_mistake_the_case_cannot_show_is_not_named():
    # A loss that takes an SGD step on self.params after computing right outputs fails
    # only "model.params unchanged": every __init__ mistake gives the same outputs as the
    # reference there (the case sets the params itself), so none of them is named.
    plan = Plan.from_notebook(harness.read("solutions", "04_neural_networks"))
    step = '    self.params["W1"] = W1 - 0.1 * grads["W1"]\n    return loss, grads\n'
    source = edit(nb04._TL_BASE, ("    return loss, grads\n", step))
    failed = messages(plan, Mutant("TwoLayerNet.loss", "sgd_step_in_loss", "bug", source))
    assert failed and all("model.params" in text for text in failed.values()), failed
    assert all(LIKELY not in text for text in failed.values()), failed
