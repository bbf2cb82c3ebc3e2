"""Document text -> plain data model. Pure: no LSP types, never runs code.

>>> model = analyze("def f(x=2.0):\\n    return x ** 2\\n")
>>> model.function("f").params[0].name
'x'
"""

from .document import analyze, point_from_text
from .model import (
    MISSING,
    BlockError,
    DocumentModel,
    Fix,
    FunctionInfo,
    Param,
    Point,
    Problem,
    Span,
    Target,
    problem_severity,
)
from .notebook import CellView, cell_views
from .points import PointError, format_point, parse_assignments
from .statements import Assignment, assignments

__all__ = [
    "MISSING",
    "Assignment",
    "BlockError",
    "CellView",
    "DocumentModel",
    "Fix",
    "FunctionInfo",
    "Param",
    "Point",
    "PointError",
    "Problem",
    "Span",
    "Target",
    "analyze",
    "assignments",
    "cell_views",
    "format_point",
    "parse_assignments",
    "point_from_text",
    "problem_severity",
]
