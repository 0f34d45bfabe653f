"""Interactive widgets for the notebooks, one module each, all running on the reader's
own functions:

- ``ScheduleExplorer`` (notebook 03, ``schedule_explorer``): pick a schedule, move the
  sliders of its own parameters, add a linear warmup, overlay several, switch to a log
  scale; formula, readouts and any error below the plot.
- ``TrainingComparison`` (notebook 03, ``training_comparison``): train a softmax
  classifier on the digits under two or more schedules on a click and overlay the lr,
  loss and accuracy curves; cached, so a re-run is instant.
- ``NetworkPlayground`` (notebook 04, ``playground``): a small TensorFlow Playground for
  a fully connected network on 2-D data sets.
- ``plot_all_schedules`` and ``display_static`` (``schedule_specs``, ``figure``): static
  figures that survive any render without a kernel.

How a notebook uses them (one cell each)::

    %matplotlib widget
    from nnkit.widgets import ScheduleExplorer, TrainingComparison

    explorer = ScheduleExplorer(
        schedules={"step": step_decay, "cosine": cosine_decay, "sgdr": cosine_with_restarts},
        warmup=with_warmup,
    )
    explorer            # the live widget; its output also carries a PNG of the plot

    TrainingComparison(schedules=("step", "cosine", "sgdr"), explorer=explorer)

    NetworkPlayground(rng=np.random.default_rng(SEED + 99), model=FullyConnectedNet)

Compute is kept apart from redraw: schedules and curves, data sets and models, training
steps and boundary grids are plain functions (``schedule_specs``, ``playground``,
``nnkit.solver``, ``nnkit.plots``); the widget classes read their controls, call them
and update artists built once. A function that is not written yet, or a bad value, is
shown in the widget's ``error`` label by name; the widget stays usable (``figure``).
"""

from .figure import display_static, figure_png
from .playground import (
    LEARNING_RATES,
    PLAYGROUND_ACTIVATIONS,
    PLAYGROUND_DATASETS,
    REGULARIZATIONS,
    NetworkPlayground,
    PlaygroundDataset,
    build_playground_model,
    make_playground_data,
)
from .schedule_explorer import ScheduleExplorer
from .schedule_specs import (
    SCHEDULES,
    Param,
    ScheduleSpec,
    default_params,
    make_schedule,
    parse_milestones,
    plot_all_schedules,
    schedule_curve,
    schedule_functions,
)
from .training_comparison import RunResult, TrainingComparison

__all__ = [
    "LEARNING_RATES",
    "PLAYGROUND_ACTIVATIONS",
    "PLAYGROUND_DATASETS",
    "REGULARIZATIONS",
    "SCHEDULES",
    "NetworkPlayground",
    "Param",
    "PlaygroundDataset",
    "RunResult",
    "ScheduleExplorer",
    "ScheduleSpec",
    "TrainingComparison",
    "build_playground_model",
    "default_params",
    "display_static",
    "figure_png",
    "make_playground_data",
    "make_schedule",
    "parse_milestones",
    "plot_all_schedules",
    "schedule_curve",
    "schedule_functions",
]
