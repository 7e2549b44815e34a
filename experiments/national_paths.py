"""The historical scenario's national paths, derived from the sourced national series.

    python -m experiments.national_paths          # writes data/national/paths.csv and the
                                                  # derived part of conf/scenario/historical.yaml
    python -m experiments.national_paths --check  # exit 1 unless both match the series

Every value of ``conf/scenario/historical.yaml``'s ``price_index`` and ``national`` block
comes from rows of ``data/national/series.csv`` by one of three rules, written next to
the value in ``paths.csv`` with the rows it used:

* a yearly index 2017..2022 (2017 = 1) from annual levels on one basis (``level``);
* the same index chained from year-on-year growth rates (``chain``), as published where
  levels are on changing bases (crude steel: NBS's later comparable basis from 2018), or
  derived from two levels on one basis (the row's notes say which); a year without any
  figure is held at the year before, an assumption the row states;
* quarterly real GDP growth as first published, taken as it is.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

from model.data import PROJECT_ROOT

SERIES = PROJECT_ROOT / "data" / "national" / "series.csv"
PATHS = PROJECT_ROOT / "data" / "national" / "paths.csv"
HISTORICAL = PROJECT_ROOT / "conf" / "scenario" / "historical.yaml"
YEARS = tuple(range(2017, 2023))
QUARTERS = tuple(f"{year}Q{q}" for year in YEARS for q in range(1, 5))


@dataclass(frozen=True)
class Recipe:
    """How one path of the scenario is derived from the series."""

    block: str  # "price_index" or "national.output_index"
    sector: str
    key: str  # series.csv key: annual levels (rule "level") or y/y growth in % (rule "chain")
    rule: str
    held: tuple[tuple[int, str], ...] = ()  # years with no figure, held at the year before: (year, why)


COAL_2022 = (
    "no annual average found; spot points (about 1,638 yuan/t in October, 1,200 in December) lie "
    "above 2021's average while contract prices were held at 570-770 (thermal_coal_long_term_price_range)"
)
ALUMINIUM_2018_2019 = "no annual average found; the November 2018 spot average (13,801 yuan/t) is near 2019-2020's"
CEMENT_2020 = "no 2020 average on either basis (2021's +10.7% implies about 439 yuan/t, near 2019's 414)"
CEMENT_2022 = "only quarterly index values for 2022 and the second half of 2021 (CEMPI): no annual change"
RECIPES = (
    Recipe("national.output_index", "steel", "crude_steel_output_growth", "chain"),
    Recipe("national.output_index", "coal", "raw_coal_output_growth", "chain"),
    Recipe("national.output_index", "electrolytic_aluminium", "primary_aluminium_output_growth", "chain"),
    Recipe("national.output_index", "building_materials", "cement_output_growth", "chain"),
    Recipe("national.output_index", "coal_power", "electricity_consumption_growth", "chain"),
    Recipe("price_index", "steel", "steel_price_index_cspi_annual_avg", "level"),
    Recipe("price_index", "coal", "thermal_coal_price_growth", "chain", ((2022, COAL_2022),)),
    Recipe(
        "price_index",
        "electrolytic_aluminium",
        "aluminium_price_growth",
        "chain",
        ((2018, ALUMINIUM_2018_2019), (2019, ALUMINIUM_2018_2019)),
    ),
    Recipe(
        "price_index", "building_materials", "cement_price_growth", "chain", ((2020, CEMENT_2020), (2022, CEMENT_2022))
    ),
)
GDP_KEY = "gdp_real_growth_yoy_quarter"
MARKER = "# ---- derived from data/national/series.csv by python -m experiments.national_paths: do not edit below"


def read_series(path: Path = SERIES) -> dict[tuple[str, str], float]:
    """The numeric rows of series.csv by (key, period)."""
    rows: dict[tuple[str, str], float] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            try:
                rows[(row["key"], row["period"])] = float(row["value"])
            except ValueError:  # a rule or a range, not a number
                continue
    return rows


def _need(series: dict[tuple[str, str], float], key: str, period: str) -> float:
    if (key, period) not in series:
        raise SystemExit(f"error: data/national/series.csv has no row key={key} period={period}: the path needs it")
    return series[(key, period)]


def derive(recipe: Recipe, series: dict[tuple[str, str], float]) -> list[float]:
    """The recipe's yearly index 2017..2022 (2017 = 1), rounded to 4 digits."""
    if recipe.rule == "level":
        levels = [_need(series, recipe.key, str(year)) for year in YEARS]
        return [round(level / levels[0], 4) for level in levels]
    held = dict(recipe.held)
    index = [1.0]
    for year in YEARS[1:]:
        growth = 0.0 if year in held else _need(series, recipe.key, str(year))
        index.append(index[-1] * (1.0 + growth / 100.0))
    return [round(value, 4) for value in index]


