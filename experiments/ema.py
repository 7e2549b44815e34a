"""The model as an EMA Workbench model: levers, uncertainties and outcomes from the config.

    from ema_workbench import perform_experiments
    from ema_workbench.analysis import prim
    from experiments.ema import ema_model, prim_inputs

    model = ema_model(scale=0.1)
    experiments, outcomes = perform_experiments(model, scenarios=4, policies=2)
    box = prim.Prim(prim_inputs(experiments, model), outcomes["met_new_economy_share"] >= 0.5, threshold=0.6)

Needs the ``analysis`` extra (``pip install -e '.[analysis]'``). :func:`ema_model` builds a
``ReplicatorModel`` whose

* **levers** are the main levers (:data:`model.overrides.LEVERS`) over the spans their
  experiments sweep (``conf/experiment/*.yaml``), see :func:`experiments.ranges.levers`;
* **uncertainties** are the uncertain inputs of ``conf/sensitivity.yaml``
  (:func:`experiments.ranges.uncertainties`);
* **outcomes** are outputs of :func:`model.simulate` (``met_<target>``, ``gap_<target>``, a
  province-wide indicator's id), each the mean over the replications: for ``met_*`` the
  share of seeds meeting the target, the probability;
* **replications** are seeds: every experiment runs at the same seeds (common random numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from experiments import ranges
from experiments.ranges import Range, select
from model.errors import ConfigError, one_of
from model.overrides import base_config, configure

DEFAULT_OUTCOMES = ("new_economy_va_share", "rd_intensity", "jobs_lost", "fiscal_outlay")


def outcome_names(**choices: str) -> list[str]:
    """Every output of :func:`model.simulate`: ``met_``/``gap_`` per target, then the indicators."""
    from model.api import province_indicators

    targets = list(base_config(**choices).targets.entries)
    return [*(f"met_{t}" for t in targets), *(f"gap_{t}" for t in targets), *province_indicators()]


class Simulation:
    """The function EMA calls: keyword arguments by input name and ``seed`` -> simulate's outputs.

    Args:
        keys: Input name -> config key.
        scale: Fraction of the firm population simulated.
        options: Config group options (``policy_mix``, ``scenario``, ...).
    """

    def __init__(self, keys: dict[str, str], scale: float, options: dict[str, str]) -> None:
        self.keys = keys
        self.scale = scale
        self.options = options

    def __call__(self, seed: int = 0, **inputs: Any) -> dict[str, float | bool]:
        """One run: the inputs as overrides, at the replication's seed."""
        from model.api import simulate

        overrides = {self.keys[name]: value for name, value in inputs.items() if name in self.keys}
        return simulate(overrides, seed=int(seed), scale=self.scale, **self.options)


def ema_model(
    scale: float = 1.0,
    levers: Sequence[str] | None = None,
    uncertainties: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    seeds: int | Sequence[int] = 3,
    name: str = "shandong",
    **options: str,
) -> Any:
    """An EMA Workbench ``ReplicatorModel`` of the model.

    Args:
        scale: Fraction of the full firm population simulated, in (0, 1].
        levers: Lever names (:func:`experiments.ranges.levers`); None: all of them.
        uncertainties: Uncertainty names (``conf/sensitivity.yaml``); None: all of them.
        outcomes: Outputs of :func:`model.simulate`; None: ``met_<target>`` of every target
            and :data:`DEFAULT_OUTCOMES`. Each is the mean over the replications.
        seeds: The replications' seeds: a count (``range(seeds)``) or the seeds themselves.
        name: The model's name in EMA's results (letters, digits and underscores).
        **options: Config group options, e.g. ``policy_mix="as_enacted"`` (the default: it has
            every instrument the levers set) or ``scenario="weak_demand"``.

    Raises:
        ConfigError: An unknown lever, uncertainty or outcome, or a lever the mix does not
            use, named in one line before any experiment runs.
    """
    from ema_workbench import IntegerParameter, RealParameter, ReplicatorModel, ScalarOutcome

    chosen_levers = select(ranges.levers(), levers, "levers")
    chosen_uncertainties = select(ranges.uncertainties(), uncertainties, "uncertainties")
    known = outcome_names(**options)
    wanted = list(outcomes) if outcomes is not None else [n for n in known if n.startswith("met_")]
    wanted += [] if outcomes is not None else list(DEFAULT_OUTCOMES)
    for outcome in wanted:
        if outcome not in known:
            raise ConfigError("outcomes", outcome, one_of("output of model.simulate", known))
    inputs = [*chosen_levers, *chosen_uncertainties]
    configure({r.key: int(r.low) if r.integer else r.low for r in inputs}, scale=scale, **options)  # in this mix

    def parameter(r: Range) -> Any:
        if r.integer:
            return IntegerParameter(r.name, int(r.low), int(r.high))
        return RealParameter(r.name, r.low, r.high)

    model = ReplicatorModel(name, function=Simulation({r.name: r.key for r in inputs}, scale, dict(options)))
    model.levers = [parameter(r) for r in chosen_levers]
    model.uncertainties = [parameter(r) for r in chosen_uncertainties]
    model.outcomes = [ScalarOutcome(o, function=np.mean) for o in wanted]
    model.replications = [{"seed": int(s)} for s in (range(seeds) if isinstance(seeds, int) else seeds)]
    return model


def prim_inputs(experiments: Any, model: Any) -> Any:
    """The columns of EMA's ``experiments`` that PRIM reads: the model's levers and uncertainties.

    Integer inputs (``inspection_interval``) come as floats: PRIM in ema_workbench 2.5.3 pastes
    box limits such as 4.5 into a copy of an integer column, which pandas 3 refuses
    (``TypeError: Invalid value '4.5' for dtype 'int64'``; EMAworkbench#448, fixed after 2.5.3).
    """
    names = [p.name for p in (*model.levers, *model.uncertainties)]
    frame = experiments[names].copy()
    integers = [c for c in names if frame[c].dtype.kind in "iu"]
    return frame.astype(dict.fromkeys(integers, "float64"))
