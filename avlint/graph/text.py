"""Text measured the way the drawing lays it out: a fixed advance per character cell.

The SVG sets its text in the generic `monospace` family, whose glyphs advance 0.6 em in the
common fonts (DejaVu Sans Mono, Liberation Mono, Menlo, Consolas: 0.600-0.602 em). Layout uses
a rounded-up 0.62 em per cell and generous padding, so a label fits whichever of them renders
it. East Asian wide characters and emoji take two cells, combining marks none.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

FONT_SIZE = 13  # px
CELL = 0.62 * FONT_SIZE  # px per character cell, a little over the fonts' 0.6 em
LINE_HEIGHT = 18  # px
ELLIPSIS = "…"


@lru_cache(maxsize=8192)
def cells(char: str) -> int:
    code = ord(char)
    if unicodedata.combining(char) or code in (0x200D, 0xFE0F) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F") or 0x1F000 <= code <= 0x1FAFF:
        return 2
    return 1


def width_cells(text: str) -> int:
    if text.isascii():  # the common case, and every ASCII character takes one cell (controls are dropped)
        return len(text)
    return sum(map(cells, text))


def text_width(text: str) -> float:
    return width_cells(text) * CELL


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` cells, ending in an ellipsis when cut."""
    if width_cells(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        size = cells(char)
        if used + size > limit - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + ELLIPSIS


def wrap(text: str, limit: int, max_lines: int) -> list[str]:
    """Lines of at most `limit` cells, broken at spaces or punctuation where possible, at most
    `max_lines` of them (the last ellipsised when the text goes on)."""
    if text.isascii() and len(text) <= limit and text.isprintable():
        return [text]
    lines: list[str] = []
    rest = " ".join(text.split()) if text.strip() else text
    while rest and len(lines) < max_lines:
        if width_cells(rest) <= limit:
            lines.append(rest)
            rest = ""
            break
        cut = _cut(rest, limit)
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        lines[-1] = clip(lines[-1] + " " + rest, limit)
    return lines or [""]


def _cut(text: str, limit: int) -> int:
    """Where to break `text` so that the first part fits in `limit` cells."""
    used, fit = 0, 0
    for index, char in enumerate(text):
        used += cells(char)
        if used > limit:
            break
        fit = index + 1
    fit = max(fit, 1)
    for index in range(fit, max(fit // 2, 1) - 1, -1):
        if index < len(text) and text[index] == " ":
            return index
        if text[index - 1] in "-_./:,;":
            return index
    return fit
