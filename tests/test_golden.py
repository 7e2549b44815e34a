"""Golden regression: a small run compared with a stored result, with a tolerance."""

import numpy as np
import pandas as pd
from make_golden import GOLDEN, golden_series

EXPECTED_ROWS = 400  # at least this many values must be compared


def test_small_run_matches_golden():
    assert GOLDEN.is_file(), f"golden file missing: run python tests/make_golden.py ({GOLDEN})"
    expected = pd.read_csv(GOLDEN, keep_default_na=False, na_values=[""])
    actual = golden_series()
    key = ["date", "indicator", "sector", "city"]
    merged = expected.merge(actual, on=key, how="outer", suffixes=("_expected", "_actual"), indicator=True)
    missing = merged[merged["_merge"] != "both"]
    assert missing.empty, f"series differ in shape:\n{missing[[*key, '_merge']].head(20)}"
    compared = int(np.isfinite(merged.value_expected).sum())
    assert compared >= EXPECTED_ROWS, f"compared only {compared} values: the regression checks nothing"
    close = np.isclose(merged.value_actual, merged.value_expected, rtol=1e-6, atol=1e-9, equal_nan=True)
    diff = merged.loc[~close, [*key, "value_expected", "value_actual"]]
    assert diff.empty, f"{len(diff)} of {len(merged)} values moved:\n{diff.head(30).to_string()}"
    assert (merged.unit_expected == merged.unit_actual).all()
