"""`nncourse site`: the self-study site, built once through the real CLI and read back.

The site is built once per test process (``built_site``) and shared with
tests/browser/test_site.py, which carries the same xdist group so that one worker builds
it and runs both modules. Expectations come from the solution notebooks themselves
(nbgrader metadata and the solution / hidden-test markers), never from particular cells:
- the index links every lesson, in course order;
- no line of a hidden test appears in any page, and no nbgrader marker does;
- every model answer (a markdown solution cell) and every solution line is shown;
- every page holds PNG figures, no widget view or state, and loads nothing from the
  network: MathJax is bundled in the site.
Bad arguments exit 2 with one line; a lesson that raises exits 1 naming it and its cell.
"""

import base64
import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from nncourse import site as S
from tests import harness

pytestmark = pytest.mark.xdist_group("site")

LESSONS = harness.COURSE.assignment_ids()
BUILD_TIMEOUT = 900  # seconds for the whole site (about 25 s on an idle 2-core machine)
MATHJAX_FILES = (
    "MathJax.js",
    "config/TeX-AMS-MML_HTMLorMML-full.js",
    "config/Safe.js",
    "jax/output/HTML-CSS/fonts/STIX-Web/fontdata.js",
    "fonts/HTML-CSS/STIX-Web/woff/STIXMathJax_Main-Regular.woff",
    "extensions/MathMenu.js",
)
HIDDEN_MARK = "### BEGIN HIDDEN TESTS"
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)

# ----------------------------------------------------------------- the site, once

_BUILT: dict = {}


