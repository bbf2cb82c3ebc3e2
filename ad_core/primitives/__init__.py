"""The primitive table (``PRIMITIVES``) and the primitives as callables."""

from . import ops
from .table import PRIMITIVES, Primitive, defprim, unbroadcast

__all__ = ["PRIMITIVES", "Primitive", "defprim", "ops", "unbroadcast"]
