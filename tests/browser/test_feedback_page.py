"""A feedback page in Debian's chromium: the summary table is at the top, names the
likely cause of a known bug, and no message runs off the page (they wrap).

The page is the one `nncourse check` writes for notebook 03 solved with one catalog bug
(cosine_decay without its clamp). Screenshot: tests/artifacts/feedback/no_clamp.png.
"""

import nbformat
import pytest

from nncourse.mutate import solved_submission
from tests import harness
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
