"""Bar charts as inline SVG drawn on the server: they render offline, need no script, and pass a strict CSP.

Every label is escaped here (the chart is inserted into pages as markup), and colours are presentation
attributes, not inline styles, so `style-src 'self'` holds.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

__all__ = ["PALETTE", "bars", "stacked_bars"]

#: Colour-blind-safe series colours (Okabe–Ito), then greys.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999", "#555555")

_W = 720
_ROW = 22
_LABEL = 230


def _text(s: object, limit: int = 34) -> str:
    t = str(s)
    return escape(t if len(t) <= limit else t[:limit - 1] + "…")


def bars(items: list[tuple[str, int | float]], unit: str = "", vertical: bool = False) -> Markup:
    """One bar per (label, value): horizontal with labels on the left, or vertical columns (for years)."""
    if not items:
        return Markup('<p class="empty">no data</p>')
    top = max(v for _, v in items) or 1
    title = escape(unit)
    if vertical:
        n = len(items)
        h, base = 220, 190
        step = min(48, (_W - 40) / n)
        parts = [f'<svg class="chart" viewBox="0 0 {_W} {h + 10}" role="img" aria-label="{title}" '
                 f'xmlns="http://www.w3.org/2000/svg">']
        for i, (label, v) in enumerate(items):
            bh = (base - 30) * v / top
            x = 30 + i * step
            parts.append(f'<rect x="{x:.1f}" y="{base - bh:.1f}" width="{step * 0.8:.1f}" height="{bh:.1f}" '
                         f'fill="{PALETTE[0]}"><title>{_text(label)}: {v} {title}</title></rect>')
            parts.append(f'<text x="{x + step * 0.4:.1f}" y="{base - bh - 4:.1f}" font-size="10" '
                         f'text-anchor="middle">{v}</text>')
            if n <= 20 or i % max(1, n // 20) == 0:
                parts.append(f'<text x="{x + step * 0.4:.1f}" y="{base + 14}" font-size="10" '
                             f'text-anchor="middle">{_text(label, 8)}</text>')
        parts.append("</svg>")
        return Markup("".join(parts))
    h = len(items) * _ROW + 10
    span = _W - _LABEL - 70
    parts = [f'<svg class="chart" viewBox="0 0 {_W} {h}" role="img" aria-label="{title}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, v) in enumerate(items):
        y = 5 + i * _ROW
        w = span * v / top
        parts.append(f'<text x="{_LABEL - 6}" y="{y + 14}" font-size="12" text-anchor="end">{_text(label)}</text>')
        parts.append(f'<rect x="{_LABEL}" y="{y + 2}" width="{w:.1f}" height="{_ROW - 6}" fill="{PALETTE[0]}">'
                     f'<title>{_text(label, 200)}: {v} {title}</title></rect>')
        parts.append(f'<text x="{_LABEL + w + 4:.1f}" y="{y + 14}" font-size="11">{v}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(rows: list[tuple[str, list[int]]], series: list[str]) -> Markup:
    """One horizontal bar per row, split by series (shares of the row's total), with a legend."""
    if not rows:
        return Markup('<p class="empty">no data</p>')
    legend_h = 24
    h = legend_h + len(rows) * _ROW + 10
    span = _W - _LABEL - 70
    parts = [f'<svg class="chart" viewBox="0 0 {_W} {h}" role="img" aria-label="stacked bars" '
             f'xmlns="http://www.w3.org/2000/svg">']
    x = _LABEL
    for j, s in enumerate(series):
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>'
                     f'<text x="{x + 16}" y="14" font-size="11">{_text(s)}</text>')
        x += 16 + 8 * len(s) + 14
    for i, (label, values) in enumerate(rows):
        y = legend_h + 5 + i * _ROW
        total = sum(values) or 1
        parts.append(f'<text x="{_LABEL - 6}" y="{y + 14}" font-size="12" text-anchor="end">{_text(label)}</text>')
        x0 = float(_LABEL)
        for j, v in enumerate(values):
            if not v:
                continue
            w = span * v / total
            parts.append(f'<rect x="{x0:.1f}" y="{y + 2}" width="{w:.1f}" height="{_ROW - 6}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{_text(label, 200)} — '
                         f'{_text(series[j])}: {v}</title></rect>')
            x0 += w
        parts.append(f'<text x="{_LABEL + span + 4}" y="{y + 14}" font-size="11">{sum(values)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
