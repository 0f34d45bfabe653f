"""Diagrams for the lessons, drawn with matplotlib alone (no image files).

Every public function draws one diagram into the ``ax`` it is given, or into a new
figure, and returns the axes. None calls ``plt.show()``, so the functions work the same in
a notebook, a script and a headless test (``matplotlib.use("Agg")``).

A diagram is made of *nodes* (rounded boxes: inputs, operations, outputs) and *arrows*
between them, placed in data coordinates of an axes with equal aspect and no frame. The
building blocks are shared by every diagram of this module:

- ``Node`` and ``draw_node``: a box at a given centre and size, holding a (mathtext) label;
- ``draw_edge``: the forward arrow from one node to another and, if given, the backward
  arrow that carries the gradient the other way, each with its label; it returns the
  ``Edge`` (the arrows' end points);
- ``FORWARD`` and ``BACKWARD``: the colours of the two passes, the same in every diagram.

Diagrams:

- ``plot_loss_graph`` (notebook 01): the computational graph of a linear classifier's
  loss, ``L = mean_i L_i(X W) + reg * sum(W**2)``, with the forward values and the
  gradients of the backward pass.
- ``plot_network`` (notebook 04): a fully connected network as layers of units (circles)
  joined by their weights (lines), e.g. ``plot_network([64, 100, 10])``; a layer with
  more units than ``max_units`` is drawn with some of them and an ellipsis, and every
  layer is labelled with its true size.
"""

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

FORWARD = "#1f3b73"  # dark blue: values, computed left to right
BACKWARD = "#c0392b"  # red: gradients, computed right to left
FILL = {"input": "#e8eef8", "op": "#fdf3e1", "output": "#e6f4ea"}


@dataclass(frozen=True)
class Node:
    """A box of a diagram: centre ``(x, y)`` and size ``width`` x ``height``, data units."""

    x: float
    y: float
    width: float
    height: float

    def boundary(self, toward: "Node") -> tuple[float, float]:
        """Where the segment from this box's centre to ``toward``'s centre leaves the box."""
        dx, dy = toward.x - self.x, toward.y - self.y
        if dx == 0 and dy == 0:
            raise ValueError("an edge needs two nodes at different places")
        scale = min(
            self.width / 2 / abs(dx) if dx else math.inf,
            self.height / 2 / abs(dy) if dy else math.inf,
        )
        return self.x + scale * dx, self.y + scale * dy


Point = tuple[float, float]


@dataclass(frozen=True)
class Edge:
    """The arrows of one ``draw_edge``, each as ``(start, end)`` in data units (the head
    is at ``end``); ``backward`` is None for an edge drawn without a gradient."""

    forward: tuple[Point, Point]
    backward: tuple[Point, Point] | None


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def draw_node(
    ax: Axes,
    x: float,
    y: float,
    label: str,
    width: float = 1.6,
    height: float = 0.7,
    kind: str = "op",
    fontsize: float = 10,
) -> Node:
    """Draw a rounded box centred at ``(x, y)`` holding ``label``; return its ``Node``.

    ``kind`` is ``"input"``, ``"op"`` or ``"output"`` and sets the fill colour.
    """
    if kind not in FILL:
        raise ValueError(f"kind must be one of {sorted(FILL)}, got {kind!r}")
    if width <= 0 or height <= 0:
        raise ValueError(f"a node needs a positive size, got {width} x {height}")
    pad = 0.08
    box = FancyBboxPatch(
        (x - width / 2 + pad, y - height / 2 + pad),
        width - 2 * pad,
        height - 2 * pad,
        boxstyle=f"round,pad={pad}",
        facecolor=FILL[kind],
        edgecolor=FORWARD,
        linewidth=1.2,
        zorder=2,
    )
    ax.add_patch(box)
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=3)
    return Node(x, y, width, height)


def _arrow(ax: Axes, start: Point, end: Point, color: str, dashed: bool) -> FancyArrowPatch:
    arrow = FancyArrowPatch(
        start,
        end,
        arrowstyle="-|>",
        mutation_scale=14,
        color=color,
        linewidth=1.4,
        linestyle="--" if dashed else "-",
        shrinkA=0,
        shrinkB=0,
        zorder=1,
    )
    ax.add_patch(arrow)
    return arrow


