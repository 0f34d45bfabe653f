"""Input -> redraw latency of the course's widgets against what most courses do, in one
JupyterLab run in Debian's chromium (Playwright).

One JupyterLab server, one browser page; four notebooks, each in its own kernel, opened
and run one after another, and measured the same way (``performance.now()`` inside the
page, from the input event to the first new picture on screen):

1. **explorer**: ``nnkit.widgets.ScheduleExplorer`` with ipympl (the fixture notebook of
   tests/browser). Input: ArrowLeft on the cosine schedule's T slider. Picture: the
   first image the ipympl canvas paints after it (``drawImage`` on the figure's canvas).
   Its readout (keydown to the readout text changing) is printed too.
2. **interact**: the baseline for 1, a plain ``ipywidgets.interact`` over the same
   cosine schedule and T slider that redraws a matplotlib figure of the same size with
   the inline backend (a new figure, ``plot``, ``plt.show()``): what most courses do.
   Picture: the new ``<img>`` in its output, decoded.
3. **playground**: ``nnkit.widgets.NetworkPlayground`` with ipympl. Input: a click on
   Train, set to ``--steps`` Adam steps a click (default 1: the redraw after a training
   step is what is compared; with the widget's own 100 steps, training takes part of
   both sides alike). Picture: the first canvas paint after the click.
4. **button**: the baseline for 3, an ``ipywidgets.Button`` whose click runs the same
   training (the same network, data, steps and minibatches: nnkit's own
   ``build_playground_model``, ``batch_stream``, ``train_steps``) and then draws a new
   inline figure of the same size with the decision regions (``boundary_grid`` at the
   same resolution), the points and the loss curve in an ``Output``: what a course
   without the playground would write. Picture: the new ``<img>``, decoded.

Each input waits for its picture, then ``--gap`` seconds, so every press starts from an
idle kernel. Printed: median, p90, min and max per widget, the ratio of each widget's
median to its baseline's, the targets (widget median <= 0.5x its baseline's and <= 50 ms;
meant for an idle machine) and the load average before and after. Figures, not a test.

    .venv/bin/python benchmarks/bench_widget_latency.py [--n 30] [--gap 0.15] [--steps 1]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import helpers as H  # noqa: E402

TARGET_RATIO = 0.5  # widget median / baseline median
TARGET_MS = 50.0  # widget median, idle machine
FIGSIZE = (6.4, 3.4)  # ScheduleExplorer's default
PLAYGROUND_FIGSIZE = (9.0, 4.0)  # NetworkPlayground's default
SEED = 0

INTERACT_CELLS = [
    "%matplotlib inline",
    f"""\
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from nnkit.schedules import cosine_decay

t = np.arange(300)

def plot(T):
    plt.figure(figsize={FIGSIZE})
    plt.plot(t, [cosine_decay(step, 0.1, T) for step in t])
    plt.xlabel("step t")
    plt.ylabel("learning rate")
    plt.show()

baseline = widgets.interactive(plot, T=widgets.IntSlider(value=300, min=1, max=1000))
baseline.add_class("nncourse-baseline")
baseline""",
]

PLAYGROUND_CELLS = [
    "%matplotlib widget",
    f"""\
import numpy as np

from nnkit.widgets import NetworkPlayground

playground = NetworkPlayground(rng=np.random.default_rng({SEED}), steps_per_click=STEPS)
playground""",
]

BUTTON_CELLS = [
    "%matplotlib inline",
    f"""\
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import clear_output, display

from nnkit.plots import boundary_grid, class_colors, data_extent, region_rgba
from nnkit.solver import batch_stream, train_steps
from nnkit.widgets.playground import build_playground_model, make_playground_data

rng = np.random.default_rng({SEED})
X, y = make_playground_data("spiral", rng)
model = build_playground_model(3, 20, 1, "relu", 0.0, rng)
batches, configs, losses = batch_stream(X, y, 32, rng), {{}}, []
extent = data_extent(X)
out = widgets.Output()

