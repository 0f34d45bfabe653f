"""Slider -> redraw latency of nnkit.widgets.ScheduleExplorer in a real browser.

JupyterLab (with ipympl) serves a copy of the notebook; Debian's chromium, driven by
Playwright, runs it and then presses ArrowLeft N times on the cosine schedule's T
slider, one press at a time. For each press, measured inside the page with
``performance.now()``:

- redraw: from the keydown on the slider handle to the first image the ipympl canvas
  paints after it (``drawImage`` on the figure's canvas, i.e. the new PNG the kernel
  sent is on screen);
- readout: from the keydown to the readout text changing (MutationObserver).

Prints median and p90 (ms) against the target "median <= 100 ms". Figures, not a test.

    .venv/bin/python benchmarks/bench_widget_latency.py [--n 30] [--notebook PATH]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import helpers as H  # noqa: E402

TARGET_MS = 100.0

# keydown on the T handle -> first canvas paint and first readout change after it
INSTRUMENT_JS = """(sel) => {
  const handle = document.querySelector(sel);
  window.__bench = {keydown: null, readout: null};
  handle.addEventListener('keydown', e => { window.__bench.keydown = performance.now(); },
                          true);
  const readout = document.querySelector('.nnkit-schedule-explorer .nnkit-readout');
  new MutationObserver(() => {
    const b = window.__bench;
    if (b.keydown !== null && b.readout === null) b.readout = performance.now();
  }).observe(readout, {subtree: true, childList: true, characterData: true});
}"""

RESULT_JS = """() => {
  const b = window.__bench;
  if (b.keydown === null || b.readout === null) return null;
  const draw = window.__nnkitDraws.find(t => t > b.keydown);
  return draw === undefined ? null : {redraw: draw - b.keydown, readout: b.readout - b.keydown};
}"""


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(name, values):
    return (
        f"{name:8s} median {statistics.median(values):7.1f} ms   p90 {percentile(values, 0.9):7.1f}"
        f" ms   min {min(values):6.1f}   max {max(values):7.1f}"
    )


def measure(page, n: int, gap: float) -> tuple[list[float], list[float]]:
    handle_sel = f"{H.param_selector('cosine', 'T')} .noUi-handle"
    page.evaluate(INSTRUMENT_JS, handle_sel)
    handle = page.locator(handle_sel)
    redraw, readout = [], []
    for _ in range(n):
        page.evaluate(
            "() => { window.__bench.keydown = null; window.__bench.readout = null;"
            " window.__nnkitDraws.length = 0; }"
        )
        handle.focus()
        handle.press("ArrowLeft")
        page.wait_for_function(RESULT_JS, timeout=10_000, polling="raf")
        result = page.evaluate(RESULT_JS)
        redraw.append(result["redraw"])
        readout.append(result["readout"])
        time.sleep(gap)  # let the kernel and the canvas go idle before the next press
    return redraw, readout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="slider moves (default 30)")
    parser.add_argument("--notebook", type=Path, default=H.FIXTURE_NOTEBOOK)
    parser.add_argument("--gap", type=float, default=0.15, help="seconds between presses")
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("playwright is not installed: .venv/bin/pip install playwright")
    if not Path(H.CHROMIUM).exists():
        sys.exit(f"{H.CHROMIUM} not found: apt-get install chromium")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = tmp / "root"
        root.mkdir()
        notebook = H.copy_notebook(args.notebook, root, "bench.ipynb")
        start = time.perf_counter()
        with sync_playwright() as p, H.running(H.start_jupyter(root, tmp / "home")) as server:
            browser = H.launch_chromium(p)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_init_script(H.DRAW_HOOK)
            page = context.new_page()
            page.goto(server.url(f"/lab/tree/{notebook.name}"))
            H.run_all_cells(page)
            H.wait_for_explorer(page)
            if H.current_schedule(page) != "cosine":
                H.select_schedule(page, "cosine")
            T0 = H.slider_value(page, "cosine", "T")
            pixels = H.canvas_pixels(page)
            ready = time.perf_counter() - start
            redraw, readout = measure(page, args.n, args.gap)
            T1 = H.slider_value(page, "cosine", "T")
            changed = H.canvas_pixels(page) != pixels
            H.wait_canvas_settled(page)
            same = H.wait_until(lambda: H.screen_matches_kernel(page)[0], timeout=5)
            browser.close()

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"ScheduleExplorer in JupyterLab + ipympl, chromium headless, {args.n} ArrowLeft presses")
    shown = args.notebook.resolve()
    print(f"notebook {shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown}")
    print(f"canvas shows exactly the kernel's last frame: {bool(same)}")
    print(
        f"T slider {T0:g} -> {T1:g}; canvas pixels changed: {changed}; set-up {ready:.1f} s;"
        f" load average {load} on {os.cpu_count()} CPUs"
    )
    print(summary("redraw", redraw))
    print(summary("readout", readout))
    median = statistics.median(redraw)
    verdict = "met" if median <= TARGET_MS else "NOT met"
    print(f"target: median redraw <= {TARGET_MS:.0f} ms -> {verdict} ({median:.1f} ms)")


if __name__ == "__main__":
    main()
