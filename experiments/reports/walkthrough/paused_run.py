"""A run paused after a quarter, with the plants' state as they took its decisions, and run on to the end."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.plants import PlantContext
from agents.population import ColumnStore
from experiments.reports import labels as lab
from experiments.reports.labels import name, sentence, text
from model import ShandongModel
from model.calendar import N_QUARTERS, quarter_index, quarter_label
from model.errors import ConfigError


@dataclass
class Paused:
    """A model stopped after a quarter, with the plants' state as they took that quarter's decisions.

    Attributes:
        model: The model, run to the end of the quarter.
        plants: A copy of the plants' columns just before they compared carrying on,
            upgrading and exiting (after production, markets and inspections).
        ctx: A copy of what they saw then (prices, surcharges, closure risks).
    """

    model: ShandongModel
    plants: ColumnStore
    ctx: PlantContext


def build(
    run_dir: str | Path | None = None,
    policy_mix: str = "as_enacted",
    seed: int = 0,
    scale: float = 0.2,
    scenario: str = "historical",
    quarter: str = "2018Q1",
) -> Paused:
    """A model run to the end of ``quarter``, with the plants' state at that quarter's decisions.

    Args:
        run_dir: A finished run's folder (of a sweep or a single run): its resolved
            config is used, so the model is that run. Otherwise the mix, seed, scale
            and scenario below are.
        policy_mix: Name of a mix in ``conf/policy_mix/``.
        seed: Root seed.
        scale: Fraction of the full firm population, in (0, 1].
        scenario: Name of a scenario in ``conf/scenario/``.
        quarter: The quarter to stop after, 2018Q1 to 2022Q4.

    Raises:
        ValueError: A quarter outside the simulation or a folder without a run (one line).
    """
    q = _quarter(quarter)
    if run_dir:
        summary = Path(run_dir) / "summary.json"
        if not summary.is_file():
            raise ValueError(f"run_dir={str(run_dir)!r} is not a finished run: summary.json missing")
        from omegaconf import OmegaConf

        config = OmegaConf.create(json.loads(summary.read_text(encoding="utf-8"))["config"])
        model = ShandongModel(config=config)
    else:
        model = ShandongModel(seed=seed, scale=scale, policy_mix=policy_mix, scenario=scenario)
    return _pause(model, q)


def advance(paused: Paused, quarter: str) -> Paused:
    """The same model run on to the end of a later ``quarter``, with the plants' state at its decisions.

    Raises:
        ValueError: ``quarter`` is not after the paused one (one line).
    """
    q = _quarter(quarter)
    if q <= paused.model.quarter:
        raise ValueError(f"quarter={quarter!r} is not allowed: expected a quarter after {paused.model.date}")
    return _pause(paused.model, q)


def _quarter(label: str) -> int:
    try:
        q = quarter_index(label, "quarter")
    except ConfigError as error:
        raise ValueError(str(error)) from None
    if not 1 <= q <= N_QUARTERS:
        raise ValueError(
            f"quarter={label!r} is not allowed: expected a quarter from {quarter_label(1)} "
            f"to {quarter_label(N_QUARTERS)}"
        )
    return q


def _pause(model: ShandongModel, q: int) -> Paused:
    """Step ``model`` to the end of quarter ``q``, copying the plants' state as they decide in ``q``."""
    while model.steps < q - 1:
        model.step()
    captured: dict[str, object] = {}
    decide_phase = model.plants_invest_upgrade_or_exit

    def capture() -> None:
        captured["plants"] = copy_columns(model.plants)
        captured["ctx"] = dataclasses.replace(
            model.plant_ctx,
            **{
                f.name: np.copy(getattr(model.plant_ctx, f.name))
                for f in dataclasses.fields(model.plant_ctx)
                if isinstance(getattr(model.plant_ctx, f.name), np.ndarray)
            },
        )
        decide_phase()

    model.plants_invest_upgrade_or_exit = capture  # an instance hook around one phase, removed below
    try:
        model.step()
    finally:
        del model.plants_invest_upgrade_or_exit
    return Paused(model, captured["plants"], captured["ctx"])


def copy_columns(store: ColumnStore) -> ColumnStore:
    """An independent copy of a column store (the rules may write into it)."""
    columns = store.snapshot()
    copy = ColumnStore({k: v.dtype for k, v in columns.items()}, store.n)
    copy.append(store.n, columns)
    return copy


def finish(paused: Paused, run_dir: str | Path | None = None, lang: str = "en") -> str:
    """Run to 2022Q4; with ``run_dir``, check that the run reproduces that folder's result.

    Raises:
        AssertionError: The final new-economy share differs from the run's summary.
    """
    model = paused.model
    while model.running:
        model.step()
    if not run_dir:
        from model.targets import scorecard

        card = scorecard(model.timeseries(), model.params.targets.entries)
        return sentence(
            [text("reading.finished", lang, quarter=model.date, met=int(card.met.sum()), total=len(card))], lang
        )
    summary = json.loads((Path(run_dir) / "summary.json").read_text(encoding="utf-8"))
    expected = summary["final_indicators"]["province"]["new_economy_va_share"]
    actual = model.indicator("new_economy_va_share")
    if not np.isclose(actual, expected, rtol=1e-9, atol=0):
        raise AssertionError(f"the walkthrough's run gives {actual!r} where {run_dir} recorded {expected!r}")
    return sentence(
        [
            text(
                "reading.reproduced",
                lang,
                run=text(
                    "ui.run_of",
                    lang,
                    mix=name("mix", str(summary["run"]["policy_mix"]), lang),
                    seed=summary["run"]["seed"],
                ),
                indicator=name("indicator", "new_economy_va_share", lang),
                value=lab.percent(actual, lang),
            )
        ],
        lang,
    )
