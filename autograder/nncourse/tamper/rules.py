"""What the tamper scan allows and flags: the lists, each entry with its reason."""

import builtins
import re
import types

import numpy
from ipykernel.zmqshell import KernelMagics
from IPython.core import magics as ipython_magics
from IPython.core.alias import default_aliases
from IPython.core.magic import Magics

ALLOWED_MODULES = frozenset(
    {
        "numpy",  # and its submodules (numpy.linalg...); see ESCAPES for its back doors
        "math",
        "itertools",
        "functools",
        "collections",
        "typing",
        "dataclasses",
        # Searching a sorted list: the multistep_decay alternatives of tests/mutants/nb03.py
        # use bisect.bisect_right. Pure functions on sequences, nothing else.
        "bisect",
    }
)

ESCAPES = {
    # Reached as an attribute, an imported name or a module path, even from an allowed
    # module: numpy's public attributes lead to builtins, sys, inspect and subprocess
    # (np.ma.extras.ma.builtins, np.testing.extbuild.sys...).
    "builtins": "the builtins module",
    "sys": "the interpreter's sys module",
    "os": "the operating system",
    "subprocess": "other programs",
    "inspect": "the interpreter's frames and sources",
    "gc": "every object of the interpreter",
    "ctypes": "raw memory",
    "ctypeslib": "raw memory (numpy.ctypeslib)",
    "as_strided": "memory outside an array",
    "importlib": "the import system",
    "runpy": "running other modules",
    "pickle": "unpickling, which runs code",
    "marshal": "loading code objects",
    "threading": "other threads",
    "multiprocessing": "other processes",
    "signal": "signal handlers (the grader's interrupt)",
    "socket": "the network",
    "f2py": "compiling native code (numpy.f2py)",
    "extbuild": "compiling native code (numpy.testing.extbuild)",
    "distutils": "compiling native code",
    "get_type_hints": "evaluating annotation strings as code",
    "ForwardRef": "evaluating a string as code",
}

FORBIDDEN_NAMES = {
    "__import__",
    "exec",
    "eval",
    "compile",
    "globals",
    "locals",  # at the top level of a cell, locals() is the notebook's globals
    "vars",
    "breakpoint",
    "get_ipython",
}

ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "delattr", "hasattr"}

ALLOWED_DUNDERS = {
    "__init__": "super().__init__(...) in a subclass constructor",
    "__name__": "names a function or class in a message (type(x).__name__)",
}

ALLOWED_DUNDER_STRINGS = {"__main__"}  # if __name__ == "__main__": a harmless habit

DUNDER = re.compile(r"^__\w+__$")

WHY_DUNDER = {
    "__self__": "it reaches the object behind a builtin function (abs.__self__ is builtins)",
    "__traceback__": "it reaches the frames of the code that raised",
    "__globals__": "it reaches the notebook's globals, the tests' variables included",
    "__builtins__": "it reaches the builtins",
    "__dict__": "it reaches an object's or module's namespace",
    "__code__": "it reaches a function's code",
    "__subclasses__": "it reaches every class of the interpreter",
    "__setattr__": "it writes attributes by name",
}

INTROSPECTION_ATTRIBUTES = frozenset(
    name
    for kind in (
        types.FrameType,
        types.TracebackType,
        types.CodeType,
        types.GeneratorType,
        types.CoroutineType,
        types.AsyncGeneratorType,
    )
    for name in dir(kind)
    if name.startswith(("f_", "tb_", "co_", "gi_", "cr_", "ag_"))
)

DANGEROUS_DUNDERS = {
    *WHY_DUNDER,
    "__closure__",
    "__class__",
    "__bases__",
    "__base__",
    "__mro__",
    "__import__",
    "__loader__",
    "__spec__",
    "__func__",
    "__wrapped__",
    "__getattribute__",
    "__delattr__",
    "__reduce__",
    "__reduce_ex__",
    "__defaults__",
    "__kwdefaults__",
}

LYING_DEFINITIONS = {
    "__class__",
    "__instancecheck__",
    "__subclasscheck__",
    "__getattribute__",
    "__eq__",
    "__ne__",
    "__bool__",
}

NAMED_IN_STRINGS = re.compile(
    r"\b("
    + "|".join(sorted({*DANGEROUS_DUNDERS, *LYING_DEFINITIONS, *INTROSPECTION_ATTRIBUTES}))
    + r"|__array\w*__|allow_pickle)\b"
)

SYS_HOOKS = {
    "settrace",
    "setprofile",
    "excepthook",
    "displayhook",
    "modules",
    "_getframe",
    "meta_path",
    "path_hooks",
    "addaudithook",
    "monitoring",
    "breakpointhook",
}

IPYTHON_HOOKS = {
    "set_custom_exc",
    "set_hook",
    "ast_transformers",
    "input_transformers_post",
    "input_transformers_cleanup",
    "user_ns",
    "user_global_ns",
    "run_cell",
    "run_line_magic",
    "run_cell_magic",
    "register_magic_function",
    "magics_manager",
}

IPYTHON_NAMES = re.compile(r"^(In|Out|_ih|_oh|_dh|_i{1,3}|_i\d+|_\d+|__|___)$")

BUILTIN_NAMES = set(dir(builtins))

# Attribute names a write may not use on anything but ``self``/``cls``: numpy's and the
# builtins' own names (``x.allclose = ...`` through an alias the scan cannot follow),
# except the attributes an array really has (``a.shape = ...`` is honest numpy).
SHARED_ATTRIBUTES = (set(dir(numpy)) | set(dir(numpy.testing)) | BUILTIN_NAMES) - set(
    dir(numpy.ndarray)
)

UNREADABLE = "nothing in this notebook was run; fix it and resubmit, or re-grade after review"


def _line_magic_names() -> frozenset:
    """Names IPython's automagic runs as line magics in a kernel: IPython's own magics,
    ipykernel's and the default shell aliases (``ls``, ``cat``...)."""
    names = {alias for alias, _ in default_aliases()}
    names |= set(KernelMagics.magics["line"])
    for attribute in dir(ipython_magics):
        magics = getattr(ipython_magics, attribute)
        if isinstance(magics, type) and issubclass(magics, Magics):
            names |= set(magics.magics.get("line", {}))
    return frozenset(names)


LINE_MAGICS = _line_magic_names()
