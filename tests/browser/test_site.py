"""The self-study site in a real browser, offline: Debian's chromium reads it from file://.

The site is the one tests/test_site.py builds (``built_site``, once per test process;
both modules share the xdist group "site"). Every request that is not file:// is
aborted and recorded. Chromium opens index.html, follows each lesson link, waits for
MathJax to finish, and checks that
- nothing was requested from the network, and no file of the site failed to load;
- the math is typeset (MathJax elements on the page, no raw ``$$`` or TeX commands left
  in the text of any markdown cell, no MathJax error);
- every figure loaded (``naturalWidth > 0``);
- the page text shows every model answer and no hidden-test line;
- the page logged no console error.
Full-page screenshots go to tests/artifacts/site/ID.png (and index.png).
"""

import re

import pytest

from tests.test_site import (
    LESSONS,
    built_site,
    hidden_lines,
    model_answers,
    prose_chunks,
    shows_words,
    solution_notebooks,
)

from . import helpers as H

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("site")]

VIEWPORT = {"width": 1280, "height": 900}
MATHJAX_TIMEOUT_MS = 60_000

# "typeset" once MathJax has started up (its startup ends with the first typeset of the
# page) and its queue has run everything queued before; "timeout" after ``ms``.
MATHJAX_DONE_JS = """(ms) => new Promise((resolve) => {
  setTimeout(() => resolve("timeout"), ms);
  const ready = () => {
    if (!(window.MathJax && MathJax.Hub && MathJax.Hub.Register)) {
      setTimeout(ready, 50);
      return;
    }
    MathJax.Hub.Register.StartupHook("End", () => {
      MathJax.Hub.Queue(() => resolve("typeset"));
    });
  };
  ready();
})"""

MATH_STATS_JS = """() => ({
  rendered: document.querySelectorAll(".MathJax, .MathJax_Display").length,
  sources: document.querySelectorAll('script[type^="math/tex"]').length,
  errors: document.querySelectorAll(".MathJax_Error, merror, .noError").length,
  markdown: Array.from(document.querySelectorAll(".jp-RenderedMarkdown"))
    .map((e) => e.innerText).join("\\n"),
})"""

IMAGES_JS = """() => Array.from(document.images).map((img) => ({
  src: img.currentSrc.slice(0, 40), complete: img.complete, width: img.naturalWidth,
}))"""

RAW_TEX = re.compile(r"\$\$|\\(frac|sum|sqrt|mathbf|mathrm|partial|left|right|cdot|nabla)\b")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out, proc = built_site(tmp_path_factory)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture
def offline_page(browser):
    """A page that may load file:// URLs only; ``page.blocked`` lists what it tried
    beyond them, ``page.failed`` the requests that failed, ``page.console`` its errors."""
    context = browser.new_context(viewport=VIEWPORT)
    blocked, failed = [], []

    def route(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.blocked, page.failed = blocked, failed
    page.console = H.ConsoleWatch(page)
    try:
        yield page
    finally:
        context.close()


def test_index_links_every_lesson(site, offline_page, artifacts):
    page = offline_page
    page.goto((site / "index.html").as_uri())
    shots = artifacts / "site"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "index.png"), full_page=True)
    links = page.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
    assert links == [f"{lesson}.html" for lesson in LESSONS]
    page.click(f"a[href='{LESSONS[0]}.html']")
    page.wait_for_load_state("load")
    assert page.url == (site / f"{LESSONS[0]}.html").as_uri()
    assert not page.blocked and not page.failed and not page.console.errors()


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_renders_offline(site, offline_page, artifacts, lesson):
    page = offline_page
    page.goto((site / "index.html").as_uri())
    page.click(f"a[href='{lesson}.html']")
    page.wait_for_load_state("load")
    assert page.evaluate(MATHJAX_DONE_JS, MATHJAX_TIMEOUT_MS) == "typeset"

    shots = artifacts / "site"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{lesson}.png"), full_page=True)

    assert not page.blocked, f"network requests: {page.blocked[:5]}"
    assert not page.failed, f"failed to load: {page.failed[:5]}"

    math = page.evaluate(MATH_STATS_JS)
    assert math["rendered"] > 0 and math["sources"] > 0, math
    assert math["errors"] == 0, f"{math['errors']} MathJax errors"
    raw = sorted({m[0] for m in RAW_TEX.finditer(math["markdown"])})
    assert not raw, f"untypeset TeX in the markdown: {raw}"

    images = page.evaluate(IMAGES_JS)
    assert images, "no figures"
    broken = [img for img in images if not (img["complete"] and img["width"] > 0)]
    assert not broken, broken[:3]

    text = page.inner_text("body")
    notebooks = solution_notebooks()
    leaked = [ln for ln in hidden_lines(notebooks) if ln in text]
    assert not leaked, f"hidden-test lines shown: {leaked[:3]}"
    for answer in model_answers(notebooks[lesson]):
        missing = [c for c in prose_chunks(answer) if not shows_words(text, c)]
        assert not missing, f"model answer not shown: {' '.join(missing[0])!r}"

    assert not page.console.errors(), page.console.errors()
