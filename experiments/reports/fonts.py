"""A CJK font for matplotlib, so that Chinese labels render (no empty boxes).

The font is Noto Sans SC (SIL Open Font License 1.1), shipped by the PyPI package
``pylopdf-fonts-zh-cn``, a dependency of this project: ``pip install -e .`` brings it,
with no system package and no download at run time. :func:`use_cjk_font` registers the
file with matplotlib's font manager and puts it after DejaVu Sans in the font family,
so that Latin text keeps matplotlib's usual face and every glyph DejaVu Sans lacks
(Chinese) is drawn from Noto Sans SC.
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
from matplotlib import font_manager

LATIN_FAMILY = "DejaVu Sans"  # matplotlib's own default, shipped with it


@functools.cache
def cjk_font_path() -> Path:
    """Path of the Noto Sans SC font file."""
    import pylopdf_fonts_zh_cn

    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():  # pragma: no cover - a broken installation
        raise FileNotFoundError(f"the CJK font {path} is missing: reinstall with pip install -e .")
    return path


@functools.cache
def cjk_family() -> str:
    """Register the CJK font with matplotlib (once) and return its family name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def font_family() -> list[str]:
    """The font family list to use: DejaVu Sans, then the CJK font for the glyphs it lacks."""
    return [LATIN_FAMILY, cjk_family()]


def use_cjk_font() -> list[str]:
    """Make matplotlib draw Chinese text with the CJK font; return the family list set."""
    family = font_family()
    matplotlib.rcParams["font.family"] = family
    return family
