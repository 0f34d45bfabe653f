"""``nncourse gradescope ID --out autograder.zip``: a Gradescope autograder for one
assignment, and ``run``, what its ``run_autograder`` does for each submission.

The zip (Gradescope unpacks it into ``/autograder/source``) holds

- ``setup.sh``: run once by Gradescope, as root, on its Ubuntu image: Python 3.11 and a
  venv with this package (``package/``, this repository's ``pyproject.toml``, ``lib/``
  and ``autograder/nncourse``), and bubblewrap where the image allows it;
- ``run_autograder``: runs ``python -m nncourse.gradescope`` in that venv;
- ``course/``: the assignment's solution folder and the course's nbgrader config, what
  ``nncourse grade`` grades against (so hidden tests and answers stay in the zip, which
  students never see);
- ``nncourse_gradescope.json``: the assignment id, the visibility of hidden tests, and
  the due date and late penalty (``--due``, ``--penalty``), if any.

``run`` grades the notebook of ``/autograder/submission`` exactly as ``nncourse check``
does (``nncourse grade`` of a one-student class: sealed, sandboxed where bubblewrap
works, hidden tests included) and writes ``/autograder/results/results.json`` in
Gradescope's format: the total (late penalty included), and one test per test cell with
its points, the student-facing message of a failure (or the note of a pass) and its
visibility: ``visible`` for visible tests, the zip's setting (default
``after_due_date``) for hidden ones. Whatever the submission (no notebook, several, a
renamed one, malformed JSON, a notebook that crashes or tampers), results.json says what
happened and ``run_autograder`` exits 0. As in ``nncourse grade``: a renamed single
notebook is graded under the assignment's name, and beside the assignment's notebook
other notebooks are not graded; the output says so either way. Several notebooks, none
of them the assignment's, are refused (0 points, the names listed).

``NNCOURSE_GRADESCOPE_ROOT`` points ``run`` at another folder than ``/autograder``
(holding ``submission/``, ``results/`` and ``submission_metadata.json``): the tests
use a temporary one, and so can an instructor trying the zip.
"""

import argparse
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from .collect import NOTEBOOK_BYTES, megabytes
from .course import Course, CourseError, course_from_arg
from .files import atomic_write
from .grade_ids import graded_target
from .late import check_penalty, nbgrader_timestamp, parse_due

ROOT_ENV = "NNCOURSE_GRADESCOPE_ROOT"
DEFAULT_ROOT = Path("/autograder")
SETTINGS = "nncourse_gradescope.json"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
STUDENT = "gradescope"
# what the zip carries of this repository, besides the course's own files
PACKAGE_FILES = ("pyproject.toml", "README.md")
PACKAGE_DIRS = ("lib/nnkit", "autograder/nncourse")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".gradebook")

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if ! command -v python3.11 >/dev/null; then
    apt-get install -y -q software-properties-common
    add-apt-repository -y universe || true
    apt-get update -q
    apt-get install -y -q python3.11 python3.11-venv
