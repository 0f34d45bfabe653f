"""Every assignment, end to end through nbgrader: release, solution, mutants.

For each assignment with a mutation catalog:
- the release leaks no solution and no hidden test, and matches solutions/;
- the solution notebook executes top to bottom, lesson included;
- graded as a student, the solution gets full marks and the release gets zero;
- every realistic bug loses points on its own function's tests, with a checks message;
- every correct alternative keeps full marks.
All submissions of an assignment are graded in one `nncourse grade` batch.
"""

import html
import os
import re
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nncourse.build import generate_release, stale_files
from nncourse.diagnoses import causes_for
from nncourse.mutate import defined_names
from nnkit.answers import builds_on
from tests import harness
from tests.mutants import nb01, nb02, nb03, nb04
from tests.mutants.tricks import tricks

NOTEBOOK_SECONDS = 20.0  # a solution notebook's run on 2 cores: printed, not asserted

GRADED = harness.GRADED
CATALOGS = {
    "01_gradient_checking": nb01.MUTANTS,
    "02_minibatch_sgd": nb02.MUTANTS,
    "03_lr_schedules": nb03.MUTANTS,
    "04_neural_networks": nb04.MUTANTS,
}
# Functions that do not do the work (tests/mutants/tricks.py): each must earn nothing.
TRICKS = {assignment: tricks(GRADED[assignment]) for assignment in CATALOGS}
# Bugs with one slip in one concern (README, "One slip costs once"): each must keep some of
# its function's points, the tests of the concerns it does not touch.
PARTIAL = {
    "01_gradient_checking": nb01.PARTIAL,
    "02_minibatch_sgd": nb02.PARTIAL,
    "03_lr_schedules": nb03.PARTIAL,
    "04_neural_networks": nb04.PARTIAL,
}
MIN_BUGS, MIN_ALTS = 5, 2


def per_assignment(values=None):
    """Parametrize over assignments; each assignment's tests share one xdist worker."""
    return [
        pytest.param(a, marks=pytest.mark.xdist_group(a), id=a)
        for a in (values if values is not None else CATALOGS)
    ]


def per_mutant(kind):
    return [
        pytest.param(a, m, marks=pytest.mark.xdist_group(a), id=f"{a[:2]}-{m.target}-{m.name}")
        for a, catalog in CATALOGS.items()
        for m in [*catalog, *TRICKS[a]]
        if m.kind == kind
    ]


_BATCHES = {}


@pytest.fixture(scope="session")
def batch():
    """Grade an assignment's whole batch once per worker, on first use."""
    scratch = tempfile.TemporaryDirectory(prefix="nncourse-batch-")

    def get(assignment):
        if assignment not in _BATCHES:
            tmp = Path(scratch.name) / assignment
            mutants = [*CATALOGS[assignment], *TRICKS[assignment]]
            _BATCHES[assignment] = harness.run_batch(assignment, mutants, tmp)
        return _BATCHES[assignment]

    yield get
    scratch.cleanup()


def solution_sources(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))


@pytest.mark.parametrize("assignment", per_assignment())
def test_solution_cells_define_exactly_the_graded_names(assignment):
    nb = harness.read("solutions", assignment)
    names = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            names |= {n for n in defined_names(cell.source) if not n.startswith("_")}
    assert GRADED[assignment] <= names, f"missing: {GRADED[assignment] - names}"


def allowed_uses(target: str) -> set[str]:
    """What a test cell of ``target`` may run besides it (README, "Authoring a notebook"):
    a backward test takes its cache from the same layer's forward, and a method test
    builds the object with its class's constructor."""
    cls, _, method = target.rpartition(".")
    if cls:
        return {target, f"{cls}.__init__"}
    if target.endswith("_backward"):
        return {target, target.removesuffix("_backward") + "_forward"}
    return {target}


@pytest.mark.parametrize("assignment", per_assignment())
def test_test_cells_are_named_and_independent(assignment):
    nb = harness.read("solutions", assignment)
    graded = {harness.key(t): t for t in GRADED[assignment]}
    points = {}
    for cell in harness.test_cells(nb):
        meta = cell.metadata["nbgrader"]
        target = graded.get(harness.target_of(meta["grade_id"]))
        assert target, f"{meta['grade_id']} tests an ungraded name"
        assert meta.get("locked") and meta.get("points", 0) > 0
        used = harness.graded_uses(cell.source, GRADED[assignment])
        assert target in used, f"{meta['grade_id']} does not call {target}"
        assert used <= allowed_uses(target), f"{meta['grade_id']} also runs {used - {target}}"
        hidden = "_hidden" in meta["grade_id"]
        if hidden:
            assert re.fullmatch(
                r"\s*### BEGIN HIDDEN TESTS\n.*### END HIDDEN TESTS\s*", cell.source, re.S
            ), f"{meta['grade_id']}: a hidden cell holds only a hidden block"
        else:
            assert "HIDDEN TESTS" not in cell.source
        kind = "hidden" if hidden else "visible"
        points.setdefault(target, {"visible": 0, "hidden": 0})[kind] += meta["points"]
    assert set(points) == set(graded.values()), f"untested: {set(graded.values()) - set(points)}"
    for target, p in points.items():
        assert p["visible"] > 0, f"{target} has no visible test"
        assert p["hidden"] > p["visible"], f"{target}: hidden tests must carry most points"


