"""Start JupyterLab / Notebook 7 / Voila on loopback and drive a ScheduleExplorer in
Debian's chromium through Playwright. Shared by tests/browser and
benchmarks/bench_widget_latency.py.

Nothing here is specific to the fixture notebook: any notebook that displays a
``nnkit.widgets.ScheduleExplorer`` (e.g. solutions/03_lr_schedules/03_lr_schedules.ipynb)
can be driven, because the widget marks its parts with CSS classes
(``nnkit-schedule-explorer``, ``nnkit-readout``, ``nnkit-param-<key>-<name>``, ...).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
FIXTURE_NOTEBOOK = Path(__file__).with_name("schedule_explorer.ipynb")
NOTEBOOK_ENV = "NNCOURSE_BROWSER_NOTEBOOK"  # point the browser tests at another notebook
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 60.0  # seconds for a server to answer

# CSS selectors of the widget (classes set in nnkit.widgets)
EXPLORER = ".nnkit-schedule-explorer"
READOUT = f"{EXPLORER} .nnkit-readout"
ERROR = f"{EXPLORER} .nnkit-error"
SELECT = f"{EXPLORER} .nnkit-schedule-select select"
CANVAS = f"{EXPLORER} .nnkit-canvas canvas"  # ipympl: the first canvas holds the image

# ---------------------------------------------------------------------------
# servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(home: Path) -> dict:
    """Environment for a server whose Jupyter/IPython config and data live in ``home``.

    The venv's own ``share/jupyter`` (lab extensions: widgets, ipympl) and its
    kernelspec stay on the search path, because jupyter looks there through
    ``sys.prefix`` whatever JUPYTER_DATA_DIR says; only the user-level folders move.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.pop("MPLBACKEND", None)  # the notebook chooses its backend (%matplotlib widget)
    env.pop("PYTEST_CURRENT_TEST", None)
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "mpl"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # Expose the app object in Notebook 7 too (the CLI flag below covers JupyterLab).
    config = {
        "LabApp": {"expose_app_in_browser": True},
        "JupyterNotebookApp": {"expose_app_in_browser": True},
        "LanguageServerManager": {"autodetect": False},
    }
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
    # No news / update checks: there is no network, and their failed requests (403 from
    # the server's news proxy) are console errors.
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True, exist_ok=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    return env