def train(_=None):
    losses.extend(train_steps(model, batches, STEPS, configs, lr=0.01, update_rule="adam"))
    with out:
        clear_output(wait=True)
        fig, (ax_data, ax_loss) = plt.subplots(1, 2, figsize={PLAYGROUND_FIGSIZE})
        labels, confidence = boundary_grid(model, extent, 100)
        ax_data.imshow(region_rgba(labels, confidence, 3), extent=extent, origin="lower")
        cmap, norm = class_colors(3)
        ax_data.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, norm=norm, s=14, edgecolors="k")
        ax_loss.plot(np.arange(1, len(losses) + 1), losses)
        ax_loss.set_yscale("log")
        plt.show()

button = widgets.Button(description="Train")
button.on_click(train)
box = widgets.VBox([button, out])
box.add_class("nncourse-baseline")
train()
box""",
]

# key, cells, what shows once it ran, the input's element and event, canvas (or <img>)
NOTEBOOKS = [
    (
        "interact",
        INTERACT_CELLS,
        ".nncourse-baseline img",
        ".nncourse-baseline .noUi-handle",
        "keydown",
        False,
    ),
    (
        "playground",
        PLAYGROUND_CELLS,
        ".nnkit-network-playground .nnkit-canvas canvas",
        ".nnkit-network-playground button.mod-primary",
        "click",
        True,
    ),
    ("button", BUTTON_CELLS, ".nncourse-baseline img", ".nncourse-baseline button", "click", False),
]

# the input's time, and every <img> decoded under the baseline's container after it
INSTRUMENT_JS = """([trigger, event]) => {
  window.__bench = {start: null, readout: null, imgs: []};
  document.querySelector(trigger).addEventListener(event, () => {
    if (window.__bench.start === null) window.__bench.start = performance.now();
  }, true);
  const readout = document.querySelector('.nnkit-readout');
  if (readout) new MutationObserver(() => {
    const b = window.__bench;
    if (b.start !== null && b.readout === null) b.readout = performance.now();
  }).observe(readout, {subtree: true, childList: true, characterData: true});
  const root = document.querySelector('.nncourse-baseline');
  if (root) new MutationObserver(records => {
    for (const r of records) for (const n of r.addedNodes) {
      const imgs = n.tagName === 'IMG' ? [n]
                 : (n.querySelectorAll ? [...n.querySelectorAll('img')] : []);
      for (const img of imgs)
        img.decode().then(() => window.__bench.imgs.push(performance.now()), () => {});
    }
  }).observe(root, {subtree: true, childList: true});
}"""

RESET_JS = """() => { const b = window.__bench;
  b.start = null; b.readout = null; b.imgs.length = 0; window.__nnkitDraws.length = 0; }"""

RESULT_JS = """(canvas) => {
  const b = window.__bench;
  if (b.start === null) return null;
  const shown = canvas ? window.__nnkitDraws : b.imgs;
  const t = shown.find(t => t > b.start);
  if (t === undefined) return null;
  return {redraw: t - b.start, readout: b.readout === null ? null : b.readout - b.start};
}"""


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(name, values):
    return (
        f"  {name:28s} median {statistics.median(values):7.1f} ms   p90 "
        f"{percentile(values, 0.9):7.1f} ms   min {min(values):6.1f}   max {max(values):7.1f}"
    )


def notebook(cells: list[str], path: Path, steps: int) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c.replace("STEPS", str(steps))) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


def open_and_run(context, server, path: Path, ready: str):
    """A new page with only ``path`` open (``?reset``: JupyterLab does not reopen the
    previous notebooks), every cell run; the page, once ``ready`` shows. The previous
    notebook's kernel stays, idle."""
    page = context.new_page()
    page.goto(server.url(f"/lab/tree/{path.name}?reset"))
    try:
        H.run_all_cells(page, timeout=120)
    except Exception:
        shot = Path(tempfile.gettempdir()) / f"bench-widget-{path.stem}.png"
        page.screenshot(path=shot)
        raise SystemExit(f"{path.name} did not run: screenshot {shot}") from None
    errors = H.notebook_errors(page)
    if errors:
        raise SystemExit(f"{path.name}: {errors[:3]}")
    page.wait_for_selector(ready, timeout=30_000)
    page.locator(ready).first.scroll_into_view_if_needed()
    return page


