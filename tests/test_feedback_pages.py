"""nncourse.feedback: which students get a page, in how many parts, and how a failing
part is reported (``write_feedback``; a stand-in for nbgrader's API writes the pages, the
real one runs in test_grade_cli, test_resume and test_late, so the forked processes are
real); and what a page holds: every lesson's math as MathML and nothing loaded from the
network (``OfflineMath``; tests/browser/test_feedback_page.py opens such pages)."""

import html
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbgrader
import pytest
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbformat.v4 import new_markdown_cell, new_notebook

from nncourse.feedback import feedback_preprocessors, parts_of, pending_feedback, write_feedback
from nncourse.mathml import markdown_html, mathml
from tests import harness

A = "01_x"


class FakeApi:
    """Writes ``feedback/STUDENT/A/NB.html`` for every autograded student not excluded,
    as nbgrader's generate_feedback does; students in ``fail`` get none and fail the run."""

    def __init__(self, out: Path, fail=(), crash=()):
        self.out, self.fail, self.crash = out, set(fail), set(crash)
        self.coursedir = SimpleNamespace(student_id_exclude="")

    def generate_feedback(self, assignment, student_id, force):
        assert student_id is None and force
        excluded = set(filter(None, self.coursedir.student_id_exclude.split(",")))
        ok = True
        for folder in sorted((self.out / "autograded").glob(f"*/{assignment}")):
            student = folder.parent.name
            if student in excluded:
                continue
            if student in self.crash:
                os._exit(1)  # a feedback process dies
            if student in self.fail:
                ok = False
                continue
            for notebook in folder.glob("*.ipynb"):
                page = self.out / "feedback" / student / assignment / f"{notebook.stem}.html"
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text(f"{student} pid {os.getpid()}")
        return {"success": ok, "log": "" if ok else "[ERROR] could not render", "error": ""}


def autograded(out: Path, students, notebooks=("nb",)):
    for student in students:
        for nb in notebooks:
            path = out / "autograded" / student / A / f"{nb}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("{}")


def pages(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out / "feedback")): p.read_text()
        for p in sorted((out / "feedback").rglob("*.html"))
    }


def test_pending_is_every_autograded_student_missing_a_page(tmp_path):
    autograded(tmp_path, ["ann", "bob"], notebooks=("p1", "p2"))
    autograded(tmp_path, ["cat"])
    (tmp_path / "autograded" / "dan" / A).mkdir(parents=True)  # autograde failed: empty
    for student, nb in [("ann", "p1"), ("ann", "p2"), ("bob", "p1")]:
        page = tmp_path / "feedback" / student / A / f"{nb}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("")
    assert pending_feedback(tmp_path, A) == (["ann", "bob", "cat"], ["bob", "cat"])


@pytest.mark.parametrize(
    "n, processes, sizes",
    [(0, 2, []), (1, 2, [1]), (5, 2, [2, 2, 1]), (40, 2, [10] * 4), (100, 2, [16] * 6 + [4])],
)
def test_parts(n, processes, sizes):
    students = [f"s{i:03d}" for i in range(n)]
    parts = parts_of(students, processes)
    assert [len(p) for p in parts] == sizes
    assert [s for p in parts for s in p] == students


@pytest.mark.parametrize("processes", [1, 2])
def test_every_missing_page_is_written_once(tmp_path, processes):
    students = [f"s{i}" for i in range(7)]
    autograded(tmp_path, students)
    done = tmp_path / "feedback" / "s3" / A / "nb.html"
    done.parent.mkdir(parents=True)
    done.write_text("kept")
    ticks = []
    progress = SimpleNamespace(advance=lambda n, *a: ticks.append(n))
    api = FakeApi(tmp_path)
    assert write_feedback(api, tmp_path, A, processes, progress) == ([], [])
    got = pages(tmp_path)
    assert sorted(got) == [f"{s}/{A}/nb.html" for s in students]
    assert got[f"s3/{A}/nb.html"] == "kept"  # a page already there is not redone
    assert sum(ticks) == 6
    writers = {text.split("pid ")[1] for key, text in got.items() if "pid" in text}
    if processes == 2:
        assert writers and str(os.getpid()) not in writers  # written in forked processes
    else:
        assert writers == {str(os.getpid())}
    assert api.coursedir.student_id_exclude == ""  # restored


