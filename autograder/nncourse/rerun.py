"""One wrong layer costs its own points only: a model's tests run again with correct layers.

A student's ``TwoLayerNet.loss`` calls their own ``affine_forward``, ``relu_backward`` and
the rest (``nnkit.answers.builds_on``). With one of those wrong, every test of the model
fails too, with a message about ``grads['W1']`` that never points at the layer. So the
worker notebook (``nncourse.execution``) ends with one more cell per test cell of such a
method: it runs that cell's cases again with the kernel's layer functions replaced by
nnkit's (``correct_source``, sent in that cell's code only), then puts the student's
back. Those cells run after every test cell: the layers' own results are already the
probes' data, so nothing the kernel does with the correct layers changes a layer's
verdict. The judge (``Plan.judge``) scores the model on the better of the two runs:

- the model passes with its own layers: passed, as always;
- it passes only with correct layers: passed (the model is right), with a message that
  names the wrong layers;
- it fails with both: the message of the student's own run, saying that the mistake is
  in the model itself when one of its layers is wrong as well.

What reaches the student of the second run is one bit per test cell (passed or not),
never its outputs or the text of an exception: the correct layers' code cannot come back
through feedback.
"""

import ast
import functools
import inspect

from nnkit.answers import reference

MARK = "rerun_of"  # the worker notebook's cell metadata: {"nncourse": {MARK: grade_id}}
WITH = "correct"  # the probe message of a second run says {"with": WITH}


@functools.cache
def correct_source(names: tuple[str, ...]) -> str:
    """The code of nnkit's versions of the graded functions ``names`` (all of one
    module), with the private helpers they call and without their decorators: it runs
    with only ``np`` defined. Made once per process: every student's worker notebook
    ends with the same cells."""
    modules = {inspect.getmodule(reference(name)) for name in names}
    if len(modules) != 1:
        raise ValueError(f"{sorted(names)} are not defined in one module")
    tree = ast.parse(inspect.getsource(modules.pop()))
    defined = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    wanted, todo = [], list(names)
    while todo:
        name = todo.pop(0)
        if name in wanted:
            continue
        wanted.append(name)
        used = {n.id for n in ast.walk(defined[name]) if isinstance(n, ast.Name)}
        todo += sorted(used & set(defined) - set(wanted))
    parts = []
    for name in wanted:
        node = defined[name]
        node.decorator_list = []
        parts.append(ast.unparse(node))
    return "\n\n".join(parts) + "\n"


def probe_call(grade_id: str, source: str) -> str:
    """The code of the cell that runs ``grade_id``'s cases again with ``source``."""
    return f"_nncourse_probe({grade_id!r}, correct={source!r})"
