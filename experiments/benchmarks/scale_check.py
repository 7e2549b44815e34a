"""Do results depend on the scale? ``python -m experiments.benchmarks.scale_check``.

Runs the as-enacted mix at full scale and at a smaller one over the same seeds and sets
each 2022 target's median value at the small scale against full scale: they agree when
within 5 % of each other, or within 0.01 for shares (``--rel``, ``--abs``). Prints the
table and ``N/M targets agree``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

SHARE_UNITS = ("fraction",)


def target_values(scale: float, seeds: Sequence[int], policy_mix: str) -> Any:
    """Each target's simulated value by seed (rows: targets, columns: seeds), and its unit."""
    import pandas as pd

    from model import ShandongModel
    from model.targets import scorecard

    cards = []
    for seed in seeds:
        model = ShandongModel(seed=seed, scale=scale, policy_mix=policy_mix)
        model.run()
        card = scorecard(model.timeseries(), model.params.targets.entries)
        cards.append(card.set_index("target")[["simulated", "unit"]].rename(columns={"simulated": seed}))
    units = cards[0]["unit"]
    return pd.concat([c.drop(columns="unit") for c in cards], axis=1), units


def compare(full: Any, small: Any, units: Any, rel: float, abs_share: float) -> Any:
    """Median over seeds at each scale, the differences, and whether they agree."""
    import numpy as np
    import pandas as pd

    table = pd.DataFrame({"full": full.median(axis=1), "small": small.median(axis=1), "unit": units})
    table["relative"] = (table["small"] / table["full"] - 1.0).abs()
    table["absolute"] = (table["small"] - table["full"]).abs()
    share = table["unit"].isin(SHARE_UNITS).to_numpy()
    table["agree"] = np.where(share, table["absolute"] <= abs_share, table["relative"] <= rel)
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Print the comparison; the exit status is 0 whatever it finds (a measurement, not a test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="the smaller scale (default 0.1)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)")
    parser.add_argument("--policy-mix", default="as_enacted")
    parser.add_argument("--rel", type=float, default=0.05, help="relative agreement (default 0.05)")
    parser.add_argument("--abs", type=float, default=0.01, help="absolute agreement for shares (default 0.01)")
    args = parser.parse_args(argv)
    if not 0 < args.scale < 1:
        parser.error(f"--scale={args.scale} is not allowed: expected a scale in (0, 1)")
    full, units = target_values(1.0, args.seeds, args.policy_mix)
    small, _ = target_values(args.scale, args.seeds, args.policy_mix)
    table = compare(full, small, units, args.rel, args.abs)
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    print(f"{int(table['agree'].sum())}/{len(table)} targets agree (scale {args.scale} against 1, seeds {args.seeds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
