"""nncourse.feedback_html: the feedback exporter writes nbconvert's pages, with less work.

Its pages, parsed as nbconvert parses them, are the stock HTMLExporter's to the
character, for the classic template (nbgrader's feedback template extends it) and the
lab one (which goes through nbconvert's own closing pass). This also guards the two
private names of nbconvert the exporter uses (``_init_resources``, ``_nb_metadata``): if
nbconvert changes them, these tests fail."""

import base64

import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nncourse.feedback_html import MISSING_ALT, FeedbackExporter, add_missing_alt

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
).decode()


def notebook(student_code: str = "def f(x):\n    return 2 * x"):
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Lesson\n\nThe loss $L = \\frac{1}{N}\\sum_i L_i$, and\n\n$$x^2$$"),
            new_markdown_cell('An image with a description: <img src="a.png" alt="a plot">'),
            new_markdown_cell("An image without: <img src='b.png'>"),
            new_code_cell(student_code),
            new_code_cell(
                "plot()",
                outputs=[
                    new_output("display_data", data={"image/png": PNG, "text/plain": "<Fig>"}),
                    new_output("stream", name="stdout", text="a <b>tag</b> & more\n"),
                ],
            ),
            new_code_cell(
                "1 / 0", outputs=[new_output("error", ename="E", evalue="v", traceback=[])]
            ),
        ]
    )
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # the same page for the same cells
    return nb


@pytest.mark.parametrize("template", ["classic", "lab"])
def test_a_page_is_the_stock_exporters_once_parsed(template):
    stock, _ = HTMLExporter(template_name=template).from_notebook_node(notebook())
    ours, _ = FeedbackExporter(template_name=template).from_notebook_node(notebook())
    assert str(BeautifulSoup(ours, features="html.parser")) == stock
    assert ours.count(f'alt="{MISSING_ALT}"') == 2  # the markdown's image and the figure
    assert 'alt="a plot"' in ours


def test_pages_after_the_first_reuse_the_shared_cells_and_stay_exact():
    """Markdown and code shared by every student's page are rendered once per exporter;
    a page whose student cell differs still shows that student's own code."""
    exporter = FeedbackExporter(template_name="classic")
    first, _ = exporter.from_notebook_node(notebook())
    again, _ = exporter.from_notebook_node(notebook())
    assert again == first
    assert len(exporter._highlighted) == 3  # the three code cells of the first page ...
    other, _ = exporter.from_notebook_node(notebook("def f(x):\n    return x + x"))
    stock, _ = HTMLExporter(template_name="classic").from_notebook_node(
        notebook("def f(x):\n    return x + x")
    )
    assert str(BeautifulSoup(other, features="html.parser")) == stock
    assert "return 2 * x" not in BeautifulSoup(other, features="html.parser").get_text()
    assert len(exporter._highlighted) == 4  # ... and the other student's cell


def test_a_markdown_cell_with_attachments_is_rendered_for_itself():
    nb = notebook()
    nb.cells[1].source = "![pic](attachment:pic.png)"
    nb.cells[1].attachments = {"pic.png": {"image/png": PNG}}
    exporter = FeedbackExporter(template_name="classic")
    ours, _ = exporter.from_notebook_node(nb)
    stock, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    assert str(BeautifulSoup(ours, features="html.parser")) == stock
    assert f"data:image/png;base64,{PNG}" in ours


def test_add_missing_alt_leaves_described_images_alone():
    html, count = add_missing_alt('<p><img src="x"/><IMG alt="y" src="z"><img\nsrc="w" ></p>')
    assert count == 2
    assert html == (
        f'<p><img src="x" alt="{MISSING_ALT}"/><IMG alt="y" src="z">'
        f'<img\nsrc="w" alt="{MISSING_ALT}" ></p>'
    )
