"""A notebook cell as the kernel would see it: the code of the cells above, then its own.

A Jupyter notebook runs its cells in one namespace, so a function in cell 3 may call a
helper defined in cell 1. AD Lens analyses a cell as one document, its *view*: the code
cells from the first down to this one, joined in notebook order, each line kept where it
is. The ordinary analysis then applies to the view unchanged: the slice rules decide
what of the cells above runs (imports, defs, literal constants: never a top-level call,
so a cell is never executed beyond them), and a cell only sees the cells above it, as
when the notebook is run from the top. (Notebook order, not the order the user happened
to run cells in: that order is not in the file, and a card must not depend on it.)

IPython syntax is not Python: a line magic (``%matplotlib inline``), a shell escape
(``!pip install``) or a help query (``np.sum?``) is commented out in place (same length,
so columns do not move), and a cell magic other than the timing ones (``%%bash``,
``%%html``) comments out the whole cell.

    >>> views = cell_views(["import numpy as np", "%time x = 1\\ndef f(x):\\n    return x"])
    >>> views[1].text.splitlines()[1], views[1].start, views[1].where(2)
    ('#time x = 1', 1, (1, 1))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import Span
from .parse import split_lines

# Cell magics whose body is Python that runs as usual.
_PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun", "debug")


@dataclass(frozen=True)
class CellView:
    """The code a cell sees: ``text`` holds the code cells up to and including this one;
    this cell's own lines are ``start`` to ``end`` (exclusive) in it."""

    text: str
    start: int
    end: int
    starts: tuple[int, ...]  # first line in `text` of each code cell up to this one

    @property
    def index(self) -> int:
        """This cell's number among the notebook's code cells (0-based)."""
        return len(self.starts) - 1

    def owns(self, span: Span) -> bool:
        """Does `span` (lines of `text`) lie in this cell?"""
        return self.start <= span.line and span.end_line < self.end

    def where(self, line: int) -> tuple[int, int]:
        """(code cell number, line in that cell), both 0-based, of a line of `text`."""
        cell = 0
        for i, first in enumerate(self.starts):
            if first <= line:
                cell = i
        return cell, line - self.starts[cell]


def runnable(cell: str) -> str:
    """The cell with IPython-only lines commented out in place (line and column numbers
    unchanged).

    >>> runnable("%matplotlib inline\\n!pip install x\\nnp.sum?\\ny = 2")
    '#matplotlib inline\\n#pip install x\\n#p.sum?\\ny = 2'
    """
    lines = split_lines(cell)
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return "\n".join(_comment(line) if line.strip() else line for line in lines)
    return "\n".join(_comment(line) if _ipython_only(line) else line for line in lines)


def _ipython_only(line: str) -> bool:
    s = line.strip()
    return s.startswith(("%", "!")) or (s.endswith("?") and not s.startswith("#"))


def _comment(line: str) -> str:
    indent = len(line) - len(line.lstrip())
    return line[:indent] + "#" + line[indent + 1 :]


def cell_views(cells: Sequence[str]) -> list[CellView]:
    """One view per code cell, in notebook order (pass the code cells only)."""
    texts = [runnable(c) for c in cells]
    views: list[CellView] = []
    starts: list[int] = []
    line = 0
    for i, text in enumerate(texts):
        starts.append(line)
        n = len(split_lines(text))
        views.append(CellView("\n".join(texts[: i + 1]), line, line + n, tuple(starts)))
        line += n
    return views
