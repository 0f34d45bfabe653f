"""ScheduleExplorer in a real browser: JupyterLab 4, Notebook 7 and Voila.

A JupyterLab, a Notebook 7 and a Voila server start in parallel on loopback ports, each
serving its own copy of the notebook. Chromium opens the notebook, runs it, moves the
dropdown and a slider with the keyboard, and checks that
- the plot is redrawn (the ipympl canvas pixels change) and, in JupyterLab and
  Notebook 7, that the canvas then shows exactly the frame matplotlib rendered last in
  the kernel;
- the readout says what ``nnkit.schedules`` computes in this process for the
  parameters the page shows;
- there are no console errors (except the few upstream ones listed in helpers, each
  reproduced without our code), no error or stderr outputs, and no widget error.

The notebook is ``browser_notebook`` (conftest): the fixture notebook by default,
another one with NNCOURSE_BROWSER_NOTEBOOK=path/relative/to/repo.ipynb.
Screenshots go to tests/artifacts/.
"""

import pytest

from . import helpers as H
from .require import require_module

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

VIEWPORT = {"width": 1400, "height": 1000}


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory, browser_notebook):
    root = tmp_path_factory.mktemp("browser_root")
    return {
        kind: H.copy_notebook(browser_notebook, root, f"{kind}_{browser_notebook.name}")
        for kind in ("lab", "nb7", "voila")
    }


@pytest.fixture(scope="module")
def started(tmp_path_factory, notebooks, browser):
    """Start the three servers at once (each takes seconds); each test waits for its own.
    JupyterLab and Notebook 7 get separate servers: see helpers.start_jupyter."""
    servers = {}
    for app in ("lab", "notebook"):
        home = tmp_path_factory.mktemp(app)
        servers[app] = H.start_jupyter(notebooks["lab"].parent, home, app=app)
    try:
        require_module("voila", pip="voila")
        servers["voila"] = H.start_voila(notebooks["voila"], tmp_path_factory.mktemp("voila"))
    except (pytest.skip.Exception, pytest.fail.Exception) as outcome:
        servers["voila"] = outcome  # raised again by voila_server, for the voila test only
    yield servers
    H.stop_all(servers.values())


@pytest.fixture(scope="module")
def lab_server(started):
    return started["lab"].wait_ready()


@pytest.fixture(scope="module")
def notebook_server(started):
    return started["notebook"].wait_ready()


@pytest.fixture(scope="module")
def voila_server(started):
    server = started["voila"]
    if isinstance(server, BaseException):
        raise server
    return server.wait_ready()


@pytest.fixture
def page(browser):
    """A fresh browser context and page; console errors are collected from the start.
    (Loading the three frontends in parallel pages was slower on 2 cores, not faster.)"""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(H.DRAW_HOOK)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.console_watch = H.ConsoleWatch(page)
    yield page
    context.close()


def check_readout(page) -> str:
    """The readout agrees with nnkit.schedules for the parameters the page shows."""
    key = H.current_schedule(page)
    expected = H.expected_readout(key, H.dom_params(page, key), H.dom_num_steps(page))
    ok = H.wait_until(lambda: H.readout_matches(H.readout_text(page), expected), timeout=10)
    assert ok, f"{key}: readout {H.readout_text(page)!r}, expected {expected}"
    return H.readout_text(page)


def change_and_check(page, action, what: str, canvas: bool = True) -> None:
    """Do ``action``; then the readout must change to the right values and, with an
    ipympl canvas, the plot's pixels must change."""
    text = H.readout_text(page)
    pixels = H.canvas_pixels(page) if canvas else None
    action()
    changed = H.wait_until(lambda: H.readout_text(page) != text, timeout=10)
    assert changed, f"{what}: the readout did not change from {text!r}"
    check_readout(page)
    if canvas:
        redrawn = H.wait_until(lambda: H.canvas_pixels(page) != pixels, timeout=10)
        assert redrawn, f"{what}: the figure was not redrawn"


