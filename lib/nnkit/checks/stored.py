"""Expected outcomes of visible cases, stored with the student edition of nnkit.

In the student edition the reference of an open assignment is a stand-in that raises
``Locked``, so a visible case cannot compare with it in the student's kernel. When the
student bundle is built (``nncourse release``), the grader runs nnkit's reference on every
case of every *visible* test cell of the released notebooks and stores what came back
(the wire data of ``run_case``, which the student sees in the cell's messages anyway) in
``nnkit/checks/visible/ID.json``, keyed by ``case_key`` of the case's wire program. Local
mode (``judging.judge_locally``) uses that stored outcome when the reference is locked,
and judges exactly as it would with the reference. Hidden cases are never stored.

In this repository's own nnkit the folder does not exist, and nothing is stored.
"""

import functools
import hashlib
import json
from pathlib import Path

STORE = Path(__file__).resolve().parent / "visible"


def case_key(prog: dict) -> str:
    """A stable name of a case's wire program (``nnkit.checks.case.program``): the same
    inputs, calls and checked outputs give the same key in any process."""
    text = json.dumps(prog, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def write_store(folder: Path, assignment: str, outcomes: dict[str, dict]) -> Path:
    """Write ``outcomes`` (case key -> reference run data) as ``folder/ASSIGNMENT.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.json"
    text = json.dumps({"assignment": assignment, "cases": outcomes}, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path


@functools.cache
def _stored() -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in sorted(STORE.glob("*.json")) if STORE.is_dir() else ():
        found.update(json.loads(path.read_text(encoding="utf-8"))["cases"])
    return found


def stored_outcome(prog: dict) -> dict | None:
    """The stored reference run of the case with this program, or None."""
    return _stored().get(case_key(prog))