def draw_edge(
    ax: Axes,
    source: Node,
    target: Node,
    forward: str | None = None,
    backward: str | None = None,
    gap: float = 0.12,
    fontsize: float = 9,
    label_offset: float = 0.3,
) -> Edge:
    """Draw the forward arrow ``source -> target`` and, if ``backward`` is given, the
    backward arrow ``target -> source`` beside it (dashed, in ``BACKWARD``'s colour).

    ``forward`` labels the value that flows forward (shown on the left of the travel
    direction, i.e. above a left-to-right arrow), ``backward`` the gradient that flows back
    (shown on the other side). ``gap`` is the distance between the two arrows and
    ``label_offset`` the distance of each label from its arrow, in data units. Returns
    the ``Edge`` drawn.
    """
    x0, y0 = source.boundary(target)
    x1, y1 = target.boundary(source)
    length = math.hypot(x1 - x0, y1 - y0)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length  # unit normal, left of the travel
    side = gap / 2 if backward is not None else 0.0
    mid_x, mid_y = (x0 + x1) / 2, (y0 + y1) / 2
    ahead = ((x0 + side * nx, y0 + side * ny), (x1 + side * nx, y1 + side * ny))
    _arrow(ax, *ahead, FORWARD, dashed=False)
    if forward is not None:
        _label(
            ax,
            mid_x + (side + label_offset) * nx,
            mid_y + (side + label_offset) * ny,
            forward,
            FORWARD,
            fontsize,
        )
    if backward is None:
        return Edge(ahead, None)
    back = ((x1 - side * nx, y1 - side * ny), (x0 - side * nx, y0 - side * ny))
    _arrow(ax, *back, BACKWARD, dashed=True)
    _label(
        ax,
        mid_x - (side + label_offset) * nx,
        mid_y - (side + label_offset) * ny,
        backward,
        BACKWARD,
        fontsize,
    )
    return Edge(ahead, back)


def _label(ax: Axes, x: float, y: float, text: str, color: str, fontsize: float) -> None:
    ax.text(x, y, text, ha="center", va="center", color=color, fontsize=fontsize)


# Per loss: (label of the loss node, gradient with respect to the scores). N averages.
LOSSES = {
    "softmax": (
        "softmax, $-\\log p_{y_i}$\nmean over $N$",
        "$dS = (P - Y)\\,/\\,N$",
    ),
    "svm": (
        "hinge $\\sum_{j \\neq y_i}\\max(0, m_{ij})$\nmean over $N$",
        "$dS_{ij} = [m_{ij} > 0]\\,/\\,N$\n$dS_{iy_i} = -\\sum_{j \\neq y_i} dS_{ij}$",
    ),
}