def move_cosine_T(page, key: str = "ArrowLeft", times: int = 5):
    """Switch to cosine decay; return (T before, an action pressing ``key`` ``times``
    on T's slider handle). ArrowLeft moves one step down, PageDown five (noUiSlider)."""
    if H.current_schedule(page) != "cosine":
        H.select_schedule(page, "cosine")
        H.wait_until(lambda: H.current_schedule(page) == "cosine")
        check_readout(page)
    before = H.slider_value(page, "cosine", "T")

    def press():
        H.press_slider(page, "cosine", "T", key, times)

    return before, press


def assert_screen_shows_the_kernel_frame(page):
    """Slider moves are blitted: only the lines are redrawn, and the frame is sent at
    once. What the canvas shows must be exactly the image matplotlib rendered last in
    the kernel (no dropped frame leaving an old curve behind)."""
    H.wait_canvas_settled(page)
    ok = H.wait_until(lambda: H.screen_matches_kernel(page)[0], timeout=5)
    _, shown, rendered = H.screen_matches_kernel(page)
    assert ok, f"canvas {shown} != kernel frame {rendered} (width, height, checksum)"


def assert_clean(page):
    assert H.error_text(page) == "", f"the widget shows an error: {H.error_text(page)}"
    errors = page.console_watch.errors()
    assert not errors, "page errors:\n" + "\n".join(errors)


def test_jupyterlab(lab_server, notebooks, page, artifacts):
    page.goto(lab_server.url(f"/lab/tree/{notebooks['lab'].name}"))
    H.run_all_cells(page)
    H.wait_for_explorer(page)
    assert H.notebook_errors(page) == []
    check_readout(page)

    # the dropdown: another schedule, another curve and readout
    target = "sgdr" if H.current_schedule(page) != "sgdr" else "step"
    change_and_check(page, lambda: H.select_schedule(page, target), f"dropdown -> {target}")
    assert H.current_schedule(page) == target

    # a slider moved with the keyboard: ten quick presses, so that frames follow each
    # other closely (see assert_screen_shows_the_kernel_frame)
    before, press = move_cosine_T(page, "ArrowLeft", 10)
    change_and_check(page, press, "cosine T slider")
    assert H.slider_value(page, "cosine", "T") == before - 10
    assert page.evaluate("() => window.__nnkitDraws.length") > 0
    assert_screen_shows_the_kernel_frame(page)

    page.locator(H.EXPLORER).scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "jupyterlab_schedule_explorer.png")
    assert H.notebook_errors(page) == []
    assert_clean(page)


def test_notebook7(notebook_server, notebooks, page, artifacts):
    name = notebooks["nb7"].name
    page.console_watch.allow = H.KNOWN_UPSTREAM  # see helpers.KNOWN_UPSTREAM
    page.goto(notebook_server.url("/tree"))
    page.wait_for_selector(f"text={name}")  # the Notebook 7 file browser lists it
    page.goto(notebook_server.url(f"/notebooks/{name}"))
    H.run_all_cells(page)
    H.wait_for_explorer(page)
    assert H.notebook_errors(page) == []
    # Notebook 7 binds the bare arrow keys to notebook:move-cursor-* in command mode and
    # handles them before the slider sees them (JupyterLab lets the widget have them),
    # so the keyboard move here uses PageDown: 2 presses = 10 steps.
    before, press = move_cosine_T(page, "PageDown", 2)
    change_and_check(page, press, "cosine T slider (PageDown)")
    assert H.slider_value(page, "cosine", "T") == before - 10
    assert_screen_shows_the_kernel_frame(page)
    page.screenshot(path=artifacts / "notebook7_schedule_explorer.png")
    assert H.notebook_errors(page) == []
    assert_clean(page)


def test_voila(voila_server, page, artifacts):
    page.console_watch.allow = H.KNOWN_OFFLINE  # see helpers.KNOWN_OFFLINE
    page.goto(voila_server.url("/"), timeout=60_000)
    H.wait_for_explorer(page, timeout=60)
    body = page.inner_text("body")
    assert "Traceback" not in body, body[-2000:]  # Voila runs with --show_tracebacks
    before, press = move_cosine_T(page)
    change_and_check(page, press, "cosine T slider")
    assert H.slider_value(page, "cosine", "T") == before - 5
    page.screenshot(path=artifacts / "voila_schedule_explorer.png", full_page=True)
    assert_clean(page)
