"""nnkit.diagrams on the headless Agg backend: what each diagram draws, and into what."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

from nnkit.diagrams import (  # noqa: E402
    BACKWARD,
    ELLIPSIS,
    FORWARD,
    Node,
    draw_edge,
    draw_node,
    network_labels,
    plot_loss_graph,
    plot_network,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def arrows(ax, color):
    return [
        p
        for p in ax.patches
        if isinstance(p, FancyArrowPatch) and p.get_edgecolor() == pytest.approx(to_rgba(color))
    ]


def texts(ax) -> str:
    return "\n".join(t.get_text() for t in ax.texts)


# ---------------------------------------------------------------------------
# building blocks


@pytest.mark.parametrize(
    "toward, expected",
    [
        (Node(5.0, 0.0, 1.0, 1.0), (1.0, 0.0)),  # right: half the width
        (Node(0.0, -3.0, 1.0, 1.0), (0.0, -0.5)),  # down: half the height
        (Node(4.0, 4.0, 1.0, 1.0), (0.5, 0.5)),  # the corner of a square, on the diagonal
        (Node(4.0, 1.0, 1.0, 1.0), (1.0, 0.25)),  # a shallow slope leaves through the side
    ],
)
def test_an_edge_leaves_a_box_on_its_boundary_toward_the_other_box(toward, expected):
    box = Node(0.0, 0.0, 2.0, 1.0)
    assert box.boundary(toward) == pytest.approx(expected)


def test_an_edge_between_two_nodes_at_one_place_is_refused():
    with pytest.raises(ValueError, match="different places"):
        Node(1.0, 1.0, 1.0, 1.0).boundary(Node(1.0, 1.0, 2.0, 2.0))


def test_a_node_is_a_filled_box_with_its_label():
    _, ax = plt.subplots()
    node = draw_node(ax, 2.0, 1.0, "$S = XW$", width=1.5, height=0.5, kind="output")
    assert node == Node(2.0, 1.0, 1.5, 0.5)
    (box,) = ax.patches
    assert isinstance(box, FancyBboxPatch)
    extent = box.get_extents().transformed(ax.transData.inverted())
    assert extent.x0 == pytest.approx(1.25, abs=0.05) and extent.x1 == pytest.approx(2.75, abs=0.05)
    assert [t.get_text() for t in ax.texts] == ["$S = XW$"]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"kind": "layer"}, "kind must be one of"), ({"width": 0.0}, "positive size")],
)
def test_a_bad_node_is_refused_with_a_message(kwargs, message):
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=message):
        draw_node(ax, 0.0, 0.0, "x", **kwargs)


def test_an_edge_draws_the_backward_arrow_the_other_way_beside_the_forward_one():
    _, ax = plt.subplots()
    a, b = Node(0.0, 0.0, 1.0, 1.0), Node(4.0, 0.0, 1.0, 1.0)
    edge = draw_edge(ax, a, b, "value", "gradient", gap=0.2)
    (forward,) = arrows(ax, FORWARD)
    (backward,) = arrows(ax, BACKWARD)
    (f_start, f_end), (b_start, b_end) = edge.forward, edge.backward
    assert f_start == pytest.approx((0.5, 0.1)) and f_end == pytest.approx((3.5, 0.1))
    assert b_start == pytest.approx((3.5, -0.1)) and b_end == pytest.approx((0.5, -0.1))
    assert backward.get_linestyle() != forward.get_linestyle()
    assert {t.get_text() for t in ax.texts} == {"value", "gradient"}


def test_an_edge_without_a_gradient_is_one_arrow():
    _, ax = plt.subplots()
    edge = draw_edge(ax, Node(0.0, 0.0, 1.0, 1.0), Node(0.0, 3.0, 1.0, 1.0))
    (start, end) = edge.forward
    assert start == pytest.approx((0.0, 0.5)) and end == pytest.approx((0.0, 2.5))
    assert edge.backward is None
    assert len(arrows(ax, FORWARD)) == 1 and not arrows(ax, BACKWARD) and not ax.texts


# ---------------------------------------------------------------------------
# the loss graph of notebook 01


@pytest.mark.parametrize(
    "loss, dscores", [("softmax", "(P - Y)"), ("svm", "[m_{ij} > 0]")], ids=["softmax", "svm"]
)
def test_the_loss_graph_shows_both_passes_and_the_gradient_of_the_scores(loss, dscores):
    ax = plot_loss_graph(loss)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 7  # X, W, X W, data loss, penalty, +, L
    assert len(arrows(ax, FORWARD)) == 7 and len(arrows(ax, BACKWARD)) == 7
    shown = texts(ax)
    assert dscores in shown
    assert "X^\\top dS + 2\\,\\mathrm{reg}\\,W" in shown  # the two paths into W add up
    assert "dL/dL = 1" in shown
    assert loss in ax.get_title()
    assert not ax.axison and not ax.images  # drawn, not an image file
    ax.figure.canvas.draw()  # every mathtext label renders


def test_the_loss_graph_draws_into_the_axes_it_is_given():
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_loss_graph("svm", ax=right) is right
    assert not left.patches and len(fig.axes) == 2


def test_an_unknown_loss_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"loss must be one of \['softmax', 'svm'\]"):
        plot_loss_graph("hinge")


# ---------------------------------------------------------------------------
# the network diagram of notebook 04


def units_per_layer(ax) -> list[int]:
    """The number of unit circles in each column, left to right."""
    columns: dict[float, int] = {}
    for p in ax.patches:
        if isinstance(p, Circle):
            x = round(p.center[0], 6)
            columns[x] = columns.get(x, 0) + 1
    return [columns[x] for x in sorted(columns)]


def weight_lines(ax) -> list[int]:
    """The number of line segments (weights drawn) between each pair of layers."""
    return [len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection)]


def test_a_small_network_draws_every_unit_and_every_weight():
    ax = plot_network([3, 4, 2])
    assert units_per_layer(ax) == [3, 4, 2]
    assert weight_lines(ax) == [3 * 4, 4 * 2]  # one line per entry of W1 and of W2
    shown = texts(ax)
    assert ELLIPSIS not in shown
    assert "input $x$ $(D)$\n$D = 3$" in shown
    assert "hidden $h$ $(H)$\nReLU\n$H = 4$" in shown
    assert "scores $s$ $(C)$\n$C = 2$" in shown
    assert "$W_{1}$ $(3, 4)$" in shown and "$W_{2}$ $(4, 2)$" in shown
    assert "2-layer" in ax.get_title() and "3 \u2192 4 \u2192 2" in ax.get_title()
    assert not ax.axison and not ax.images
    ax.figure.canvas.draw()  # every mathtext label renders


def test_a_big_layer_is_capped_with_an_ellipsis_and_labelled_with_its_true_size():
    ax = plot_network([64, 100, 10])
    assert units_per_layer(ax) == [8, 8, 8]
    assert weight_lines(ax) == [64, 64]
    shown = [t.get_text() for t in ax.texts]
    assert shown.count(ELLIPSIS) == 3
    assert any("$D = 64$" in t for t in shown) and any("$H = 100$" in t for t in shown)
    assert any("$C = 10$" in t for t in shown)
    assert "$W_{1}$ $(64, 100)$" in shown


def test_the_cap_is_a_parameter_and_a_layer_at_the_cap_is_drawn_whole():
    ax = plot_network([10, 11, 3], max_units=10)
    assert units_per_layer(ax) == [10, 10, 3]
    assert [t.get_text() for t in ax.texts].count(ELLIPSIS) == 1  # only the 11
    assert units_per_layer(plot_network([100, 5], max_units=5)) == [5, 5]
    assert units_per_layer(plot_network([100, 5], max_units=2)) == [2, 2]


def test_huge_layers_are_drawn_capped_without_error():
    ax = plot_network([3072, 10_000, 10_000, 10])
    assert units_per_layer(ax) == [8, 8, 8, 8]
    assert "3-layer" in ax.get_title()  # three weight matrices
    ax.figure.canvas.draw()


def test_a_deeper_network_numbers_its_hidden_layers():
    ax = plot_network([64, 100, 50, 10], activation=None)
    shown = texts(ax)
    assert "hidden $h_1$ $(H_1)$\n$H_1 = 100$" in shown
    assert "hidden $h_2$ $(H_2)$\n$H_2 = 50$" in shown
    assert "ReLU" not in shown
    assert network_labels(4, "tanh")[1:3] == [
        "hidden $h_1$ $(H_1)$\ntanh",
        "hidden $h_2$ $(H_2)$\ntanh",
    ]


def test_custom_labels_replace_the_names_and_keep_the_sizes():
    ax = plot_network([2, 1], labels=["pixels", "score"])
    assert units_per_layer(ax) == [2, 1]
    assert {t.get_text() for t in ax.texts} >= {"pixels\n2 units", "score\n1 unit"}


def test_the_network_draws_into_the_axes_it_is_given():
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_network([4, 3], ax=left, title="mine") is left
    assert not right.patches and len(fig.axes) == 2
    assert left.get_title() == "mine"


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (([64],), {}, "at least an input and an output"),
        (([],), {}, "at least an input and an output"),
        ((64,), {}, "list of sizes"),
        (([64, 0, 10],), {}, "positive integer"),
        (([64, -3, 10],), {}, "positive integer"),
        (([64, 2.5, 10],), {}, "positive integer"),
        (([64, True, 10],), {}, "positive integer"),
        (([64, 10],), {"labels": ["x"]}, "got 1 labels for 2 layers"),
        (([64, 10],), {"max_units": 1}, "max_units"),
    ],
)
def test_a_bad_network_is_refused_with_a_message(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_network(*args, **kwargs)
