"""The one error ad.sct raises for code it will not transform."""

from __future__ import annotations


class SourceTransformError(Exception):
    """A construct source transformation does not support, with the line it is on.

    ``line`` is the 1-based line number in the function's file (``file``), so an
    editor can point at it; ``construct`` names the construct (``"try"``,
    ``"x.append(...)"``...). Nothing is generated for such a function: it fails
    loudly instead of producing a derivative that might be wrong.
    """

    def __init__(self, message: str, line: int | None = None, construct: str | None = None,
                 file: str | None = None) -> None:
        self.message = message
        self.line = line
        self.construct = construct
        self.file = file
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{message}")
