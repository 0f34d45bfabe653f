"""The top of a feedback page: one row per graded function, what each of its tests gave,
and the one-line cause of the first failure; and the page's style (messages wrap).

``SummaryTable`` runs in the feedback pipeline after nbgrader's ``GetGrades`` (which puts
each test cell's ``score`` and ``points`` in its metadata), before ``HideHiddenTests``,
and inserts the table as the notebook's first cell. A hidden test is listed by the
concern its first comment names ("edge cases", "inputs left unchanged"), never by its
code. The cause is the known mistake the judge named, read as data from
the test cell's metadata (``cell.metadata["nncourse"]["cause"]``, which only
``sealed.ApplyExecution`` writes), else the first sentence of the failure message. The
message is never searched for "Likely cause: ": it quotes the student's own exception
text, which could forge one. Each test links to its cell; the table replaces nbgrader's
list of "Test cell" links, which the page style hides.
"""

import re

from jinja2 import Environment
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_markdown_cell
from traitlets import Bool

from .grade_ids import concern, graded_target, test_label

CAUSE_CHARS = 220
CAUSE_KEY = "nncourse"  # test cell metadata {"cause": ...}, written by sealed.ApplyExecution

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


def failure_text(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
        if output.get("output_type") == "stream" and output.get("text", "").startswith("FAILED"):
            return output["text"].removeprefix("FAILED: ").strip()
    return ""


def named_cause(cell) -> str:
    """The known mistake the judge named for this test cell, or ""."""
    data = cell.get("metadata", {}).get(CAUSE_KEY)
    cause = data.get("cause") if isinstance(data, dict) else None
    return cause if isinstance(cause, str) else ""


def one_line(text: str) -> str:
    return text if len(text) <= CAUSE_CHARS else text[: CAUSE_CHARS - 3] + "..."


def first_sentence(message: str) -> str:
    """The failure message's first sentence, after its exception name, capped."""
    text = message.split(": ", 1)[-1]
    return one_line(re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0])


def first_problem(cell, message: str) -> str:
    """What the table says about a failed test: the named cause, else the message."""
    cause = named_cause(cell)
    if cause:
        return one_line(cause)
    return first_sentence(message) if message else "this test lost points"


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
        label = concern(cell.source) if "_hidden" in grade_id else ""
        label = label or test_label(grade_id)
        row["tests"].append({"label": label, "grade_id": grade_id, "passed": passed})
        if not passed and "cause" not in row:
            row["cause"] = first_problem(cell, message)
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
