"""The self-study site: ``nncourse site --out DIR [--lesson ID ...]``.

    DIR/index.html   links every lesson of the course, in course order
    DIR/ID.html      lesson ID: its solution notebook, executed, as static HTML
    DIR/mathjax/     MathJax 2.7 (from the jupyter-server-mathjax wheel): math renders
                     with no network, from file:// too

A lesson page is built in four small steps, each a function below:

1. ``reader_notebook``: solutions/ID/ID.ipynb without its hidden-test cells (nbgrader
   cells holding ``### BEGIN HIDDEN TESTS``; they are never executed), and with the
   ``### BEGIN SOLUTION`` / ``### END SOLUTION`` marker lines taken out of every cell, so
   solution code and the model answers to the written questions read as plain cells.
2. ``execute_lesson``: nbclient runs it top to bottom in a temporary copy of the lesson
   folder (the kernel's working folder), with one BLAS thread, as
   tests/test_assignments.py runs the solutions. Outputs are awaited as long as a cell may
   run (``raise_on_iopub_timeout``), so a starved kernel fails loudly instead of losing
   outputs. A cell that raises stops the lesson: ``LessonFailed`` names it.
3. ``static_outputs``: a widget output that carries a PNG of its figure (the nnkit
   widgets do) keeps only the PNG; widget state is dropped, and a widget with no picture
   (an ipympl canvas) becomes a short note that it is live in Jupyter only.
4. ``lesson_html``: nbconvert's lab template without anything it would fetch from a CDN
   (require.js, the widget manager from unpkg, mermaid), and with MathJax from
   ``mathjax/``.

Lessons are built in a pool of processes (one kernel each, ``SITE_WORKERS`` at once).
``--lesson ID`` rebuilds only those pages; the index always lists every lesson and links
those whose page is in DIR.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import Course, CourseError
from .feedback import is_hidden_test
from .files import atomic_write

SITE_WORKERS = 2  # lessons executed at once (one kernel each; 2 cores)
CELL_TIMEOUT = 300  # seconds a cell may run, and its outputs may take to arrive
MATHJAX_DIR = "mathjax"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
GENERATOR = "nncourse site"  # <meta name="generator">: marks a folder as a site we wrote

HIDDEN_MARK = "### BEGIN HIDDEN TESTS"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LIVE_ONLY = (
    '<p class="nncourse-live-only"><em>An interactive figure: it shows when the notebook '
    "runs in JupyterLab or Notebook 7.</em></p>"
)

# nbconvert's lab template minus what it loads from the network: require.js (cdnjs),
# the widget manager (unpkg) and mermaid (cdnjs; no lesson has a diagram). MathJax comes
# from the site's own copy, set up as Jupyter's classic notebook sets up the same files
# (they hold STIX-Web fonts only, no TeX fonts).
LESSON_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<meta name="generator" content="nncourse site">
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  tex2jax: {
    inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]],
    displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  displayAlign: "center",
  messageStyle: "none",
  "HTML-CSS": {
    availableFonts: [], imageFont: null, preferredFont: null, webFont: "STIX-Web",
    linebreaks: {automatic: true},
    // the font MathJax measures against is meant never to load: local() says so
    // without MathJax's url(about:blank), which file:// pages log as a CORS error
    styles: {"@font-face": {"font-family": "MathJax_Blank", src: "local('MathJax_Blank')"}}
  },
  SVG: {font: "STIX-Web"}
});
</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}
{%- block extra_css -%}
<style type="text/css">
/* MathJax's hidden MathML copy for screen readers asks for TeX fonts (e.g. MathJax_AMS
   for double-struck letters) that this MathJax does not ship; use the page's font. */
.MJX_Assistive_MathML [mathvariant] { font-family: inherit; }
.nncourse-nav { padding: 0.5em var(--jp-notebook-padding, 10px);
                font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size1); }
</style>
{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
<nav class="nncourse-nav"><a href="index.html">&larr; All lessons</a></nav>
{%- endblock body_header -%}
"""

INDEX_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="nncourse site">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 46em; margin: 2em auto;
       padding: 0 1em; line-height: 1.5; color: #222; }
