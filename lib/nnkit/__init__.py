"""nnkit: the helper library shared by the nncourse notebooks.

Modules: ``gradcheck``, ``data``, ``checks``, ``linear``, ``layers``, ``models``,
``optim``, ``schedules``, ``solver``, ``plots``, ``widgets``. Import what you need,
e.g. ``from nnkit.gradcheck import eval_numerical_gradient``.
"""

__version__ = "0.1.0"