def measure(page, trigger: str, event: str, canvas: bool, n: int, gap: float):
    """``n`` inputs on ``trigger`` (ArrowLeft for a slider handle, a click otherwise)."""
    page.evaluate(INSTRUMENT_JS, [trigger, event])
    target = page.locator(trigger)
    redraw, readout = [], []
    for _ in range(n):
        page.evaluate(RESET_JS)
        if event == "keydown":
            target.focus()
            target.press("ArrowLeft")
        else:
            target.click()
        page.wait_for_function(RESULT_JS, arg=canvas, timeout=20_000, polling="raf")
        result = page.evaluate(RESULT_JS, canvas)
        redraw.append(result["redraw"])
        if result["readout"] is not None:
            readout.append(result["readout"])
        time.sleep(gap)
    return redraw, readout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="inputs per widget (30)")
    parser.add_argument("--gap", type=float, default=0.15, help="seconds between inputs")
    parser.add_argument("--steps", type=int, default=1, help="training steps per click (1)")
    args = parser.parse_args()
    if args.n < 1 or args.gap < 0 or args.steps < 1:
        parser.error("--n and --steps must be positive and --gap not negative")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("playwright is not installed: .venv/bin/pip install playwright")
    if not Path(H.CHROMIUM).exists():
        sys.exit(f"{H.CHROMIUM} not found: apt-get install chromium")

    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = tmp / "root"
        root.mkdir()
        explorer_nb = H.copy_notebook(H.FIXTURE_NOTEBOOK, root, "explorer.ipynb")
        start = time.perf_counter()
        with sync_playwright() as p, H.running(H.start_jupyter(root, tmp / "home")) as server:
            browser = H.launch_chromium(p)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_init_script(H.DRAW_HOOK)
            page = open_and_run(context, server, explorer_nb, H.CANVAS)
            H.wait_for_explorer(page)
            if H.current_schedule(page) != "cosine":
                H.select_schedule(page, "cosine")
            T0 = H.slider_value(page, "cosine", "T")
            handle = f"{H.param_selector('cosine', 'T')} .noUi-handle"
            results["explorer"] = measure(page, handle, "keydown", True, args.n, args.gap)
            T1 = H.slider_value(page, "cosine", "T")
            H.wait_canvas_settled(page)
            same = H.wait_until(lambda: H.screen_matches_kernel(page)[0], timeout=5)
            page.close()

            for key, cells, ready, trigger, event, canvas in NOTEBOOKS:
                path = notebook(cells, root / f"{key}.ipynb", args.steps)
                page = open_and_run(context, server, path, ready)
                results[key] = measure(page, trigger, event, canvas, args.n, args.gap)
                page.close()
            browser.close()
        elapsed = time.perf_counter() - start

    load_after = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Widget latency, JupyterLab + ipympl, chromium headless, {args.n} inputs per widget, "
        f"{args.gap:g} s apart; {os.cpu_count()} CPUs; {elapsed:.0f} s in all"
    )
    print(f"load average (1, 5, 15 min): before {load_before}; after {load_after}")
    print(
        f"explorer: T slider {T0:g} -> {T1:g}; its canvas shows exactly the kernel's last "
        f"frame: {bool(same)}"
    )
    labels = {
        "explorer": "ScheduleExplorer",
        "interact": "interact (inline)",
        "playground": f"NetworkPlayground ({args.steps} steps)",
        "button": f"Button (inline, {args.steps} steps)",
    }
    print("input -> first new picture on screen:")
    for key, (redraw, _) in results.items():
        print(summary(labels[key], redraw))
    print(summary("explorer readout", results["explorer"][1]))
    for widget, baseline in (("explorer", "interact"), ("playground", "button")):
        median = statistics.median(results[widget][0])
        ratio = median / statistics.median(results[baseline][0])
        met = ratio <= TARGET_RATIO and median <= TARGET_MS
        print(
            f"target {labels[widget]}: median <= {TARGET_RATIO}x {labels[baseline]}'s and <= "
            f"{TARGET_MS:.0f} ms -> {'met' if met else 'NOT met'} ({ratio:.2f}x, {median:.1f} ms)"
        )


if __name__ == "__main__":
    main()
