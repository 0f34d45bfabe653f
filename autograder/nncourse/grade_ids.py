"""What a test cell's grade id says: ``<target>_visible[_k]`` or ``<target>_hidden[_k]``;
and what a hidden cell's first comment says: its concern.

The target is a graded function (``step_decay_hidden_2``) or a method, written
``<Class>_<method>`` (``TwoLayerNet_loss_visible``, ``TwoLayerNet___init___hidden``). A
hidden cell tests one concern of its function and names it on its first line,
``# Edge cases: t = 0, t = T, ...`` (README, "Authoring a notebook").
"""

import re

GRADE_ID = re.compile(r"^(?P<target>.+?)_(?P<kind>visible|hidden)(?:_(?P<n>\d+))?$")
CONCERN = re.compile(r"^#\s*([A-Za-z][\w ,'/-]{0,40}?)\s*:")  # "# Edge cases: ..."


def graded_target(grade_id: str) -> str:
    """``step_decay_hidden_2`` -> ``step_decay``; ``TwoLayerNet_loss_visible`` ->
    ``TwoLayerNet_loss``; another id is its own target."""
    match = GRADE_ID.match(grade_id)
    return match["target"] if match else grade_id


def test_label(grade_id: str) -> str:
    """``step_decay_hidden_2`` -> "hidden test 2"."""
    match = GRADE_ID.match(grade_id)
    if not match:
        return grade_id
    return f"{match['kind']} test" + (f" {match['n']}" if match["n"] else "")


def method_of(grade_id: str) -> str:
    """The graded method a test cell tests: ``TwoLayerNet_loss_hidden_2`` ->
    ``TwoLayerNet.loss``; "" for a function's test (``affine_forward_visible``)."""
    cls, _, method = graded_target(grade_id).partition("_")
    return f"{cls}.{method}" if method and cls[:1].isupper() else ""


def concern(source: str) -> str:
    """The concern a test cell names on its first comment line, in lower case
    ("edge cases", "inputs left unchanged"), or "" if it names none."""
    for line in source.splitlines():
        line = line.strip()
        if line and not line.startswith("###"):
            match = CONCERN.match(line)
            return match[1].lower() if match else ""
    return ""
