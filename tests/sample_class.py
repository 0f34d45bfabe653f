"""The bundled sample class (autograder/sample_class), generated from the catalogs.

Run ``.venv/bin/python -m tests.sample_class`` after changing a solution notebook or a
catalog; ``test_sample_class_is_current`` fails until you do.

Each student is a recipe: the solution with some mutants swapped in, the untouched
release, or a misbehaving file.
"""

import shutil
import sys
from pathlib import Path

import nbformat

from nncourse.mutate import solved_submission
from tests import harness
from tests.mutants import nb01, nb02, nb03, nb04

CATALOGS = {
    "01_gradient_checking": nb01.MUTANTS,
    "02_minibatch_sgd": nb02.MUTANTS,
    "03_lr_schedules": nb03.MUTANTS,
    "04_neural_networks": nb04.MUTANTS,
}

# student -> assignment -> recipe: a dict {target: mutant name}, "release", or
# ("renamed", filename), ("bytes", content), ("extra", filename), or
# ("cells", {target: source}): the solution with whole solution cells replaced (for
# students who misbehave at the top level of a cell)
HANG = "while True:  # a hang: only the whole-notebook timeout ends it\n    pass\n"
MEMORY_BOMB = "blocks = []\nwhile True:\n    blocks.append(bytearray(100 * 2**20))\n"
PATCH_NUMPY = "np.allclose = lambda *args, **kwargs: True\n"
CLASS = {
    "ada": {
        "01_gradient_checking": {},
        "02_minibatch_sgd": {},
        "03_lr_schedules": {},
        "04_neural_networks": {},
    },
    "ben": {"01_gradient_checking": "release", "02_minibatch_sgd": "release"},
    "cara": {
        "01_gradient_checking": {
            "svm_loss_vectorized": "reg_W_in_dW",
            "softmax_loss_vectorized": "no_shift",
        },
        "02_minibatch_sgd": {"adam": "no_bias_correction", "sgd_momentum": "plus_lr_dw"},
        "03_lr_schedules": {"cosine_with_restarts": "T_mult_ignored"},
        "04_neural_networks": {"affine_backward": "dx_not_reshaped", "svm_loss": "margin_zero"},
    },
    "dev": {
        "01_gradient_checking": {"numerical_gradient": "forward_difference"},
        "02_minibatch_sgd": {"minibatches": "separate_permutations"},
        "03_lr_schedules": {"with_warmup": "ramp_t_plus_one", "step_decay": "float_division"},
        "04_neural_networks": {"TwoLayerNet.loss": "reg_grad_without_2"},
    },
    "eli": {
        "01_gradient_checking": {
            "relative_error": "no_floor",
            "svm_loss_naive": "counts_correct_class",
        },
        "02_minibatch_sgd": {"rmsprop": "eps_inside_sqrt"},
        "03_lr_schedules": "release",
    },
    "fay": {"01_gradient_checking": ("renamed", "Copy of 01_gradient_checking.ipynb")},
    "gus": {"01_gradient_checking": ("bytes", b'{"cells": [{"cell_type": "code", ')},
    "hal": {"01_gradient_checking": ("extra", "scratch.ipynb")},
    "ivy": {
        "01_gradient_checking": {"softmax_loss_naive": "no_shift"},
        "02_minibatch_sgd": ("cells", {"adam": HANG}),
        "03_lr_schedules": {"inverse_sqrt": "ignores_warmup"},
    },
    "jon": {
        "01_gradient_checking": {},
        "02_minibatch_sgd": {"nesterov_momentum": "plain_momentum"},
        "03_lr_schedules": ("cells", {"with_warmup": MEMORY_BOMB}),
    },
    "kim": {
        "01_gradient_checking": ("cells", {"relative_error": PATCH_NUMPY + "\n"}),
        "02_minibatch_sgd": {},
        "03_lr_schedules": {},
    },
    "lea": {
        "01_gradient_checking": {"svm_loss_vectorized": "no_average"},
        "02_minibatch_sgd": {"adagrad": "forgets_square"},
        "03_lr_schedules": {"linear_decay": "no_clamp"},
        "04_neural_networks": {
            "relu_backward": "mask_on_dout",
            "FullyConnectedNet.loss": "backward_in_forward_order",
        },
    },
    "max": {
        "01_gradient_checking": {"numerical_gradient_array": "ignores_dout"},
        "02_minibatch_sgd": {},
        "03_lr_schedules": {"multistep_decay": "strict_less"},
    },
    "nia": {
        "01_gradient_checking": {},
        "02_minibatch_sgd": {"sgd": "in_place"},
        "03_lr_schedules": {"cosine_decay": "no_clamp"},
        "04_neural_networks": "release",
    },
}


def mutant_source(assignment: str, target: str, name: str) -> str:
    for m in CATALOGS[assignment]:
        if m.target == target and m.name == name:
            return m.source
    raise KeyError(f"{assignment}: no mutant {target}/{name}")


def write_student(root: Path, student: str, assignment: str, recipe) -> None:
    folder = root / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    release = harness.read("assignments", assignment)
    solved = solved_submission(release, harness.read("solutions", assignment))
    name = f"{assignment}.ipynb"
    if recipe == "release":
        nbformat.write(release, folder / name)
    elif isinstance(recipe, dict):
        replacements = {t: mutant_source(assignment, t, n) for t, n in recipe.items()}
        nb = solved_submission(release, harness.read("solutions", assignment), replacements)
        nbformat.write(nb, folder / name)
    elif recipe[0] == "renamed":
        nbformat.write(solved, folder / recipe[1])
    elif recipe[0] == "bytes":
        (folder / name).write_bytes(recipe[1])
    elif recipe[0] == "cells":
        nb = solved
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            target = meta.get("grade_id", "").removesuffix("_solution")
            if meta.get("solution") and target in recipe[1]:
                cell.source = recipe[1][target] + "\n" + cell.source
        nbformat.write(nb, folder / name)
    elif recipe[0] == "extra":
        nbformat.write(solved, folder / name)
        nbformat.write(solved, folder / recipe[1])
    else:
        raise ValueError(f"unknown recipe {recipe!r}")


def write_sample_class(root: Path) -> None:
    for student, assignments in CLASS.items():
        for assignment, recipe in assignments.items():
            write_student(root, student, assignment, recipe)


def main() -> int:
    target = harness.COURSE.sample_class
    shutil.rmtree(target, ignore_errors=True)
    write_sample_class(target)
    print(f"wrote {sum(1 for _ in target.rglob('*.ipynb'))} files under {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
