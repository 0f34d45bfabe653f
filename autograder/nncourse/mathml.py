"""Math in feedback pages without a network: markdown cells rendered with MathML.

The page is one file that needs no network: ``OfflineMath`` renders each markdown cell
here, with nbconvert's own markdown parser, and its math as MathML (``latex2mathml``),
which browsers draw natively (Chromium 109+, Firefox, Safari); and it gives the exporter
a ``mathjax`` macro that loads nothing, in place of nbconvert's, which loads MathJax from
a CDN. Students get the page as a single HTML file (the LMS, nbgrader's exchange, or
``nncourse check``'s copy beside the notebook), so a MathJax copied beside the feedback
tree (12 MB in 596 files, as the self-study site does) would not travel with it
(autograder/README.md, "Feedback pages", has the comparison).
"""

import html
import re
from xml.etree.ElementTree import tostring

from jinja2 import DictLoader
from latex2mathml.converter import convert_to_element
from nbconvert.exporters import TemplateExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

# Shadows nbconvert's mathjax.html.j2: nbgrader's feedback template calls its ``mathjax``
# macro in the page head, which loads MathJax from a CDN. This one only styles the MathML.
NO_MATHJAX = DictLoader(
    {
        "mathjax.html.j2": """{%- macro mathjax(url="") -%}
<style type="text/css">
/* math: MathML written with the page (nncourse.mathml.OfflineMath), no MathJax */
.rendered_html math { font-size: 1.1em; }
.rendered_html math[display="block"] { margin: 0.6em 0; overflow-x: auto; overflow-y: hidden; }
.rendered_html code.nncourse-tex { color: #b00020; }
</style>
{%- endmacro %}"""
    }
)
CHAR_REF = re.compile(r"&#x([0-9a-fA-F]+);|&#([0-9]+);")
TEXT_ESCAPE = re.compile(r"\\([_&%#$\{\}])")  # \_ in \text{warmup\_steps}
# latex2mathml writes styled letters as Unicode math letters, but styled digits as a
# mathvariant, which Chromium ignores: \mathbb{1} would show as a plain 1.
STYLED_DIGITS = {"bold": 0x1D7CE, "double-struck": 0x1D7D8, "monospace": 0x1D7F6}


def _char(match) -> str:
    code = int(match[1], 16) if match[1] else int(match[2])
    if code in (0x9, 0xA) or (0x20 <= code < 0x110000 and not 0xD800 <= code < 0xE000):
        return chr(code)
    return match[0]  # not a character: left as text, which tostring escapes


def _tidy(element) -> None:
    """latex2mathml's tree, made plain text: its character references become characters
    (``tostring`` then escapes ``<`` and ``&``, which latex2mathml's own serialisation
    passes raw from ``\\text{...}``), TeX escapes in text become the characters, and
    styled digits become Unicode math digits. No ``xmlns``: HTML puts ``<math>`` in the
    MathML namespace itself, and nbconvert's heading anchors (ElementTree) would write
    the element as ``<ns0:math>``, which is not MathML."""
    element.attrib.pop("xmlns", None)
    for node in element.iter():
        node.text = CHAR_REF.sub(_char, node.text) if node.text else node.text
        node.tail = CHAR_REF.sub(_char, node.tail) if node.tail else node.tail
        if node.tag == "mtext" and node.text:
            node.text = TEXT_ESCAPE.sub(r"\1", node.text)
        start = STYLED_DIGITS.get(node.get("mathvariant", ""))
        if node.tag == "mn" and start and node.text and node.text.isascii() and node.text.isdigit():
            node.text = "".join(chr(start + int(d)) for d in node.text)
            del node.attrib["mathvariant"]


def mathml(tex: str, display: str) -> str:
    """``tex`` (no delimiters) as a MathML element; ``display``: "inline" or "block".
    TeX that latex2mathml cannot read is shown as its source, marked."""
    try:
        element = convert_to_element(tex, display=display)
        _tidy(element)
        return tostring(element, encoding="unicode")
    except Exception:  # noqa: BLE001 - any TeX a student or author may write
        shown = html.escape(tex, quote=False)
        return f'<code class="nncourse-tex" title="math that could not be typeset">{shown}</code>'


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with its math as MathML instead of TeX left for
    MathJax to find in the page."""

    def block_math(self, body: str) -> str:
        return mathml(body, "block")

    def inline_math(self, body: str) -> str:
        return mathml(body, "inline")

    def latex_environment(self, name: str, body: str) -> str:
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


def markdown_html(source: str, attachments=None) -> str:
    """A markdown cell's source as HTML with MathML, in one HTML block: a ``div`` with no
    blank line, which the template's own markdown pass leaves exactly as it is."""
    renderer = MathMLRenderer(escape=False, attachments=attachments or {})
    text = MarkdownWithMath(renderer=renderer).render(source)
    text = re.sub(r"(?m)^[ \t]*$", "<!---->", text.strip("\n"))  # a blank line ends a block
    return f'<div class="nncourse-markdown">\n{text}\n</div>'


class OfflineMath(Preprocessor):
    """Markdown cells as HTML with MathML, and a page head that loads no MathJax."""

    enabled = Bool(True).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        exporter = self.parent
        if self.enabled and isinstance(exporter, TemplateExporter):
            if NO_MATHJAX not in exporter.extra_loaders:  # tried before the template paths
                exporter.extra_loaders = [NO_MATHJAX, *exporter.extra_loaders]

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = markdown_html(cell.source, cell.get("attachments"))
        return cell, resources
