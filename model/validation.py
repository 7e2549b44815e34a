"""Validation: what the schema's types cannot check, one ``check_*`` function per rule.

As in PyPSA's ``consistency.py``, each rule is a small named function and one entry
function, :func:`validate`, runs them all in a fixed order, so the first problem found is
always the same one. Every check raises :class:`~model.errors.ConfigError` naming the key,
the value and what is allowed; the underscored helpers at the top are the primitive
assertions the checks are built from.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any, cast

from omegaconf import DictConfig, Node, OmegaConf

from model.calendar import N_QUARTERS, quarter_index
from model.calibration import resolve
from model.data import databook, resolve_data_dir
from model.errors import ConfigError, one_of
from model.names import GROWTH_SECTORS, OVERCAPACITY_SECTORS, SECTORS, SELECTION_RULES, STANDARD_DIMENSIONS
from model.national import GDP_QUARTERS
from model.params import Params, as_params
from model.range_checks import check_finite, check_population_size, check_ranges

# Direction in which each standard dimension tightens: a plant_scale floor rises, the
# others (energy quota, emission criteria unmet, safety gap allowed) fall.
TIGHTENS = {"plant_scale": "up", "energy_quota": "down", "emission": "down", "safety": "down"}
COMPARISONS = (">=", "<=", ">", "<", "between")


# --------------------------------------------------------------------------- primitive assertions
def _check(condition: bool, key: str, value: Any, allowed: str) -> None:
    if not condition:
        raise ConfigError(key, value, allowed)


def _share(value: float, key: str) -> None:
    _check(0.0 <= value <= 1.0, key, value, "a share in [0, 1]")


def _nonnegative(value: float, key: str) -> None:
    _check(value >= 0.0, key, value, "a number >= 0")


def _positive(value: float, key: str) -> None:
    _check(value > 0.0, key, value, "a number > 0")


def _quarter(label: str, key: str) -> int:
    index = quarter_index(label, key)
    _check(1 <= index <= N_QUARTERS, key, label, "a quarter from 2018Q1 to 2022Q4")
    return index


def _known(name: str, known: tuple[str, ...] | list[str], key: str, what: str) -> None:
    _check(name in known, key, name, one_of(what, known))


def _distribution(values: list[float], key: str, length: int | None = None) -> None:
    if length is not None:
        _check(len(values) == length, key, list(values), f"{length} shares")
    for i, value in enumerate(values):
        _share(value, f"{key}[{i}]")
    _check(abs(sum(values) - 1.0) < 1e-6, key, list(values), "shares summing to 1")


def _schedule(schedule: dict[str, float], key: str, tighten: str, share: bool = False) -> None:
    """Check a quarter -> value schedule; ``tighten`` is 'up', 'down' or 'any'."""
    _check(len(schedule) > 0, key, dict(schedule), "at least one quarter -> value entry")
    steps = sorted((_quarter(q, f"{key}.{q}"), float(v), q) for q, v in schedule.items())
    for (_, before, _q0), (_, after, q1) in itertools.pairwise(steps):
        if tighten == "up":
            _check(after >= before, f"{key}.{q1}", after, f"a value >= {before} (standards tighten)")
        elif tighten == "down":
            _check(after <= before, f"{key}.{q1}", after, f"a value <= {before} (standards tighten)")
    for _, value, q in steps:
        if share:
            _share(value, f"{key}.{q}")
        else:
            _nonnegative(value, f"{key}.{q}")


# --------------------------------------------------------------------------- the whole config
def check_no_missing_values(cfg: DictConfig) -> None:
    """Every key has a value (none is left ``???``)."""
    missing = sorted(OmegaConf.missing_keys(cfg))
    _check(not missing, missing[0] if missing else "", "???", "a value (this key has none)")


def check_known_keys(node: Any, path: str = "") -> None:
    """Reject keys added to a schema node (``+key=value`` gets past Hydra's struct mode)."""
    if not isinstance(node, DictConfig):
        return
    schema = OmegaConf.get_type(node)
    if dataclasses.is_dataclass(schema):
        fields = [f.name for f in dataclasses.fields(schema)]
        for key in node:
            _check(
                key in fields,
                f"{path}{key!s}",
                cast(Node, node._get_node(key))._value(),  # a key of the node: _get_node finds it
                one_of(f"key of {schema.__name__}", fields),
            )
    for key in node:
        child = node._get_node(key)
        if isinstance(child, DictConfig):
            check_known_keys(child, f"{path}{key!s}.")


def check_run_settings(cfg: DictConfig) -> None:
    """The seed and the simulated share of the population."""
    _check(cfg.seed >= 0, "seed", cfg.seed, "an integer >= 0")
    _check(0.0 < cfg.scale <= 1.0, "scale", cfg.scale, "a number in (0, 1]")


def check_data_files(cfg: DictConfig) -> None:
    """The data folder exists and its files read (missing or malformed data fails here)."""
    databook(str(resolve_data_dir(cfg.data_dir)))


# --------------------------------------------------------------------------- calibration
def check_cities(cal: Params) -> None:
    """The 16 cities, with GDP shares summing to 1."""
    cities = list(cal.cities)
    _check(len(cities) == 16, "calibration.cities", len(cities), "the 16 prefecture-level cities")
    _check(
        abs(sum(c.gdp_share for c in cal.cities.values()) - 1) < 1e-6,
        "calibration.cities.*.gdp_share",
        sum(c.gdp_share for c in cal.cities.values()),
        "shares summing to 1",
    )


def check_calibrated_sectors(cal: Params) -> None:
    """Exactly the model's six overcapacity sectors and ten strong industries are calibrated."""
    for name in cal.overcapacity:
        _known(name, OVERCAPACITY_SECTORS, f"calibration.overcapacity.{name}", "overcapacity sector")
    for name in OVERCAPACITY_SECTORS:
        _check(name in cal.overcapacity, "calibration.overcapacity", name, "all six sectors")
    for name in cal.growth:
        _known(name, GROWTH_SECTORS, f"calibration.growth.{name}", "ten-strong industry")
    for name in GROWTH_SECTORS:
        _check(name in cal.growth, "calibration.growth", name, "all ten strong industries")


def check_overcapacity_sectors(cal: Params) -> None:
    """Each overcapacity sector's sizes, shares, costs, segments and city weights."""
    cities = list(cal.cities)
    for name, sector in cal.overcapacity.items():
        key = f"calibration.overcapacity.{name}"
        for attr in ("capacity", "output", "price", "base_units_per_unit", "capital_per_unit"):
            _positive(sector[attr], f"{key}.{attr}")
        _check(sector.firms >= 1, f"{key}.firms", sector.firms, "an integer >= 1")
        _check(
            sector.output <= sector.capacity,
            f"{key}.output",
            sector.output,
            f"at most the capacity {sector.capacity}",
        )
        for attr in ("coal_share", "debt_ratio", "upgrade_gain", "salvage_share", "safety_gap_mean"):
            _share(sector[attr], f"{key}.{attr}")
        for attr in ("nonenergy_cost", "fuel_intensity", "power_intensity", "fuel_price", "tariff"):
            _nonnegative(sector[attr], f"{key}.{attr}")
        _distribution(sector.ule_unmet_shares, f"{key}.ule_unmet_shares", 4)
        _distribution(sector.equipment_class_shares, f"{key}.equipment_class_shares", 3)
        _distribution([s.capacity_share for s in sector.segments.values()], f"{key}.segments")
        _distribution([s.firm_share for s in sector.segments.values()], f"{key}.segments")
        for seg_name, seg in sector.segments.items():
            _check(
                len(seg.scale_values) == len(seg.scale_shares),
                f"{key}.segments.{seg_name}.scale_shares",
                list(seg.scale_shares),
                f"{len(seg.scale_values)} shares, one per scale value",
            )
            if seg.scale_values:  # empty: the plant's capacity is its scale
                _distribution(seg.scale_shares, f"{key}.segments.{seg_name}.scale_shares")
        for city in sector.city_weights:
            _known(city, cities, f"{key}.city_weights.{city}", "city")
        if sector.city_weights:
            _distribution(list(sector.city_weights.values()), f"{key}.city_weights")


def check_growth_sectors(cal: Params) -> None:
    """Each strong industry's firm count, sizes and shares."""
    for name, sector in cal.growth.items():
        key = f"calibration.growth.{name}"
        _check(sector.firms >= 1, f"{key}.firms", sector.firms, "an integer >= 1")
        for attr in ("value_added", "labour_productivity", "valuation_multiple"):
            _positive(sector[attr], f"{key}.{attr}")
        for attr in ("va_ratio", "rd_rate", "new_economy_share", "margin", "debt_ratio", "coal_share"):
            _share(sector[attr], f"{key}.{attr}")


def check_behaviour(cal: Params) -> None:
    """The behavioural shares shared across sectors."""
    beh = cal.behaviour
    for attr in ("max_debt_ratio", "tax_rate", "exit_hazard", "entrant_new_economy_share", "soe_share"):
        _share(beh[attr], f"calibration.behaviour.{attr}")


def check_fund_behaviour(cal: Params) -> None:
    """The conversion fund managers' deployment rates, screening noise and co-investment."""
    fund = cal.fund
    for attr in ("deployment_rate_before_reform", "deployment_rate_after_reform"):
        _share(fund[attr], f"calibration.fund.{attr}")
    for attr in ("screening_noise", "rd_signal_weight", "co_investment"):
        _nonnegative(fund[attr], f"calibration.fund.{attr}")


# --------------------------------------------------------------------------- scenario
def check_demand_growth(sc: DictConfig) -> None:
    """A demand growth rate for every sector, and for no other."""
    for name in sc.demand_growth:
        _known(name, SECTORS, f"scenario.demand_growth.{name}", "sector")
    for name in SECTORS:
        _check(name in sc.demand_growth, "scenario.demand_growth", name, "a growth rate per sector")


def check_price_index(sc: DictConfig) -> None:
    """A positive price path 2017..2022 for every overcapacity sector."""
    for name, path in sc.price_index.items():
        _known(name, OVERCAPACITY_SECTORS, f"scenario.price_index.{name}", "overcapacity sector")
        _check(len(path) == 6, f"scenario.price_index.{name}", list(path), "6 values, 2017..2022")
        for i, value in enumerate(path):
            _positive(value, f"scenario.price_index.{name}[{i}]")
    for name in OVERCAPACITY_SECTORS:
        _check(name in sc.price_index, "scenario.price_index", name, "a path per overcapacity sector")


def check_national_paths(sc: DictConfig) -> None:
    """National paths: output indices and GDP growth of the right lengths and signs.

    Output indices by overcapacity sector: 6 positive values, 2017..2022; national GDP
    growth by quarter: 24 values, 2017Q1..2022Q4, each above -100 %.
    """
    national = sc.national
    for name, path in national.output_index.items():
        key = f"scenario.national.output_index.{name}"
        _known(name, OVERCAPACITY_SECTORS, key, "overcapacity sector")
        _check(len(path) == 6, key, list(path), "6 values, 2017..2022")
        for i, value in enumerate(path):
            _positive(value, f"{key}[{i}]")
    growth = list(national.gdp_growth)
    key = "scenario.national.gdp_growth"
    _check(len(growth) in (0, GDP_QUARTERS), key, growth, f"{GDP_QUARTERS} values (% y/y, 2017Q1..2022Q4), or none")
    for i, value in enumerate(growth):
        _check(value > -100.0, f"{key}[{i}]", value, "a growth rate above -100 %")


def check_shocks(sc: DictConfig) -> None:
    """Each demand shock spans simulated quarters in order, names known sectors, and leaves demand > 0."""
    for name, shock in sc.shocks.items():
        key = f"scenario.shocks.{name}"
        first = _quarter(shock.start, f"{key}.start")
        last = _quarter(shock.end, f"{key}.end")
        _check(last >= first, f"{key}.end", shock.end, f"a quarter not before {shock.start}")
        _check(shock.size > -1.0, f"{key}.size", shock.size, "a relative change > -1")
        for sector in shock.sectors:
            _known(sector, (*SECTORS, "all"), f"{key}.sectors", "sector or 'all'")


# --------------------------------------------------------------------------- policy mix
def check_surcharge_scale(mix: DictConfig) -> None:
    """The multiplier of every surcharge is not negative."""
    _nonnegative(mix.surcharge_scale, "policy_mix.surcharge_scale")


# Instruments that may have started before 2018: the regimes already in force at the end of
# 2017 (surcharges, standards) are part of the starting state and of every mix.
REGIMES = ("steel_differential_pricing", "aluminium_tiered_pricing", "over_quota_pricing", "standards")
EARLIEST_REGIME = "2000Q1"


def check_instrument_starts(mix: DictConfig) -> None:
    """Every instrument of the mix starts in a simulated quarter; a regime may have started earlier."""
    ins = mix.instruments
    for name in ins:
        if ins[name] is None:
            continue
        key = f"policy_mix.instruments.{name}.start"
        if name in REGIMES:
            index = quarter_index(ins[name].start, key)
            allowed = f"a quarter from {EARLIEST_REGIME} (a regime in force before 2018) to 2022Q4"
            _check(quarter_index(EARLIEST_REGIME) <= index <= N_QUARTERS, key, ins[name].start, allowed)
        else:
            _quarter(ins[name].start, key)


# Each instrument check takes the instrument's config, its key and the resolved calibration
# (for the cities and segments an instrument names).
def check_steel_differential_pricing(cfg: DictConfig, key: str, cal: Params) -> None:
    """Surcharges on restricted and eliminated steel plants are not negative."""
    _nonnegative(cfg.restricted, f"{key}.restricted")
    _nonnegative(cfg.eliminated, f"{key}.eliminated")


def check_aluminium_tiered_pricing(cfg: DictConfig, key: str, cal: Params) -> None:
    """One surcharge per tier, tiers in increasing order, surcharges not negative."""
    _check(
        len(cfg.thresholds) == len(cfg.surcharges),
        f"{key}.surcharges",
        list(cfg.surcharges),
        f"{len(cfg.thresholds)} surcharges, one per threshold",
    )
    _check(
        list(cfg.thresholds) == sorted(cfg.thresholds),
        f"{key}.thresholds",
        list(cfg.thresholds),
        "increasing thresholds",
    )
    for i, value in enumerate(cfg.surcharges):
        _nonnegative(value, f"{key}.surcharges[{i}]")


def check_over_quota_pricing(cfg: DictConfig, key: str, cal: Params) -> None:
    """Known sectors, one more surcharge than band edges, edges increasing, surcharges not negative."""
    for sector in cfg.sectors:
        _known(sector, OVERCAPACITY_SECTORS, f"{key}.sectors", "overcapacity sector")
    _check(
        len(cfg.surcharges) == len(cfg.bands) + 1,
        f"{key}.surcharges",
        list(cfg.surcharges),
        f"{len(cfg.bands) + 1} surcharges (one more than bands)",
    )
    _check(list(cfg.bands) == sorted(cfg.bands), f"{key}.bands", list(cfg.bands), "increasing band edges")
    for i, value in enumerate(cfg.surcharges):
        _nonnegative(value, f"{key}.surcharges[{i}]")


def check_ultra_low_emission_pricing(cfg: DictConfig, key: str, cal: Params) -> None:
    """Three surcharges (1, 2, 3 criteria unmet), not negative."""
    key = f"{key}.surcharges"
    _check(len(cfg.surcharges) == 3, key, list(cfg.surcharges), "3 surcharges (1, 2, 3 unmet)")
    for i, value in enumerate(cfg.surcharges):
        _nonnegative(value, f"{key}[{i}]")


def check_conversion_fund(cfg: DictConfig, key: str, cal: Params) -> None:
    """The fund's size, the project-fund rules on government money, its pace, sectors and tickets."""
    _nonnegative(cfg.guide_fund, f"{key}.guide_fund")
    _nonnegative(cfg.subscribed_target, f"{key}.subscribed_target")
    _quarter(cfg.subscription_end, f"{key}.subscription_end")
    _check(
        0.0 <= cfg.government_share <= 0.5,
        f"{key}.government_share",
        cfg.government_share,
        "a share in [0, 0.5] (project-fund rule: government <= 50 %)",
    )
    _check(
        0.0 <= cfg.provincial_share <= 0.2,
        f"{key}.provincial_share",
        cfg.provincial_share,
        "a share in [0, 0.2] (project-fund rule: provincial <= 20 %)",
    )
    _check(
        cfg.provincial_share <= cfg.government_share,
        f"{key}.provincial_share",
        cfg.provincial_share,
        f"at most the government share {cfg.government_share}",
    )
    _share(cfg.call_rate, f"{key}.call_rate")
    _nonnegative(cfg.deployment_pace, f"{key}.deployment_pace")
    _quarter(cfg.governance_reform, f"{key}.governance_reform")
    if cfg.deployment_rate:  # empty: the calibrated pace
        _schedule(cfg.deployment_rate, f"{key}.deployment_rate", "any", share=True)
    for sector, weight in cfg.sector_weights.items():
        _known(sector, GROWTH_SECTORS, f"{key}.sector_weights.{sector}", "ten-strong industry")
        _nonnegative(weight, f"{key}.sector_weights.{sector}")
    _check(
        sum(cfg.sector_weights.values()) > 0,
        f"{key}.sector_weights",
        dict(cfg.sector_weights),
        "weights with a positive sum",
    )
    _known(cfg.selection, SELECTION_RULES, f"{key}.selection", "selection rule")
    _check(cfg.pipeline_multiple >= 1, f"{key}.pipeline_multiple", cfg.pipeline_multiple, "a number >= 1")
    _positive(cfg.ticket_to_revenue, f"{key}.ticket_to_revenue")
    _positive(cfg.max_ticket, f"{key}.max_ticket")
    _check(0.0 < cfg.max_stake < 1.0, f"{key}.max_stake", cfg.max_stake, "a stake in (0, 1)")


def check_standards(cfg: DictConfig, key: str, cal: Params) -> None:
    """Inspections, and each rule's sector, dimension, segment and tightening schedule."""
    _positive(cfg.pace, f"{key}.pace")
    _check(
        cfg.inspection_interval_quarters >= 1,
        f"{key}.inspection_interval_quarters",
        cfg.inspection_interval_quarters,
        "an integer >= 1",
    )
    _share(cfg.detection_probability, f"{key}.detection_probability")
    _check(cfg.grace_quarters >= 0, f"{key}.grace_quarters", cfg.grace_quarters, "an integer >= 0")
    for name, rule in cfg.rules.items():
        rkey = f"{key}.rules.{name}"
        _known(rule.sector, OVERCAPACITY_SECTORS, f"{rkey}.sector", "overcapacity sector")
        _known(rule.dimension, STANDARD_DIMENSIONS, f"{rkey}.dimension", "standard dimension")
        if rule.segment is not None:
            segments = list(cal.overcapacity[rule.sector].segments)
            _known(rule.segment, segments, f"{rkey}.segment", f"segment of {rule.sector}")
        _schedule(rule.schedule, f"{rkey}.schedule", TIGHTENS[rule.dimension], share=rule.dimension == "safety")


def check_steel_relocation(cfg: DictConfig, key: str, cal: Params) -> None:
    """An exit schedule that only rises, the swap's shares and timing, destinations among the cities."""
    _schedule(cfg.channel_exit_schedule, f"{key}.channel_exit_schedule", "up", share=True)
    _share(cfg.rebuild_share, f"{key}.rebuild_share")
    _check(0.0 < cfg.swap_ratio <= 1.0, f"{key}.swap_ratio", cfg.swap_ratio, "new capacity per unit retired in (0, 1]")
    _nonnegative(cfg.exit_compensation, f"{key}.exit_compensation")
    _check(cfg.construction_quarters >= 0, f"{key}.construction_quarters", cfg.construction_quarters, "an integer >= 0")
    for city in cfg.destinations:
        _known(city, list(cal.cities), f"{key}.destinations.{city}", "city")
    _distribution(list(cfg.destinations.values()), f"{key}.destinations")


def check_worker_resettlement(cfg: DictConfig, key: str, cal: Params) -> None:
    """A resettlement rate that is a share, and a subsidy that is not negative."""
    _share(cfg.rate, f"{key}.rate")
    _nonnegative(cfg.subsidy, f"{key}.subsidy")


# In the order of InstrumentsConfig; an instrument absent from the mix is not checked.
INSTRUMENT_CHECKS: dict[str, Callable[[DictConfig, str, Params], None]] = {
    "steel_differential_pricing": check_steel_differential_pricing,
    "aluminium_tiered_pricing": check_aluminium_tiered_pricing,
    "over_quota_pricing": check_over_quota_pricing,
    "ultra_low_emission_pricing": check_ultra_low_emission_pricing,
    "conversion_fund": check_conversion_fund,
    "standards": check_standards,
    "steel_relocation": check_steel_relocation,
    "worker_resettlement": check_worker_resettlement,
}


# --------------------------------------------------------------------------- targets
def check_targets(targets: DictConfig) -> None:
    """Each target names a registered indicator, a known sector, a comparison and a simulated quarter."""
    from model.indicators import INDICATORS  # numpy and pandas: not loaded by importing model.config

    for name, target in targets.entries.items():
        key = f"targets.entries.{name}"
        _known(target.indicator, list(INDICATORS), f"{key}.indicator", "indicator id")
        _known(target.sector, (*SECTORS, "all"), f"{key}.sector", "sector or 'all'")
        _known(target.comparison, COMPARISONS, f"{key}.comparison", "comparison")
        if target.comparison == "between":
            _check(
                target.upper is not None and target.upper >= target.value,
                f"{key}.upper",
                target.upper,
                f"an upper edge >= {target.value}",
            )
        _quarter(target.date, f"{key}.date")


# --------------------------------------------------------------------------- entry
def validate(cfg: DictConfig) -> Params:
    """Check a composed config beyond types: ranges, names, schedules, the calibration tables.

    Returns:
        The calibration with its tables read and overrides applied (see model.calibration).

    Raises:
        ConfigError: The first problem found, naming the key, value and what is allowed.
    """
    check_no_missing_values(cfg)
    check_known_keys(cfg)
    check_run_settings(cfg)
    check_finite(cfg)
    check_data_files(cfg)
    calibration = resolve(as_params(cfg.calibration), cfg.data_dir)
    check_cities(calibration)
    check_calibrated_sectors(calibration)
    check_overcapacity_sectors(calibration)
    check_growth_sectors(calibration)
    check_behaviour(calibration)
    check_fund_behaviour(calibration)
    check_demand_growth(cfg.scenario)
    check_price_index(cfg.scenario)
    check_national_paths(cfg.scenario)
    check_shocks(cfg.scenario)
    check_surcharge_scale(cfg.policy_mix)
    check_instrument_starts(cfg.policy_mix)
    instruments = cfg.policy_mix.instruments
    for name, check in INSTRUMENT_CHECKS.items():
        if instruments[name] is not None:
            check(instruments[name], f"policy_mix.instruments.{name}", calibration)
    check_targets(cfg.targets)
    check_ranges(cfg, calibration)
    check_population_size(cfg, calibration)
    return calibration
