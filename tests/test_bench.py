"""The benchmark's phase profile accounts for the quarter (a check of the tool, not a timing)."""

import pytest

from experiments.benchmarks.model_speed import PHASES, phase_profile


def test_phase_profile_covers_the_quarter():
    phases, quarter = phase_profile(seed=0, policy_mix="as_enacted", scale=0.02)
    assert set(PHASES) <= set(phases)
    assert {"instruments (apply_policies)", "accounts.record", "datacollector.collect"} <= set(phases)
    assert all(ms >= 0 for ms in phases.values()) and phases["firms_grow"] > 0
    # The timed phases are the quarter's work: together nearly all of it, never more.
    assert 0.8 * quarter <= sum(phases.values()) <= quarter


def test_the_scale_check_compares_medians_relatively_and_shares_absolutely():
    import pandas as pd

    from experiments.benchmarks.scale_check import compare

    full = pd.DataFrame({0: [100.0, 0.50], 1: [110.0, 0.52], 2: [90.0, 0.54]}, index=["steel", "share"])
    small = pd.DataFrame({0: [104.0, 0.515], 1: [96.0, 0.528], 2: [120.0, 0.60]}, index=["steel", "share"])
    units = pd.Series({"steel": "Mt/yr", "share": "fraction"})
    table = compare(full, small, units, rel=0.05, abs_share=0.01)
    assert table.loc["steel", "relative"] == pytest.approx(0.04)  # medians 104 against 100
    assert table.loc["share", "absolute"] == pytest.approx(0.008)  # medians 0.528 against 0.52
    assert table["agree"].tolist() == [True, True]
    assert not compare(full, small, units, rel=0.03, abs_share=0.005)["agree"].any()
