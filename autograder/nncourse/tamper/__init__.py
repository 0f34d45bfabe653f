"""Tamper scan: read a student's solution cells, exactly as IPython would run them, before
any of them runs.

This is a second line of defence. Points never depend on it: verdicts are computed outside
the student's kernel. The scan exists so that an attempt to tamper is put in front of the
instructor instead of being graded as if nothing happened: a notebook with findings is not
executed, is reported ``tampered`` with the findings as its detail, and earns nothing until
an instructor reviews it (README, "Grading rules").

**What it reads.** Every code cell marked as a solution, transformed with IPython's own
input transformation (``TransformerManager.transform_cell``: indentation, ``>>>`` and
``In [1]:`` prompts, ``%magic``, ``%%cell magic``, ``!shell``, ``x = %magic``, ``x?``),
then parsed as Python with top-level ``await`` allowed, as IPython compiles it. A one-line
cell whose first word names a line magic (``time(...)``, ``run -m x``) is what IPython's
automagic runs as that magic, and is read so. Line numbers are the cell's own (the blank
lines IPython drops at the top are counted back in); a magic continued over several lines
is one line after the transformation, so later lines of that cell may be numbered a little
early. Only solution cells are read: the grader runs the instructor's own read-only and
test cells, and no free cell of the student.

**What it flags** (each is a ``Finding``):

- a solution cell that cannot be read (a syntax error, including those the compiler finds
  after parsing, or nesting too deep to parse): such a notebook is not run at all, so
  the student is told to fix it;
- IPython itself: magics, cell magics, shell escapes, ``get_ipython`` and IPython's
  history names (``In``, ``Out``, ``_ih``...); the shell's hooks (``set_custom_exc``);
- imports outside ``ALLOWED_MODULES`` (an allow-list), relative imports and
  ``from X import *``; and names that reach the interpreter, the system or raw memory
  from allowed modules too (``ESCAPES``: ``np.testing.extbuild.sys``,
  ``np.ctypeslib``, ``typing.get_type_hints``...);
- special attributes: any ``__dunder__`` attribute or name but the harmless
  ``ALLOWED_DUNDERS``, the attributes of frames, tracebacks, code objects and generators
  (``tb_frame``, ``f_back``, ``gi_frame``, ``co_code``...), private attributes of modules
  (``np._core``), and a string that names one of the dangerous ones (``getattr`` and
  ``str.format`` read attributes by name);
- ``getattr``/``setattr``/``delattr``/``hasattr`` with a name that is not a plain string
  literal (with a literal, the name is judged like ``obj.name``), or used other than by a
  direct call;
- writes to shared objects: assigning or deleting an attribute or item of a module
  (``np.allclose = ...``), also through an alias or ``setattr``, or an attribute that
  numpy or the builtins define on anything but ``self``; rebinding a builtin, a module
  name, a name of the read-only cells (``check_array``) or declaring one ``global``
  (importing again what the read-only cells import, ``import numpy as np``, is fine);
- running code that the scan cannot read: ``exec``, ``eval``, ``compile``, ``globals``,
  ``locals``, ``vars``, ``__import__``, ``breakpoint``, three-argument ``type``,
  ``allow_pickle`` (``np.load`` unpickles, which runs code);
- results that lie: a class derived from anything but a plain name (``np.ndarray``,
  ``type(x)``) or that defines ``__class__``, ``__eq__``, ``__array_function__``... (a
  value that only looks like the right array can fool a check);
- reading the tests' variables: a graded function that uses a name only the test cells
  define (``ref``, ``expected``);
- edited or deleted test cells (compared with the released notebook).

``open`` is allowed: reading a file is not tampering by itself, and the sandbox hides what
matters (solutions, the gradebook, other students).

The parts: ``reading`` (a cell as IPython runs it), ``rules`` (what is allowed and what is
flagged, with reasons), ``scanner`` (the syntax-tree visitor of one cell) and ``scan``
(one notebook against the instructor's: ``Context``, ``scan``).
"""

from .reading import Finding, Unreadable, ipython_source, parse_cell
from .scan import Context, scan

__all__ = ["Context", "Finding", "Unreadable", "ipython_source", "parse_cell", "scan"]
