"""A corpus of user mistakes: each gets one line naming the key or file, the value and what is allowed.

Most cases run in-process through the job's own path (compose, then validation, errors
described by ``experiments.sweeps.errors.describe_error``); a representative handful runs
the main job in a process (slow) to check the exit code and that nothing is written.
Each case is (what is done, expected fragment of the line).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.sweeps.errors import describe_error
from model.calibration import table_dir
from model.config import CONF_DIR, compose, resolved
from model.data import DATA_FILES, DEFAULT_DATA_DIR, PROJECT_ROOT
from model.parameters import load_registry

FUND = "policy_mix.instruments.conversion_fund"
STD = "policy_mix.instruments.standards"


# ----------------------------------------------------------------------------- the cases
def _range_cases() -> dict[str, tuple[list[str], str]]:
    """Infinite, NaN and out-of-range values of every scalar registry key the default config holds."""
    default = compose([])
    cases = {}
    for row in load_registry():
        if "*" in row.key or not row.range or row.key in ("seed", "scale"):
            continue
        node = default
        try:
            for part in row.key.split("."):
                node = node[part]
        except Exception:
            continue  # not in the default config
        if isinstance(node, bool) or not isinstance(node, int | float):
            continue
        high = row.interval.high if row.interval else None
        cases[f"inf {row.key}"] = ([f"{row.key}=inf"], f"{row.key}={'inf' if isinstance(node, float) else repr('inf')}")
        if isinstance(node, float):
            cases[f"nan {row.key}"] = ([f"{row.key}=nan"], f"{row.key}=nan")
        if high is not None and high < 1e8:
            cases[f"above range {row.key}"] = ([f"{row.key}=1e12"], f"{row.key}=")
    return cases


TABLE_CASES = {
    "inf table capacity": (
        ["+calibration.overcapacity.steel.capacity=inf"],
        "calibration.overcapacity.steel.capacity=inf",
    ),
    "huge plant count": (["+calibration.overcapacity.coal.firms=100000000000"], "calibration.overcapacity.coal.firms="),
    "huge firm count": (["+calibration.growth.next_gen_it.firms=1000000000"], "calibration.growth.next_gen_it.firms="),
    "nan growth rd": (["+calibration.growth.next_gen_it.rd_sigma=nan"], "rd_sigma=nan"),
    "inf wage": (["+calibration.overcapacity.steel.wage=inf"], "wage=inf"),
    "inf demand growth": (["scenario.demand_growth.steel=inf"], "scenario.demand_growth.steel=inf"),
    "demand collapse": (["scenario.demand_growth.coal=-3"], "scenario.demand_growth.coal=-3"),
    "inf shock": (
        ["scenario=baseline", "scenario.shocks.covid_2020q1.size=inf"],
        "scenario.shocks.covid_2020q1.size=inf",
    ),
    "unknown shock": (["scenario.shocks.covid.size=-0.1"], "scenario.shocks.covid.size='-0.1'"),
    "inf target": (["targets.entries.new_economy_share.value=inf"], "value=inf"),
    "inf schedule": ([f"{STD}.rules.cement_clinker_lines.schedule={{2021Q4:inf}}"], "2021Q4=inf"),
    "inf sector weight": ([f"{FUND}.sector_weights.next_gen_it=inf"], "sector_weights.next_gen_it=inf"),
    "huge fund target": ([f"{FUND}.subscribed_target=1e15"], "subscribed_target=1000000000000000.0"),
    "huge guide fund": ([f"{FUND}.guide_fund=1e13"], "guide_fund="),
    "README deployment example": (
        ["policy_mix=fund_only", f"{FUND}.deployment_rate={{2018Q1:0.15}}"],
        "deployment_rate.2018Q1='0.15'",
    ),
    "deployment rate above 1": ([f"+{FUND}.deployment_rate={{2019Q1:1.5}}"], "2019Q1=1.5"),
}
INSTRUMENTS = (
    "steel_differential_pricing.eliminated=0.8",
    "aluminium_tiered_pricing.surcharges=[0.1,0.2]",
    "over_quota_pricing.surcharges=[0,0,0,0,0]",
    "ultra_low_emission_pricing.surcharges=[0,0,0]",
    "conversion_fund.subscribed_target=800",
    "standards.pace=2",
    "steel_relocation.rebuild_share=0.5",
    "worker_resettlement.rate=0.3",
)
# The surcharge regimes in force before 2018 are in every mix, none included.
IN_EVERY_MIX = ("steel_differential_pricing", "aluminium_tiered_pricing", "over_quota_pricing")
ABSENT_CASES = {
    f"absent from none: {lever.split('.')[0]}": (
        ["policy_mix=none", f"policy_mix.instruments.{lever}"],
        f"'policy_mix.instruments.{lever.split('.')[0]}' is not in this config (policy_mix=none)",
    )
    for lever in INSTRUMENTS
    if not lever.startswith(IN_EVERY_MIX)
} | {
    f"absent from {mix}: {lever.split('.')[0]}": (
        [f"policy_mix={mix}", f"policy_mix.instruments.{lever}"],
        f"is not in this config (policy_mix={mix})",
    )
    for mix, lever in (
        ("pricing_only", "standards.pace=2"),
        ("pricing_only", "conversion_fund.subscribed_target=800"),
        ("fund_only", "standards.pace=2"),
        ("fund_only", "ultra_low_emission_pricing.surcharges=[0,0,0]"),
        ("standards_only", "conversion_fund.subscribed_target=800"),
    )
}
OTHER_CASES = {  # types, names and keys (the classes tests/test_bad_input.py checks in a process)
    "wrong type": (["seed=abc"], "seed='abc'"),
    "float for int": ([f"{STD}.grace_quarters=1.5"], "grace_quarters='1.5'"),
    "unknown key": ([f"{FUND}.sise=3"], "sise"),
    "unknown mix": (["policy_mix=laissez_faire"], "policy_mix='laissez_faire'"),
    "unknown scenario": (["scenario=boom"], "scenario='boom'"),
    "negative seed": (["seed=-1"], "seed=-1"),
    "zero scale": (["scale=0"], "scale=0"),
    "nan scale": (["scale=nan"], "scale=nan"),
    "inf scale": (["scale=inf"], "scale=inf"),
    "quarter as key path": ([f"{FUND}.deployment_rate.2018Q1=0.15"], "a key cannot start with a digit"),
    "bad quarter": ([f"{FUND}.subscription_end=2030Q1"], "subscription_end='2030Q1'"),
    "government share": ([f"{FUND}.government_share=0.7"], "government_share=0.7"),
}
CASES = {**_range_cases(), **TABLE_CASES, **ABSENT_CASES, **OTHER_CASES}


def line_for(monkeypatch: pytest.MonkeyPatch, overrides: list[str], conf_dir: Path | None = None) -> str:
    """The one line the job prints for ``overrides`` (fails the test if the config is accepted)."""
    arguments = ["scale=0.01", *overrides] if not any(o.startswith("scale=") for o in overrides) else overrides
    monkeypatch.setattr(sys, "argv", ["experiments.run", *arguments])
    try:
        resolved(compose(arguments, conf_dir=str(conf_dir) if conf_dir else None))
    except Exception as exc:  # the job's path: every exception is described or is a bug
        line = describe_error(exc)
        assert line is not None, f"a traceback, not a line: {type(exc).__name__}: {exc}"
        assert "\n" not in line
        return line
    raise AssertionError(f"accepted: {overrides}")


def assert_line(line: str, fragment: str) -> None:
    assert fragment in line, line
    assert "is not allowed" in line and "expected" in line, line
    assert "'?'" not in line, line


@pytest.mark.parametrize("case", sorted(CASES))
def test_override_mistake(monkeypatch, case):
    overrides, fragment = CASES[case]
    assert_line(line_for(monkeypatch, overrides), fragment)


# ----------------------------------------------------------------------------- YAML files in conf/
YAML_EDITS = {  # file under conf/, text written into it, fragment
    "tab in a scenario": ("scenario/historical.yaml", "name: historical\n\tdemand_growth: {}\n", "spaces, not tabs"),
    "tab in an instrument": ("instrument/standards.yaml", "pace: 1.0\n\t\tgrace_quarters: 2\n", "spaces, not tabs"),
    "duplicate key in a mix": (
        "policy_mix/as_enacted.yaml",
        "name: as_enacted\nname: again\n",
        "each key once in a mapping",
    ),
    "duplicate key in targets": (
        "targets/shandong_2022.yaml",
        "name: t\nentries: {}\nentries: {}\n",
        "each key once in a mapping",
    ),
    "unclosed list": ("scenario/historical.yaml", "name: [historical\n", "valid YAML"),
    "unclosed mapping": ("instrument/conversion_fund.yaml", "guide_fund: {40\n", "valid YAML"),
    "colon in a value": ("config.yaml", "seed: : 0\n", "valid YAML"),
    "bad indentation": ("calibration/shandong_2017_msm.yaml", "a:\n  b: 1\n c: 2\n", "valid YAML"),
}


@pytest.fixture(scope="module")
def conf_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("conf") / "conf"
    shutil.copytree(CONF_DIR, folder)
    return folder


@pytest.mark.parametrize("case", sorted(YAML_EDITS))
def test_yaml_mistake(monkeypatch, conf_copy, case):
    name, text, fragment = YAML_EDITS[case]
    path = conf_copy / name
    original = path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    try:
        line = line_for(monkeypatch, [], conf_dir=conf_copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert_line(line, fragment)
    assert name.split("/")[-1] in line and "line " in line, line


# ----------------------------------------------------------------------------- duplicate rows
def _duplicate_row(path: Path, row: int = 1) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.reader(lines))
    header_lines = 1
    # a quoted cell may span lines: copy a whole record by re-writing through csv
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows(rows[:header_lines] + rows[header_lines:] + [rows[row]])


@pytest.mark.parametrize("name", DATA_FILES)
def test_duplicate_data_row(monkeypatch, tmp_path, name):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    _duplicate_row(data / name)
    line = line_for(monkeypatch, [f"data_dir={data}"])
    assert_line(line, f"data file {name} line")
    assert "one row per key and year" in line


@pytest.mark.parametrize("name", ["cities.csv", "overcapacity.csv", "growth.csv", "segments.csv", "city_weights.csv"])
def test_duplicate_table_row(monkeypatch, tmp_path, name):
    tables = tmp_path / "tables"
    shutil.copytree(table_dir("shandong_2017"), tables)
    _duplicate_row(tables / name, row=2)
    line = line_for(monkeypatch, [f"calibration.tables={tables}"])
    assert_line(line, f"tables/{name} line")
    assert "one row per" in line


# ----------------------------------------------------------------------------- output location
@pytest.mark.parametrize(
    ("errno_name", "fragment"),
    [("ENOSPC", "free space"), ("EROFS", "writable file system"), ("EDQUOT", "free quota"), ("EACCES", "may write")],
)
def test_output_location_mistake(monkeypatch, errno_name, fragment):
    import errno

    error = OSError(getattr(errno, errno_name), "simulated", "/results/run")
    line = describe_error(error)
    assert line is not None and "'/results/run'" in line and fragment in line, line
    assert_line(line, "output location")


# ----------------------------------------------------------------------------- in a process
RUN = [sys.executable, "-m", "experiments.run"]
PROCESS_CASES = {
    "surcharge scale inf": (["policy_mix.surcharge_scale=inf"], "policy_mix.surcharge_scale=inf"),
    "co-investment inf": (["calibration.fund.co_investment=inf"], "calibration.fund.co_investment=inf"),
    "lever of an absent instrument": (
        ["policy_mix=none", f"{FUND}.subscribed_target=800"],
        "is not in this config (policy_mix=none)",
    ),
    "huge plant count": (["+calibration.overcapacity.steel.firms=100000000000"], "steel.firms="),
}


def run_job(
    tmp_path: Path, overrides: list[str], out: Path | None = None, options: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*RUN, *options, "scale=0.01", f"hydra.run.dir={out or tmp_path / 'run'}", *overrides],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert_line(lines[0], fragment)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(PROCESS_CASES))
def test_in_a_process(tmp_path, case):
    overrides, fragment = PROCESS_CASES[case]
    result = run_job(tmp_path, overrides)
    assert_one_line(result, fragment)
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").iterdir())


@pytest.mark.slow
def test_yaml_mistake_in_a_process(tmp_path):
    extra = tmp_path / "extra" / "scenario"
    extra.mkdir(parents=True)
    (extra / "tabbed.yaml").write_text("name: tabbed\n\tdemand_growth: {}\n", encoding="utf-8")
    result = run_job(tmp_path, ["scenario=tabbed"], options=("--config-dir", str(tmp_path / "extra")))
    assert_one_line(result, "tabbed.yaml line 2")
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_output_folder_behind_a_file(tmp_path):
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = run_job(tmp_path, [], out=tmp_path / "file" / "run")
    assert_one_line(result, "output location")
    assert (tmp_path / "file").read_text(encoding="utf-8") == ""


# ----------------------------------------------------------------------------- names never leave the output root
@pytest.mark.parametrize("value", ["../../../../x", "..", "a/../../b", "/etc/passwd", ".hidden", "a\\..\\b"])
def test_folder_names_stay_inside(tmp_path, value):
    from model.folders import run_folder, safe_name

    root = tmp_path / "outputs" / "runs"
    for name in (f"2026_{safe_name(value)}_seed0", run_folder(f"policy_mix.name={value}", 3)):
        path = (root / name).resolve()
        assert path.is_relative_to(root.resolve()) and path != root.resolve(), (value, name)
        assert not any(part.startswith(".") for part in Path(name).parts), name


@pytest.mark.slow
def test_mix_name_with_dots_writes_inside_outputs(tmp_path):
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    result = subprocess.run(
        [*RUN, "scale=0.01", "policy_mix.name=../../../../escape", "output.plot=false"],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = [p for p in tmp_path.rglob("_COMPLETE")]
    assert len(written) == 1 and written[0].is_relative_to(work / "outputs" / "runs"), written


# ----------------------------------------------------------------------------- every number has a range
@pytest.mark.parametrize("mix", ["as_enacted", "intensified", "none"])
def test_every_number_has_a_declared_range(mix):
    from model.calibration import resolve
    from model.parameters import TABLE_BLOCKS, config_numbers, lookup, table_numbers
    from model.params import as_params

    cfg = compose([f"policy_mix={mix}"])
    registry = load_registry()
    calibration = resolve(as_params(cfg.calibration), cfg.data_dir)
    numbers = list(config_numbers(cfg))
    for block in TABLE_BLOCKS:
        for item, values in calibration[block].items():
            numbers.extend(table_numbers(dict(values), f"calibration.{block}.{item}"))
    assert len(numbers) > 300
    undeclared = sorted({p for p, _ in numbers if not getattr(lookup(p.split("[")[0], registry), "range", "")})
    assert not undeclared, f"numbers without a range in model/registry/parameters.csv: {undeclared}"
    outside = [
        (p, v) for p, v in numbers if (row := lookup(p.split("[")[0], registry)) and row.range and v not in row.interval
    ]
    assert not outside, outside
