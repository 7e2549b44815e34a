"""An interactive explorer of the model in the browser: ``python -m experiments.explore``.

A Mesa SolaraViz page (needs the ``viz`` extra: ``pip install -e '.[viz]'``): sliders for the
main levers, selectors for the policy mix and the scenario, and the model stepped quarter
by quarter, 2018Q1 to 2022Q4, with the headline indicators charted against their 2022
targets. Settings take effect on **Reset**; **Step** simulates one quarter, **▶** runs on.

    python -m experiments.explore                # http://localhost:8765
    python -m experiments.explore --port 8800
"""

from __future__ import annotations

import sys
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from model import ShandongModel
from model.calendar import quarter_label
from model.overrides import base_config, options_of

SCALE = 0.05  # about 2,000 firms: a quarter in a fraction of a second
# Charted indicators: (indicator, sector, label); each with the targets set on it.
CHARTS = (
    ("new_economy_va_share", "all", "New-economy share of GDP"),
    ("rd_intensity", "all", "R&D intensity"),
    ("output", "steel", "Steel output [Mt/yr]"),
    ("jobs_lost", "all", "Jobs lost"),
)


class ExplorerModel(ShandongModel):
    """The model with its levers as named keyword arguments (SolaraViz checks them by name).

    Args:
        seed: Root seed.
        scale: Fraction of the full firm population simulated.
        policy_mix: A mix in ``conf/policy_mix/``.
        scenario: A scenario in ``conf/scenario/``.
        fund_size: Sub-fund commitments to reach [bn yuan].
        standards_pace: Speed of the standards schedules (1 = as scheduled).
        surcharge_scale: Multiplier of every electricity surcharge (1 = as published).
    """

    def __init__(
        self,
        seed: int = 0,
        scale: float = SCALE,
        policy_mix: str = "as_enacted",
        scenario: str = "historical",
        fund_size: float = 600.0,
        standards_pace: float = 1.0,
        surcharge_scale: float = 1.0,
    ) -> None:
        used = base_config(policy_mix=policy_mix).policy_mix.instruments  # a mix may not use the fund
        levers: dict[str, Any] = {"surcharge_scale": surcharge_scale}
        if used.conversion_fund is not None:
            levers["fund_size"] = fund_size
        if used.standards is not None:
            levers["standards_pace"] = standards_pace
        super().__init__(seed=seed, scale=scale, policy_mix=policy_mix, scenario=scenario, **levers)


def model_params() -> dict[str, Any]:
    """SolaraViz's inputs: sliders for the levers, selectors for mix and scenario."""
    return {
        "policy_mix": {"type": "Select", "value": "as_enacted", "values": options_of("policy_mix"),
                       "label": "Policy mix"},
        "scenario": {"type": "Select", "value": "historical", "values": options_of("scenario"), "label": "Scenario"},
        "fund_size": {"type": "SliderFloat", "value": 600.0, "min": 300.0, "max": 1200.0, "step": 50.0,
                      "label": "Fund size [bn yuan]"},
        "standards_pace": {"type": "SliderFloat", "value": 1.0, "min": 0.5, "max": 2.0, "step": 0.1,
                           "label": "Standards pace"},
        "surcharge_scale": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 4.0, "step": 0.25,
                            "label": "Surcharge scale"},
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed"},
        "scale": SCALE,
    }  # fmt: skip


def targets_on(model: ShandongModel, indicator: str, sector: str) -> list[tuple[str, float]]:
    """The targets set on an indicator: (due quarter, value)."""
    entries = model.params.targets.entries
    return [
        (str(t["date"]), float(t["value"]))
        for t in entries.values()
        if t["indicator"] == indicator and t.get("sector", "all") == sector and t["comparison"] != "between"
    ]


def settings(model: ShandongModel) -> str:
    """The model's mix, scenario, levers and seed, in words."""
    mix = model.config.policy_mix
    parts = [f"{mix.name}, {model.config.scenario.name}"]
    if mix.instruments.conversion_fund is not None:
        parts.append(f"fund {mix.instruments.conversion_fund.subscribed_target:g} bn yuan")
    if mix.instruments.standards is not None:
        parts.append(f"standards pace {mix.instruments.standards.pace:g}")
    parts.append(f"surcharge scale {mix.surcharge_scale:g}, seed {model.seed}")
    return ", ".join(parts)


def readings(model: ShandongModel) -> list[str]:
    """One line per chart: the latest quarter's value and the targets on it."""
    lines = []
    for indicator, sector, label in CHARTS:
        value = model.indicator(indicator, sector)
        goals = ", ".join(f"{v:.4g} by {q}" for q, v in targets_on(model, indicator, sector))
        lines.append(f"{label}: {value:.4g} in {model.date}" + (f" (target {goals})" if goals else ""))
    return lines


def figure(model: ShandongModel) -> Any:
    """The charted indicators by quarter, 2017Q4 to the current quarter, with their target lines."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 6), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    quarters = list(range(model.quarter + 1))
    for ax, (indicator, sector, label) in zip(axes, CHARTS, strict=True):
        ax.plot(quarters, [model.indicator(indicator, sector, quarter=q) for q in quarters], marker=".")
        for due, value in targets_on(model, indicator, sector):
            ax.axhline(value, color="tab:red", linestyle="--", linewidth=1, label=f"target {due}")
        ax.set_title(label, fontsize=10)
        ax.set_xlim(0, 20)
        ticks = list(range(0, 21, 4))
        ax.set_xticks(ticks, [quarter_label(q) for q in ticks], fontsize=8)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    return fig


@solara.component
def Quarter(model: ShandongModel) -> None:  # noqa: N802 (a component, named as a class)
    """The current quarter and the latest readings against the targets."""
    update_counter.get()
    solara.Markdown(f"### {model.date}: quarter {model.quarter} of 20 ({settings(model)})")
    solara.Markdown("\n".join(f"- {line}" for line in readings(model)))


@solara.component
def Charts(model: ShandongModel) -> None:  # noqa: N802
    """The charts by quarter."""
    update_counter.get()
    solara.FigureMatplotlib(figure(model), format="png")


@solara.component
def Page() -> None:  # noqa: N802 (solara serves the component of this name)
    """The explorer's page."""
    model = solara.use_memo(ExplorerModel, [])
    SolaraViz(model, components=[Quarter, Charts], model_params=model_params(), name="Shandong explorer")


def main(argv: list[str] | None = None) -> None:
    """Start the explorer's server (Solara)."""
    import argparse

    from solara.__main__ import main as solara_main

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="localhost")
    args = parser.parse_args(argv)
    sys.argv = ["solara", "run", "experiments.explore", "--port", str(args.port), "--host", args.host]
    sys.argv += ["--production", "--no-open"]
    solara_main()


if __name__ == "__main__":
    main()
