"""The benchmark's phase profile accounts for the quarter (a check of the tool, not a timing)."""

from experiments.benchmarks.model_speed import PHASES, phase_profile


def test_phase_profile_covers_the_quarter():
    phases, quarter = phase_profile(seed=0, policy_mix="as_enacted", scale=0.02)
    assert set(PHASES) <= set(phases)
    assert {"instruments (apply_policies)", "accounts.record", "datacollector.collect"} <= set(phases)
    assert all(ms >= 0 for ms in phases.values()) and phases["firms_grow"] > 0
    # The timed phases are the quarter's work: together nearly all of it, never more.
    assert 0.8 * quarter <= sum(phases.values()) <= quarter
