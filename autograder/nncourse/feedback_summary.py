"""The top of a feedback page: one row per graded function, what each of its tests gave,
and the one-line cause of the first failure; and the page's style (messages wrap).

``SummaryTable`` runs in the feedback pipeline after nbgrader's ``GetGrades`` (which puts
each test cell's ``score`` and ``points`` in its metadata) and inserts the table as the
notebook's first cell. The cause is the judge's ``Likely cause: ...`` when it named
one, else the first sentence of the failure message. Each test links to its cell; the
table replaces nbgrader's list of "Test cell" links, which the page style hides.
"""

import re

from jinja2 import Environment
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_markdown_cell
from traitlets import Bool

from .diagnoses import LIKELY

GRADE_ID = re.compile(r"^(?P<target>.+?)_(?P<kind>visible|hidden)(?:_(?P<n>\d+))?$")
CAUSE_CHARS = 220

STYLE = """<style>
.nncourse-summary { border-collapse: collapse; margin: 0.5em 0 1.5em; max-width: 100%; }
.nncourse-summary th, .nncourse-summary td { border: 1px solid #ccc; padding: 4px 8px;
  text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.nncourse-summary th, .nncourse-summary td.function, .nncourse-summary td.points,
.nncourse-summary td.tests { white-space: nowrap; overflow-wrap: normal; }
.nncourse-summary .passed, .nncourse-summary .passed a { color: #1a7f37; }
.nncourse-summary .failed, .nncourse-summary .failed a { color: #b00020; }
#toc { display: none; }  /* nbgrader's list of "Test cell" links: the table replaces it */
.jp-OutputArea-output pre, .output_area pre, pre { white-space: pre-wrap;
  overflow-wrap: anywhere; word-break: break-word; }
</style>"""

TABLE = Environment(autoescape=True).from_string(
    """{{ style | safe }}
<h2 id="nncourse-summary">Your grade, function by function</h2>
<table class="nncourse-summary">
<thead><tr><th>function</th><th>points</th><th>tests</th><th>first problem</th></tr></thead>
<tbody>
{% for row in rows %}<tr>
<td class="function"><code>{{ row.function }}</code></td>
<td class="points">{{ row.score }} / {{ row.points }}</td>
<td class="tests">{% for test in row.tests %}
<span class="{{ 'passed' if test.passed else 'failed' }}">
{{ '✔' if test.passed else '✘' }} <a href="#{{ test.grade_id }}">{{ test.label }}</a></span>
{%- if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td>{{ row.cause }}</td>
</tr>
{% endfor %}</tbody>
</table>"""
)


def graded_target(grade_id: str) -> str:
    """``step_decay_hidden_2`` -> ``step_decay``; ``TwoLayerNet_loss_visible`` ->
    ``TwoLayerNet_loss``; another id is its own target."""
    match = GRADE_ID.match(grade_id)
    return match["target"] if match else grade_id


def test_label(grade_id: str) -> str:
    match = GRADE_ID.match(grade_id)
    if not match:
        return grade_id
    return f"{match['kind']} test" + (f" {match['n']}" if match["n"] else "")


def failure_text(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
        if output.get("output_type") == "stream" and output.get("text", "").startswith("FAILED"):
            return output["text"].removeprefix("FAILED: ").strip()
    return ""


def one_line_cause(message: str) -> str:
    """The judge's named cause, else the message's first sentence, capped."""
    if LIKELY in message:
        text = message.split(LIKELY, 1)[1]
    else:
        text = message.split(": ", 1)[-1]
        text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return text if len(text) <= CAUSE_CHARS else text[: CAUSE_CHARS - 3] + "..."


def summary_rows(nb) -> list[dict]:
    rows: dict[str, dict] = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        grade_id = meta.get("grade_id", "")
        score, points = float(meta.get("score") or 0), float(meta.get("points") or 0)
        row = rows.setdefault(
            graded_target(grade_id),
            {"function": graded_target(grade_id), "score": 0.0, "points": 0.0, "tests": []},
        )
        row["score"] += score
        row["points"] += points
        message = failure_text(cell)
        passed = score >= points and not message
        row["tests"].append({"label": test_label(grade_id), "grade_id": grade_id, "passed": passed})
        if not passed and "cause" not in row:
            row["cause"] = one_line_cause(message) if message else "this test lost points"
    for row in rows.values():
        row["score"], row["points"] = f"{row['score']:g}", f"{row['points']:g}"
        row.setdefault("cause", "")
    return list(rows.values())


class SummaryTable(Preprocessor):
    """Insert the per-function table (and the page style) before the first cell."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        rows = summary_rows(nb)
        if rows:
            nb.cells.insert(0, new_markdown_cell(TABLE.render(style=STYLE, rows=rows)))
        return nb, resources
