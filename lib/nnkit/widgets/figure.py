"""Figures and error display shared by the widgets.

``FigureHost`` holds a matplotlib figure and shows it either as the ipympl canvas (after
``%matplotlib widget``: built once, artists updated in place, blitting where the limits
do not change) or, under any other backend (inline, Agg in tests), as a PNG in an
``ipywidgets.Image`` that is replaced after each change. Its ``mimebundle`` adds a PNG of
the figure to the widget's output, which static views (nbconvert, the self-study site,
GitHub) show when there is no widget state. ``display_static`` shows any figure as a
stored PNG whatever the backend.

``Guarded`` is the widgets' error policy: a callback's ValueError (a bad parameter, a
function not written yet) is shown as its message in the ``error`` label; anything else
also with its traceback in ``log``. Nothing is swallowed, and the widget stays usable.
"""

from __future__ import annotations

import html
import io
import traceback
from collections.abc import Callable

import ipywidgets as widgets
import matplotlib
from matplotlib.figure import Figure

from ..own_code import not_written


def ipympl_active() -> bool:
    """True when the notebook ran ``%matplotlib widget`` (or ``ipympl``)."""
    backend = str(matplotlib.rcParams["backend"]).lower()
    return "ipympl" in backend or backend in ("widget", "module://ipympl.backend_nbagg")


def figure_png(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure rendered to PNG bytes (Agg; does not touch the active backend)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi)
    return buf.getvalue()


def display_static(fig: Figure) -> None:
    """Show ``fig`` as a plain PNG output, whatever the backend (also under
    ``%matplotlib widget``). The PNG is stored in the notebook, so nbconvert, the
    GitHub viewer and a reader without a kernel all see it."""
    from IPython.display import Image, display

    display(Image(data=figure_png(fig), format="png"))


class FigureHost:
    """Holds a figure and knows how to show and redraw it (ipympl or PNG fallback)."""

    def __init__(self, figsize, ncols=1):
        self.interactive = ipympl_active()
        if self.interactive:
            import matplotlib.pyplot as plt

            with plt.ioff():
                self.fig = plt.figure(figsize=figsize)
            self.interactive = isinstance(self.fig.canvas, widgets.DOMWidget)
        else:
            self.fig = Figure(figsize=figsize)
        if self.interactive:
            canvas = self.fig.canvas
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.resizable = False
            canvas.toolbar_position = "right"
            canvas.add_class("nnkit-canvas")
            self.view: widgets.Widget = canvas
        else:
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(self.fig)
            self.view = widgets.Image(format="png")
            self.view.add_class("nnkit-canvas")
        self.axes = self.fig.subplots(1, ncols, squeeze=False)[0]
        self.draw_count = self.full_draws = self.blits = 0
        self._blit_ax = self._background = None  # an Axes, or the Figure itself
        self._blit_artists: Callable[[], list] = list

    def enable_blit(self, ax, artists: Callable[[], list]) -> None:
        """Blitting for ``ax``, or with ``ax=None`` for the whole figure (ipympl only): the
        artists ``artists()`` returns (e.g. the lines and the legend), in any of its axes,
        are animated, i.e. left out of full draws and drawn over a cached background of
        ``ax`` (or the figure) instead, in that order. Full draws (limits, scale,
        resize, toolbar) cache that background in a ``draw_event`` callback and draw the
        artists on top, so every frame the browser gets is complete. Saved figures
        include them too."""
        if not self.interactive:
            return
        self._blit_ax = ax if ax is not None else self.fig  # the region blitted
        self._blit_artists = artists
        self.fig.canvas.mpl_connect("draw_event", self._on_draw_event)

    def _on_draw_event(self, event):
        canvas = self.fig.canvas
        if self._blit_ax is None or canvas.is_saving() or event.canvas is not canvas:
            return
        self._background = canvas.copy_from_bbox(self._blit_ax.bbox)
        self._draw_animated()
        canvas._force_full = True  # this frame too is sent whole (see redraw)

    def _draw_animated(self):
        for artist in self._blit_artists():
            if artist is not None and artist.get_visible():
                self.fig.draw_artist(artist)

    def redraw(self, full: bool = True):
        """Show the figure's current state. ipympl: ``full`` asks the browser for a full
        draw (``draw_idle``); otherwise, with blitting enabled and a cached background,
        only the animated artists are drawn and sent (``canvas.blit``), which skips
        redrawing the axes, ticks and labels. Fallback: a new PNG in the Image widget."""
        self.draw_count += 1
        if not self.interactive:
            self.view.value = figure_png(self.fig)
            return
        canvas = self.fig.canvas
        if self._blit_ax is not None:
            # A blit is sent at once, not when the browser asks for a frame, so two
            # frames can arrive while the browser still decodes the first; it then paints
            # only the second. ipympl sends the changed pixels only ("diff" frames), and a
            # dropped diff leaves the old curve on screen. Whole frames cannot go stale.
            canvas._force_full = True
        if full or self._blit_ax is None or self._background is None:
            self._background = None  # stale until the requested draw has happened
            self.full_draws += 1
            canvas.draw_idle()
        else:
            self.blits += 1
            canvas.restore_region(self._background)
            self._draw_animated()
            canvas.blit(self._blit_ax.bbox)

    def mimebundle(self, widget: widgets.Widget, **kwargs) -> dict:
        """The widget's own bundle plus a PNG of the figure for static renderers."""
        import base64

        data = dict(widget._repr_mimebundle_(**kwargs) or {})
        data["image/png"] = base64.b64encode(figure_png(self.fig)).decode("ascii")
        return data

    def close(self):
        if self.interactive:
            import matplotlib.pyplot as plt

            plt.close(self.fig)


def close_tree(widget) -> None:
    """Close a widget and every widget inside it (boxes hold theirs in ``children``)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


def error_html(message: str) -> str:
    return f'<span style="color:#b00020"><b>Error:</b> {html.escape(message)}</span>'


class Guarded:
    """Runs a callback; any exception is shown in ``error`` (ValueError as its message,
    anything else with its traceback in ``log``) instead of being lost."""

    def __init__(self):
        self.error = widgets.HTML(value="")
        self.error.add_class("nnkit-error")
        self.log = widgets.Output(layout=widgets.Layout(max_height="12em", overflow="auto"))

    def _guard(self, fn, *args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except ValueError as e:
            self.error.value = error_html(str(e))
            return None
        except NotImplementedError as e:  # a function of the reader's, not written yet
            self.error.value = error_html(str(not_written(e)))
            return None
        except Exception as e:  # noqa: BLE001 - shown to the reader, never swallowed
            self.error.value = error_html(f"{type(e).__name__}: {e}")
            self.log.append_stdout(traceback.format_exc())
            return None
        return result
