"""Labels and sentences of the planner report in English and Chinese, and how numbers read.

All text lives in ``experiments/reports/labels.csv`` (key, en, zh): names of sectors, cities,
mixes and indicators, units, headings, axis labels and the templates of the readings,
whose ``{fields}`` are filled in from the data. Numbers are shown in the units a reader
of each language expects: shares as percentages; in English three significant digits with
thousands separated (``62.1 Mt/yr``, ``213,000 persons``); in Chinese as a provincial review
writes them, with 万 (10^4), 亿 (10^8) and 万亿 (10^12) and no separators: tonnage in 吨
(``6210万吨/年``, ``1.3亿吨``), money in 元 (``1510亿元``, ``3.3万亿元``), power capacity in
千瓦, counts of people and firms as ``15.5万``. Axes keep one fixed unit per language
(亿元, 万吨, 万千瓦 in Chinese).
"""

from __future__ import annotations

import csv
import functools
import math
import string
from dataclasses import dataclass
from pathlib import Path

LANGS = ("en", "zh")
TABLE = Path(__file__).resolve().with_name("labels.csv")

# Units shown as percentages (the model's shares are fractions).
PERCENT_UNITS = frozenset({"fraction", "fraction of GDP"})
# Display: model value x factor, in the unit labelled in labels.csv for that language.
FACTORS = {
    "en": {"10k yuan per worker": 1e4},
    "zh": {"bn yuan": 10.0, "bn yuan (2017 prices)": 10.0, "Mt": 100.0, "Mt/yr": 100.0, "GW": 100.0},
}
# Chinese running text: model value x factor in the base unit labelled ``unit_base.<id>`` in labels.csv
# (元, 吨, 千瓦), then written with 万/亿/万亿 (:func:`chinese`).
ZH_BASE = {"bn yuan": 1e9, "bn yuan (2017 prices)": 1e9, "Mt": 1e6, "Mt/yr": 1e6, "GW": 1e6}
ZH_MAGNITUDES = ((1e12, "万亿"), (1e8, "亿"), (1e4, "万"))


@functools.cache
def table() -> dict[str, dict[str, str]]:
    """The label table: key -> {"en": ..., "zh": ...} (lines whose key starts with # are comments)."""
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return {
            row["key"]: {"en": row["en"], "zh": row["zh"]}
            for row in csv.DictReader(handle)
            if row["key"] and not row["key"].startswith("#")
        }


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language.

    Raises:
        ValueError: Not one of :data:`LANGS` (one line naming the value and what is allowed).
    """
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not allowed: expected one of {', '.join(LANGS)}")
    return lang


def text(key: str, lang: str, **fields: object) -> str:
    """The label or sentence ``key`` in ``lang``, with its ``{fields}`` filled in."""
    try:
        template = table()[key][check_lang(lang)]
    except KeyError:
        raise KeyError(f"no label {key!r} in {TABLE.name}") from None
    return template.format(**fields) if fields else template


def fields(template: str) -> set[str]:
    """The ``{field}`` names of a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def name(kind: str, ident: str, lang: str) -> str:
    """Display name of a sector, city, mix, scenario, parameter or indicator.

    Ids without a label (a user's own mix, say) read as themselves, underscores as spaces.
    """
    key = f"{kind}.{ident}"
    return text(key, lang) if key in table() else str(ident).replace("_", " ")


def cap(phrase: str) -> str:
    """The phrase with its first letter in upper case (a title or the start of a sentence)."""
    return phrase[:1].upper() + phrase[1:]


def sentence(clauses: list[str], lang: str) -> str:
    """Clauses joined into one sentence, capitalised and closed."""
    body = text("ui.clause_sep", lang).join(c for c in clauses if c)
    return cap(body) + text("ui.sentence_end", lang)


def join(items: list[str], lang: str) -> str:
    """Items of a list in running text."""
    return text("ui.list_sep", lang).join(items)


@dataclass(frozen=True)
class Unit:
    """How values of a unit are shown: multiplied by ``factor``, labelled ``label``."""

    label: str
    factor: float = 1.0
    percent: bool = False


