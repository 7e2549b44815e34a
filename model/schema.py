"""The typed config schema: one dataclass per node of ``conf/``, registered in Hydra's ConfigStore.

The config has four independent parts, as in EMA Workbench:

* ``calibration``: the end-2017 starting state and behavioural parameters;
* ``scenario``: exogenous paths and uncertain parameters (demand, prices, shocks);
* ``policy_mix``: the levers, a set of instruments each built from config by name;
* ``targets``: what is scored.

Because the dataclasses are registered in Hydra's ConfigStore (:func:`register_configs`),
a typo or a wrong type fails when the config is composed; :mod:`model.validation` checks
what types cannot. A field's comment says what the value means; its unit and source are
declared once, in the parameter registry (``model/registry/parameters.csv``) or in the
``unit`` and ``source`` columns of the calibration tables, and :func:`model.parameters.describe`
joins them to every value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import MISSING, OmegaConf

from model.data import register_resolver
from model.folders import run_folder, run_name, safe_name

# The YAML files this schema types (and the calibration tables under calibration/).
CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


# --------------------------------------------------------------------------- calibration
@dataclass
class CityConfig:
    """A prefecture-level city (Laiwu counted within Jinan)."""

    name_zh: str = MISSING
    coastal: bool = MISSING  # on the Bohai or Yellow Sea coast
    channel: bool = MISSING  # in the Beijing-Tianjin-Hebei air-pollution transmission channel
    core: bool = MISSING  # one of the three cores (Jinan, Qingdao, Yantai)
    gdp_share: float = MISSING  # fraction of provincial GDP, 2017


@dataclass
class SegmentConfig:
    """A kind of plant within a sector, with its own scale metric (e.g. clinker line t/d)."""

    capacity_share: float = MISSING  # fraction of the sector's capacity
    firm_share: float = MISSING  # fraction of the sector's plants
    scale_metric: str = MISSING  # what plant_scale measures, with unit
    scale_values: list[float] = MISSING  # possible plant scales
    scale_shares: list[float] = MISSING  # fraction of plants at each scale


@dataclass
class OvercapacitySectorConfig:
    """An overcapacity sector: plants with capacity, unit costs and energy use.

    Physical quantities are per *base unit* of output (t, kWh, vehicle); capacity and
    output are in the sector's indicator unit (Mt/yr, GW, thousand vehicles/yr).
    """

    unit: str = MISSING  # indicator unit of capacity and output
    base_units_per_unit: float = MISSING  # base units of output per year per indicator unit
    firms: int = MISSING  # plants at full scale
    capacity: float = MISSING  # end-2017 capacity
    output: float = MISSING  # 2017 output, at an annual rate
    price: float = MISSING  # 2017 price
    nonenergy_cost: float = MISSING  # materials and other variable cost
    fuel_intensity: float = MISSING  # direct fuel use
    power_intensity: float = MISSING  # electricity use
    fuel_price: float = MISSING  # price of the direct fuel
    coal_share: float = MISSING  # fraction of direct fuel that is coal
    tariff: float = MISSING  # electricity price before surcharges
    quota_fuel_weight: float = MISSING  # weight of fuel in the quota metric
    quota_power_weight: float = MISSING  # weight of electricity in the quota metric
    energy_quota: float = MISSING  # unit energy-consumption quota, 2017, in quota_unit
    quota_unit: str = MISSING
    demand_elasticity: float = MISSING  # price elasticity of demand for Shandong's output
    supply_steepness: float = MISSING  # utilisation response to the price-cost margin
    size_sigma: float = MISSING  # lognormal sigma of plant capacity
    intensity_sigma: float = MISSING  # lognormal sigma of fuel and power intensity
    workers_per_unit: float = MISSING  # persons per indicator unit of capacity
    wage: float = MISSING
    capital_per_unit: float = MISSING  # book assets per unit of capacity
    debt_ratio: float = MISSING  # mean debt / assets
    cash_to_revenue: float = MISSING  # cash holdings / annual revenue
    ule_unmet_shares: list[float] = MISSING  # fraction of plants with 0..3 emission criteria unmet
    safety_gap_mean: float = MISSING  # mean gap to the safety/product standard, in [0, 1]
    equipment_class_shares: list[float] = MISSING  # fraction of plants: permitted, restricted, eliminated
    upgrade_cost: float = MISSING  # cost of an energy upgrade per unit of capacity
    upgrade_gain: float = MISSING  # fraction cut in fuel and power intensity by an upgrade
    ule_retrofit_cost: float = MISSING  # cost of meeting one emission criterion, per unit of capacity
    safety_fix_cost: float = MISSING  # cost of closing the whole safety gap per unit of capacity
    replacement_cost: float = MISSING  # cost of a new compliant line per unit of capacity
    salvage_share: float = MISSING  # fraction of book assets recovered on exit
    segments: dict[str, SegmentConfig] = MISSING
    city_weights: dict[str, float] = field(default_factory=dict)  # empty: by GDP share


@dataclass
class GrowthSectorConfig:
    """One of the ten strong industries: firms with revenue, productivity and R&D."""

    emerging: bool = MISSING  # one of the five emerging industries
    manufacturing: bool = MISSING  # eligible for national single-champion recognition
    firms: int = MISSING  # firms at full scale
    value_added: float = MISSING  # 2017
    va_ratio: float = MISSING  # value added / revenue
    size_sigma: float = MISSING  # lognormal sigma of revenue
    growth_sigma: float = MISSING  # std of idiosyncratic annual log growth
    labour_productivity: float = MISSING  # value added per worker
    rd_rate: float = MISSING  # mean R&D spending / revenue
    rd_sigma: float = MISSING  # lognormal sigma of R&D intensity
    new_economy_share: float = MISSING  # fraction of 2017 value added in the new economy
    margin: float = MISSING  # operating surplus after the firm's own R&D / revenue
    capital_output: float = MISSING  # capital needed per yuan of extra annual revenue
    debt_ratio: float = MISSING  # mean debt / assets
    cash_to_revenue: float = MISSING  # cash / annual revenue
    energy_intensity: float = MISSING  # energy use per value added
    coal_share: float = MISSING  # fraction of energy that is coal
    valuation_multiple: float = MISSING  # enterprise value / revenue of a young firm
    core_city_bonus: float = MISSING  # weight multiplier of the three cores when placing firms


@dataclass
class GazelleRule:
    """Shandong's gazelle recognition (鲁工信发〔2020〕8号)."""

    revenue_floors: list[float] = MISSING  # lower edges of revenue bands
    growth_thresholds: list[float] = MISSING  # 2-yr revenue CAGR needed in each band
    rd_rate_large: float = MISSING  # R&D / revenue needed when revenue >= large_revenue
    rd_rate_small: float = MISSING  # R&D / revenue needed otherwise
    large_revenue: float = MISSING  # revenue from which rd_rate_large applies
    max_debt_ratio: float = MISSING
    min_age_years: float = MISSING


