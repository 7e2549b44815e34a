"""The report's own font in its HTML: the subset of Noto Sans SC that the page uses, embedded.

A report is one self-contained HTML file read on any machine, many without a CJK font:
there Chinese text would be drawn as empty boxes. :func:`embed` subsets the Noto Sans SC
file that the figures use (:mod:`experiments.reports.fonts`) to the characters of the page,
as WOFF (zlib; no extra package), and adds it to the page as a base64 ``@font-face`` named
:data:`FAMILY`. The face covers only :data:`RANGES` (CJK characters and punctuation, full-width
forms, typographic quotes) and comes first in every font list of the page: Chinese is drawn
from it, Latin text from the reader's usual faces. (Placed after the Latin faces instead,
Chromium keeps the fallback it chose while the font was loading for the first lines of the
page: empty boxes on a machine without a CJK font.) The same style keeps table cells on one
line (a wide table scrolls instead of wrapping its numbers).
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import re

from experiments.reports.fonts import cjk_font_path

FAMILY = "Report Noto Sans SC"
LATIN = "system-ui, -apple-system, 'Segoe UI', helvetica, arial"
MARK = "report-webfont"  # the id of the embedded style, one per page
# What the face draws: general punctuation (quotes, dashes, ellipsis), CJK symbols and ideographs, full-width forms.
RANGES = ((0x2010, 0x2027), (0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF))
TAG = re.compile(r"<(style|script)\b.*?</\1>|<[^>]+>", re.S)


def page_characters(page: str) -> str:
    """The characters of :data:`RANGES` a page shows (text outside tags, styles and scripts), sorted."""
    shown = html_lib.unescape(TAG.sub(" ", page))
    return "".join(sorted({c for c in shown if any(low <= ord(c) <= high for low, high in RANGES)}))


def subset(characters: str) -> bytes:
    """Noto Sans SC cut down to ``characters`` (those the font has), as WOFF."""
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    options = ft_subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.desubroutinize = True  # smaller once zlib-compressed
    buffer = io.BytesIO()
    with TTFont(str(cjk_font_path()), lazy=True) as font:
        subsetter = ft_subset.Subsetter(options)
        subsetter.populate(text=characters)
        subsetter.subset(font)
        font.flavor = "woff"
        font.save(buffer)
    return buffer.getvalue()


def style(characters: str) -> str:
    """The ``<style>`` element: the embedded face, the page's font lists with it, tables on one line."""
    data = base64.b64encode(subset(characters)).decode("ascii")
    family = f"'{FAMILY}', {LATIN}, sans-serif"
    ranges = ", ".join(f"U+{low:04X}-{high:04X}" for low, high in RANGES)
    return (
        f'<style id="{MARK}">\n'
        f"@font-face {{ font-family: '{FAMILY}'; font-style: normal; font-weight: 100 900; font-display: block; "
        f"unicode-range: {ranges}; src: url(data:font/woff;base64,{data}) format('woff'); }}\n"
        f":root {{ --jp-content-font-family: {family}; --jp-ui-font-family: {family}; "
        f"--jp-code-font-family: '{FAMILY}', menlo, consolas, 'DejaVu Sans Mono', monospace; }}\n"
        f"body {{ font-family: {family}; }}\n"
        ".jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { white-space: nowrap; }\n"
        ".jp-OutputArea-output { overflow-x: auto; }\n"
        "</style>\n"
    )


def embed(page: str) -> str:
    """The page with the subset of Noto Sans SC it uses embedded (at the end of its ``<head>``)."""
    if f'id="{MARK}"' in page:
        raise ValueError("the page already embeds the report's font")
    head_end = page.find("</head>")
    if head_end < 0:
        raise ValueError("the page has no </head>: expected an nbconvert HTML page")
    return page[:head_end] + style(page_characters(page)) + page[head_end:]