@pytest.mark.parametrize("assignment", per_assignment())
def test_release_leaks_no_solution_or_hidden_test(assignment):
    solution = harness.read("solutions", assignment)
    release_text = "\n".join(
        p.read_text() for p in (harness.ROOT / "assignments" / assignment).rglob("*") if p.is_file()
    )
    assert "BEGIN SOLUTION" not in release_text and "HIDDEN TESTS" not in release_text
    secret = harness.secret_lines(solution)
    assert secret, "expected solution blocks in the solution notebook"
    release = "\n".join(c.source for c in harness.read("assignments", assignment).cells)
    leaked = [ln for ln in secret if ln in release]
    assert not leaked, f"solution/hidden lines in the release: {leaked[:3]}"


def test_assignments_match_solutions(tmp_path):
    release = generate_release(harness.COURSE, tmp_path)
    assert stale_files(release, harness.ROOT / "assignments") == []


@pytest.mark.parametrize("assignment", per_assignment(harness.COURSE.assignment_ids()))
def test_solution_notebook_executes(assignment, monkeypatch, figure):
    # One BLAS thread, as on a shared 2-core machine (README, "Running the notebooks"):
    # with two threads a loaded machine runs numpy's matrix products up to 10x slower.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "1")
    path = harness.notebook_path("solutions", assignment)
    nb = nbformat.read(path, as_version=4)
    # outputs are awaited as long as the cell may run: nbclient's default 4 s would drop
    # the outputs (an error among them) of a kernel starved of CPU without saying so
    client = NotebookClient(
        nb,
        timeout=120,
        iopub_timeout=120,
        raise_on_iopub_timeout=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    load = os.getloadavg()[0]
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    figure(
        f"{assignment}: the solution notebook executed in {seconds:.1f} s (target <= "
        f"{NOTEBOOK_SECONDS:.0f} s on 2 cores; load average {load:.2f} -> "
        f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs)"
    )
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("assignment", per_assignment())
def test_solution_gets_full_marks_and_release_zero(batch, assignment):
    result = batch(assignment)
    solution, release = result.grades["solution"], result.grades["release"]
    assert solution["status"] == "ok" and release["status"] == "ok"
    full = sum(result.tests[k][1] for k in result.tests if k[0] == "solution")
    assert full > 0
    assert float(solution["score"]) == full, solution["detail"]
    assert float(release["score"]) == 0.0


@pytest.mark.parametrize("assignment", per_assignment())
def test_catalog_is_complete(assignment):
    for target in GRADED[assignment]:
        kinds = [m.kind for m in CATALOGS[assignment] if m.target == target]
        assert kinds.count("bug") >= MIN_BUGS, f"{target}: fewer than {MIN_BUGS} bugs"
        assert kinds.count("alt") >= MIN_ALTS, f"{target}: fewer than {MIN_ALTS} alternatives"


@pytest.mark.parametrize("assignment, mutant", per_mutant("bug"))
def test_bug_loses_points_with_a_message(batch, assignment, mutant):
    result = batch(assignment)
    student = result.placement[(mutant.target, mutant.name)]
    assert result.grades[student]["status"] == "ok", result.grades[student]["detail"]
    score, full = result.target_score(student, mutant.target)
    assert score < full, f"{mutant.name} ({mutant.why}) kept all {full} points"
    messages = [
        msg
        for (s, grade_id), msg in result.errors.items()
        if s == student and harness.target_of(grade_id) == harness.key(mutant.target)
    ]
    assert any(m.startswith("AssertionError: ") and len(m) > 40 for m in messages) or any(
        not m.startswith("AssertionError") for m in messages
    ), messages
    # a bug the diagnoses know is named, through the whole pipeline (tests/test_diagnoses.py)
    known = [c for c in causes_for(mutant.target) if c.name == mutant.name]
    if known:
        assert any(f"Likely cause: {known[0].message}" in m for m in messages), messages


@pytest.mark.parametrize("assignment", per_assignment())
def test_one_slip_costs_once(batch, assignment, figure):
    """Hidden cells are split by concern: a bug in one concern keeps the points of the
    others. Prints the share of catalog bugs that cost every point of their function."""
    result = batch(assignment)
    bugs = [m for m in CATALOGS[assignment] if m.kind == "bug"]
    kept = {}
    for m in bugs:
        score, full = result.target_score(result.placement[(m.target, m.name)], m.target)
        kept[(m.target, m.name)] = score / full
    everything = sorted(k for k, share in kept.items() if share == 0)
    figure(
        f"{assignment}: {len(everything)} of {len(bugs)} bugs "
        f"({len(everything) / len(bugs):.0%}) cost every point of their function"
    )
    names = {(m.target, m.name) for m in bugs}
    assert set(PARTIAL[assignment]) <= names, set(PARTIAL[assignment]) - names
    lost = [k for k in PARTIAL[assignment] if kept[k] == 0]
    assert not lost, f"one slip cost every point of its function: {lost}"