def built_site(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """``nncourse site --out DIR`` for the whole course, run once per test process
    (tests/browser/test_site.py uses the same build): ``(DIR, the finished process)``."""
    if "out" not in _BUILT:
        out = tmp_path_factory.mktemp("site") / "site"
        proc = run_site("--out", str(out), timeout=BUILD_TIMEOUT)
        _BUILT.update(out=out, proc=proc)
    return _BUILT["out"], _BUILT["proc"]


def run_site(*args: str, course: Path | None = None, timeout: float = 120):
    where = ["--course", str(course)] if course else []
    return subprocess.run(
        [harness.NNCOURSE, *where, "site", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=harness.ROOT,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out, proc = built_site(tmp_path_factory)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def pages(site) -> dict[str, str]:
    return {i: (site / f"{i}.html").read_text(encoding="utf-8") for i in LESSONS}


# ----------------------------------------------------------------- what the pages must say


def solution_notebooks() -> dict:
    return {i: harness.read("solutions", i) for i in LESSONS}


def hidden_lines(notebooks) -> list[str]:
    """Substantial lines of every hidden-test cell that no shown cell of any lesson
    repeats (visible tests legitimately share a few, e.g. imports)."""
    hidden, shown = [], ""
    for nb in notebooks.values():
        for cell in nb.cells:
            if HIDDEN_MARK in cell.source:
                hidden += [ln.strip() for ln in cell.source.splitlines()]
            else:
                shown += cell.source + "\n"
    lines = {ln for ln in hidden if len(ln) > 20 and "HIDDEN TESTS" not in ln}
    return sorted(ln for ln in lines if ln not in shown)


def model_answers(nb) -> list[str]:
    """Each markdown solution cell's answer, without its marker lines."""
    return [
        "\n".join(ln for ln in c.source.splitlines() if "### " not in ln or "SOLUTION" not in ln)
        for c in nb.cells
        if c.cell_type == "markdown"
        and c.metadata.get("nbgrader", {}).get("solution")
        and "### BEGIN SOLUTION" in c.source
    ]


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", text)


def prose_chunks(markdown: str) -> list[list[str]]:
    """The word runs of ``markdown`` between its math (rendered math reads differently)."""
    return [w for chunk in MATH.split(markdown) if (w := words(chunk))]


def shows_words(text: str, sequence: list[str]) -> bool:
    """Does ``text`` hold the words of ``sequence`` in a row (markup and spacing aside)?"""
    return f" {' '.join(sequence)} " in f" {' '.join(words(text))} "


class _Page(HTMLParser):
    """The text a page shows (no script or style), and the URLs of its tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.urls, self.scripts, self.styles = [], [], [], []
        self._in = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "data", "srcset", "poster") and value:
                self.urls.append((tag, value))
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        {"script": self.scripts, "style": self.styles, None: self.text}[self._in].append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def page_text(page: str) -> str:
    return "".join(parse(page).text)


# ----------------------------------------------------------------- the steps, alone


def test_reader_notebook_drops_hidden_tests_and_solution_markers():
    for lesson, nb in solution_notebooks().items():
        reader = S.reader_notebook(nb)
        text = "\n".join(c.source for c in reader.cells)
        assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text, lesson
        hidden = sum(HIDDEN_MARK in c.source for c in nb.cells)
        assert hidden and len(reader.cells) == len(nb.cells) - hidden, lesson
        assert all(c.metadata.nncourse_cell >= 1 for c in reader.cells)


def test_solution_markers_go_with_their_indentation_only():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
    assert S.strip_solution_markers(source) == "def f(x):\n    return 2 * x"
    assert S.strip_solution_markers("x = 1  # ### BEGIN SOLUTION") == "x = 1  # ### BEGIN SOLUTION"


def widget_output(**data):
    view = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    return nbformat.v4.new_output(
        "display_data", data={S.WIDGET_VIEW: view, "text/plain": "Widget()", **data}
    )


def test_widget_outputs_become_their_pictures():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    nb = nbformat.v4.new_notebook()
    nb.metadata.widgets = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    cell = nbformat.v4.new_code_cell("w", metadata={"nncourse_cell": 7})
    cell.outputs = [
        widget_output(**{"image/png": png, "text/html": "<div>Figure</div>"}),
        widget_output(),
        nbformat.v4.new_output("display_data", data={"text/html": "<b>kept</b>"}),
    ]
    nb.cells.append(cell)
    assert S.static_outputs(nb) == ["cell 7"]
    assert "widgets" not in nb.metadata
    picture, live, other = cell.outputs
    assert set(picture.data) == {"image/png", "text/plain"}
    assert set(live.data) == {"text/html"} and "interactive" in live.data["text/html"]
    assert other.data == {"text/html": "<b>kept</b>"}


# ----------------------------------------------------------------- the built site


def test_cli_reports_each_lesson_and_the_total(tmp_path_factory):
    _, proc = built_site(tmp_path_factory)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for lesson in LESSONS:
        assert re.search(rf"{lesson}: executed in [\d.]+ s", proc.stdout), proc.stdout
    assert re.search(r"built in [\d.]+ s", proc.stdout), proc.stdout
    assert "MathJax" in proc.stdout and "Traceback" not in proc.stderr


def test_index_links_every_lesson_in_order(site):
    index = parse((site / "index.html").read_text(encoding="utf-8"))
    links = [url for tag, url in index.urls if tag == "a"]
    assert links == [f"{lesson}.html" for lesson in LESSONS]
    for link in links:
        assert (site / link).is_file()
    text = "".join(index.text)
    for lesson, nb in solution_notebooks().items():
        heading = next(c.source for c in nb.cells if c.cell_type == "markdown")
        title = re.search(r"^#+\s+(.+)$", heading, re.M)[1]
        assert shows_words(text, words(title)), f"{lesson}: title {title!r} not in the index"


def test_no_hidden_test_is_shown(pages):
    notebooks = solution_notebooks()
    secret = hidden_lines(notebooks)
    assert len(secret) > 10 * len(notebooks), "expected hidden tests in the solutions"
    for lesson, page in pages.items():
        text = page_text(page)
        leaked = [ln for ln in secret if ln in text]
        assert not leaked, f"{lesson}: hidden-test lines shown: {leaked[:3]}"
        assert "HIDDEN TESTS" not in page, lesson


def test_model_answers_and_solutions_are_shown(pages):
    answered = 0
    for lesson, nb in solution_notebooks().items():
        page = pages[lesson]
        text = page_text(page)
        assert "BEGIN SOLUTION" not in page and "END SOLUTION" not in page, lesson
        for answer in model_answers(nb):
            answered += 1
            assert shows_words(text, words(answer)), f"{lesson}: answer not shown: {answer[:80]}"
        code = SimpleNamespace(cells=[c for c in nb.cells if c.cell_type == "code"])
        solution_lines = harness.secret_lines(code, kinds=("SOLUTION",))
        missing = [ln for ln in solution_lines if ln not in text]
        assert solution_lines and not missing, f"{lesson}: solution lines not shown: {missing[:3]}"
    assert answered >= 2, "expected model answers in the solutions"


PNG_SRC = re.compile(r'<img[^>]*src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"')


def test_each_page_shows_png_figures(pages):
    for lesson, page in pages.items():
        images = PNG_SRC.findall(page)
        assert images, f"{lesson}: no PNG figure"
        for data in images:
            assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n", lesson


# the last line of each widget cell (its displayed value) in the solution notebooks
WIDGET_CELLS = {
    "03_lr_schedules": ("ScheduleExplorer(", "TrainingComparison("),
    "04_neural_networks": ("NetworkPlayground(",),
}


@pytest.mark.parametrize("lesson", list(WIDGET_CELLS))
def test_every_widget_shows_as_a_picture(pages, lesson):
    page = pages[lesson]
    for code in WIDGET_CELLS[lesson]:
        at = page.find(html.escape(code).replace("(", '</span><span class="p">('))
        at = at if at >= 0 else page.find(code)
        assert at >= 0, f"{lesson}: no cell with {code}"
        end = page.find('class="jp-InputArea', at)  # the next code cell
        output = page[at : end if end >= 0 else len(page)]
        assert PNG_SRC.search(output), f"{lesson}: the output of {code} is not a picture"


def test_widgets_are_pictures_without_state(pages):
    for lesson, page in pages.items():
        assert "application/vnd.jupyter.widget" not in page, lesson  # view, state
        assert "require.js" not in page and "embed-amd" not in page, lesson


def test_nothing_is_loaded_from_the_network(site, pages):
    network = re.compile(r"^\s*(https?:)?//", re.I)
    for name, page in {**pages, "index": (site / "index.html").read_text()}.items():
        parsed = parse(page)
        remote = [(tag, url) for tag, url in parsed.urls if tag != "a" and network.match(url)]
        assert not remote, f"{name}: {remote[:3]}"
        for script in parsed.scripts:
            assert not re.search(r"https?://|cdn\.|unpkg", script), f"{name}: {script[:200]}"
        for style in parsed.styles:
            assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", style), name


def test_mathjax_is_bundled(site, pages):
    for path in MATHJAX_FILES:
        assert (site / "mathjax" / path).is_file(), path
    for lesson, page in pages.items():
        sources = [u for t, u in parse(page).urls if t == "script"]
        assert sources, f"{lesson}: no MathJax script"
        for src in sources:
            assert (site / src.split("?")[0]).is_file(), f"{lesson}: {src}"
            assert "TeX-AMS-MML_HTMLorMML-full" in src


# ----------------------------------------------------------------- rebuilding one lesson


def test_one_lesson_rebuilds_into_an_existing_site(site, tmp_path):
    out = tmp_path / "site"
    shutil.copytree(site, out)
    lesson, other = LESSONS[0], LESSONS[-1]
    (out / f"{lesson}.html").write_text("old")
    (out / f"{other}.html").unlink()
    proc = run_site("--out", str(out), "--lesson", lesson, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 lesson page(s)" in proc.stdout
    assert (out / f"{lesson}.html").stat().st_size > 10_000
    index = (out / "index.html").read_text()
    assert f'href="{lesson}.html"' in index and f'href="{other}.html"' not in index
    assert f"{other}: not built" in index


# ----------------------------------------------------------------- bad input and failures


def assert_one_line_error(proc, code: int, *needles: str) -> None:
    assert proc.returncode == code, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("nncourse: error: ")]
    assert lines, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert any(needle in ln for ln in lines), proc.stderr


def test_unknown_lesson_exits_2(tmp_path):
    proc = run_site("--out", str(tmp_path / "s"), "--lesson", "99_nope")
    assert_one_line_error(proc, 2, "99_nope", LESSONS[0])
    assert not (tmp_path / "s").exists()


def test_out_that_is_a_file_exits_2(tmp_path):
    target = tmp_path / "file.html"
    target.write_text("x")
    assert_one_line_error(run_site("--out", str(target)), 2, "is a file")
    assert target.read_text() == "x"


def test_out_that_holds_something_else_exits_2(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert_one_line_error(run_site("--out", str(tmp_path)), 2, "not empty")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def small_course(root: Path, lessons: dict[str, list[str]]) -> Path:
    """A course whose lessons hold only these code cells (after a title cell)."""
    (root / "autograder").mkdir(parents=True)
    shutil.copy(harness.COURSE.config_file, root / "autograder" / "nbgrader_config.py")
    for lesson, sources in lessons.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3"}
        nb.cells.append(nbformat.v4.new_markdown_cell(f"# Lesson {lesson}"))
        for k, source in enumerate(sources):
            cell = nbformat.v4.new_code_cell(source)
            cell.metadata.nbgrader = {"grade_id": f"cell_{k}", "locked": True}
            nb.cells.append(cell)
        (root / "solutions" / lesson).mkdir(parents=True)
        nbformat.write(nb, root / "solutions" / lesson / f"{lesson}.ipynb")
    return root


def test_a_lesson_that_raises_exits_1_naming_it_and_its_cell(tmp_path):
    course = small_course(
        tmp_path / "course",
        {
            "01_fine": ["print('fine')"],
            "02_broken": ["x = 1", "def f():\n    return 1 / 0\n\nf()", "print('never')"],
        },
    )
    out = tmp_path / "site"  # an earlier site, whose page of 02_broken is now stale
    out.mkdir()
    (out / "index.html").write_text('<meta name="generator" content="nncourse site">')
    (out / "02_broken.html").write_text("stale")
    proc = run_site("--out", str(out), course=course)
    # the title cell is cell 1: the failing code cell is the notebook's cell 3
    assert_one_line_error(proc, 1, "02_broken", "cell 3 (cell_1)", "ZeroDivisionError")
    assert (out / "01_fine.html").is_file() and not (out / "02_broken.html").exists()
    index = (out / "index.html").read_text()
    assert 'href="01_fine.html"' in index and "02_broken: not built" in index


def test_the_kernels_own_stderr_never_reaches_ours(tmp_path):
    """ipykernel may log a traceback of its own on fd 2 while it shuts down after a failed
    cell (seen in CI: a ZMQError from its stderr flush). The kernel's fd 2 goes to a tail:
    our stderr keeps one line per failed lesson, and a kernel that died is named with
    its last words."""
    course = small_course(
        tmp_path / "course",
        {
            "01_noisy": [
                "import os\nos.write(2, b'Traceback (most recent call last):\\n  internals\\n')",
                "1 / 0",
            ],
            "02_dies": ["import os\nos.write(2, b'the last words\\n')\nos._exit(3)"],
        },
    )
    proc = run_site("--out", str(tmp_path / "site"), course=course)
    assert_one_line_error(proc, 1, "01_noisy", "ZeroDivisionError")
    assert "internals" not in proc.stderr
    dies = [ln for ln in proc.stderr.splitlines() if "02_dies" in ln]
    assert len(dies) == 1 and "cell 2" in dies[0] and "the last words" in dies[0], proc.stderr


def test_hidden_test_cells_are_not_executed(tmp_path):
    """A hidden-test cell is left out before execution: one that would fail cannot."""
    course = small_course(
        tmp_path / "course",
        {
            "01_only": [
                "y = 2",
                "### BEGIN HIDDEN TESTS\nassert y == 3, 'hidden'\n### END HIDDEN TESTS",
            ]
        },
    )
    proc = run_site("--out", str(tmp_path / "site"), course=course)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (tmp_path / "site" / "01_only.html").read_text()
    assert "y = 2" in page_text(page)
    assert "hidden" not in page_text(page) and "HIDDEN" not in page
