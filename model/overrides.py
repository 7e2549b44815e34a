"""Configs from Python: the composed base config, cached, with overrides applied to a copy.

The command line composes a config from ``conf/`` and applies ``key=value`` overrides;
composing takes about half a second, longer than a run at scale 0.1. From Python,
:func:`configure` composes each choice of config groups once per process, applies
overrides to a copy and returns it, ready for :func:`model.config.resolved` (which
validates it). Overrides are the command line's dotted keys with Python values:

* ``"policy_mix.instruments.conversion_fund.subscribed_target": 800``: a key of the
  config (it must exist, as on the command line);
* ``"+calibration.overcapacity.steel.capacity": 90``: ``+`` adds an entry (a calibration
  table cell, a schedule's quarter);
* ``"policy_mix": "fund_only"``: a config group's option (also as a keyword argument);
* numpy numbers and arrays are taken as the Python numbers and lists they hold.

:data:`LEVERS` names the main levers, so that they can be keyword arguments (Mesa's
``batch_run`` passes its parameters as keyword arguments, and a dotted key cannot be one).
A bad key, option or value raises :class:`~model.errors.ConfigError`, one line naming it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException, ValidationError

from model.errors import ConfigError, one_of
from model.schema import CONF_DIR

GROUPS = ("calibration", "scenario", "policy_mix", "targets")
DEFAULTS = {
    "calibration": "shandong_2017_msm",
    "scenario": "historical",
    "policy_mix": "as_enacted",
    "targets": "shandong_2022",
}

# Short names of the main levers (keyword arguments of ShandongModel and simulate) -> config key.
LEVERS = {
    "fund_size": "policy_mix.instruments.conversion_fund.subscribed_target",  # sub-fund commitments [bn yuan]
    "deployment_pace": "policy_mix.instruments.conversion_fund.deployment_pace",  # x the calibrated pace
    "standards_pace": "policy_mix.instruments.standards.pace",  # x the scheduled tightening
    "inspection_interval": "policy_mix.instruments.standards.inspection_interval_quarters",  # quarters
    "surcharge_scale": "policy_mix.surcharge_scale",  # x every electricity surcharge of the mix
}
_TYPES = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false", "String": "a string"}


def options_of(group: str) -> list[str]:
    """The options of a config group: the files in ``conf/<group>/``."""
    return sorted(path.stem for path in (CONF_DIR / group).glob("*.yaml"))


@cache
def _base(choices: tuple[tuple[str, str], ...]) -> DictConfig:
    from model.config import compose

    return compose([f"{group}={option}" for group, option in choices])


def base_config(**choices: str) -> DictConfig:
    """The composed config for a choice of config groups (cached: compose once per process; do not edit it)."""
    for group, option in choices.items():
        if group not in GROUPS:
            raise ConfigError(group, option, one_of("config group", GROUPS))
        if option not in options_of(group):
            raise ConfigError(group, option, one_of(f"{group} in conf/{group}/", options_of(group)))
    return _base(tuple((group, choices.get(group, DEFAULTS[group])) for group in GROUPS))


def plain(value: Any) -> Any:
    """A value as plain Python: numpy scalars and arrays to numbers and lists, inside containers too."""
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def configure(
    overrides: Mapping[str, Any] | None = None,
    seed: int | None = None,
    scale: float | None = None,
    **options: Any,
) -> DictConfig:
    """A copy of the composed config with the overrides applied (not yet validated).

    Args:
        overrides: Dotted config key -> value, as on the command line (see the module doc).
        seed: Root seed (exogenous); None keeps the config's (a ``seed`` in ``overrides`` wins).
        scale: Fraction of the firm population simulated, in (0, 1]; None keeps the config's
            (a ``scale`` in ``overrides`` wins).
        **options: Config group options (``policy_mix="fund_only"``, ``scenario=...``,
            ``calibration=...``, ``targets=...``) and levers by their short name (:data:`LEVERS`).

    Raises:
        ConfigError: An unknown group, option, key or lever, or a value of the wrong type.
    """
    values = dict(plain(dict(overrides or {})))
    choices = {key: values.pop(key) for key in list(values) if key in GROUPS}
    for name, value in options.items():
        if name in GROUPS:
            choices[name] = value
        elif name in LEVERS:
            if value is not None:  # None: the mix's own setting (batch_run passes every parameter)
                values[LEVERS[name]] = plain(value)
        else:
            raise ConfigError(name, value, one_of("keyword: a config group or a lever", [*GROUPS, *LEVERS]))
    for group, option in choices.items():
        if not isinstance(option, str):
            raise ConfigError(group, option, one_of(f"{group} in conf/{group}/", options_of(group)))
    cfg = copy.deepcopy(base_config(**choices))
    given = {"seed": seed, "scale": scale}
    values = {**{k: plain(v) for k, v in given.items() if v is not None and k not in values}, **values}
    for key, value in values.items():
        _apply(cfg, key, value)
    return cfg


def _apply(cfg: DictConfig, key: str, value: Any) -> None:
    """Set one dotted key as the command line's ``key=value`` (``+key=value`` adds it)."""
    add = key.startswith("+")
    name = key.lstrip("+")
    parent, _, child = name.rpartition(".")
    node: Any = cfg
    walked = []
    for part in parent.split(".") if parent else []:
        walked.append(part)
        here = ".".join(walked)
        if not isinstance(node, DictConfig) or part not in node:
            raise ConfigError(name, value, f"a key of the config ({here!r} does not exist)")
        node = node[part]
        if node is None:
            raise ConfigError(name, value, f"a key of the config ({here!r} is not set: not used by this mix?)")
    if not isinstance(node, DictConfig):
        raise ConfigError(name, value, f"a key of the config ({parent!r} holds a value, not keys)")
    if not add and child not in node:
        known = sorted(str(k) for k in node)
        hint = f"; to add an entry, write +{name}" if OmegaConf.get_type(node) is dict else ""
        raise ConfigError(name, value, one_of(f"key of {parent or 'the config'}", known) + hint)
    try:
        OmegaConf.update(cfg, name, value, merge=True, force_add=add)
    except ValidationError as exc:
        found = re.search(r"converted to (\w+)", str(exc.msg))
        expected = _TYPES.get(found.group(1), found.group(1)) if found else str(exc.msg).splitlines()[0]
        raise ConfigError(name, value, expected) from None
    except OmegaConfBaseException as exc:
        line = str(exc).splitlines()[0]
        if "not in struct" in line:  # a new entry in a mapping, as on the command line
            line = f"the entries it has ({line}); to add entries, write +{name}"
        raise ConfigError(name, value, line) from None
