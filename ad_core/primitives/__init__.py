"""The primitive table (``PRIMITIVES``) and the primitives as callables.

``table`` declares and stores; ``ops`` holds the entries;
``chain`` holds the elementwise chain-rule products both modes share;
``batching`` says how non-elementwise entries take a batch of tangents.
"""

from . import ops
from .ops import unbroadcast
from .table import PRIMITIVES, Primitive, defprim

__all__ = ["PRIMITIVES", "Primitive", "defprim", "ops", "unbroadcast"]