MODELS = ("TwoLayerNet.loss", "FullyConnectedNet.loss")


@pytest.mark.xdist_group("04_neural_networks")
def test_a_wrong_layer_costs_the_models_nothing(batch, figure):
    """A submission whose only mistake is in a layer keeps every point of the models
    that call it, and the models' tests that pass only thanks to the second run, with
    correct layers, name the layer (nncourse.rerun)."""
    assignment = "04_neural_networks"
    result = batch(assignment)
    layers = {name for model in MODELS for name in builds_on(model)}
    bugs = [m for m in CATALOGS[assignment] if m.kind == "bug" and m.target in layers]
    assert {m.target for m in bugs} == layers
    named, kept = 0, 0
    for m in bugs:
        student = result.placement[(m.target, m.name)]
        in_round = {t for (t, _), s in result.placement.items() if s == student}
        assert not in_round & set(MODELS), f"{m.name} shares a submission with a model bug"
        for model in MODELS:
            if model.replace(".loss", ".__init__") in in_round:
                continue  # the model's constructor is a mutant in this submission
            score, full = result.target_score(student, model)
            assert score == full, f"{m.target} {m.name} cost {model} {full - score} points"
            kept += 1
        notes = harness.passed_notes(result.out, assignment, student)
        for grade_id, note in notes.items():
            assert harness.target_of(grade_id) in {harness.key(t) for t in MODELS}
            assert f"`{m.target}`" in note.split("With your own layers it fails because")[1], note
            named += 1
    student = result.placement[("relu_backward", "mask_on_dout")]
    notes = harness.passed_notes(result.out, assignment, student)
    expected = "TwoLayerNet.loss is right: with correct layers it passes this test"
    assert any(n.startswith(expected) for n in notes.values()), notes
    assert kept > len(bugs) // 2  # most layer bugs met a model with its own constructor
    figure(f"04_neural_networks: {named} model tests kept their points thanks to correct layers")


@pytest.mark.parametrize("assignment", per_assignment())
def test_the_report_lists_the_common_mistakes_and_who_made_them(batch, assignment):
    result = batch(assignment)
    report = (result.out / "report.html").read_text()
    section = report.split("<h2>Common mistakes")[1].split("</table>")[0]
    rows = re.findall(
        r"<tr><td><code>(.+?)</code></td><td>(.+?)</td><td>(\d+)</td><td>(.*?)</td></tr>",
        section,
    )
    named = {(f, html.unescape(c)): set(who.split(", ")) for f, c, _, who in rows}
    expected = 0
    for m in CATALOGS[assignment]:
        known = [c for c in causes_for(m.target) if c.name == m.name and m.kind == "bug"]
        if known:
            expected += 1
            student = result.placement[(m.target, m.name)]
            key = (harness.key(m.target), known[0].message)
            assert student in named.get(key, set()), (m, sorted(named)[:5])
    assert expected > 0 and all(int(n) == len(who.split(", ")) for _, _, n, who in rows)
    # the pass rate per concern: each hidden test's row names the concern its cell tests
    rates = re.findall(r"<tr><td>(\w+_hidden(?:_\d+)?)</td><td>([^<]*)</td><td>\d+%</td>", report)
    assert rates and all(concern for _, concern in rates), rates


@pytest.mark.parametrize("assignment, mutant", per_mutant("trick"))
def test_a_trick_earns_nothing(batch, assignment, mutant):
    """No concern's cell pays a function that does not do the work: each also checks
    an ordinary input's result."""
    result = batch(assignment)
    student = result.placement[(mutant.target, mutant.name)]
    score, full = result.target_score(student, mutant.target)
    cells = [
        c.metadata["nbgrader"]["grade_id"]
        for c in harness.test_cells(harness.read("solutions", assignment))
        if harness.target_of(c.metadata["nbgrader"]["grade_id"]) == harness.key(mutant.target)
    ]
    paid = [g for g in cells if (student, g) not in result.errors]
    assert score == 0, f"{mutant.why} earned {score} of {full} points, in {paid}"
    # and it was graded as written: a trick that could not even be defined proves nothing
    undefined = [g for g in cells if "NameError" in result.errors.get((student, g), "")]
    assert not undefined, [result.errors[(student, g)] for g in undefined]


@pytest.mark.parametrize("assignment, mutant", per_mutant("alt"))
def test_alternative_keeps_full_marks(batch, assignment, mutant):
    result = batch(assignment)
    student = result.placement[(mutant.target, mutant.name)]
    score, full = result.target_score(student, mutant.target)
    failed = {g: m for (s, g), m in result.errors.items() if s == student}
    assert score == full, f"{mutant.name} lost points: {failed}"
