"""Bad input stops the main job before the simulation: one line, non-zero exit, no result files."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.calibration import table_dir
from model.data import DEFAULT_DATA_DIR, PROJECT_ROOT

pytestmark = pytest.mark.slow  # every case runs the main job in a process

RUN = [sys.executable, "-m", "experiments.run"]
CASES = {
    "unknown key": (["policy_mix.instruments.conversion_fund.sise=3"], "sise"),
    "unknown top-level key": (["+fund_size=3"], "fund_size"),
    "wrong type": (["seed=abc"], "seed='abc'"),
    "share outside [0, 1]": (
        ["policy_mix.instruments.standards.detection_probability=1.4"],
        "detection_probability=1.4",
    ),
    "negative fund size": (["policy_mix.instruments.conversion_fund.subscribed_target=-100"], "subscribed_target=-100"),
    "negative scale": (["scale=-0.5"], "scale=-0.5"),
    "unknown policy mix": (["policy_mix=laissez_faire"], "policy_mix='laissez_faire'"),
    "unknown sector": (["policy_mix.instruments.standards.rules.coke_ovens.sector=stele"], "stele"),
    "unknown city": (["+policy_mix.instruments.steel_relocation.destinations={atlantis:0.1}"], "atlantis"),
    "unknown sector in a calibration table": (["+calibration.overcapacity.stele.capacity=1"], "stele"),
    "unknown field of a calibration table": (["+calibration.overcapacity.steel.capasity=1"], "capasity"),
    "non-numeric calibration value": (["+calibration.overcapacity.steel.capacity=lots"], "capacity='lots'"),
    "negative calibration value": (["+calibration.growth.health_care.firms=-3"], "firms=-3"),
    "loosening schedule": (
        ["policy_mix.instruments.standards.rules.cement_energy_quota.schedule={2020Q1:95}"],
        "2020Q1=95",
    ),
}


def run_job(tmp_path: Path, overrides: list[str]) -> subprocess.CompletedProcess:
    out = tmp_path / "run"
    return subprocess.run(
        [*RUN, "scale=0.01", f"hydra.run.dir={out}", *overrides],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_clean_failure(result: subprocess.CompletedProcess, tmp_path: Path, needle: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("error: ") and needle in lines[0], lines[0]
    assert "is not allowed" in lines[0] and "expected" in lines[0]
    assert "Traceback" not in result.stderr
    leftovers = [p.name for p in (tmp_path / "run").glob("*")] if (tmp_path / "run").exists() else []
    assert not leftovers, f"files left behind: {leftovers}"


@pytest.mark.parametrize("case", list(CASES))
def test_bad_override(tmp_path, case):
    overrides, needle = CASES[case]
    assert_clean_failure(run_job(tmp_path, overrides), tmp_path, needle)


def test_missing_data_file(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    (data / "targets.csv").unlink()
    assert_clean_failure(run_job(tmp_path, [f"data_dir={data}"]), tmp_path, "targets.csv")


def test_malformed_data_file(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    (data / "baseline.csv").write_text("key;value\ngdp_total;7.27\n", encoding="utf-8")
    assert_clean_failure(run_job(tmp_path, [f"data_dir={data}"]), tmp_path, "baseline.csv")


def test_non_numeric_data_value(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    text = (data / "baseline.csv").read_text(encoding="utf-8").replace("gdp_total,7.27,", "gdp_total,seven,")
    (data / "baseline.csv").write_text(text, encoding="utf-8")
    assert_clean_failure(run_job(tmp_path, [f"data_dir={data}"]), tmp_path, "gdp_total")


def copy_tables(tmp_path: Path) -> Path:
    tables = tmp_path / "tables"
    shutil.copytree(table_dir("shandong_2017"), tables)
    return tables


def test_calibration_table_missing(tmp_path):
    tables = copy_tables(tmp_path)
    (tables / "growth.csv").unlink()
    assert_clean_failure(run_job(tmp_path, [f"calibration.tables={tables}"]), tmp_path, "growth.csv")


def test_calibration_table_without_sector_column(tmp_path):
    tables = copy_tables(tmp_path)
    text = (tables / "overcapacity.csv").read_text(encoding="utf-8").replace(",coal_power,", ",coalpower,", 1)
    (tables / "overcapacity.csv").write_text(text, encoding="utf-8")
    assert_clean_failure(run_job(tmp_path, [f"calibration.tables={tables}"]), tmp_path, "'coal_power'")


def test_calibration_table_non_numeric_cell(tmp_path):
    tables = copy_tables(tmp_path)
    rows = (tables / "cities.csv").read_text(encoding="utf-8").splitlines()
    header, first = rows[0].split(","), rows[1].split(",")
    column = next(i for i, name in enumerate(header) if name != "city" and first[i].replace(".", "").isdigit())
    first[column] = "many"
    (tables / "cities.csv").write_text("\n".join([rows[0], ",".join(first), *rows[2:]]) + "\n", encoding="utf-8")
    assert_clean_failure(run_job(tmp_path, [f"calibration.tables={tables}"]), tmp_path, f"{header[column]}='many'")