@dataclass
class HighTechRule:
    """National high-tech enterprise recognition (R&D intensity by revenue band)."""

    revenue_floors: list[float] = MISSING  # lower edges of revenue bands
    rd_thresholds: list[float] = MISSING  # R&D / revenue needed in each band
    min_tech_share: float = MISSING  # high-tech products' share of revenue


@dataclass
class UnicornRule:
    """Unicorn: valuation at or above 1 bn USD, founded no more than ten years ago."""

    valuation: float = MISSING
    max_age_years: float = MISSING


@dataclass
class ChampionRule:
    """National manufacturing single champion (MIIT): niche leadership held over years."""

    niche_share: float = MISSING  # national market share in the niche needed
    years_held: int = MISSING  # consecutive annual reviews at or above the share
    min_age_years: float = MISSING


@dataclass
class RecognitionConfig:
    """Recognition rules, reviewed each fourth quarter."""

    gazelle: GazelleRule = field(default_factory=GazelleRule)
    high_tech: HighTechRule = field(default_factory=HighTechRule)
    unicorn: UnicornRule = field(default_factory=UnicornRule)
    champion: ChampionRule = field(default_factory=ChampionRule)


@dataclass
class BehaviourConfig:
    """Firm behaviour shared across sectors."""

    horizon_quarters: int = MISSING  # look-ahead of upgrade / exit decisions
    discount_rate: float = MISSING
    upgrade_lag_quarters: int = MISSING  # quarters from decision to lower intensity
    max_debt_ratio: float = MISSING  # borrowing limit: debt / assets
    interest_rate: float = MISSING
    tax_rate: float = MISSING
    innovation_rate: float = MISSING  # quarterly jump probability per unit of R&D intensity
    innovation_jump: float = MISSING  # log productivity gain of an innovation
    innovation_tech_step: float = MISSING  # rise of the high-tech revenue share per innovation
    exit_hazard: float = MISSING  # annual exogenous exit probability of a growth firm
    entry_rate: float = MISSING  # annual entrants / active firms in a growth sector
    entry_fund_elasticity: float = MISSING
    entrant_size: float = MISSING  # entrant revenue / sector median 2017 revenue (grown at trend)
    entrant_new_economy_share: float = MISSING
    fund_rd_uplift: float = MISSING  # relative rise of R&D intensity after fund equity
    soe_exit_reluctance: float = MISSING  # loss tolerance of state-owned plants
    soe_share: float = MISSING  # fraction of overcapacity plants that are state owned
    severance_years: float = MISSING  # severance paid on closure
    expectation_weight: float = MISSING  # weight of the latest quarter in expected profit
    best_practice: float = MISSING  # lowest reachable intensity / 2017 sector mean
    maintenance_rate: float = MISSING  # maintenance spending / book assets
    replacement_ratio: float = MISSING  # new capacity per unit replaced (capacity replacement)


