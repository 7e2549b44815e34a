"""Sourced figures are read once and converted into the project's units."""

import pytest

from model.data import DataBook, convert
from model.errors import ConfigError


@pytest.mark.parametrize(
    ("value", "unit", "expected", "project_unit"),
    [
        (7.27, "trillion yuan", 7270.0, "bn yuan"),
        (400, "亿元", 40.0, "bn yuan"),
        (6000, "亿元 (>=)", 600.0, "bn yuan"),
        (38233, "万吨", 382.33, "Mt"),
        (1.26, "亿吨", 126.0, "Mt"),
        (3.86, "亿吨标准煤 per year", 386.0, "Mtce"),
        (21.7, "%", 0.217, "fraction"),
        (2.3, "% of GDP", 0.023, "fraction"),
        (56.73, "万辆", 567.3, "thousand vehicles"),
        (30, "万吨/年 (<)", 0.3, "Mt/yr"),
        (14, "万元/person", 14.0, "10k yuan per worker"),
    ],
)
def test_unit_conversion(value, unit, expected, project_unit):
    got, got_unit = convert(value, unit)
    assert got == pytest.approx(expected) and got_unit == project_unit


def test_figures_and_years():
    book = DataBook()
    assert book.figure("gdp_total").value == pytest.approx(7270.0)
    assert book.figure("coal_consumption", 2017).value == pytest.approx(382.33)
    with pytest.raises(ConfigError, match="coal_consumption"):
        book.figure("coal_consumption")  # two years published: the year is required
    with pytest.raises(ConfigError, match="numeric"):
        book.figure("industry_structure_primary_secondary_tertiary")
    with pytest.raises(ConfigError, match="no_such_key"):
        book.figure("no_such_key")


def test_sources_are_kept():
    book = DataBook()
    figure = book.figure("fund_government_guide_fund")
    assert figure.source_url.startswith("http") and figure.source_title


def test_cited_data_files_exist():
    """Every file under data/shandong/ that the README, the model description or the loader cites is there."""
    import re

    from model.data import PROJECT_ROOT

    texts = [PROJECT_ROOT / "README.md", PROJECT_ROOT / "docs" / "model.md", PROJECT_ROOT / "model" / "data.py"]
    cited = {m for path in texts for m in re.findall(r"data/shandong/([\w.]+\.\w+)", path.read_text(encoding="utf-8"))}
    assert "README.md" in cited, "the data README should be cited, else this checks little"
    missing = sorted(name for name in cited if not (PROJECT_ROOT / "data" / "shandong" / name).is_file())
    assert not missing, f"cited but not in data/shandong/: {missing}"
