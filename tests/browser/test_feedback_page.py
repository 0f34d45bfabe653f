"""A feedback page in Debian's chromium: the summary table is at the top, names the
likely cause of a known bug, and no message runs off the page (they wrap); with every
network request blocked and recorded, the page asks for nothing but itself, its lessons
show no TeX, and their math is laid out as MathML.

The page is the one `nncourse check` writes for notebook 03 solved with one catalog bug
(cosine_decay without its clamp). Screenshot: tests/artifacts/feedback/no_clamp.png.
The math of all four lessons is checked on pages rendered as generate_feedback does
(tests/test_feedback_pages.py, ``feedback_page``), without grading them.
"""

import nbformat
import pytest

from nncourse.mutate import solved_submission
from tests import harness
from tests.test_feedback_pages import NOTEBOOKS, feedback_page
from tests.test_feedback_summary import ASSIGNMENT, NO_CLAMP, nncourse_check

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("feedback_page")]

VIEWPORT = {"width": 900, "height": 900}

OVERFLOW_JS = """() => {
  const page = document.documentElement;
  const wide = Array.from(document.querySelectorAll("pre, td, .jp-OutputArea-output"))
    .filter((el) => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
    .map((el) => el.tagName + ": " + el.textContent.slice(0, 60));
  return {page: page.scrollWidth, window: window.innerWidth, wide: wide};
}"""

TABLE_JS = """() => {
  const table = document.querySelector("table.nncourse-summary");
  if (!table) return null;
  const rows = Array.from(table.querySelectorAll("tbody tr")).map((tr) =>
    Array.from(tr.querySelectorAll("td")).map((td) => td.innerText.trim()));
  const first = document.querySelector(".jp-Cell, .cell");
  return {rows: rows, top: table.getBoundingClientRect().top,
          firstCellHasTable: !!(first && first.querySelector("table.nncourse-summary"))};
}"""


# The lessons' text (code left out: `$` is code there) and their math elements' boxes.
MATH_JS = r"""() => {
  const cells = Array.from(document.querySelectorAll(".nncourse-markdown"));
  const text = cells.map((cell) => {
    const copy = cell.cloneNode(true);
    copy.querySelectorAll("code, pre, math").forEach((el) => el.remove());
    return copy.textContent;
  }).join("\n");
  const tex = text.match(/\$[^$\n]+\$|\\\(|\\\[|\\(frac|text|begin|sum|partial|left)\b/g);
  const boxes = Array.from(document.querySelectorAll(".nncourse-markdown math")).map((m) => {
    const r = m.getBoundingClientRect();
    return [r.width, r.height];
  });
  const height = (sel) => {
    const el = document.querySelector(sel);
    return el ? el.getBoundingClientRect().height : null;
  };
  return {cells: cells.length, tex: tex || [], boxes: boxes,
          mathml: typeof MathMLElement !== "undefined",
          frac: height(".nncourse-markdown math[display=block] mfrac"),
          letter: height(".nncourse-markdown math mi")};
}"""


def open_offline(browser, path):
    """A page opened with every request recorded and only the page itself let through."""
    context = browser.new_context(viewport=VIEWPORT)
    requests = []

    def route(r):
        requests.append(r.request.url)
        r.continue_() if r.request.url == path.as_uri() else r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page, requests


def assert_math_rendered(math: dict, least: int):
    assert math["mathml"] and math["cells"] > 0
    assert math["tex"] == [], math["tex"][:5]  # no TeX left for a MathJax that is not there
    assert len(math["boxes"]) >= least, len(math["boxes"])
    empty = [box for box in math["boxes"] if not (box[0] > 0 and box[1] > 0)]
    assert not empty, f"{len(empty)} of {len(math['boxes'])} formulas have no size"
    # laid out as MathML: a display fraction stacks two rows, taller than a letter
    assert math["frac"] > 1.5 * math["letter"] > 0, math


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    release = harness.read("assignments", ASSIGNMENT)
    solution = harness.read("solutions", ASSIGNMENT)
    nb = solved_submission(release, solution, {NO_CLAMP.target: NO_CLAMP.source})
    path = tmp_path_factory.mktemp("feedback") / f"{ASSIGNMENT}.ipynb"
    nbformat.write(nb, path)
    nncourse_check(path)
    return path.with_name(f"{path.stem}.feedback.html")


def test_the_summary_table_leads_and_messages_wrap(browser, page_path, artifacts):
    context = browser.new_context(viewport=VIEWPORT)
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
    )
    page = context.new_page()
    try:
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        shots = artifacts / "feedback"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "no_clamp.png"), full_page=False)

        table = page.evaluate(TABLE_JS)
        assert table is not None, "no summary table"
        assert table["firstCellHasTable"], "the table is not the page's first cell"
        rows = {r[0]: r for r in table["rows"]}
        assert set(rows) >= {"step_decay", "cosine_decay", "cosine_with_restarts"}
        assert rows["step_decay"][1] == "6 / 6" and "✘" not in rows["step_decay"][2]
        cosine = rows["cosine_decay"]
        assert cosine[1] != "6 / 6" and "✘" in cosine[2]
        assert "the rate climbs back up after t = T" in cosine[3]

        overflow = page.evaluate(OVERFLOW_JS)
        assert overflow["page"] <= overflow["window"], overflow
        assert not overflow["wide"], overflow["wide"][:3]
    finally:
        context.close()


def test_the_page_loads_nothing_else_and_its_math_is_mathml(browser, page_path):
    context, page, requests = open_offline(browser, page_path)
    try:
        assert requests == [page_path.as_uri()]  # no font, script, style or image fetched
        assert_math_rendered(page.evaluate(MATH_JS), least=80)
    finally:
        context.close()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_lesson_shows_its_math_offline(browser, tmp_path, name):
    path = tmp_path / f"{name}.html"
    path.write_text(feedback_page(harness.read("solutions", name)), encoding="utf-8")
    context, page, requests = open_offline(browser, path)
    try:
        assert requests == [path.as_uri()]
        assert_math_rendered(page.evaluate(MATH_JS), least=50)
    finally:
        context.close()