li { margin: 0.4em 0; }
.missing { color: #777; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>Every notebook of the course, solved and executed top to bottom: its figures, the
model answers to the written questions, and the visible tests (the hidden tests are
for grading only). Interactive widgets show as pictures here; run the notebooks in JupyterLab
to use them, and <code>nncourse check NOTEBOOK</code> to grade your own attempt.</p>
<ol>
{%- for lesson in lessons %}
  {%- if lesson.built %}
  <li><a href="{{ lesson.id }}.html">{{ lesson.title }}</a> <small>({{ lesson.id }})</small></li>
  {%- else %}
  <li class="missing">{{ lesson.title }} <small>({{ lesson.id }}: not built;
    run <code>nncourse site --lesson {{ lesson.id }}</code>)</small></li>
  {%- endif %}
{%- endfor %}
</ol>
</body>
</html>
"""


class LessonFailed(Exception):
    """A lesson's notebook did not run; the message names the lesson and the cell."""


@dataclass
class LessonPage:
    id: str
    path: Path
    execute_seconds: float
    export_seconds: float
    live_only: list[str] = field(default_factory=list)  # cells whose widget has no picture

    @property
    def seconds(self) -> float:
        return self.execute_seconds + self.export_seconds


@dataclass
class Site:
    out: Path
    pages: list[LessonPage]
    failures: list[str]
    seconds: float


# ----------------------------------------------------------------- 1. what a reader sees


def is_hidden_cell(cell) -> bool:
    return HIDDEN_MARK in cell.source or is_hidden_test(cell)


def strip_solution_markers(source: str) -> str:
    """``source`` without its ``### BEGIN/END SOLUTION`` lines (indented ones included)."""
    lines = source.splitlines(keepends=True)
    kept = [ln for ln in lines if ln.strip() not in SOLUTION_MARKERS]
    return "".join(kept).strip("\n") if len(kept) != len(lines) else source


def reader_notebook(nb):
    """A copy of solution notebook ``nb`` for reading: no hidden-test cell, no solution
    marker line, no outputs or widget state. Each cell keeps its place in ``nb`` (counted
    from 1) in ``metadata.nncourse_cell``, for error messages."""
    out = nbformat.from_dict(nb)
    out.metadata.pop("widgets", None)
    cells = []
    for number, cell in enumerate(out.cells, 1):
        if is_hidden_cell(cell):
            continue
        cell.source = strip_solution_markers(cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata["nncourse_cell"] = number
        cells.append(cell)
    out.cells = cells
    return out


# ----------------------------------------------------------------- 2. executing


def kernel_env() -> dict[str, str]:
    """The kernel's environment: ours, with one BLAS thread (as on a shared 2-core
    machine) and no MPLBACKEND (each notebook chooses its backend)."""
    from .sandbox.kernel import KERNEL_ENV

    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(KERNEL_ENV)
    return env


def cell_name(cell) -> str:
    number = cell.metadata.get("nncourse_cell", "?")
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {number}" + (f" ({grade_id})" if grade_id else "")


def execute_lesson(nb, lesson_id: str, folder: Path, ipc: Path) -> None:
    """Run ``nb`` (in place) in a new kernel whose working folder is ``folder``, over
    IPC sockets in folder ``ipc`` (no TCP port). ``LessonFailed`` names the cell that
    raised, timed out or lost its kernel. The kernel's own stdout and stderr (not its
    cells': those are outputs) go to a ``LogTail``, never to ours: ipykernel can log a
    traceback of its own while it shuts down after a failed cell, and our stderr is one
    line per failure; the tail's last line is kept for a kernel that died."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from .sandbox.mounts import LogTail

    ipc.mkdir(parents=True, exist_ok=True)
    km = AsyncKernelManager(
        kernel_name="python3",
        transport="ipc",
        ip=str(ipc / "kernel"),
        connection_file=str(ipc / "kernel.json"),
    )
    current = {}
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        iopub_timeout=CELL_TIMEOUT,
        raise_on_iopub_timeout=True,
        store_widget_state=False,
        record_timing=False,
        resources={"metadata": {"path": str(folder)}},
        on_cell_start=lambda cell, cell_index: current.update(cell=cell),
    )
    log = LogTail()
    try:  # cleanup_kc: shut the kernel down, we own km
        client.execute(env=kernel_env(), cleanup_kc=True, **log.outputs())
    except CellExecutionError as err:
        where = cell_name(current["cell"]) if "cell" in current else "a cell"
        raise LessonFailed(
            f"lesson {lesson_id}: {where} raised {err.ename}: {first_line(err.evalue)}"
        ) from None
    except Exception as err:  # noqa: BLE001 - a timeout, a dead kernel, ...: same report
        where = cell_name(current["cell"]) if "cell" in current else "starting its kernel"
        last = log.last_line()
        raise LessonFailed(
            f"lesson {lesson_id}: failed at {where}: {type(err).__name__}: {first_line(str(err))}"
            + (f" (the kernel's last words: {last})" if last else "")
        ) from None
    finally:
        log.close_writer()


def first_line(text: str, most: int = 200) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= most else line[: most - 3] + "..."


# ----------------------------------------------------------------- 3. widgets as pictures


def static_outputs(nb) -> list[str]:
    """Widget outputs become pictures, in place: an output holding a widget view and a
    PNG (the nnkit widgets' figure; an ipympl canvas's snapshot) keeps only the PNG and
    its text repr; a widget view with no picture becomes a note that it is live only.
    Widget state goes. Returns the cells that got the note."""
    nb.metadata.pop("widgets", None)
    noted = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            if "image/png" in data:
                kept = {k: v for k, v in data.items() if k in ("image/png", "text/plain")}
            else:
                kept = {"text/html": LIVE_ONLY}
                noted.append(cell_name(cell))
            output["data"] = nbformat.from_dict(kept)
    return noted


# ----------------------------------------------------------------- 4. HTML


def lesson_exporter(mathjax_url: str):
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"nncourse_site.html.j2": LESSON_TEMPLATE})],
        template_file="nncourse_site.html.j2",
        mathjax_url=mathjax_url,
        require_js_url="",
        jupyter_widgets_base_url="",
    )


def lesson_html(nb, title: str) -> str:
    exporter = lesson_exporter(f"{MATHJAX_DIR}/MathJax.js?config={MATHJAX_CONFIG}")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def notebook_title(nb, fallback: str) -> str:
    """The first markdown heading of ``nb``, without its ``#`` marks and markup."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#+\s+(.+)$", cell.source, re.M)
            if match:
                return re.sub(r"[*_`$]", "", match[1]).strip() or fallback
    return fallback


# ----------------------------------------------------------------- one lesson, whole


def build_lesson(root: str, lesson_id: str, out: str) -> LessonPage:
    """Steps 1-4 for one lesson: write ``out/ID.html``. Runs in a pool process."""
    course = Course(Path(root))
    source = course.solutions / lesson_id / f"{lesson_id}.ipynb"
    nb = reader_notebook(nbformat.read(source, as_version=4))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"nncourse-site-{lesson_id}-") as tmp:
        folder = Path(tmp) / lesson_id
        shutil.copytree(source.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        execute_lesson(nb, lesson_id, folder, Path(tmp) / "ipc")
    executed = time.perf_counter()
    live_only = static_outputs(nb)
    for cell in nb.cells:
        cell.metadata.pop("nncourse_cell", None)
    page = Path(out) / f"{lesson_id}.html"
    atomic_write(page, lesson_html(nb, notebook_title(nb, lesson_id)))
    return LessonPage(
        lesson_id,
        page,
        round(executed - start, 2),
        round(time.perf_counter() - executed, 2),
        live_only,
    )


# ----------------------------------------------------------------- the site


def mathjax_source() -> Path:
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise CourseError(
            "MathJax is missing: pip install jupyter-server-mathjax (a dependency of nncourse)"
        ) from None
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def copy_mathjax(out: Path) -> Path:
    """The whole MathJax 2.7 tree into ``out/mathjax`` (about 10 MB): every renderer,
    font, extension and menu language a reader may pick works offline."""
    source, target = mathjax_source(), out / MATHJAX_DIR
    if not (source / "MathJax.js").is_file():
        raise CourseError(f"{source} holds no MathJax.js: reinstall jupyter-server-mathjax")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return target


def check_out(out: Path) -> None:
    """``out`` must be a new or empty folder, or a site written here before."""
    if out.exists() and not out.is_dir():
        raise CourseError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        index = out / "index.html"
        marker = f'<meta name="generator" content="{GENERATOR}">'
        if not (index.is_file() and marker in index.read_text(errors="replace")):
            raise CourseError(
                f"--out {out} is not empty and holds no nncourse site: give a new or empty "
                "folder, or the folder of an earlier site"
            )


def check_lessons(course: Course, lessons: list[str] | None) -> list[str]:
    known = course.assignment_ids()
    if not lessons:
        return known
    unknown = sorted(set(lessons) - set(known))
    if unknown:
        raise CourseError(
            f"--lesson: unknown lesson(s) {', '.join(unknown)} (known: {', '.join(known)})"
        )
    return [i for i in known if i in lessons]  # course order, each once


def write_index(course: Course, out: Path) -> Path:
    from jinja2 import Environment

    lessons = []
    for lesson_id in course.assignment_ids():
        nb = nbformat.read(course.solutions / lesson_id / f"{lesson_id}.ipynb", as_version=4)
        built = (out / f"{lesson_id}.html").is_file()
        lessons.append({"id": lesson_id, "title": notebook_title(nb, lesson_id), "built": built})
    template = Environment(autoescape=True).from_string(INDEX_TEMPLATE)
    index = out / "index.html"
    atomic_write(index, template.render(title="nncourse: the solved lessons", lessons=lessons))
    return index


def build_site(course: Course, out: Path, lessons: list[str] | None = None, progress=print) -> Site:
    """Build the pages of ``lessons`` (default: all), MathJax and the index into ``out``.
    ``progress(line)`` hears of each lesson as it finishes. Lessons that fail are
    reported in ``Site.failures`` (the others are still written); bad arguments raise
    ``CourseError`` before anything runs."""
    start = time.perf_counter()
    out = Path(out)
    ids = check_lessons(course, lessons)
    check_out(out)
    mathjax_source()
    workers = max(1, min(SITE_WORKERS, len(ids)))
    progress(f"building {len(ids)} lesson page(s) into {out}, {workers} at a time")
    out.mkdir(parents=True, exist_ok=True)
    copy_mathjax(out)
    pages, failures = [], []
    # spawn: a fresh interpreter per worker, whatever threads the caller runs
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {pool.submit(build_lesson, str(course.root), i, str(out)): i for i in ids}
        for future in as_completed(futures):
            lesson_id = futures[future]
            try:
                page = future.result()
            except LessonFailed as err:
                failure = str(err)
            except BrokenProcessPool as err:
                failure = f"lesson {lesson_id}: its build process died ({err})"
            else:
                pages.append(page)
                progress(
                    f"  {lesson_id}: executed in {page.execute_seconds:.1f} s, "
                    f"HTML in {page.export_seconds:.1f} s ({size_mb(page.path):.1f} MB)"
                )
                continue
            failures.append(failure)
            (out / f"{lesson_id}.html").unlink(missing_ok=True)  # no stale page is linked
            progress(f"  {lesson_id}: FAILED")
    pages.sort(key=lambda page: ids.index(page.id))
    failures.sort()
    write_index(course, out)
    return Site(out, pages, failures, round(time.perf_counter() - start, 2))


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def summary(site: Site) -> str:
    """The lines ``nncourse site`` prints at the end."""
    mathjax = size_mb(site.out / MATHJAX_DIR)
    lines = [
        f"site: {site.out / 'index.html'} ({len(site.pages)} lesson page(s) built in "
        f"{site.seconds:.1f} s; {size_mb(site.out):.1f} MB, of which MathJax {mathjax:.1f} MB)"
    ]
    for page in site.pages:
        for where in page.live_only:
            lines.append(f"  note: {page.id} {where}: an interactive figure with no picture")
    return "\n".join(lines)