fi
apt-get install -y -q python3.11-venv || true
# bubblewrap isolates each notebook; where the image cannot run it, grading stays sealed
# (verdicts are judged outside the kernel) with resource limits only
apt-get install -y -q bubblewrap || echo "nncourse: bubblewrap is not available here"
python3.11 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet ./package
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission; results.json is written whatever happens.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOURCE="${NNCOURSE_GRADESCOPE_SOURCE:-/autograder/source}"
[ -f "$SOURCE/nncourse_gradescope.json" ] || SOURCE="$HERE"
PYTHON="${NNCOURSE_GRADESCOPE_PYTHON:-$SOURCE/.venv/bin/python}"
"$PYTHON" -m nncourse.gradescope --source "$SOURCE"
exit 0
"""


# ----------------------------------------------------------------- the zip


def build_zip(
    course: Course,
    assignment: str,
    out: Path,
    hidden: str = "after_due_date",
    due: str | None = None,
    penalty: str = "none",
) -> Path:
    """Write the autograder zip of ``assignment`` to ``out``; ``CourseError`` on a bad
    argument, before anything is written."""
    course.notebooks(assignment)  # raises for an unknown assignment
    if hidden not in VISIBILITIES:
        raise CourseError(
            f"--hidden-visibility must be one of {', '.join(VISIBILITIES)}, got {hidden!r}"
        )
    parse_due(due)
    check_penalty(penalty)
    if out.is_dir():
        raise CourseError(f"--out {out} is a folder: give the zip's file name")
    settings = {"assignment": assignment, "hidden": hidden, "due": due, "penalty": penalty}
    with tempfile.TemporaryDirectory(prefix="nncourse-gradescope-") as tmp:
        tree = Path(tmp)
        package = tree / "package"
        for name in PACKAGE_FILES:
            package.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(course.root / name, package / name)
        for name in PACKAGE_DIRS:
            shutil.copytree(course.root / name, package / name, ignore=SKIP)
        shutil.copytree(
            course.solutions / assignment, tree / "course" / "solutions" / assignment, ignore=SKIP
        )
        config = tree / "course" / course.config_file.relative_to(course.root)
        config.parent.mkdir(parents=True)
        shutil.copyfile(course.config_file, config)
        (tree / SETTINGS).write_text(json.dumps(settings, indent=1) + "\n")
        (tree / "setup.sh").write_text(SETUP_SH)
        (tree / "run_autograder").write_text(RUN_AUTOGRADER)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(tree.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo(str(path.relative_to(tree)), (2026, 1, 1, 0, 0, 0))
                    executable = path.name in ("setup.sh", "run_autograder")
                    mode = 0o755 if executable else 0o644
                    info.external_attr = (stat.S_IFREG | mode) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, path.read_bytes())
        partial.replace(out)
    return out


# ----------------------------------------------------------------- grading one submission


def run(root: Path, source: Path) -> dict:
    """Grade ``root/submission`` with the zip unpacked in ``source``; write and return
    ``root/results/results.json``. Never raises for anything a submission holds."""
    start = time.monotonic()
    try:
        settings = json.loads((source / SETTINGS).read_text())
        course = course_from_arg(str(source / "course"))
        results = grade_submission(course, settings, root)
    except Exception as err:  # noqa: BLE001 - the student gets a results.json, not a crash
        why = f"{type(err).__name__}: {err}".splitlines()[0][:500]
        results = problem(
            f"The autograder could not grade this submission ({why}). "
            "Tell your instructor: this is not a problem with your notebook."
        )
    results["execution_time"] = max(0, round(time.monotonic() - start))
    (root / "results").mkdir(parents=True, exist_ok=True)
    atomic_write(root / "results" / "results.json", json.dumps(results, indent=1))
    return results


def problem(message: str) -> dict:
    """results.json of a submission that could not be graded: 0 points, and why."""
    return {"score": 0.0, "output": message, "tests": []}


def submitted_notebooks(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*.ipynb")
        if p.is_file() and ".ipynb_checkpoints" not in p.relative_to(folder).parts
    )


def linked(path: Path, folder: Path) -> bool:
    """Whether ``path`` or a folder between ``folder`` and it is a symbolic link: a link
    could point at anything the autograder can read, the course's solutions included."""
    rel = path.relative_to(folder)
    return any((folder / part).is_symlink() for part in [rel, *rel.parents] if part.parts)


def choose_notebook(found: list[Path], folder: Path, stem: str) -> tuple[Path | None, str]:
    """(the notebook to grade, a note) or (None, why none can be)."""
    expected = f"{stem}.ipynb"
    shown = ", ".join(str(p.relative_to(folder)) for p in found[:5])
    if not found:
        return None, f"No notebook in your submission: upload {expected}."
    links = [str(p.relative_to(folder)) for p in found if linked(p, folder)]
    if links:
        return None, (
            f"{', '.join(links)} is a symbolic link, not a notebook: upload the notebook itself."
        )
    named = [p for p in found if p.name == expected]
    if len(named) == 1:  # as nncourse grade: the others are not graded, and said so
        others = [str(p.relative_to(folder)) for p in found if p != named[0]]
        return named[0], (f"Not graded (not {expected}): {', '.join(others)}." if others else "")
    if len(found) == 1:
        return found[0], f"{found[0].name} was graded as {expected} (the assignment's notebook)."
    return None, f"Your submission holds several notebooks ({shown}): upload only {expected}."


