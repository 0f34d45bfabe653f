"""A submission's nbgrader cells put back in the release's structure, before grading.

Jupyter copies a cell with its metadata, so a student who duplicates a solution cell to
try a variant, or a test cell to rerun it further down, hands in two cells with the same
``grade_id``; stock nbgrader then fails the whole notebook ("Cell with id ... exists
multiple times!", or a database error for a cell it does not know). The release is the
authority on which cells exist and what each one is, so:

- a cell with a ``grade_id`` the release does not have is the student's own: its nbgrader
  metadata goes, and with it the cell (grading runs nbgrader cells only);
- a cell whose role differs from the release's (a solution cell marked as a test cell,
  different points) gets the release's role back: the student cannot award points;
- copies of a locked cell (a test or a read-only cell): the one whose source is the
  release's stays, the others go (nbgrader would restore that source anyway);
- copies of a solution cell become one cell at the place of the first, holding every
  copy's code in order, which is what "Run All" would have defined (the last definition
  wins).

Each change is reported in one short note for the detail column. The tamper scan runs on
the result, so nothing here hides a change to a test cell: an edited test cell with no
faithful copy beside it is still an edited test cell.
"""

import copy
import json
import traceback
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata
from traitlets import Bool, Unicode

ROLE = ("grade", "solution", "locked", "points", "schema_version")


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata ({} for a cell nbgrader does not know)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def restore_structure(nb, release) -> list[str]:
    """Put ``nb``'s nbgrader cells (in place) in ``release``'s structure; return notes."""
    wanted = {
        nbgrader_meta(c)["grade_id"]: c for c in release.cells if nbgrader_meta(c).get("grade_id")
    }
    unknown, changed, notes, seen, cells = [], [], [], {}, []
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id and grade_id not in wanted:
            del cell.metadata["nbgrader"]
            unknown.append(grade_id)
            if cell.cell_type == "code":  # it goes: grading runs nbgrader cells only
                continue
        elif grade_id:
            seen.setdefault(grade_id, []).append(cell)
        cells.append(cell)
    for grade_id, copies in seen.items():
        original = wanted[grade_id]
        place, kept = _one_of(copies, original)
        if original.cell_type != place.cell_type or _role(place) != _role(original):
            changed.append(grade_id)
        if len(copies) > 1:
            notes.append(
                _copies_note(grade_id, len(copies), nbgrader_meta(original).get("solution"))
            )
        others = {id(c) for c in copies if c is not place}
        cells = [kept if c is place else c for c in cells if id(c) not in others]
        kept.cell_type = original.cell_type
        kept.metadata["nbgrader"] = {**nbgrader_meta(kept), **dict(_role(original))}
        for key in ROLE:
            if key not in nbgrader_meta(original):
                kept.metadata["nbgrader"].pop(key, None)
        if original.cell_type == "code":
            kept.setdefault("outputs", [])
            kept.setdefault("execution_count", None)
        else:
            kept.pop("outputs", None)
            kept.pop("execution_count", None)
    nb.cells = cells
    if unknown:
        notes.insert(0, f"{_cells(unknown)}: not in the assignment, left out")
    if changed:
        notes.insert(0, f"{_cells(changed)}: nbgrader role changed, restored from the assignment")
    return notes


def _cells(grade_ids: list[str]) -> str:
    shown = ", ".join(repr(g) for g in grade_ids[:3])
    more = f" and {len(grade_ids) - 3} more" if len(grade_ids) > 3 else ""
    return f"cell{'s' if len(grade_ids) > 1 else ''} {shown}{more}"


def _role(cell) -> tuple:
    meta = nbgrader_meta(cell)
    return tuple((k, meta[k]) for k in ROLE if k in meta)


def _one_of(copies: list, original) -> tuple:
    """``(place, kept)``: the copy whose place in the notebook the cell keeps, and the cell
    that stands there for all ``copies`` of ``original``'s grade_id."""
    if len(copies) == 1:
        return copies[0], copies[0]
    if nbgrader_meta(original).get("solution") and not nbgrader_meta(original).get("locked"):
        merged = copy.deepcopy(copies[0])
        merged.source = "\n\n".join(c.source for c in copies if c.source.strip())
        return copies[0], merged
    faithful = [c for c in copies if c.source.strip() == original.source.strip()]
    kept = (faithful or copies)[0]
    return kept, kept


def _copies_note(grade_id: str, n: int, solution: bool) -> str:
    how = (
        "graded as one cell holding every copy's code, in order"
        if solution
        else "the copy that matches the assignment is kept"
    )
    return f"cell {grade_id!r} appears {n} times (a copied cell keeps its nbgrader metadata): {how}"


class RestoreStructure(Preprocessor):
    """``restore_structure`` as the first of nbgrader's sanitizing preprocessors in a run
    folder, so that formgrader's autograde of a notebook ``nncourse grade`` has not seen
    puts it in the release's structure before nbgrader reads its cells."""

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled
    release_root = Unicode("", help="the run folder's release/ folder").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = Path(self.release_root) / info["assignment"] / f"{info['notebook']}.ipynb"
        if path.is_file():
            for note in restore_structure(nb, nbformat.read(path, as_version=4)):
                self.log.warning("%s/%s: %s", info["student"], info["notebook"], note)
        return nb, resources


class _ValidateOnce(MetadataValidator):
    """nbgrader's metadata validator, each distinct cell validated once per process.

    A cell's validity depends only on its type and its nbgrader metadata (its source
    appears in error messages only), and after ``restore_structure`` every student's
    cells carry the release's metadata. nbgrader calls ``jsonschema.validate`` per
    cell, which checks the schema itself every time: about 0.15 s of the single
    writer's 0.47 s per student of 02. Validation of each notebook as a whole (unique
    grade ids) still runs every time."""

    valid: set = set()

    def validate_cell(self, cell) -> None:
        if "nbgrader" not in cell.metadata:
            return
        key = (cell.cell_type, json.dumps(cell.metadata["nbgrader"], sort_keys=True))
        if key not in self.valid:
            super().validate_cell(cell)
            self.valid.add(key)


class CheckCellMetadata(NbgraderCheckCellMetadata):
    """nbgrader's ``CheckCellMetadata`` with ``_ValidateOnce``: the same verdicts and the
    same error, without re-checking the schema for every cell of every student."""

    def preprocess(self, nb, resources):
        try:
            _ValidateOnce().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg) from None
        return nb, resources