def plot_loss_graph(loss: str = "softmax", ax: Axes | None = None) -> Axes:
    """The computational graph of a linear classifier's loss, forward and backward.

    ``loss`` is ``"softmax"`` (cross-entropy, the default) or ``"svm"`` (multiclass hinge,
    margins ``m_ij = s_j - s_{y_i} + 1``). The graph computes the scores ``S = X W``
    (N, C) from the data X (N, D) and the weights W (D, C), the data loss (the mean of the
    per-example losses), the penalty ``reg * sum(W**2)`` and their sum L. Blue arrows carry
    the values forward; dashed red arrows carry the gradients back, each the upstream
    gradient times the local derivative, starting from dL/dL = 1. W feeds two nodes, so
    its two incoming gradients add up: ``dW = X.T dS + 2 reg W``. Returns the axes.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    loss_label, dscores = LOSSES[loss]
    ax = _axes(ax, figsize=(12, 4.6))
    X = draw_node(ax, 0.0, 3.0, "$X$ (data)\n(N, D)", width=1.3, height=0.9, kind="input")
    W = draw_node(ax, 0.0, 0.6, "$W$\n(D, C)", width=1.3, height=0.9, kind="input")
    matmul = draw_node(ax, 2.6, 2.4, "$S = XW$", width=1.4)
    data_loss = draw_node(ax, 7.2, 2.4, loss_label, width=2.9, height=1.0)
    penalty = draw_node(ax, 4.6, 0.0, "reg $\\cdot\\sum W^2$", width=1.8)
    total = draw_node(ax, 10.0, 1.2, "$+$", width=0.7, height=0.7)
    out = draw_node(ax, 11.6, 1.2, "$L$", width=0.8, height=0.7, kind="output")

    draw_edge(ax, X, matmul, "(N, D)", "$dX = dS\\,W^\\top$", label_offset=0.4)
    draw_edge(ax, W, matmul, "(D, C)", "$X^\\top dS$", label_offset=0.4)
    draw_edge(ax, matmul, data_loss, "$S$ (N, C)", dscores, gap=0.16, label_offset=0.5)
    draw_edge(ax, W, penalty, None, "$2\\,\\mathrm{reg}\\,W$")
    draw_edge(ax, data_loss, total, "$L_\\mathrm{data}$", "1")
    draw_edge(ax, penalty, total, "$L_\\mathrm{reg}$", "1")
    draw_edge(ax, total, out, None, "$dL/dL = 1$")
    ax.text(
        W.x,
        W.y - 0.95,
        "two paths leave $W$: their gradients add\n$dW = X^\\top dS + 2\\,\\mathrm{reg}\\,W$",
        ha="center",
        va="top",
        color=BACKWARD,
        fontsize=9,
    )
    ax.plot([], [], color=FORWARD, label="forward: values")
    ax.plot([], [], color=BACKWARD, linestyle="--", label="backward: gradients")
    ax.legend(loc="upper right", fontsize=9, frameon=False)
    ax.set_xlim(-1.0, 12.2)
    ax.set_ylim(-1.1, 3.8)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"the {loss} loss of a linear classifier as a computational graph")
    return ax


ELLIPSIS = "\u22ee"  # the vertical ellipsis that stands for the units not drawn
UNIT_RADIUS = 0.3  # data units; the units of a layer are 1 apart
LAYER_GAP = 3.0  # horizontal distance between two layers


def _layer_sizes(layer_sizes) -> list[int]:
    try:
        sizes = list(layer_sizes)
    except TypeError:
        raise ValueError(f"layer_sizes must be a list of sizes, got {layer_sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"a network needs at least an input and an output layer, got {sizes}")
    for n in sizes:
        if isinstance(n, bool) or not float(n).is_integer() or n < 1:
            raise ValueError(f"every layer size must be a positive integer, got {sizes}")
    return [int(n) for n in sizes]


def network_labels(num_layers: int, activation: str | None = "ReLU") -> list[str]:
    """The default names of the layers of ``plot_network``: ``input $x$ $(D)$``, then
    ``hidden $h$ $(H)$`` and, on a second line, the activation (``$h_1$ $(H_1)$``, ...
    when there are several hidden layers), then ``scores $s$ $(C)$``."""
    if num_layers < 2:
        raise ValueError(f"a network needs at least 2 layers, got {num_layers}")
    hidden = num_layers - 2
    names = ["input $x$ $(D)$"]
    for i in range(1, hidden + 1):
        h, H = ("h", "H") if hidden == 1 else (f"h_{i}", f"H_{i}")
        names.append(f"hidden ${h}$ $({H})$" + (f"\n{activation}" if activation else ""))
    return [*names, "scores $s$ $(C)$"]


def _letters(num_layers: int) -> list[str]:
    hidden = num_layers - 2
    middle = ["H"] if hidden == 1 else [f"H_{i}" for i in range(1, hidden + 1)]
    return ["D", *middle, "C"]


def _unit_rows(n: int, max_units: int) -> tuple[list[float], float | None]:
    """The heights of the drawn units of a layer of n units, centred on 0, and the height
    of the ellipsis (None if all n are drawn): the first max_units // 2 units, a gap, the
    last ones."""
    if n <= max_units:
        return [(n - 1) / 2 - k for k in range(n)], None
    top = max_units // 2
    slots = max_units + 1  # one slot holds the ellipsis
    heights = [(slots - 1) / 2 - k for k in range(slots)]
    return heights[:top] + heights[top + 1 :], heights[top]


def plot_network(
    layer_sizes,
    ax: Axes | None = None,
    *,
    labels: list[str] | None = None,
    activation: str | None = "ReLU",
    max_units: int = 8,
    title: str | None = None,
) -> Axes:
    """A fully connected network: one column of units (circles) per layer, from the input
    x on the left to the scores s on the right, each unit joined to every unit of the next
    layer by a line (one weight of ``W_i``, labelled with its shape above the lines).

    ``layer_sizes`` is ``[D, H_1, ..., C]`` (at least two positive integers), e.g.
    ``[64, 100, 10]`` for a ``TwoLayerNet`` on the digits. A layer of more than
    ``max_units`` units shows the first ``max_units // 2`` and the last ones with a
    vertical ellipsis between them; under every layer its true size is written
    (``H = 100``, or ``100 units`` with custom labels).

    ``labels`` replaces the layer names, one per layer; the default is
    ``network_labels``: ``input $x$ $(D)$``, ``hidden $h$ $(H)$`` above ``ReLU``,
    ``scores $s$ $(C)$``, with ``activation`` naming the hidden layers' nonlinearity
    (None for none). ``title`` defaults to the number of affine layers and the sizes.
    Returns the axes; a bad argument raises ValueError.
    """
    sizes = _layer_sizes(layer_sizes)
    if isinstance(max_units, bool) or not float(max_units).is_integer() or max_units < 2:
        raise ValueError(f"max_units must be an integer >= 2, got {max_units!r}")
    max_units = int(max_units)
    if labels is None:
        names = network_labels(len(sizes), activation)
        letters = _letters(len(sizes))
        counts = [f"${letter} = {n}$" for letter, n in zip(letters, sizes, strict=True)]
    else:
        names = [str(label) for label in labels]
        if len(names) != len(sizes):
            raise ValueError(f"got {len(names)} labels for {len(sizes)} layers")
        counts = [f"{n} unit" + ("s" if n > 1 else "") for n in sizes]
    shown = min(max(sizes), max_units)
    ax = _axes(ax, figsize=(2.2 * len(sizes) + 1.0, 0.55 * shown + 2.4))

    columns = []  # per layer: the heights of its drawn units
    low = -(shown + (1 if max(sizes) > max_units else 0) - 1) / 2 - UNIT_RADIUS
    for i, n in enumerate(sizes):
        x = i * LAYER_GAP
        heights, gap = _unit_rows(n, max_units)
        kind = "input" if i == 0 else "output" if i == len(sizes) - 1 else "op"
        for y in heights:
            unit = Circle(
                (x, y), UNIT_RADIUS, facecolor=FILL[kind], edgecolor=FORWARD, lw=1.2, zorder=2
            )
            ax.add_patch(unit)
        if gap is not None:
            ax.text(x, gap, ELLIPSIS, ha="center", va="center", fontsize=16, color=FORWARD)
        ax.text(x, low - 0.3, f"{names[i]}\n{counts[i]}", ha="center", va="top", fontsize=10)
        columns.append(heights)

    top = max(max(h) for h in columns) + UNIT_RADIUS
    for i, (left, right) in enumerate(zip(columns, columns[1:], strict=False)):
        x0, x1 = i * LAYER_GAP + UNIT_RADIUS, (i + 1) * LAYER_GAP - UNIT_RADIUS
        segments = [[(x0, a), (x1, b)] for a in left for b in right]
        ax.add_collection(LineCollection(segments, colors=FORWARD, linewidths=0.6, alpha=0.35))
        ax.text(
            (i + 0.5) * LAYER_GAP,
            top + 0.3,
            f"$W_{{{i + 1}}}$ $({sizes[i]}, {sizes[i + 1]})$",
            ha="center",
            va="bottom",
            fontsize=9,
            color=FORWARD,
        )

    ax.set_xlim(-1.4, (len(sizes) - 1) * LAYER_GAP + 1.4)
    ax.set_ylim(low - 0.6 - 0.45 * max(name.count("\n") + 2 for name in names), top + 0.9)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title is None:
        arrows = " \u2192 ".join(map(str, sizes))
        title = f"a {len(sizes) - 1}-layer fully connected network: {arrows}"
    ax.set_title(title)
    return ax