def metadata(root: Path) -> dict:
    try:
        data = json.loads((root / "submission_metadata.json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def submitted_at(meta: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(str(meta["created_at"])).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return None


def grade_submission(course: Course, settings: dict, root: Path) -> dict:
    from .check import failure_messages, passed_notes
    from .feedback import is_hidden_test
    from .grade import EXECUTED_STATUSES, GradeOptions, grade

    assignment = settings["assignment"]
    [stem] = course.notebooks(assignment)  # one notebook per assignment (DESIGN.md)
    folder = root / "submission"
    chosen, note = choose_notebook(submitted_notebooks(folder), folder, stem)
    if chosen is None:
        return problem(note)
    if chosen.stat().st_size > NOTEBOOK_BYTES:  # never copied: collect would refuse it too
        return problem(
            f"{chosen.name} is over {megabytes(NOTEBOOK_BYTES)}, the most a notebook may be: "
            "clear its outputs (Edit > Clear Outputs of All Cells), save and resubmit."
        )
    meta = metadata(root)
    due = settings.get("due") or (meta.get("assignment") or {}).get("due_date") or None
    with tempfile.TemporaryDirectory(prefix="nncourse-gradescope-") as tmp:
        subs = Path(tmp) / "submissions" / STUDENT / assignment
        subs.mkdir(parents=True)
        shutil.copyfile(chosen, subs / f"{stem}.ipynb")
        when = submitted_at(meta)
        if when is not None:
            (subs / "timestamp.txt").write_text(nbgrader_timestamp(when))
        opts = GradeOptions(
            assignment=assignment,
            out=Path(tmp) / "run",
            workers=1,
            feedback=False,
            progress=False,
            due=str(due) if due else None,
            penalty=settings.get("penalty", "none"),
        )
        result = grade(course, subs.parent.parent, opts)
        [row] = [r for r in result.grade_rows if r["notebook"] == stem]
        autograded = opts.out / "autograded" / STUDENT / assignment / f"{stem}.ipynb"
        messages = failure_messages(autograded) if autograded.is_file() else {}
        notes = passed_notes(autograded) if autograded.is_file() else {}
        source = nbformat.read(course.solutions / assignment / f"{stem}.ipynb", as_version=4)
    hidden = {
        c.metadata["nbgrader"]["grade_id"]
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") and is_hidden_test(c)
    }
    graded = row["status"] in EXECUTED_STATUSES
    tests = []
    for number, test in enumerate(result.test_rows, 1):
        grade_id = test["grade_id"]
        score, full = float(test["score"]), float(test["max_score"])
        if not graded:
            output = f"not graded: {row['status']}: {row['detail']}"
        elif score < full:
            output = messages.get(grade_id, "failed")
        else:
            output = "passed" + (f": {notes[grade_id]}" if grade_id in notes else "")
        tests.append(
            {
                "name": f"{graded_target(grade_id)}: {grade_id}",
                "number": str(number),
                "score": score,
                "max_score": full,
                "status": "passed" if score >= full else "failed",
                "output": output,
                "visibility": settings.get("hidden", "after_due_date")
                if grade_id in hidden
                else "visible",
            }
        )
    lines = [note] if note else []
    test_points = sum(t["max_score"] for t in tests)
    by_hand = float(row["max_score"]) - test_points
    lines.append(
        f"{row['score']} / {test_points:g} points from the tests"
        + (f" (status {row['status']})" if row["status"] != "ok" else "")
        + (
            f"; {by_hand:g} more points are your written answers, graded by hand"
            if by_hand > 0
            else ""
        )
    )
    if row["detail"]:
        lines.append(row["detail"])
    return {"score": float(row["score"]), "output": "\n".join(lines), "tests": tests}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run_autograder's grading of one submission")
    parser.add_argument("--source", required=True, help="the unpacked autograder zip")
    args = parser.parse_args(argv)
    root = Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)
    results = run(root, Path(args.source))
    print(f"results.json: {results['score']:g} points, {len(results['tests'])} tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
