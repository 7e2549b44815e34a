"""The planner's report and the walkthrough, executed against one small sweep built once per session."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from experiments.reports import labels, render, review
from model.data import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
REVIEW_HEADINGS = ("title", "sweep", "headline", "trajectories", "overcapacity", "industries", "fund", "jobs", "fiscal")
WALKTHROUGH_FIGURES = 4  # population, surcharge schedules, decisions, fund picks


def problems(notebook: Path) -> list[str]:
    """Error outputs and anything printed to stderr (warnings, missing glyphs) in an executed notebook."""
    found = []
    for number, cell in enumerate(nbformat.read(notebook, as_version=4).cells, start=1):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"cell {number}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {number} printed to stderr: {output.text[:300]}")
    return found


@pytest.mark.slow
def test_review_report_in_english(small_sweep):
    page = render.report(small_sweep, "en", quiet=True)
    assert page == small_sweep / "report_en.html"
    html = page.read_text(encoding="utf-8")
    assert render.embedded_figures(html) == len(review.FIGURES)
    assert problems(small_sweep / "report_en.ipynb") == []
    for key in ("heading.title", "heading.headline", "heading.overcapacity", "heading.fund", "heading.jobs"):
        assert f">{labels.text(key, 'en')}<" in html
    assert html.count('<p class="reading">') >= len(review.FIGURES) + 1  # one reading per figure, and the sweep's
    assert "Under as enacted, steel output in 2022 is" in html
    assert 'class="dataframe' in html  # the tables
    assert not re.search(r"""src=["']https?://""", html), "the report loads something from the web"
    assert (
        "show(summary.headline(sweep))" not in html and '<div class="jp-InputArea' not in html
    )  # planners see no code
    assert not list(small_sweep.glob(".*.tmp"))


@pytest.mark.slow
def test_review_report_in_chinese_from_the_command_line(small_sweep):
    result = subprocess.run(
        [sys.executable, "-m", "experiments.report", str(small_sweep), "--lang", "zh"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "running policy_mix_review.ipynb" in result.stderr and "report_zh.html" in result.stderr
    html = (small_sweep / "report_zh.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in html
    assert render.embedded_figures(html) == len(review.FIGURES)
    for key in REVIEW_HEADINGS:
        assert f">{labels.text(f'heading.{key}', 'zh')}<" in html, key
    assert "在实际实施组合下，2022年钢铁产量为" in html
    assert "Under as enacted" not in html
    assert problems(small_sweep / "report_zh.ipynb") == []  # a missing glyph would be an error here


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "reproduced"),
    [
        ("en", "This run reproduces the sweep's run of as enacted, seed 0"),
        ("zh", "本次运行复现了批量模拟中“实际实施组合”第0号随机情景"),
    ],
)
def test_walkthrough_of_one_run(small_sweep, lang, reproduced):
    page = render.walkthrough(small_sweep, lang, quiet=True)
    assert page == small_sweep / f"walkthrough_{lang}.html"
    html = page.read_text(encoding="utf-8")
    assert render.embedded_figures(html) == WALKTHROUGH_FIGURES
    assert problems(small_sweep / f"walkthrough_{lang}.ipynb") == []
    assert html.count('<div class="jp-InputArea') >= 10  # a researcher sees the code
    assert reproduced in html


@pytest.mark.slow
def test_a_failing_cell_is_named_and_nothing_is_written(small_sweep, tmp_path, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(small_sweep, broken, ignore=shutil.ignore_patterns("report_*", "walkthrough_*"))
    (broken / "timeseries.parquet").write_bytes(b"not a parquet file")
    with pytest.raises(SystemExit) as stop:
        render.main([str(broken)])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.fullmatch(
        r"error: notebook policy_mix_review\.ipynb failed in cell 3 "
        r'\("from experiments\.reports\.review\.sweep import load"\): '
        r"\w+: .*[Pp]arquet.*",
        err,
    ), err
    assert not list(broken.glob("report_*")) and not list(broken.glob(".*.tmp"))


@pytest.mark.slow
def test_not_a_collected_sweep(tmp_path):
    for folder, expected in (
        (tmp_path / "nowhere", "is not a folder: expected a collected sweep folder"),
        (tmp_path, "is not a collected sweep: runs.parquet, timeseries.parquet, scorecard.csv missing — run "),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "experiments.report", str(folder)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 2
        assert result.stderr.startswith(f"error: SWEEP_DIR='{folder}' ") and expected in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_bad_language(small_sweep, capsys):
    with pytest.raises(SystemExit) as stop:
        render.main([str(small_sweep), "--lang", "fr"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == "error: lang='fr' is not allowed: expected one of en, zh\n"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_are_committed_without_outputs(notebook):
    book = nbformat.read(notebook, as_version=4)
    nbformat.validate(book)
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    assert code, "a notebook without code"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, f"{notebook.name}: {cell.source[:60]!r}"
    assert "papermill" not in book.metadata
    parameters = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1, "papermill needs exactly one cell tagged parameters"


def test_both_notebooks_are_there():
    assert {p.name for p in NOTEBOOKS} == {"policy_mix_review.ipynb", "single_run_walkthrough.ipynb"}


def test_the_walkthroughs_markdown_has_both_languages():
    book = nbformat.read(PROJECT_ROOT / "notebooks" / "single_run_walkthrough.ipynb", as_version=4)
    markdown = [cell for cell in book.cells if cell.cell_type == "markdown"]
    assert len(markdown) >= 5
    for cell in markdown:
        key = f"walkthrough.{cell.id}"
        assert labels.text(key, "en") == cell.source, f"{key} differs from the notebook's cell"
        assert re.search(r"[\u4e00-\u9fff]", labels.text(key, "zh")), key
    translated = render.translate_markdown(nbformat.from_dict(book), "zh")
    assert [c.source.splitlines()[0] for c in translated.cells if c.cell_type == "markdown"][1] == "## 企业构成"
    book.cells.append(nbformat.v4.new_markdown_cell("## Unlabelled"))
    with pytest.raises(render.ReportError, match=r"has no label 'walkthrough\."):
        render.translate_markdown(book, "zh")