@dataclass
class RestOfEconomyConfig:
    """The economy outside the 16 modelled sectors, calibrated as the 2017 residual."""

    labour_productivity_2017: float = MISSING  # GDP per worker
    rd_intensity_2017: float = MISSING  # R&D / GDP
    new_economy_share_2017: float = MISSING  # new-economy VA / GDP
    high_tech_output_share_2017: float = MISSING  # of above-size industrial output
    industrial_output_ratio: float = MISSING  # industrial gross output / industrial VA
    energy_2017: float = MISSING  # total energy consumption
    coal_2017: float = MISSING  # total coal consumption
    gdp_2017: float = MISSING
    industrial_va_2017: float = MISSING
    gdp_growth_2017: float = MISSING  # year on year, for the first growth figure
    coal_per_tce: float = MISSING  # raw coal in a unit of standard coal
    coal_generation_share: float = MISSING  # share of extra power demand met by coal plants
    # Trends of 2017-2019 the historical scenario takes (estimated: experiments.calibrate)
    growth_vs_national: float = MISSING  # rest of the economy's real growth over national GDP's [per year]
    new_economy_drift: float = MISSING  # rise of the rest of the economy's new-economy share [per year]
    energy_intensity_change: float = MISSING  # relative change of energy per value added [per year]
    coal_share_change: float = MISSING  # relative change of coal's share of energy [per year]
    coal_power_vs_national: float = MISSING  # coal-fired power demand over national thermal generation [per year]


@dataclass
class FundBehaviourConfig:
    """How the conversion fund's managers and private investors behave (estimated, not levers)."""

    deployment_rate_before_reform: float = MISSING  # share of idle money invested per quarter
    deployment_rate_after_reform: float = MISSING  # the same after the 2019 governance reform
    screening_noise: float = MISSING  # std of the fund's error on firm quality
    rd_signal_weight: float = MISSING  # weight of R&D intensity in the quality signal
    co_investment: float = MISSING  # social capital per fund yuan, at project level


