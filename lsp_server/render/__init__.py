"""Cards as text: Markdown for hovers, plain text and JSON for the terminal, lens
titles, notifications and diagnostics. Pure functions of a `Card`; no protocol types.

- `words`: the sentences every output shares (numbers, the verdict, the cost);
- `markdown`: hovers and the derivatives document; `plot`: the hover's picture;
- `text`: the terminal card and its JSON; `diagnostics`: what becomes a diagnostic;
- `transformed`: the code ``ad.sct`` generates, as the editor and the terminal show it.
"""

from .diagnostics import CardDiagnostic, diagnostics
from .markdown import document_markdown, line_markdown, markdown, param_markdown
from .plot import plot_svg
from .text import JSON_SCHEMA_VERSION, text, to_json
from .transformed import sct_hover, sct_insertion, sct_link_tooltip, sct_origin, sct_source
from .words import check_line, cost_line, fmt, kinks, lens_titles, line_name, line_names, summary

__all__ = [
    "JSON_SCHEMA_VERSION",
    "CardDiagnostic",
    "check_line",
    "cost_line",
    "diagnostics",
    "document_markdown",
    "fmt",
    "kinks",
    "lens_titles",
    "line_markdown",
    "line_name",
    "line_names",
    "markdown",
    "param_markdown",
    "plot_svg",
    "sct_hover",
    "sct_insertion",
    "sct_link_tooltip",
    "sct_origin",
    "sct_source",
    "summary",
    "text",
    "to_json",
]
