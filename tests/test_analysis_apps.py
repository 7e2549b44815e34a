"""Calibration, validation and sensitivity analysis: parameter recovery, Ishigami, end to end.

The apps run as users run them (``python -m experiments.<app>``) on tiny populations with
the sequential launcher unless a test is about launchers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from SALib.test_functions import Ishigami

from experiments.apps import sensitivity, validate
from experiments.apps.batch import read_values
from experiments.apps.calibrate import standard_errors
from experiments.sweeps.outputs import COMPLETE
from model import ShandongModel
from model.config import compose
from model.data import PROJECT_ROOT

TINY = ["scale=0.05", "hydra/launcher=basic"]


def app(name: str, folder: Path, *overrides: str, timeout: int = 900) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", f"experiments.{name}", f"hydra.run.dir={folder}", *TINY, *overrides]
    return subprocess.run(args, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout, check=False)


# --------------------------------------------------------------------------- calibration
TRUE = {
    "calibration.fund.deployment_rate_before_reform": 0.09,
    "calibration.fund.co_investment": 3.0,
    "calibration.economy.growth_vs_national": -0.012,
}
ESTIMATED = ["fund_deployment_before_reform", "fund_co_investment", "growth_vs_national"]
# Full scale: growth firms are sampled below it, and the fund's deal flow is too granular there to identify its pace.
RECOVERY_SCALE = 1.0
MOMENTS = {
    "fund_idle_share_2019": ("fund_idle_share", "all", "2019Q1"),
    "fund_social_capital_2019": ("fund_social_capital", "all", "2019Q4"),
    "gdp_growth_2018": ("gdp_growth", "all", "2018Q4"),
    "gdp_growth_2019": ("gdp_growth", "all", "2019Q4"),
}


def simulated_moments(tmp_path: Path, seeds: list[int]) -> dict[str, float]:
    """The moments the model itself produces at the true parameters (mean over seeds)."""
    values = []
    for seed in seeds:
        cfg = compose([f"{k}={v}" for k, v in TRUE.items()] + [f"scale={RECOVERY_SCALE}", f"seed={seed}"])
        model = ShandongModel(config=cfg)
        model.run()
        folder = tmp_path / f"truth{seed}"
        folder.mkdir()
        model.timeseries().to_parquet(folder / "timeseries.parquet")
        values.append(read_values(folder, list(MOMENTS.values())))
    return dict(zip(MOMENTS, np.mean(values, axis=0), strict=True))


@pytest.fixture(scope="module")
def recovery(tmp_path_factory):
    """Calibrate three parameters to data the model generated at known values.

    The fund's pace and leverage, and the province's growth gap to the nation.
    """
    tmp = tmp_path_factory.mktemp("recovery")
    observed = simulated_moments(tmp, [0])
    folder = tmp / "app"
    result = app(
        "calibrate",
        folder,
        f"scale={RECOVERY_SCALE}",
        "calibrate.seeds=1",  # the same seed as the data: the objective is zero at the true values
        "calibrate.popsize=5",
        "calibrate.maxiter=20",
        f"calibrate.estimate=[{','.join(ESTIMATED)}]",
        f"calibrate.match=[{','.join(MOMENTS)}]",
        *(f"calibrate.moments.{name}.observed={value:.10g}" for name, value in observed.items()),
        # the data are the model's own output at the same seeds: a tight weight is right
        *(f"calibrate.moments.{name}.relative_sd=0.02" for name in observed),
        "calibrate.output=recovered",
        f"calibrate.conf_dir={tmp / 'conf' / 'calibration'}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp, folder, result


@pytest.mark.slow
def test_calibration_recovers_known_parameters(recovery):
    _, folder, _ = recovery
    estimates = pd.read_csv(folder / "estimates.csv").set_index("key")
    for key, true in TRUE.items():
        estimate, se = estimates.loc[key, ["estimate", "standard_error"]]
        assert estimate == pytest.approx(true, rel=0.1), key
        assert abs(estimate - true) <= 2.5 * se, key  # the standard errors cover the truth
    moments = pd.read_csv(folder / "moments.csv")
    assert (moments["relative_error"].abs() < 0.05).all(), moments


@pytest.mark.slow
def test_calibration_writes_a_usable_calibration_file(recovery):
    tmp, folder, _ = recovery
    written = tmp / "conf" / "calibration" / "recovered.yaml"
    assert written.read_text() == (folder / "recovered.yaml").read_text()
    cfg = OmegaConf.load(written)
    assert list(cfg.defaults) == ["shandong_2017", "_self_"]
    assert cfg.estimation.J_at_start > cfg.estimation.J
    assert set(cfg.estimation.parameters) == set(ESTIMATED)
    # The file is a calibration option: a run picks it up through the config search path.
    run = tmp / "run"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.run",
            "calibration=recovered",
            f"hydra.searchpath=[file://{tmp / 'conf'}]",
            "scale=0.02",
            "output.plot=false",
            f"hydra.run.dir={run}",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = pd.read_json(run / "summary.json", typ="series")
    fund = summary["config"]["calibration"]["fund"]
    assert fund["co_investment"] == pytest.approx(cfg.fund.co_investment)
    assert fund["co_investment"] != 4.0  # not the base calibration's value


def test_msm_standard_errors_hand_case():
    # G = I, sd = 1, S seeds: Var = (1 + 1/S) I.
    se = standard_errors(np.eye(2), np.ones(2), seeds=4)
    assert se == pytest.approx(np.sqrt([1.25, 1.25]))
    # A parameter no moment responds to is not identified; the other's error is conditional on it.
    se = standard_errors(np.array([[1.0, 0.0], [2.0, 0.0]]), np.ones(2), seeds=4)
    assert np.isnan(se[1]) and se[0] == pytest.approx(np.sqrt(1.25 / 5.0))
    # Two parameters the moments move alike are not identified apart.
    assert np.isnan(standard_errors(np.array([[1.0, 2.0], [2.0, 4.0]]), np.ones(2), seeds=4)).all()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("calibrate.seeds=0", "calibrate.seeds=0 is not allowed: expected an integer >= 1"),
        ("calibrate.estimate=[nothing]", "calibrate.estimate='nothing' is not allowed"),
        ("calibrate.popsiz=3", "'popsiz' is not a config key here; expected one of"),
        ("calibrate.parameters.fund_co_investment.low=20", "calibrate.parameters.fund_co_investment.high=10.0"),
    ],
)
def test_calibrate_bad_settings_one_line(tmp_path, override, message):
    folder = tmp_path / "app"
    result = app("calibrate", folder, override, timeout=120)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not folder.exists()  # nothing half-written


# --------------------------------------------------------------------------- validation
@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("validate")
    results = {}
    for launcher in ("basic", "joblib"):
        folder = tmp / launcher
        result = app("validate", folder, "validate.seeds=2", f"hydra/launcher={launcher}")
        assert result.returncode == 0, result.stderr[-3000:]
        results[launcher] = (folder, result)
    return results


@pytest.mark.slow
def test_validation_end_to_end(validated):
    folder, result = validated["basic"]
    table = pd.read_csv(folder / "validation.csv")
    observations = OmegaConf.load(PROJECT_ROOT / "conf" / "observations" / "shandong_2017_2019.yaml")
    assert set(observations) <= set(table["observation"])
    assert "fund_subscribed_2019" in set(table["observation"])
    assert np.isfinite(table[["observed", "simulated_mean", "band_low", "band_high", "error"]]).all().all()
    assert (table["band_low"] <= table["band_high"]).all()
    steel = table.set_index("observation").loc["steel_output_2018"]
    assert steel["observed"] == pytest.approx(71.772)  # 7177.2 万吨 in Mt
    facts = pd.read_csv(folder / "stylised_facts.csv")
    assert {"heavy-tailed firm sizes", "2018-2019 growth dip"} <= set(facts["fact"])
    assert facts["holds"].dtype == bool and np.isfinite(facts["value"]).all()
    assert (folder / "validation.png").stat().st_size > 10_000
    assert "stylised facts hold" in result.stdout


@pytest.mark.slow
def test_validation_same_whatever_the_launcher(validated):
    basic = pd.read_csv(validated["basic"][0] / "validation.csv")
    joblib = pd.read_csv(validated["joblib"][0] / "validation.csv")
    pd.testing.assert_frame_equal(basic, joblib)


@pytest.mark.slow
def test_an_interrupted_app_resumes_its_finished_runs(validated):
    folder, _ = validated["basic"]
    markers = sorted((folder / "runs").rglob(COMPLETE))
    assert len(markers) == 2
    before = [m.stat().st_mtime_ns for m in markers]
    result = app("validate", folder, "validate.seeds=2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert [m.stat().st_mtime_ns for m in markers] == before  # the finished runs were not run again


def test_hill_estimator_on_a_pareto_sample():
    rng = np.random.default_rng(0)
    sample = rng.pareto(1.5, 200_000) + 1.0  # Pareto with tail index 1.5
    assert validate.hill_tail_index(sample, 0.05) == pytest.approx(1.5, rel=0.05)
    assert validate.top_share(np.array([97.0, 1, 1, 1]), 0.25) == pytest.approx(0.97)


def test_exit_contrast_hand_case():
    exited = np.array([True, True, True, False, True, False, False, False])
    small = np.array([True, True, True, True, False, False, False, False])
    contrast = validate.exit_contrast(exited, small)
    assert contrast["rate_group"] == 0.75 and contrast["rate_rest"] == 0.25
    assert 0 < contrast["p_value"] < 0.5


# --------------------------------------------------------------------------- sensitivity
ISHIGAMI = sensitivity.problem(["x1", "x2", "x3"], [(-np.pi, np.pi)] * 3)
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]  # analytical (a = 7, b = 0.1)
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def ishigami(x: np.ndarray, label: str) -> dict[str, np.ndarray]:
    return {"y": Ishigami.evaluate(x)}


def settings(**changes):
    base = OmegaConf.structured(sensitivity.SensitivitySettings)
    base.sobol.base_samples = 1024
    base.morris.trajectories = 50
    return OmegaConf.merge(base, changes)


def test_sobol_pipeline_reproduces_ishigami_indices():
    table, points = sensitivity.sobol(ISHIGAMI, ishigami, settings(), seed=1)
    assert len(points) == 1024 * 5
    assert table["S1"].to_numpy() == pytest.approx(ISHIGAMI_S1, abs=0.06)
    assert table["ST"].to_numpy() == pytest.approx(ISHIGAMI_ST, abs=0.06)
    # the intervals are honest: they cover the analytical values
    assert (np.abs(table["ST"] - ISHIGAMI_ST) <= table["ST_conf"] + 0.02).all()


def test_morris_screening_ranks_ishigami_inputs():
    table, _ = sensitivity.morris(ISHIGAMI, ishigami, settings(), seed=1)
    mu_star = table.set_index("parameter")["mu_star"]
    assert (mu_star > 0).all()
    # x3 acts only through its interaction with x1: its effects vary (sigma) as much as they average
    sigma = table.set_index("parameter")["sigma"]
    assert sigma["x3"] > 0.5 * mu_star["x3"]
    assert sensitivity.top_parameters(table, ["x1", "x2", "x3"], 2) == sorted(mu_star.nlargest(2).index)


def test_drivers_rank_by_total_index_and_flag_constant_outputs():
    table, points = sensitivity.sobol(ISHIGAMI, ishigami, settings(), seed=1)
    table["output"] = "p_met:ishigami"
    points = points.rename(columns={"y": "p_met:ishigami"}).assign(**{"p_met:flat": 1.0})
    ranking = sensitivity.drivers(None, table, points)
    first = ranking[ranking["target"] == "ishigami"].sort_values("rank")
    assert list(first["parameter"]) == ["x1", "x2", "x3"]
    flat = ranking[ranking["target"] == "flat"]
    assert flat["p_met"].iloc[0] == "1.00 at every point" and flat["rank"].iloc[0] == 0


@pytest.mark.slow
def test_sensitivity_app_end_to_end(tmp_path):
    folder = tmp_path / "app"
    result = app(
        "sensitivity",
        folder,
        "scale=0.02",
        "sensitivity.seeds=1",
        "sensitivity.morris.trajectories=2",
        "sensitivity.sobol.base_samples=2",
        "sensitivity.sobol.top=2",
        "sensitivity.resamples=20",
        "sensitivity.targets=[new_economy_share,rd_intensity,coal_consumption_2020]",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    points = pd.read_csv(folder / "points.csv")
    assert len(points) == 2 * (8 + 1) + 2 * (2 + 2)
    assert {"p_met:new_economy_share", "gap:rd_intensity"} <= set(points.columns)
    morris = pd.read_csv(folder / "morris.csv")
    assert set(morris["parameter"]) == set(
        OmegaConf.load(PROJECT_ROOT / "conf/sensitivity.yaml").sensitivity.parameters
    )
    sobol = pd.read_csv(folder / "sobol.csv")
    assert sobol["parameter"].nunique() == 2
    drivers = pd.read_csv(folder / "drivers.csv")
    assert set(drivers["target"]) == {"new_economy_share", "rd_intensity", "coal_consumption_2020"}
    assert (folder / "morris.png").is_file()
    assert "top drivers" in result.stdout


@pytest.mark.slow
def test_sensitivity_bad_settings_one_line(tmp_path):
    folder = tmp_path / "app"
    result = app("sensitivity", folder, "sensitivity.sobol.base_samples=48", timeout=120)
    assert result.returncode == 2
    assert "sensitivity.sobol.base_samples=48 is not allowed: expected a power of 2" in result.stderr
    assert not folder.exists()


def test_sobol_notes_outputs_constant_over_part_of_the_design():
    # Both inputs must exceed 0.6: at this seed no base point does, some mixed points do, and
    # SALib warns; the warning becomes a note in the table (warnings are errors here).
    prob = sensitivity.problem(["a", "b"], [(0, 1), (0, 1)])

    def both(x, label):
        return {"p_met:t": ((x[:, 0] > 0.6) & (x[:, 1] > 0.6)).astype(float)}

    table, _ = sensitivity.sobol(prob, both, settings(sobol={"base_samples": 4}, resamples=20), seed=1)
    assert table["note"].str.startswith("constant over part of the design").all()
