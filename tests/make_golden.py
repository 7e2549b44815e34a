"""Regenerate the golden regression file: ``python tests/make_golden.py``.

Run it only after a deliberate change of the model's behaviour, and say why in the
commit message: the golden file is what the regression test compares against.
"""

from __future__ import annotations

import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden" / "as_enacted_seed0_scale0.02.csv"
DATES = ("2017-12-31", "2019-12-31", "2020-12-31", "2022-12-31")


def golden_series():
    """The series the regression compares: every indicator, province and sector rows, four dates."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import pandas as pd

    from model import ShandongModel

    model = ShandongModel(seed=0, scale=0.02, policy_mix="as_enacted")
    model.run()
    ts = model.timeseries()
    keep = ts[(ts.city == "all") & ts.date.isin(pd.to_datetime(list(DATES)))].copy()
    keep["date"] = keep.date.dt.strftime("%Y-%m-%d")
    return (
        keep[["date", "indicator", "sector", "city", "value", "unit"]]
        .astype({"indicator": str, "sector": str, "city": str, "unit": str})
        .reset_index(drop=True)
    )


if __name__ == "__main__":
    frame = golden_series()
    GOLDEN.parent.mkdir(exist_ok=True)
    frame.to_csv(GOLDEN, index=False, float_format="%.12g")
    print(f"wrote {len(frame)} rows to {GOLDEN}")