@pytest.mark.parametrize("processes", [1, 2])
def test_a_failing_student_is_reported_and_the_others_get_pages(tmp_path, processes):
    autograded(tmp_path, ["ann", "bob", "cat", "dan"])
    missing, failures = write_feedback(FakeApi(tmp_path, fail={"bob"}), tmp_path, A, processes)
    assert missing == ["bob"]
    assert [f["log"] for f in failures] == ["[ERROR] could not render"]
    assert sorted(pages(tmp_path)) == [f"{s}/{A}/nb.html" for s in ("ann", "cat", "dan")]


def test_a_dead_feedback_process_is_reported_and_a_later_run_fills_in(tmp_path):
    students = [f"s{i}" for i in range(8)]  # 4 parts of 2
    autograded(tmp_path, students)
    missing, failures = write_feedback(FakeApi(tmp_path, crash={"s0"}), tmp_path, A, 2)
    assert "s0" in missing
    assert failures and all("feedback process failed" in f["error"] for f in failures)
    assert write_feedback(FakeApi(tmp_path), tmp_path, A, 2) == ([], [])  # as --resume does
    assert sorted(pages(tmp_path)) == [f"{s}/{A}/nb.html" for s in students]


def test_a_comma_in_a_student_id_falls_back_to_one_run(tmp_path):
    """nbgrader's exclude list is comma-separated: such an id cannot be excluded, so all
    pages are written in one run (the stand-in, like nbgrader, splits the list)."""
    autograded(tmp_path, ["ann", "b,c", "dan"])
    assert write_feedback(FakeApi(tmp_path), tmp_path, A, 2) == ([], [])
    got = pages(tmp_path)
    assert sorted(got) == [f"{s}/{A}/nb.html" for s in ("ann", "b,c", "dan")]
    assert {text.split("pid ")[1] for text in got.values()} == {str(os.getpid())}


# ------------------------------------------------------------------ math without a network

NBGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
NOTEBOOKS = ("01_gradient_checking", "02_minibatch_sgd", "03_lr_schedules", "04_neural_networks")
# what MathJax would have typeset, left in the text of a rendered markdown cell
TEX_LEFT = re.compile(r"\$[^$\n]+\$|\\\(|\\\[|\\(?:frac|text|begin|sum|partial|left)\b")


def feedback_page(nb) -> str:
    """``nb``'s page as nbgrader's generate_feedback writes it (its exporter, template and
    template paths) with nncourse's preprocessors, less GetGrades, which reads a gradebook:
    every graded cell scores 0 here."""
    from nbgrader.preprocessors import GetGrades

    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") or meta.get("task"):
            meta.setdefault("score", 0)
    exporter = HTMLExporter(
        template_name="feedback",
        extra_template_basedirs=[str(NBGRADER_TEMPLATES / "templates")],
        extra_template_paths=[str(NBGRADER_TEMPLATES / "static/node_modules/bootstrap/dist/css")],
    )
    for preprocessor in feedback_preprocessors():
        if preprocessor is not GetGrades:
            exporter.register_preprocessor(preprocessor, enabled=True)
    nbgrader_info = {"notebook": "nb", "score": 0, "max_score": 0, "late_penalty": 0}
    return exporter.from_notebook_node(nb, {"nbgrader": nbgrader_info})[0]


class Resources(HTMLParser):
    """Every URL the page would load: script, link, img, iframe, source, object, embed."""

    ATTRS = {"src", "href", "data"}

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "link", "img", "iframe", "source", "object", "embed"}:
            self.urls += [(tag, value) for name, value in attrs if name in self.ATTRS and value]


def remote_resources(page: str) -> list[tuple[str, str]]:
    """(tag, url) of everything the page loads from another machine."""
    parser = Resources()
    parser.feed(page)
    remote = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
    found = [(tag, url) for tag, url in parser.urls if remote.match(url)]
    css_imports = re.findall(r"@import\s+(?:url\()?['\"]?((?:https?:)?//[^'\")\s]+)", page)
    return found + [("@import", url) for url in css_imports]


