"""ad_core: automatic differentiation of plain Python + NumPy code.

    >>> import numpy as np, ad_core as ad
    >>> ad.grad(lambda x: np.sum(np.sin(x)))(np.zeros(3))
    array([1., 1., 1.])

Forward mode (``jvp``, ``jacfwd``, ``derivative``), reverse mode (``vjp``,
``grad``, ``value_and_grad``, ``jacrev``), ``hessian`` (forward over
reverse), custom rules, and a PyTorch-style ``Variable``. Every primitive is
declared once in :mod:`ad_core.primitives` (see ``PRIMITIVES``).
"""

from . import _dispatch as _dispatch  # installs operators and NumPy protocols on tracers
from . import _malloc, cost, math, numeric, sct, special
from ._core import Tracer
from .api import derivative, grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp
from .check import check_grad, check_jvp
from .custom import custom_jvp, custom_vjp
from .primitives import PRIMITIVES, Primitive
from .reverse import Variable
from .wengert import trace

__version__ = "0.1.0"

_malloc.tune()  # reuse freed memory across gradient calls (see _malloc)


def __getattr__(name: str):
    # The symbolic path imports SymPy (about a second): load it on first use.
    if name == "symbolic":
        import importlib

        return importlib.import_module(".symbolic", __name__)
    raise AttributeError(f"module 'ad_core' has no attribute {name!r}")

__all__ = [
    "PRIMITIVES",
    "Primitive",
    "Tracer",
    "Variable",
    "check_grad",
    "check_jvp",
    "cost",
    "custom_jvp",
    "custom_vjp",
    "derivative",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "math",
    "numeric",
    "sct",
    "special",
    "symbolic",
    "trace",
    "value_and_grad",
    "vjp",
]