def unit(unit_id: str, lang: str) -> Unit:
    """Display unit of a model unit in ``lang``."""
    if unit_id in PERCENT_UNITS:
        return Unit(text("unit.percent", lang).strip(), 100.0, percent=True)
    label = text(f"unit.{unit_id}", lang) if f"unit.{unit_id}" in table() else unit_id
    return Unit(label, FACTORS[check_lang(lang)].get(unit_id, 1.0))


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def significant(value: float, digits: int = 3) -> str:
    """A number rounded to ``digits`` significant digits, without trailing zeros (``1.3``, ``6210``)."""
    if value == 0:
        return "0"
    decimals = digits - 1 - math.floor(math.log10(abs(value)))
    shown = f"{round(value, decimals):.{max(decimals, 0)}f}"
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def chinese(value: float) -> str:
    """A number as a Chinese review writes it: 3 significant digits, with 万, 亿 or 万亿, no separators.

    ``155000`` reads ``15.5万``, ``1.3e8`` ``1.3亿``, ``3.3e12`` ``3.3万亿``, ``6210`` ``6210``.
    """
    if _missing(value):
        return "—"
    rounded = float(significant(float(value)))  # 99,990,000 rounds to 1亿, not 10000万
    for size, prefix in ZH_MAGNITUDES:
        if abs(rounded) >= size:
            return significant(rounded / size) + prefix
    if float(rounded).is_integer() or abs(rounded) >= 100:
        return f"{rounded:.0f}"
    return significant(rounded) if abs(rounded) >= 1 else f"{rounded:.2g}"


def plain(value: float, lang: str = "en") -> str:
    """A number with as many digits as a reader needs (3 significant; thousands separated in English)."""
    if lang == "zh":
        return chinese(value)
    if _missing(value):
        return "n/a"
    magnitude = abs(value)
    if float(value).is_integer() and magnitude < 1000:
        return f"{int(value)}"
    if magnitude >= 1000:  # three significant digits: 213,463 reads 213,000
        return f"{round(value, 2 - math.floor(math.log10(magnitude))):,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    if magnitude == 0:
        return "0"
    return f"{value:.2g}"


def percent_digits(value: float) -> int:
    """Decimals of a percentage: two below 10 % (R&D 2.71 %), else one (28.3 %)."""
    x = abs(100.0 * value)
    return 2 if 0 < x < 10 else 1


def percent(value: float, lang: str, digits: int | None = None) -> str:
    """A fraction as a percentage (``28.3 %`` in English, ``28.3%`` in Chinese)."""
    if value is None or math.isnan(value):
        return "n/a"
    digits = percent_digits(value) if digits is None else digits
    return f"{100.0 * value:.{digits}f}{text('unit.percent', lang)}"


def scale_text(scale: float, lang: str) -> str:
    """The model's scale (the share of firms simulated): ``0.02`` in English, ``2%`` in Chinese."""
    if _missing(scale):
        return "?"
    return f"{100 * float(scale):g}{text('unit.percent', lang)}" if lang == "zh" else f"{float(scale):g}"


def probability(value: float, lang: str) -> str:
    """A probability as a whole percentage."""
    return percent(value, lang, digits=0)


def number(value: float, unit_id: str, lang: str, with_unit: bool = True) -> str:
    """A model value in the reader's unit, e.g. ``62.1 Mt/yr`` or ``6210万吨/年``, ``1.3亿吨``."""
    shown = unit(unit_id, lang)
    if shown.percent:
        return percent(value, lang)
    if lang == "zh" and unit_id in ZH_BASE and not _missing(value):
        text_value = chinese(value * ZH_BASE[unit_id])
        return text_value + text(f"unit_base.{unit_id}", lang) if with_unit else text_value
    text_value = plain(value * shown.factor, lang)
    if not with_unit or not shown.label or _missing(value):
        return text_value
    return f"{text_value} {shown.label}" if lang == "en" else f"{text_value}{shown.label}"


def band(low: float, high: float, unit_id: str, lang: str) -> tuple[str, str]:
    """The two ends of a band in running text, the unit only on the upper end.

    In Chinese both ends share the upper end's 万/亿 (``3540–6090万吨/年``, ``15.3–30.8万``).
    """
    shown = unit(unit_id, lang)
    if _missing(low) or _missing(high):
        return plain(float("nan"), lang), plain(float("nan"), lang)
    if shown.percent:
        digits = percent_digits(max(abs(low), abs(high)))
        return f"{100 * low:.{digits}f}", percent(high, lang, digits)
    if lang != "zh":
        return plain(low * shown.factor, lang), plain(high * shown.factor, lang)
    base = ZH_BASE.get(unit_id, 1.0)
    factor = 1.0 if unit_id in ZH_BASE else shown.factor
    suffix = text(f"unit_base.{unit_id}", lang) if unit_id in ZH_BASE else ""
    top = float(significant(max(abs(low), abs(high)) * base * factor))
    size, prefix = next(((s, p) for s, p in ZH_MAGNITUDES if top >= s), (1.0, ""))
    return significant(low * base * factor / size), significant(high * base * factor / size) + prefix + suffix


def scaled(value: float, unit_id: str, lang: str) -> float:
    """A model value in the reader's unit, as a number (for axes)."""
    return value * unit(unit_id, lang).factor


def axis_label(unit_id: str, lang: str) -> str:
    """Axis label of a unit (``%`` for shares)."""
    return unit(unit_id, lang).label