@dataclass
class Server:
    """A server process we started (in its own process group) on a loopback port."""

    proc: subprocess.Popen
    port: int
    token: str
    log_path: Path
    ready_path: str | None  # GET this until it answers 200; None: until the port accepts
    started: float = field(default_factory=time.perf_counter)

    def url(self, path: str = "/") -> str:
        sep = "&" if "?" in path else "?"
        query = f"{sep}token={self.token}" if self.token else ""
        return f"http://127.0.0.1:{self.port}{path}{query}"

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def wait_ready(self, timeout: float = START_TIMEOUT) -> Server:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if self.ready_path is None:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=2):
                        return self
                with urllib.request.urlopen(self.url(self.ready_path), timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError) as e:
                last = e
            time.sleep(0.1)
        raise TimeoutError(f"server not ready within {timeout} s ({last}):\n{self.log()}")

    def terminate(self) -> None:
        """Ask the server to shut down (SIGTERM to the process group we started). The
        server then shuts its kernels down; they run in sessions of their own."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)

    def stop(self, timeout: float = 10) -> None:
        """Terminate and wait; SIGKILL the group if it does not exit within timeout."""
        self.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def stop_all(servers) -> None:
    """Stop several servers at once (shutting down takes seconds each)."""
    servers = [s for s in servers if isinstance(s, Server)]
    for server in servers:
        server.terminate()
    for server in servers:
        server.stop()


def _start(cmd, env, log_path: Path, port: int, token: str, ready_path) -> Server:
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(proc, port, token, log_path, ready_path)


def start_jupyter(root_dir: Path, home: Path, app: str = "lab") -> Server:
    """Start ``jupyter lab`` (app="lab") or ``jupyter notebook`` (app="notebook",
    Notebook 7) on a free loopback port serving ``root_dir``; returns at once (call
    ``wait_ready``).

    Use one server per frontend: when one server serves both JupyterLab and Notebook 7
    pages, jupyter_server's FileFindHandler caches static files by their relative name
    only (a class-level dict), so the hashed font files both apps ship under the same
    names are then looked up in the other app's folder and answered with 403 ("... is
    not in root static directory"), which the page logs as console errors.
    """
    if app not in ("lab", "notebook"):
        raise ValueError(f"app must be 'lab' or 'notebook', got {app!r}")
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        app,
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root_dir}",
    ]
    if app == "lab":
        cmd += ["--LabApp.expose_app_in_browser=True", "--LabApp.news_url="]
    else:
        cmd += ["--JupyterNotebookApp.expose_app_in_browser=True"]
    log = home / f"jupyter-{app}.log"
    return _start(cmd, isolated_env(home), log, port, token, "/api/status")


# Lab extensions that only work inside JupyterLab / Notebook 7: in Voila they fail to
# load ("Shared module @jupyterlab/filebrowser doesn't exist in shared scope",
# "The getter for the shared module is not a function") and log console errors.
VOILA_EXTENSION_DENYLIST = ("@jupyter/nbgrader", "@jupyter-notebook/lab-extension")


def start_voila(notebook: Path, home: Path) -> Server:
    """Start Voila rendering ``notebook`` at ``/`` on a free loopback port (returns at
    once; call ``wait_ready``). Tracebacks are shown so that a failing cell is visible;
    the lab-only extensions in VOILA_EXTENSION_DENYLIST are not loaded."""
    voila = Path(sys.executable).with_name("voila")
    port = free_port()
    cmd = [
        str(voila) if voila.exists() else "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True",
        *(f"--VoilaConfiguration.extension_denylist={name}" for name in VOILA_EXTENSION_DENYLIST),
    ]
    return _start(cmd, isolated_env(home), home / "voila.log", port, "", None)


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    """Wait for ``server``, yield it, stop it."""
    try:
        yield server.wait_ready()
    finally:
        server.stop()


# ---------------------------------------------------------------------------
# browser


def launch_chromium(playwright, executable: str = CHROMIUM):
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS, timeout=30_000
    )


# Page errors that are not ours and that we cannot avoid. Both come from Notebook 7.6.5's
# own settings handling (notebook_core.*.js) and show up with a stock `jupyter notebook`
# (no extra config) on a notebook holding only `print(1)`, and on /tree with no notebook
# open; JupyterLab 4.6.6 shows neither:
# - the shortcuts extension's pluginChanged handler: "...(reading 'schema')";
# - the docmanager extension's settings handler on /tree: "Cannot convert undefined...".
KNOWN_UPSTREAM = (
    re.compile(r"^pageerror: Cannot read properties of undefined \(reading 'schema'\)$"),
    re.compile(
        r"^console\.error: Cannot convert undefined or null to object "
        r"\[http://127\.0\.0\.1:\d+/static/notebook/notebook_core\.[0-9a-f]+\.js"
    ),
)
# Voila 0.5.13's lab template links Font Awesome 5 from cdn.jsdelivr.net (it also bundles
# it, so icons still show). Without network those two requests fail.
KNOWN_OFFLINE = (
    re.compile(
        r"^console\.error: Failed to load resource: net::ERR_[A-Z_]+ "
        r"\[https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@"
    ),
)


class ConsoleWatch:
    """Collects the page's console errors and uncaught exceptions. With ``allow``
    (patterns, e.g. KNOWN_UPSTREAM), matching messages go to ``ignored`` instead."""

    def __init__(self, page, allow=()):
        self.messages: list[str] = []
        self.ignored: list[str] = []
        self.allow = tuple(allow)
        page.on("console", self._on_console)
        page.on("pageerror", lambda e: self._add(f"pageerror: {e}"))

    def _add(self, text: str) -> None:
        ok = any(p.search(text) for p in self.allow)
        (self.ignored if ok else self.messages).append(text)

    def _on_console(self, msg):
        if msg.type == "error":
            where = msg.location or {}
            url = where.get("url", "")
            self._add(
                f"console.error: {msg.text}"
                + (f" [{url}:{where.get('lineNumber')}]" if url else "")
            )

    def errors(self) -> list[str]:
        return list(self.messages)


# Records every image drawn on an nnkit ipympl canvas, for latency measurements.
DRAW_HOOK = """
(() => {
  window.__nnkitDraws = [];
  const orig = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const c = this.canvas;
    if (c && c.isConnected && c.closest && c.closest('.nnkit-canvas')) {
      window.__nnkitDraws.push(performance.now());
    }
    return orig.apply(this, args);
  };
})();
"""

# JupyterLab / Notebook 7: the notebook panel in the main area.
_PANEL = "window.jupyterapp && window.jupyterapp.shell.currentWidget"

KERNEL_READY_JS = f"""() => {{
  const w = {_PANEL};
  const k = w && w.sessionContext && w.sessionContext.session
            && w.sessionContext.session.kernel;
  return !!(k && k.connectionStatus === 'connected' && k.status === 'idle'
            && w.content && w.content.widgets && w.content.widgets.length > 0);
}}"""

ALL_EXECUTED_JS = f"""() => {{
  const w = {_PANEL};
  const k = w.sessionContext.session.kernel;
  if (k.status !== 'idle') return false;
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {{
    const c = cells.get(i);
    if (c.type === 'code' && c.sharedModel.getSource().trim() && !c.executionCount) return false;
  }}
  return true;
}}"""

ERROR_OUTPUTS_JS = f"""() => {{
  const cells = {_PANEL}.content.model.cells;
  const out = [];
  for (let i = 0; i < cells.length; i++) {{
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    for (const o of c.outputs.toJSON()) {{
      if (o.output_type === 'error') out.push(`cell ${{i}}: ${{o.ename}}: ${{o.evalue}}`);
      if (o.output_type === 'stream' && o.name === 'stderr')
        out.push(`cell ${{i}} stderr: ${{[].concat(o.text).join('')}}`);
    }}
  }}
  return out;
}}"""


def run_all_cells(page, timeout: float = 60) -> None:
    """In JupyterLab or Notebook 7: wait for the kernel, run every cell, wait until all
    code cells have an execution count and the kernel is idle."""
    page.wait_for_function(KERNEL_READY_JS, timeout=timeout * 1000, polling=100)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_EXECUTED_JS, timeout=timeout * 1000, polling=100)


def notebook_errors(page) -> list[str]:
    """Error and stderr outputs of every cell (JupyterLab / Notebook 7)."""
    return page.evaluate(ERROR_OUTPUTS_JS)


# JupyterLab and Notebook 7 render long notebooks lazily (windowing): an output far
# from the viewport may not be laid out, or not be in the DOM at all. Scroll the
# notebook to the first cell that creates a ScheduleExplorer.
SCROLL_TO_EXPLORER_JS = f"""() => {{
  const w = {_PANEL};
  if (!w || !w.content || !w.content.model) return false;
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {{
    const c = cells.get(i);
    if (c.type === 'code' && c.sharedModel.getSource().includes('ScheduleExplorer(')) {{
      w.content.activeCellIndex = i;
      if (w.content.scrollToItem) w.content.scrollToItem(i, 'start');
      return true;
    }}
  }}
  return false;
}}"""


def wait_for_explorer(page, timeout: float = 30, canvas: bool = True) -> None:
    """Wait until the ScheduleExplorer shows a readout (and, with ipympl, a canvas with
    a size), scrolled into view. On timeout, a screenshot goes to tests/artifacts/ and
    the error says what the page showed."""
    try:
        page.evaluate(SCROLL_TO_EXPLORER_JS)
        page.wait_for_function(
            f"() => (document.querySelector('{READOUT}')?.textContent || '').includes('lr(t=')",
            timeout=timeout * 1000,
        )
        page.locator(EXPLORER).first.scroll_into_view_if_needed()
        if canvas:
            page.wait_for_function(
                f"() => {{ const c = document.querySelector('{CANVAS}');"
                " return !!(c && c.width > 0 && c.height > 0); }",
                timeout=timeout * 1000,
            )
    except Exception as e:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"failed-{int(time.time())}.png"
        page.screenshot(path=shot)
        body = page.inner_text("body")[-1500:]
        raise AssertionError(
            f"no ScheduleExplorer after {timeout} s ({type(e).__name__}); screenshot {shot};"
            f" page text ends with:\n{body}"
        ) from e


def readout_text(page) -> str:
    return " ".join((page.text_content(READOUT) or "").split())


def error_text(page) -> str:
    return " ".join((page.text_content(ERROR) or "").split())


def param_selector(key: str, name: str) -> str:
    return f"{EXPLORER} .nnkit-param-{key}-{name}"


def slider_value(page, key: str, name: str) -> float:
    """The value a slider shows in its readout."""
    text = page.inner_text(f"{param_selector(key, name)} .widget-readout")
    return float(text)


def press_slider(page, key: str, name: str, press: str = "ArrowRight", times: int = 1) -> None:
    """Focus the slider handle of ``key``'s parameter ``name`` and press a key."""
    handle = page.locator(f"{param_selector(key, name)} .noUi-handle")
    handle.focus()
    for _ in range(times):
        handle.press(press)


