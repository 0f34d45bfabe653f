"""``FeedbackExporter``: nbconvert's HTMLExporter for the feedback pages, made for a
class of pages that share most of their cells.

Measured on the pages of 02 (``benchmarks/bench_grading.py``, the feedback column): of
about 0.34 s a page, nbconvert's closing BeautifulSoup pass (which only adds ``alt`` to
images without one, and ``tabindex`` to the lab template's cells) took about 60%, and
rendering the same instructor markdown and highlighting the same instructor code for
every student most of the rest. So this exporter

- adds the same ``alt`` text with a regular expression instead of parsing the page (the
  page, parsed, is the stock exporter's to the character: tests/test_feedback_html.py,
  which also guards the use of nbconvert's ``_init_resources`` and ``_nb_metadata``);
  a page with the lab template's cells goes through nbconvert's own pass;
- renders each distinct markdown source and highlights each distinct code source once
  per process (pages are written by a few processes over parts of the class).

It is nbgrader's exporter for feedback through ``GenerateFeedback.exporter_class``.
"""

import functools
import json
import re

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

try:  # jinja2 >= 3
    from jinja2 import pass_context
except ImportError:  # pragma: no cover - nbconvert 7 needs jinja2 >= 3
    from jinja2 import contextfilter as pass_context

# nbconvert's wording, so a page reads the same as the stock exporter's
MISSING_ALT = "No description has been provided for this image"
IMG = re.compile(r"<img\b(?P<attrs>[^>]*?)(?P<end>\s*/?)>", re.IGNORECASE)
HAS_ALT = re.compile(r"\salt\s*=", re.IGNORECASE)
# an element of the lab template's cells (not the same names in the page's inlined CSS)
LAB_CELLS = re.compile(r"""class\s*=\s*["'][^"']*\b(jp-Cell-inputWrapper|jp-OutputArea-output)\b""")


def add_missing_alt(html: str) -> tuple[str, int]:
    """``html`` with ``alt`` on every ``<img>`` that has none, and how many got one."""
    count = 0

    def fix(match):
        nonlocal count
        attrs = match["attrs"]
        if HAS_ALT.search(attrs):
            return match[0]
        count += 1
        return f'<img{attrs} alt="{MISSING_ALT}"{match["end"]}>'

    return IMG.sub(fix, html), count


class CachedHighlight:
    """``Highlight2HTML`` that highlights each distinct (source, language, metadata)
    once for the notebook language ``lexer``, in ``cache`` (kept by the exporter for all
    its pages): pygments' output depends on nothing else."""

    def __init__(self, highlight, lexer, cache: dict):
        self.highlight, self.lexer, self.cache = highlight, lexer, cache

    def __call__(self, source, language=None, metadata=None):
        meta = json.dumps(metadata or {}, sort_keys=True, default=str)
        key = (self.lexer, source, language, meta)
        if key not in self.cache:
            self.cache[key] = self.highlight(source, language=language, metadata=metadata)
        return self.cache[key]


@functools.lru_cache(maxsize=8192)
def _markdown(source: str, path: str, settings: tuple) -> str:
    embed_images, anchor_link_text, exclude_anchor_links, lexer_options = settings
    renderer = IPythonRenderer(
        escape=False,
        attachments={},
        embed_images=embed_images,
        path=path,
        anchor_link_text=anchor_link_text,
        exclude_anchor_links=exclude_anchor_links,
        **dict(lexer_options),
    )
    return MarkdownWithMath(renderer=renderer).render(source)


class FeedbackExporter(HTMLExporter):
    """HTMLExporter with the same pages, less work per page (module docstring)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._highlighted: dict[tuple, str] = {}  # CachedHighlight's, for every page

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        if cell.get("attachments"):  # a cell's own pictures: not shared, not cached
            return super().markdown2html(context, source)
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        settings = (
            self.embed_images,
            self.anchor_link_text,
            self.exclude_anchor_links,
            tuple(sorted(self.lexer_options.items())),
        )
        return _markdown(source, path, settings)

    def from_notebook_node(self, nb, resources=None, **kw):
        """HTMLExporter.from_notebook_node (nbconvert 7), its BeautifulSoup pass replaced
        by ``add_missing_alt`` when the page has no lab-template cells."""
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
        )
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        cached = CachedHighlight(highlight_code, lexer, self._highlighted)
        self.register_filter("highlight_code", cached)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if LAB_CELLS.search(html):
            return self._soup_pass(html), resources
        html, missing = add_missing_alt(html)
        if missing:
            self.log.warning("Alternative text is missing on %s image(s).", missing)
        return html, resources

    def _soup_pass(self, html: str) -> str:
        """nbconvert's own closing pass (alt text, focusable lab cells)."""
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(html, features="html.parser")
        for elem in soup.select("img:not([alt])"):
            elem.attrs["alt"] = MISSING_ALT
        for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
            elem.attrs["tabindex"] = "0"
        for elem in soup.select(".jp-Notebook div.jp-OutputArea-output"):
            elem.attrs["tabindex"] = "0"
        return str(soup)