def markdown_text(page: str) -> str:
    """The text of the page's markdown cells, tags removed (math as MathML characters)."""
    cells = re.findall(r'<div class="nncourse-markdown">(.*?)\n</div>', page, re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(cells)))


@pytest.fixture(scope="module")
def lesson_pages() -> dict[str, str]:
    return {name: feedback_page(harness.read("solutions", name)) for name in NOTEBOOKS}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_lesson_page_loads_nothing_from_the_network(lesson_pages, name):
    page = lesson_pages[name]
    assert remote_resources(page) == []
    assert "<script" not in page.lower()  # no MathJax, no loader: the page is plain HTML
    assert "cdnjs" not in page and "MathJax.Hub" not in page


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_formula_of_a_lesson_is_mathml(lesson_pages, name):
    page = lesson_pages[name]
    source = harness.read("solutions", name)
    dollars = sum(c.source.count("$") for c in source.cells if c.cell_type == "markdown")
    assert page.count("<math") >= dollars // 4  # $$..$$ is 4 dollars for one formula
    assert 'class="nncourse-tex"' not in page  # no formula latex2mathml could not read
    assert TEX_LEFT.findall(markdown_text(page)) == []


def test_the_remote_resources_of_nbconverts_own_page_are_found():
    """The check above can fail: nbgrader's template with nbconvert's MathJax loader."""
    nb = new_notebook(cells=[new_markdown_cell("Euler: $e^{i\\pi} + 1 = 0$.")])
    exporter = HTMLExporter(
        template_name="feedback",
        extra_template_basedirs=[str(NBGRADER_TEMPLATES / "templates")],
        extra_template_paths=[str(NBGRADER_TEMPLATES / "static/node_modules/bootstrap/dist/css")],
    )
    nbgrader_info = {"notebook": "nb", "score": 0, "max_score": 0, "late_penalty": 0}
    page = exporter.from_notebook_node(nb, {"nbgrader": nbgrader_info})[0]
    assert [tag for tag, url in remote_resources(page) if "mathjax" in url] == ["script"]
    assert TEX_LEFT.findall(markdown_text(feedback_page(nb))) == []
    assert "e^{i" in page  # left for MathJax there


@pytest.mark.parametrize(
    "tex, has, lacks",
    [
        (r"\text{warmup\_steps}", "<mtext>warmup_steps</mtext>", "\\_"),
        (r"\mathbb{1}[j = y_i]", "<mn>\U0001d7d9</mn>", "mathvariant"),
        (r"\text{<b>x</b> & y}", "&lt;b&gt;x&lt;/b&gt;", "<b>"),
        (r"a < b", "<mo>&lt;</mo>", "xmlns"),
        (r"\frac{1}{", '<code class="nncourse-tex"', "<math"),  # unreadable: shown, marked
        (r"\text{&#x3C;script&#x3E;}", "&lt;script&gt;", "<script"),
    ],
)
def test_mathml_is_escaped_and_drawn_the_same_in_every_browser(tex, has, lacks):
    out = mathml(tex, "inline")
    assert has in out and lacks not in out, out


def test_a_markdown_cell_is_one_html_block_that_a_second_markdown_pass_keeps():
    source = (
        "# A heading with $x^2$\n\nText $a_i$, `$not math$` and \\$5.\n\n"
        "$$\\frac{1}{N}\\sum_i L_i$$\n\n```python\nx = 1\n\n\ny = 2\n```\n"
    )
    out = markdown_html(source)
    assert markdown2html_mistune(out).strip() == out.strip()
    assert "\n\n" not in out and out.count("<math") == 3
    assert '<math display="block">' in out and "<code>$not math$</code>" in out
    assert "ns0:" not in out  # the heading's anchor keeps <math> as MathML
    code = re.sub(r"<[^>]*>", "", out.split("<pre>")[1].split("</pre>")[0])
    assert code == "x = 1\n\n\ny = 2\n"  # a code block keeps its blank lines
