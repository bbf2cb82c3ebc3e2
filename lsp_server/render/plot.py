"""The hover's picture: f and ∂f/∂p around the point, as a small SVG ``data:`` image.

VS Code renders images in hover Markdown but no math; a picture of the function and
its derivative along one parameter shows what a number alone does not (a kink, a
steep side). Pure: from the card's `Plot` piece.
"""

from __future__ import annotations

import base64

from lsp_server.cards import Card

from .words import fmt

_W, _H, _PAD = 260, 84, 6
_F_COLOR, _DF_COLOR, _AXIS = "#4f8fe6", "#e8952c", "#8a8a8a"


def plot_svg(card: Card) -> str | None:
    """A small SVG of f (solid) and ∂f/∂p (dashed) around the point, each scaled to the
    box, with the point marked; None when the card has no plot."""
    p = card.plot
    if p is None or len(p.xs) < 2:
        return None
    x_lo, x_hi = p.xs[0], p.xs[-1]

    def sx(x: float) -> float:
        return _PAD + (x - x_lo) / (x_hi - x_lo) * (_W - 2 * _PAD)

    def path(ys: list[float | None]) -> str:
        finite = [y for y in ys if y is not None]
        if not finite:
            return ""
        lo, hi = min(finite), max(finite)
        span = hi - lo or 1.0
        pts, parts = [], []
        for x, y in zip(p.xs, ys, strict=True):
            if y is None:  # a gap (outside the domain): start a new segment
                if len(pts) > 1:
                    parts.append(pts)
                pts = []
                continue
            sy = _H - _PAD - (y - lo) / span * (_H - 2 * _PAD)
            pts.append(f"{sx(x):.1f},{sy:.1f}")
        if len(pts) > 1:
            parts.append(pts)
        return "".join(f'<polyline points="{" ".join(seg)}"/>' for seg in parts)

    name = card.target
    x0 = sx(p.x0)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H + 14}" '
        f'font-family="sans-serif" font-size="10">'
        f'<line x1="{x0:.1f}" y1="{_PAD}" x2="{x0:.1f}" y2="{_H - _PAD}" stroke="{_AXIS}" '
        f'stroke-dasharray="1,2"/>'
        f'<g fill="none" stroke="{_F_COLOR}" stroke-width="1.6">{path(p.f)}</g>'
        f'<g fill="none" stroke="{_DF_COLOR}" stroke-width="1.4" stroke-dasharray="4,2">'
        f"{path(p.df)}</g>"
        f'<text x="{_PAD}" y="{_H + 11}" fill="{_F_COLOR}">— {_esc(name)}</text>'
        f'<text x="{_W / 2:.0f}" y="{_H + 11}" fill="{_DF_COLOR}">- - ∂{_esc(name)}/∂'
        f"{_esc(p.param)}</text></svg>"
    )


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plot_markdown(card: Card) -> str | None:
    svg = plot_svg(card)
    if svg is None:
        return None
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    p = card.plot
    assert p is not None
    return (f"![{card.function} and its derivative in {p.param} around {p.param}={fmt(p.x0)}]"
            f"(data:image/svg+xml;base64,{data})")