def build(series: dict[tuple[str, str], float]) -> list[dict[str, str]]:
    """The rows of paths.csv: every value of the scenario with its rule and its rows."""
    rows = []
    for recipe in RECIPES:
        held = dict(recipe.held)
        for year, value in zip(YEARS, derive(recipe, series), strict=True):
            if recipe.rule == "level":
                rule, used = "level: this year's over 2017's", f"{recipe.key}@{year} {recipe.key}@2017"
            elif year == 2017:
                rule, used = "base year", ""
            elif year in held:
                rule, used = f"held at the year before (assumption: {held[year]})", ""
            else:
                rule, used = "chain: the year before times one plus this y/y growth", f"{recipe.key}@{year}"
            rows.append(
                {
                    "path": f"{recipe.block}.{recipe.sector}",
                    "period": str(year),
                    "value": f"{value:.4f}",
                    "unit": "index (2017 = 1)",
                    "rule": rule,
                    "series_rows": used,
                }
            )
    for quarter in QUARTERS:
        rows.append(
            {
                "path": "national.gdp_growth",
                "period": quarter,
                "value": f"{_need(series, GDP_KEY, quarter):g}",
                "unit": "% y/y",
                "rule": "as first published",
                "series_rows": f"{GDP_KEY}@{quarter}",
            }
        )
    return rows


def scenario_block(rows: list[dict[str, str]]) -> dict[str, object]:
    """The values the historical scenario must carry, as nested lists."""
    block: dict[str, object] = {"price_index": {}, "national": {"output_index": {}, "gdp_growth": []}}
    for row in rows:
        parts = row["path"].split(".")
        value = float(row["value"])
        if parts == ["national", "gdp_growth"]:
            block["national"]["gdp_growth"].append(value)  # type: ignore[index]
        else:
            node = block[parts[0]] if parts[0] == "price_index" else block["national"]["output_index"]  # type: ignore[index]
            node.setdefault(parts[-1], []).append(value)
    return block


def mismatches(rows: list[dict[str, str]], scenario: Path = HISTORICAL) -> list[str]:
    """Where the scenario file's values differ from the derived ones."""
    cfg = OmegaConf.to_container(OmegaConf.load(scenario))
    want = scenario_block(rows)
    found = []
    for name, path in want["price_index"].items():  # type: ignore[attr-defined]
        if list(cfg.get("price_index", {}).get(name, [])) != path:  # type: ignore[union-attr]
            found.append(f"price_index.{name}")
    national = cfg.get("national", {})  # type: ignore[union-attr]
    for name, path in want["national"]["output_index"].items():  # type: ignore[index]
        if list(national.get("output_index", {}).get(name, [])) != path:
            found.append(f"national.output_index.{name}")
    if list(national.get("gdp_growth", [])) != want["national"]["gdp_growth"]:  # type: ignore[index]
        found.append("national.gdp_growth")
    return found


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, check) the paths and the scenario file; the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check paths.csv and historical.yaml")
    args = parser.parse_args(argv)
    rows = build(read_series())
    columns = list(rows[0])
    if args.check:
        with PATHS.open(newline="", encoding="utf-8") as f:
            stored = list(csv.DictReader(f))
        problems = (
            [] if stored == rows else [f"{PATHS.relative_to(PROJECT_ROOT)} (run python -m experiments.national_paths)"]
        )
        problems += [f"{HISTORICAL.relative_to(PROJECT_ROOT)}: {m}" for m in mismatches(rows)]
        for problem in problems:
            print(f"out of date: {problem}", file=sys.stderr)
        return 1 if problems else 0
    tmp = PATHS.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(PATHS)
    write_scenario(rows)
    print(f"wrote {PATHS.relative_to(PROJECT_ROOT)} ({len(rows)} values) and {HISTORICAL.relative_to(PROJECT_ROOT)}")
    return 0


def write_scenario(rows: list[dict[str, str]], scenario: Path = HISTORICAL) -> None:
    """Rewrite the derived part of the scenario file (below the marker line)."""
    text = scenario.read_text(encoding="utf-8")
    head = text.split(MARKER)[0].rstrip("\n")
    block = scenario_block(rows)
    lines = [head, "", MARKER, "price_index:              # national price, yearly averages 2017..2022 (2017 = 1)"]
    lines += [f"  {name}: {path}" for name, path in block["price_index"].items()]  # type: ignore[attr-defined]
    lines += ["  coal_power: [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]   # regulated on-grid tariff: no national price path"]
    lines += ["  low_speed_ev: [1.0, 1.0, 1.0, 1.0, 1.0, 1.0] # no national price series"]
    national = block["national"]
    lines += [
        "national:",
        f"  source: {PATHS.relative_to(PROJECT_ROOT)}",
        "  output_index:              # national output, 2017 = 1",
    ]
    lines += [f"    {name}: {path}" for name, path in national["output_index"].items()]  # type: ignore[index]
    lines += ["  gdp_growth:                # national real GDP, % y/y, 2017Q1..2022Q4 as first published"]
    growth = national["gdp_growth"]  # type: ignore[index]
    lines += [f"    - {value:<5g}  # {quarter}" for value, quarter in zip(growth, QUARTERS, strict=True)]
    tmp = scenario.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(scenario)


if __name__ == "__main__":
    sys.exit(main())