@dataclass
class CalibrationConfig:
    """Starting state (end 2017) and behavioural parameters."""

    name: str = MISSING
    tables: str = MISSING  # folder of the CSV tables (cities, sectors), under conf/calibration/
    # Overrides of table values, e.g. +calibration.overcapacity.steel.capacity=90; the tables
    # are read and checked against CityConfig, OvercapacitySectorConfig and GrowthSectorConfig
    # by model.calibration before any simulation.
    cities: dict[str, Any] = field(default_factory=dict)
    overcapacity: dict[str, Any] = field(default_factory=dict)
    growth: dict[str, Any] = field(default_factory=dict)
    recognition: RecognitionConfig = field(default_factory=RecognitionConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    economy: RestOfEconomyConfig = field(default_factory=RestOfEconomyConfig)
    fund: FundBehaviourConfig = field(default_factory=FundBehaviourConfig)
    estimation: Any = None  # provenance of estimated values (experiments.calibrate); not read by the model
    initial_counts: dict[str, float] = MISSING  # recognised firms at end 2017


# --------------------------------------------------------------------------- scenario
@dataclass
class ShockConfig:
    """A multiplicative demand shock over a span of quarters."""

    start: str = MISSING  # first quarter, e.g. 2020Q1
    end: str = MISSING  # last quarter
    sectors: list[str] = MISSING  # sector ids, or ["all"]
    size: float = MISSING  # relative change of demand, e.g. -0.1


@dataclass
class NationalConfig:
    """Sourced national paths (model/national.py); empty in the assumed scenarios."""

    output_index: dict[str, list[float]] = field(default_factory=dict)  # by sector, 2017..2022 (2017 = 1)
    gdp_growth: list[float] = field(default_factory=list)  # real y/y [%], 2017Q1..2022Q4
    source: str = ""  # the data file the paths were taken from


@dataclass
class ScenarioConfig:
    """Exogenous paths and uncertain parameters."""

    name: str = MISSING
    demand_growth: dict[str, float] = MISSING  # annual real growth of demand, by sector
    price_index: dict[str, list[float]] = MISSING  # national price, 2017..2022 (2017 = 1)
    shocks: dict[str, ShockConfig] = field(default_factory=dict)
    national: NationalConfig = field(default_factory=NationalConfig)
    roe_va_growth: float = MISSING  # rest of economy, annual real growth
    roe_labour_productivity_growth: float = MISSING
    roe_energy_intensity_change: float = MISSING  # annual relative change (rest of economy and growth firms)
    roe_coal_share_change: float = MISSING  # annual relative change (rest of economy and growth firms)
    roe_new_economy_drift: float = MISSING  # annual rise of the new-economy share
    power_demand_growth: float = MISSING  # annual growth of coal-fired power demand
    firm_labour_productivity_growth: float = MISSING  # annual trend in the ten strong industries
    firm_rd_drift: float = MISSING  # annual relative rise of firms' R&D intensity


# --------------------------------------------------------------------------- instruments
@dataclass
class SteelDifferentialPricingConfig:
    """National differential electricity price for restricted / eliminated steel plants."""

    start: str = MISSING
    restricted: float = MISSING  # surcharge on the electricity of restricted plants
    eliminated: float = MISSING  # surcharge on the electricity of eliminated plants


@dataclass
class AluminiumTieredPricingConfig:
    """Shandong's tiered price for electrolytic aluminium by AC kWh per tonne."""

    start: str = MISSING
    thresholds: list[float] = MISSING  # tier lower edges of AC electricity use per tonne
    surcharges: list[float] = MISSING  # surcharge in each tier


@dataclass
class OverQuotaPricingConfig:
    """Progressive surcharge by how far unit energy use exceeds the quota."""

    start: str = MISSING
    sectors: list[str] = MISSING
    bands: list[float] = MISSING  # upper edges of the excess over the quota, relative to it
    surcharges: list[float] = MISSING  # one more than bands


@dataclass
class UltraLowEmissionPricingConfig:
    """Steel ultra-low-emission surcharge by number of criteria unmet (鲁发改价格〔2021〕)."""

    start: str = MISSING
    surcharges: list[float] = MISSING  # for 1, 2, 3 criteria unmet


@dataclass
class ConversionFundConfig:
    """The new-old driver conversion fund: guide fund, parent funds, sub-funds."""

    start: str = MISSING
    guide_fund: float = MISSING  # provincial guide fund
    subscribed_target: float = MISSING  # sub-fund commitments to reach
    subscription_end: str = MISSING  # quarter by which the target is subscribed
    government_share: float = MISSING  # government money / project fund (cap 0.5)
    provincial_share: float = MISSING  # provincial money / project fund (cap 0.2)
    call_rate: float = MISSING  # share of uncalled commitments paid in per quarter
    governance_reform: str = MISSING  # quarter the fund's governance reform takes effect
    # quarter -> share of idle money invested; empty: the calibrated pace (calibration.fund)
    deployment_rate: dict[str, float] = field(default_factory=dict)
    deployment_pace: float = 1.0  # multiplies the deployment rates (2 = twice as fast)
    sector_weights: dict[str, float] = MISSING  # over the ten strong industries
    selection: str = MISSING  # quality | random
    pipeline_multiple: float = MISSING  # firms screened per deal
    ticket_to_revenue: float = MISSING  # investment per deal / firm annual revenue
    max_ticket: float = MISSING  # largest investment in one firm
    max_stake: float = MISSING  # largest equity stake the fund takes in a firm


@dataclass
class StandardRuleConfig:
    """One tightening standard: a threshold schedule for a sector and dimension."""

    sector: str = MISSING
    dimension: str = MISSING  # plant_scale | energy_quota | emission | safety
    segment: str | None = None  # restrict to one plant segment
    inclusive: bool = False  # plant_scale only: a plant exactly at the threshold also closes
    schedule: dict[str, float] = MISSING  # quarter -> threshold


@dataclass
class StandardsConfig:
    """Standards tightening, enforced by half-yearly inspections."""

    start: str = MISSING
    pace: float = MISSING  # 1 = as scheduled; 2 = twice as fast
    inspection_interval_quarters: int = MISSING
    detection_probability: float = MISSING
    grace_quarters: int = MISSING
    rules: dict[str, StandardRuleConfig] = MISSING


@dataclass
class SteelRelocationConfig:
    """Steel capacity swap out of channel cities, rebuilt at the Rizhao-Linyi base and Yantai."""

    start: str = MISSING
    channel_exit_schedule: dict[str, float] = MISSING  # quarter -> share of 2017 capacity out
    rebuild_share: float = MISSING  # share of retired capacity rebuilt elsewhere
    swap_ratio: float = MISSING  # new capacity per unit retired
    destinations: dict[str, float] = MISSING  # city -> share of rebuilt capacity
    construction_quarters: int = MISSING
    exit_compensation: float = MISSING  # fiscal award per tonne of capacity retired


@dataclass
class WorkerResettlementConfig:
    """Resettlement of workers released by closures."""

    start: str = MISSING
    rate: float = MISSING  # share of unsettled workers resettled per quarter
    subsidy: float = MISSING  # spending per worker resettled


@dataclass
class InstrumentsConfig:
    """The instruments of a mix; absent ones are ``None``."""

    steel_differential_pricing: SteelDifferentialPricingConfig | None = None
    aluminium_tiered_pricing: AluminiumTieredPricingConfig | None = None
    over_quota_pricing: OverQuotaPricingConfig | None = None
    ultra_low_emission_pricing: UltraLowEmissionPricingConfig | None = None
    conversion_fund: ConversionFundConfig | None = None
    standards: StandardsConfig | None = None
    steel_relocation: SteelRelocationConfig | None = None
    worker_resettlement: WorkerResettlementConfig | None = None


@dataclass
class PolicyMixConfig:
    """A named policy mix."""

    name: str = MISSING
    description: str = MISSING
    surcharge_scale: float = 1.0  # multiplies every electricity surcharge of the mix
    instruments: InstrumentsConfig = field(default_factory=InstrumentsConfig)


# --------------------------------------------------------------------------- targets
@dataclass
class TargetConfig:
    """One official target, scored at a quarter."""

    indicator: str = MISSING
    sector: str = "all"
    city: str = "all"
    comparison: str = MISSING  # >=, <=, >, <, between
    value: float = MISSING  # threshold (lower edge for between)
    upper: float | None = None  # upper edge for between
    date: str = "2022Q4"
    label: str = MISSING
    source: str = MISSING


@dataclass
class TargetsConfig:
    """The targets a run is scored against."""

    name: str = MISSING
    entries: dict[str, TargetConfig] = MISSING


# --------------------------------------------------------------------------- root
@dataclass
class OutputConfig:
    """What the main job writes and prints."""

    plot: bool = True
    print_scorecard: bool = True
    micro: bool = False  # also write plants.parquet and firms.parquet (start and end state of every row)


@dataclass
class Config:
    """Root config of one simulation run."""

    seed: int = 0
    scale: float = 1.0  # fraction of the full firm population simulated
    min_sector_rows: int = 100  # fewest sampled rows a thinned growth industry needs (fewer: run, collect, report warn)
    experiment: str | None = None  # name of the sweep this run belongs to (set by conf/experiment/)
    data_dir: str | None = None  # None: the bundled data/shandong
    calibration: CalibrationConfig = MISSING
    scenario: ScenarioConfig = MISSING
    policy_mix: PolicyMixConfig = MISSING
    targets: TargetsConfig = MISSING
    output: OutputConfig = field(default_factory=OutputConfig)


def register_configs() -> None:
    """Register the schemas in Hydra's ConfigStore and the ``sd`` data resolver."""
    from hydra.core.config_store import ConfigStore

    register_resolver()
    for name, resolver in (("run_folder", run_folder), ("run_name", run_name), ("safe_name", safe_name)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)
    store = ConfigStore.instance()
    store.store(name="config_schema", node=Config)