def select_schedule(page, key: str) -> None:
    """Choose schedule ``key`` in the dropdown, as a user would (a change event)."""
    from nnkit.widgets import SCHEDULES

    labels = page.eval_on_selector_all(
        f"{SELECT} option", "os => os.map(o => o.textContent.split(/\\s+/).join(' ').trim())"
    )
    page.select_option(SELECT, index=labels.index(SCHEDULES[key].label))


def canvas_pixels(page) -> str:
    """A data URL of the ipympl canvas: changes whenever the plot changes."""
    return page.evaluate(f"() => document.querySelector('{CANVAS}').toDataURL()")


def wait_until(predicate, timeout: float = 10, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# ---------------------------------------------------------------------------
# the oracle: what the readout must say, computed in Python


def parse_readout(text: str) -> dict[str, float]:
    """{"lr(t=0)": ..., "lr(t=150)": ..., "lr(t=299)": ..., "peak": ...}"""
    values = {f"lr(t={t})": float(v) for t, v in re.findall(r"lr\(t=(\d+)\) = ([-+0-9.e]+)", text)}
    peak = re.search(r"peak ([-+0-9.e]+) at t=(\d+)", text)
    if peak:
        values["peak"] = float(peak[1])
    return values


def expected_readout(key: str, params: dict, num_steps: int) -> dict[str, float]:
    """The readout values from ``nnkit.schedules`` itself, for the given parameters."""
    from functools import partial

    from nnkit import schedules as S

    fn = {
        "step": S.step_decay,
        "multistep": S.multistep_decay,
        "cosine": S.cosine_decay,
        "linear": S.linear_decay,
        "inverse-sqrt": S.inverse_sqrt,
        "sgdr": S.cosine_with_restarts,
    }[key]
    kwargs = {k: v for k, v in params.items() if k != "warmup_steps"}
    schedule = partial(fn, **kwargs)
    if params.get("warmup_steps"):
        schedule = S.with_warmup(schedule, params["warmup_steps"])
    values = [schedule(t) for t in range(num_steps)]
    mid, last = num_steps // 2, num_steps - 1
    return {
        "lr(t=0)": values[0],
        f"lr(t={mid})": values[mid],
        f"lr(t={last})": values[last],
        "peak": max(values),
    }


def readout_matches(text: str, expected: dict[str, float], rel: float = 1e-5) -> bool:
    got = parse_readout(text)
    return set(got) == set(expected) and all(
        math.isclose(got[k], v, rel_tol=rel, abs_tol=1e-12) for k, v in expected.items()
    )


def copy_notebook(src: Path, dest_dir: Path, name: str | None = None) -> Path:
    dest = dest_dir / (name or src.name)
    shutil.copyfile(src, dest)
    return dest


def current_schedule(page) -> str:
    """Key of the schedule the dropdown shows."""
    from nnkit.widgets import SCHEDULES

    label = page.eval_on_selector(SELECT, "s => s.options[s.selectedIndex].textContent")
    label = " ".join(label.split())  # ipywidgets shows spaces as non-breaking spaces
    return next(key for key, spec in SCHEDULES.items() if spec.label == label)


def dom_num_steps(page) -> int:
    return int(float(page.inner_text(f"{EXPLORER} .nnkit-num-steps .widget-readout")))


def dom_params(page, key: str) -> dict:
    """The parameters of schedule ``key`` as the page shows them (slider readouts and
    the milestones text box), converted like the widget converts them."""
    from nnkit.widgets import SCHEDULES, parse_milestones

    params = {}
    for p in (*SCHEDULES[key].params, None):
        name, kind = ("warmup_steps", "int") if p is None else (p.name, p.kind)
        if kind == "milestones":
            text = page.input_value(f"{param_selector(key, name)} input")
            params[name] = parse_milestones(text)
        else:
            value = slider_value(page, key, name)
            params[name] = int(value) if kind == "int" else value
    return params


def wait_canvas_settled(page, quiet: float = 0.4, timeout: float = 10) -> str:
    """Poll the canvas until its pixels stay the same for ``quiet`` seconds; returns them."""
    deadline = time.monotonic() + timeout
    last, since = canvas_pixels(page), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = canvas_pixels(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    return last


def toggle_log_scale(page) -> None:
    page.click(f"{EXPLORER} .nnkit-log-toggle input")


KERNEL_EXEC_JS = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  let out = '';
  future.onIOPub = msg => {
    if (msg.header.msg_type === 'stream') out += msg.content.text;
    if (msg.header.msg_type === 'error')
      out += `ERROR ${msg.content.ename}: ${msg.content.evalue}`;
  };
  await future.done;
  return out;
}"""

# Same weighted byte sum in the browser (canvas pixels) and in the kernel (Agg buffer).
CANVAS_CHECKSUM_JS = f"""() => {{
  const c = document.querySelector('{CANVAS}');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += (i % 251 + 1) * d[i];
  return [c.width, c.height, s];
}}"""

KERNEL_CHECKSUM_PY = """
import gc as _gc, numpy as _np
from nnkit.widgets import ScheduleExplorer as _SE
_ex = [o for o in _gc.get_objects() if isinstance(o, _SE)][-1]
_b = _np.asarray(_ex.fig.canvas.get_renderer().buffer_rgba())
_w = (_np.arange(_b.size, dtype=_np.uint64) % 251 + 1)
print(_b.shape[1], _b.shape[0], int(_np.sum(_b.reshape(-1).astype(_np.uint64) * _w)))
"""


def kernel_exec(page, code: str) -> str:
    """Run ``code`` in the notebook's kernel (JupyterLab / Notebook 7); its stdout."""
    return page.evaluate(KERNEL_EXEC_JS, code)


def screen_matches_kernel(page) -> tuple[bool, list, list]:
    """Does the canvas on screen hold exactly the frame matplotlib last rendered?"""
    browser = page.evaluate(CANVAS_CHECKSUM_JS)
    kernel = [int(v) for v in kernel_exec(page, KERNEL_CHECKSUM_PY).split()]
    return browser == kernel, browser, kernel
