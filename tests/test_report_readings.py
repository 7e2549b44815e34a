"""The report's words and numbers: labels in both languages, formatting, readings on hand-made sweeps, the CJK font."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from experiments.reports import fonts, labels
from experiments.reports.render import describe_failure
from experiments.reports.review.display import panels, png
from experiments.reports.review.jobs_map import CITY_POSITIONS, jobs
from experiments.reports.review.summary import headline, per_mix
from experiments.reports.review.sweep import SERIES, Sweep, SweepError, check_sweep
from experiments.reports.review.words import target_reading
from experiments.sweeps import collect
from model.data import PROJECT_ROOT
from model.names import SECTORS

DATE = pd.Timestamp("2022-12-31")
START = pd.Timestamp("2017-12-31")
ENACTED, NONE = "policy_mix=as_enacted,scale=0.1", "policy_mix=none,scale=0.1"


# --------------------------------------------------------------------------- labels
def test_every_label_has_both_languages_with_the_same_fields():
    table = labels.table()
    assert len(table) > 150
    no_word = {"unit.count"}  # a count needs no unit word in English ("300"), but 家 in Chinese
    for key, row in table.items():
        for lang in labels.LANGS:
            assert row[lang] or key in no_word, f"{key} has no {lang} text"
        assert labels.fields(row["en"]) == labels.fields(row["zh"]), f"{key}: fields differ between en and zh"
        assert not re.search(r"[\u4e00-\u9fff]", row["en"]), f"{key}: Chinese in the English text"


def test_labels_cover_the_models_names():
    table = labels.table()
    for sector in SECTORS:
        assert f"sector.{sector}" in table
    with (PROJECT_ROOT / "conf" / "calibration" / "shandong_2017" / "cities.csv").open(encoding="utf-8") as handle:
        cities = list(csv.DictReader(handle))
    assert len(cities) == 16
    for city in cities:
        assert table[f"city.{city['city']}"]["zh"] == city["name_zh"]
        assert city["city"] in CITY_POSITIONS
    for mix in (PROJECT_ROOT / "conf" / "policy_mix").glob("*.yaml"):
        assert f"mix.{mix.stem}" in table
    for indicator in SERIES:
        assert f"indicator.{indicator}" in table
    heading_keys = {key for key in table if key.startswith("heading.")}
    assert {"heading.headline", "heading.fund", "heading.jobs", "heading.fiscal"} <= heading_keys


def test_unknown_language_and_label_are_named():
    with pytest.raises(ValueError, match=r"lang='fr' is not allowed: expected one of en, zh"):
        labels.text("heading.title", "fr")
    with pytest.raises(KeyError, match=r"no label 'heading\.nothing'"):
        labels.text("heading.nothing", "en")


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (62.123, "Mt/yr", "en", "62.1 Mt/yr"),
        (62.123, "Mt/yr", "zh", "6210万吨/年"),
        (151.2, "bn yuan", "zh", "1510亿元"),
        # A provincial review's units: 万 (1e4), 亿 (1e8), 万亿 (1e12), no separators
        (130.0, "Mt/yr", "zh", "1.3亿吨/年"),
        (368.0, "Mt", "zh", "3.68亿吨"),
        (99.99, "Mt", "zh", "1亿吨"),  # rounds to 1.00亿, not 10000万
        (3300.0, "bn yuan", "zh", "3.3万亿元"),
        (4870.0, "bn yuan (2017 prices)", "zh", "4.87万亿元（2017年价格）"),
        (1.11, "bn yuan", "zh", "11.1亿元"),
        (0.05, "bn yuan", "zh", "5000万元"),
        (-2.5, "bn yuan", "zh", "-25亿元"),
        (155000.0, "persons", "zh", "15.5万人"),
        (39000.0, "count", "zh", "3.9万家"),
        (14.58, "10k yuan per worker", "zh", "14.6万元/人"),
        (1.5, "GW", "zh", "150万千瓦"),
        (0.2833, "fraction", "en", "28.3 %"),
        (0.0271, "fraction of GDP", "zh", "2.71%"),
        (14.58, "10k yuan per worker", "en", "146,000 yuan per worker"),
        (300.0, "count", "en", "300"),
        (300.0, "count", "zh", "300家"),
        (213463.0, "persons", "en", "213,000 persons"),
    ],
)
def test_numbers_read_in_the_readers_units(value, unit, lang, expected):
    assert labels.number(value, unit, lang) == expected


@pytest.mark.parametrize(
    ("low", "high", "unit", "lang", "expected"),
    [
        (35.4, 60.9, "Mt/yr", "zh", ("3540", "6090万吨/年")),
        (153000.0, 308000.0, "persons", "zh", ("15.3", "30.8万")),
        (90.0, 130.0, "Mt", "zh", ("0.9", "1.3亿吨")),
        (0.274, 0.293, "fraction", "zh", ("27.4", "29.3%")),
        (35.4, 60.9, "Mt/yr", "en", ("35.4", "60.9")),
    ],
)
def test_band_ends_share_the_upper_ends_magnitude(low, high, unit, lang, expected):
    assert labels.band(low, high, unit, lang) == expected


def test_chinese_plain_numbers_and_scale():
    assert [labels.plain(v, "zh") for v in (155000, 6210, 1.3e8, 3.3e12, 0.0)] == [
        "15.5万",
        "6210",
        "1.3亿",
        "3.3万亿",
        "0",
    ]
    assert labels.plain(155000, "en") == "155,000"
    assert labels.scale_text(0.02, "zh") == "2%" and labels.scale_text(0.02, "en") == "0.02"


def test_probability_and_sentence():
    assert labels.probability(0.9667, "en") == "97 %"
    assert labels.probability(0.9667, "zh") == "97%"
    assert labels.sentence(["as enacted meets it", "none does not"], "en") == "As enacted meets it; none does not."
    assert labels.sentence(["甲", "乙"], "zh") == "甲；乙。"


# --------------------------------------------------------------------------- hand-made sweeps
def tiny_sweep(lang: str = "en", steel: dict[str, list[float]] | None = None, scale: float = 1.0) -> Sweep:
    """Two mixes, ten seeds each: hand-set steel output and jobs lost, a scorecard from them."""
    steel = steel or {
        ENACTED: [60.0, 60.5, 61.0, 61.5, 62.0, 62.2, 62.6, 63.0, 63.5, 71.0],
        NONE: [70.5, 71.0, 71.5, 72.0, 69.0, 72.5, 73.0, 73.5, 74.0, 75.0],
    }
    mixes = {ENACTED: "as_enacted", NONE: "none"}
    runs, series, card = [], [], []
    cities = list(CITY_POSITIONS)
    for group, values in steel.items():
        for seed, value in enumerate(values):
            run = f"{group}/seed={seed}"
            runs.append(
                {
                    "run": run,
                    "group": group,
                    "status": "complete",
                    "policy_mix": mixes[group],
                    "seed": seed,
                    "scale": scale,
                    "experiment": "mix_comparison",
                    "param.policy_mix": mixes[group],
                    "param.scale": f"{scale:g}",
                    "met.crude_steel_output": value <= 70.0,
                }
            )
            for date, v in ((START, 71.0), (DATE, value)):
                series.append(("output", "steel", "all", v, "Mt/yr", run, group, date))
            lost = 1000.0 if group == ENACTED else 0.0
            for k, city in enumerate(cities):
                jobs = lost * (6 if city == "jinan" else 1) if k < 4 else 0.0
                series.append(("jobs_lost", "all", city, jobs, "persons", run, group, DATE))
                series.append(("workers_resettled", "all", city, jobs / 2, "persons", run, group, DATE))
        met = np.array(values) <= 70.0
        low, high = collect.wilson_interval(int(met.sum()), len(met))
        p05, median, p95 = np.quantile(values, [0.05, 0.5, 0.95])
        card.append(
            {
                "group": group,
                "policy_mix": mixes[group],
                "kind": "target",
                "name": "crude_steel_output",
                "runs": len(values),
                "met": int(met.sum()),
                "probability": met.mean(),
                "ci_low": low,
                "ci_high": high,
                "target": 70.0,
                "comparison": "<=",
                "median": median,
                "p05": p05,
                "p95": p95,
            }
        )
    targets = pd.DataFrame(
        [
            {
                "target": "crude_steel_output",
                "indicator": "output",
                "sector": "steel",
                "city": "all",
                "date": "2022Q4",
                "comparison": "<=",
                "target_value": 70.0,
                "upper": np.nan,
                "unit": "Mt/yr",
            }
        ]
    ).set_index("target")
    frame = pd.DataFrame(series, columns=["indicator", "sector", "city", "value", "unit", "run", "group", "date"])
    city_flags = pd.DataFrame({"coastal": [False] * 16, "channel": [False] * 16}, index=cities)
    return Sweep(
        runs=pd.DataFrame(runs),
        card=pd.DataFrame(card),
        series=frame,
        targets=targets,
        cities=city_flags,
        lang=lang,
        experiment="mix_comparison",
    )


def test_target_reading_in_english():
    sweep = tiny_sweep()
    assert sweep.reference == ENACTED and sweep.label(NONE) == "no programme"
    # 9 of 10 seeds at or below 70 Mt: Wilson 95 % interval 0.596-0.982; median (62 + 62.2) / 2,
    # 5th percentile 60 + 0.45 x 0.5, 95th 63.5 + 0.55 x 7.5 (linear interpolation)
    assert target_reading(sweep, "crude_steel_output") == (
        "Under as enacted, steel output in 2022 is 62.1 Mt/yr (90 % band 60.2–67.6), within the 2022 cap "
        "of 70 Mt/yr in 90 % of seeds (Wilson 95 % CI 60–98 %)."
    )


def test_target_reading_in_chinese_with_a_contrast():
    sweep = tiny_sweep("zh")
    other = sweep.contrast("crude_steel_output")
    assert other == NONE
    assert target_reading(sweep, "crude_steel_output", other=other) == (
        "在实际实施组合下，2022年钢铁产量为6210万吨/年（90%区间6020–6760万吨/年），不超过2022年上限7000万吨/年的模拟情景"
        "占90%（95%置信区间60–98%）；在无政策下为7220万吨/年，达标的模拟情景占10%。"
    )


def test_reading_follows_the_data():
    better = {ENACTED: [60.0] * 10, NONE: [75.0] * 10}
    text = target_reading(tiny_sweep(steel=better), "crude_steel_output")
    assert "is 60 Mt/yr (90 % band 60–60)" in text and "in 100 % of seeds (Wilson 95 % CI 72–100 %)" in text


def test_headline_reading_names_best_worst_and_missed_targets():
    item = headline(tiny_sweep())
    assert item.reading == (
        "As enacted meets the most targets, 1 of 1 in at least 90 % of seeds, against 0 for no programme; every "
        "target is met in at least 10 % of seeds by some group."
    )
    assert list(item.table.columns) == ["due", "no programme", "as enacted"]  # policy order
    assert item.table.iloc[0]["as enacted"] == "90 % (60–98 %)"
    worse = headline(tiny_sweep(steel={ENACTED: [75.0] * 10, NONE: [76.0] * 10}))
    assert worse.reading == (
        "Every group meets the same number of targets in at least 90 % of seeds, 0 of 1; no group meets "
        "Steel output ≤ 70 Mt/yr in 10 % of seeds or more."
    )


def test_no_headline_claim_from_few_seeds_or_a_small_scale():
    small = headline(tiny_sweep(scale=0.02))
    assert small.reading == "No headline is drawn from these runs: scale 0.02, not the calibrated scale 1."
    few = headline(tiny_sweep("zh", steel={ENACTED: [60.0] * 3, NONE: [75.0] * 3}, scale=0.02))
    assert few.reading == (
        "本次模拟结果仅供参考，不据此得出结论：每组仅3个随机情景，少于得出结论所需的10个、企业抽样比例为2%，而非校准时的100%。"
    )
    assert few.table is not None and few.figure is not None  # the probabilities are still shown


def test_per_mix_table_in_policy_order():
    item = per_mix(tiny_sweep())
    assert list(item.table.index) == ["no programme", "as enacted"]
    assert list(item.table.columns[:2]) == ["targets met in ≥ 90 % of seeds", "all targets met: probability (95 % CI)"]
    assert item.table.loc["as enacted", "targets met in ≥ 90 % of seeds"] == "1 of 1"
    assert item.table.loc["as enacted", "all targets met: probability (95 % CI)"] == "90 % (60–98 %)"
    assert item.table.loc["no programme", "seeds"] == "10"


def test_jobs_reading_and_table_from_city_values():
    item = jobs(tiny_sweep())
    # as enacted: Jinan 6,000 and three cities 1,000 each; half of them resettled
    assert item.reading == (
        "Under as enacted, 9,000 jobs are lost by 2022 (90 % band 9,000–9,000), 66.7 % of them in Jinan; "
        "50.0 % of the released workers have been resettled."
    )
    assert item.table.iloc[0].tolist()[:2] == [6000, 3000] and item.table.index[0] == "Jinan"
    assert item.figure is not None and png(item.figure)[:8] == b"\x89PNG\r\n\x1a\n"


def test_reference_must_be_a_group():
    with pytest.raises(SweepError, match=r"reference='intensified' is not a group of this sweep"):
        tiny_sweep().__class__(**{**_fields(tiny_sweep()), "reference": "intensified"})


def _fields(sweep: Sweep) -> dict:
    return {
        "runs": sweep.runs,
        "card": sweep.card,
        "series": sweep.series,
        "targets": sweep.targets,
        "cities": sweep.cities,
        "lang": sweep.lang,
    }


def test_check_sweep_says_what_is_missing(tmp_path):
    with pytest.raises(SweepError, match=r"is not a folder: expected a collected sweep folder"):
        check_sweep(tmp_path / "nowhere")
    (tmp_path / "scorecard.csv").write_text("x\n")
    message = f"SWEEP_DIR='{tmp_path}' is not a collected sweep: runs.parquet, timeseries.parquet missing — run "
    with pytest.raises(SweepError) as caught:
        check_sweep(tmp_path)
    assert str(caught.value) == message + f"python -m experiments.collect {tmp_path} first"


def test_failure_line_names_the_cell():
    error = SimpleNamespace(
        source="heading(sweep, 'fund')\nshow(conversion_fund.fund(sweep))",
        ename="KeyError",
        evalue="\x1b[31m'fund_invested'\x1b[0m\nmore",
    )
    notebook = PROJECT_ROOT / "notebooks" / "policy_mix_review.ipynb"
    assert describe_failure(notebook, error) == (
        "notebook policy_mix_review.ipynb failed in the injected parameters cell "
        "(\"heading(sweep, 'fund')\"): KeyError: 'fund_invested'"
    )


# --------------------------------------------------------------------------- the CJK font
def test_chinese_renders_with_the_cjk_font():
    family = fonts.use_cjk_font()
    assert family == ["DejaVu Sans", "Noto Sans SC"]
    assert matplotlib.rcParams["font.family"] == family
    found = font_manager.findfont(font_manager.FontProperties(family="Noto Sans SC"), fallback_to_default=False)
    assert found == str(fonts.cjk_font_path()) and found.endswith("NotoSansSC-Regular.otf")
    figure = Figure()
    figure.subplots().set_title("钢铁产量与2022年目标 (steel output)")
    assert png(figure)[:4] == b"\x89PNG"  # a missing glyph would raise: warnings are errors


def test_without_the_cjk_font_chinese_fails_loudly():
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        figure = Figure()
        figure.subplots().set_title("钢铁产量")
    with pytest.raises(UserWarning, match=r"Glyph \d+ .* missing from font"):
        png(figure)


def test_chart_labels_in_chinese():
    sweep = tiny_sweep("zh")
    figure = panels(sweep, [("output", "steel")], "ui.caps_title", cols=1)
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["无政策", "实际实施组合", "2022年目标", "90%的模拟情景"]
    ax = figure.axes[0]
    assert ax.get_title() == "钢铁产量" and ax.get_ylabel() == "万吨/年"
    enacted = next(line for line in ax.get_lines() if line.get_label() == "实际实施组合")
    assert enacted.get_ydata()[-1] == pytest.approx(6210.0)  # 62.1 Mt/yr drawn as 6,210 万吨/年
    assert enacted.get_zorder() > max(line.get_zorder() for line in ax.get_lines() if line is not enacted)
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in range(2017, 2023)]


def test_a_relative_sweep_folder_is_found_from_the_notebooks_folder(tmp_path, monkeypatch):
    from experiments.reports.review import sweep as sweep_module

    folder = tmp_path / "multirun" / "mix_comparison"
    folder.mkdir(parents=True)
    for name in ("runs.parquet", "timeseries.parquet", "scorecard.csv"):
        (folder / name).write_text("", encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr(sweep_module, "PROJECT_ROOT", tmp_path)
    monkeypatch.chdir(tmp_path / "notebooks")  # where Jupyter starts a notebook's kernel
    assert check_sweep("multirun/mix_comparison") == folder
    monkeypatch.chdir(tmp_path)
    assert check_sweep("multirun/mix_comparison") == Path("multirun/mix_comparison")
    with pytest.raises(SweepError, match=r"SWEEP_DIR='multirun/elsewhere' is not a folder"):
        check_sweep("multirun/elsewhere")
