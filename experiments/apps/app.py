"""What the analysis apps (calibrate, validate, backtest, sensitivity) share with ``experiments.run``.

Each app is a Hydra app on the same config tree: ``conf/<app>.yaml`` starts from
``conf/config.yaml`` and adds the app's own settings under a key of the same name,
typed by a dataclass (:func:`register_schema`), so that any run override
(``scale=0.1``, ``policy_mix=fund_only``, ``+calibration.overcapacity.steel.output=70``)
works as it does for a run, and a misspelt setting fails before anything runs.
The app's own folder is Hydra's run folder (``outputs/<app>/<date>_<time>/``); the
model runs it launches go into ``runs/`` inside it (:mod:`experiments.apps.batch`).
Each app module ends with its command line, ``main = app.entry_point(name,
check_settings, body)``.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
from omegaconf import MISSING, DictConfig, OmegaConf

from experiments.sweeps import errors
from experiments.sweeps.outputs import write_atomic
from model.data import PROJECT_ROOT
from model.errors import ConfigError
from model.schema import Config, register_configs

CONF_DIR = PROJECT_ROOT / "conf"  # the config tree of the runs and the apps (Hydra's config_path)


@dataclass
class EstimatedParameter:
    """A free parameter: where it is in the run config, and its search bounds."""

    key: str = MISSING
    low: float = MISSING
    high: float = MISSING
    unit: str = "-"
    description: str = ""


@dataclass
class Moment:
    """An observed moment and the indicator that simulates it."""

    indicator: str = MISSING
    sector: str = "all"
    period: str = MISSING  # a year ("2018": mean of its quarters) or a quarter ("2019Q2")
    observed: float = MISSING
    unit: str = MISSING
    relative_sd: float = MISSING  # the moment's standard deviation over its value (sets its weight)
    source: str = MISSING
    change: str = ""  # "growth": the relative change from the same period a year earlier, not the level


def register_schema(name: str, settings: type) -> None:
    """Store the app's root schema: the run config plus ``<name>: <settings>``."""
    from hydra.core.config_store import ConfigStore

    register_configs()
    root = dataclasses.make_dataclass(
        f"{name.title()}AppConfig",
        [(name, settings, dataclasses.field(default_factory=settings))],
        bases=(Config,),
    )
    ConfigStore.instance().store(name=f"{name}_schema", node=root)


def start(cfg: DictConfig, check_settings: Callable[[DictConfig], None]) -> Path:
    """Check the run config the app's runs will use and the app's own settings; return its folder."""
    from model.config import resolved

    resolved(cfg)  # validates: a mistake stops the app before any run
    check_settings(cfg)
    return app_dir()


def check(condition: bool, key: str, value: Any, expected: str) -> None:
    """Raise a one-line :class:`ConfigError` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(key, value, expected)


def config_value(cfg: DictConfig, key: str) -> Any:
    """The value of ``key`` in the run config, or in the calibration tables; None if neither has it.

    Table entries are ``calibration.overcapacity.<sector>.<field>`` and the like.
    """
    from model.calibration import resolve
    from model.config import as_params

    value = OmegaConf.select(cfg, key, default=None)
    if value is None and key.startswith("calibration."):
        node: Any = resolve(as_params(cfg.calibration), cfg.data_dir)
        for part in key.split(".")[1:]:
            node = node.get(part) if isinstance(node, Mapping) else None
        value = node
    return value


def check_keys(cfg: DictConfig, keys: Sequence[str], what: str) -> None:
    """Fail before any run if a parameter key names no number of the run config or its tables."""
    for key in keys:
        value = config_value(cfg, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(what, key, "the key of a number in the run config or the calibration tables")


def check_parameters(cfg: DictConfig, where: str, parameters: Mapping[str, EstimatedParameter]) -> None:
    """Fail before any run if a parameter's bounds are not ordered or its key names no number to set.

    Args:
        cfg: The app's config.
        where: The settings' key of the parameters (``calibrate.parameters``), for the messages.
        parameters: The parameters, by name.
    """
    for name, p in parameters.items():
        check(p.low < p.high, f"{where}.{name}.high", p.high, f"a bound above low={p.low}")
    check_keys(cfg, [p.key for p in parameters.values()], f"{where}.*.key")


def check_moments(where: str, moments: Mapping[str, Any]) -> None:
    """Fail before any run if a moment's weight, value, period or change is not usable.

    Args:
        where: The settings' key of the moments (``calibrate.moments``), for the messages.
        moments: The moments (:class:`Moment` configs), by name.
    """
    for name, m in moments.items():
        key = f"{where}.{name}"
        check(m.relative_sd > 0, f"{key}.relative_sd", m.relative_sd, "a number > 0")
        check(m.observed != 0, f"{key}.observed", m.observed, "a non-zero value")
        check(_period_ok(str(m.period)), f"{key}.period", m.period, "a year 2017-2022 or a quarter 2017Q4-2022Q4")
        check(m.change in ("", "growth"), f"{key}.change", m.change, "'' (a level) or 'growth'")
        if m.change == "growth":
            earlier = f"{int(str(m.period)[:4]) - 1}{str(m.period)[4:]}"
            check(
                _period_ok(earlier),
                f"{key}.period",
                m.period,
                "a period a year after one in the run (2018 on; quarters from 2018Q4)",
            )


def _period_ok(period: str) -> bool:
    from model.calendar import N_QUARTERS, quarter_index

    try:
        if "Q" in period:
            return 0 <= quarter_index(period) <= N_QUARTERS
        return 2017 <= int(period) <= 2022
    except (ValueError, KeyError, ConfigError):
        return False


def app_dir() -> Path:
    """The app's own folder (Hydra's run folder)."""
    from hydra.core.hydra_config import HydraConfig

    return Path(HydraConfig.get().runtime.output_dir).resolve()


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_frame(path: Path, frame: Any) -> None:
    """Write a table as CSV atomically."""
    write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def save_figure(path: Path, figure: Any) -> None:
    """Save a matplotlib figure atomically and close it."""
    import matplotlib.pyplot as plt

    write_atomic(path, lambda tmp: figure.savefig(tmp, dpi=110, bbox_inches="tight"))
    plt.close(figure)


def entry_point(
    name: str, check_settings: Callable[[DictConfig], None], body: Callable[[DictConfig, Path], None]
) -> Callable[[], None]:
    """The command-line entry point of the app ``name`` (``python -m experiments.<name>``).

    A Hydra app on ``conf/<name>.yaml``: the run config its runs will use and the app's own
    settings (``check_settings``) are checked first, so that a mistake stops the app before
    any run; then ``body(cfg, folder)`` runs, ``folder`` being the app's folder. A user
    mistake ends the app with one line on stderr (exit status 2) and removes the folder if
    nothing but Hydra's records is in it; an interruption says how to resume.
    """

    @hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name=name)
    def task(cfg: DictConfig) -> None:
        errors.guarded(lambda: body(cfg, start(cfg, check_settings)), app_dir(), name)

    def main() -> None:
        """Run the app; the command line's arguments are Hydra overrides."""
        try:
            errors.run_hydra(task, name)
        except KeyboardInterrupt:
            print("interrupted: start the app again with hydra.run.dir=<its folder> to resume", file=sys.stderr)
            sys.exit(130)

    return main
