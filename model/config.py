"""Getting a config: compose it from ``conf/``, validate it, and read it resolved.

* :func:`compose` builds a config from ``conf/`` with Hydra overrides, outside a Hydra app;
* :func:`resolved` validates it and returns it as :class:`Params`, with the calibration
  tables read; :func:`as_params` and :func:`to_container` resolve without validating.

What the config may hold lives in the modules this one joins:

* :mod:`model.schema`: the typed dataclasses registered in Hydra's ConfigStore, and ``CONF_DIR``;
* :mod:`model.validation`: the ``check_*`` rules types cannot express (ranges, names, schedules);
* :mod:`model.calibration`: the calibration tables, read and typed against the schema;
* :mod:`model.params`: :class:`Params`, the resolved form (it sits below the calibration,
  which builds it);
* :mod:`model.names`: the sector names, and the other names a config may use.

Every value's unit and source is in the parameter registry (``model/registry/parameters.csv``)
or in the calibration tables (see :mod:`model.schema`).
"""

from __future__ import annotations

from typing import Any, cast

from omegaconf import DictConfig, OmegaConf

from model.params import Params, as_params
from model.schema import CONF_DIR, register_configs
from model.validation import validate

__all__ = ["CONF_DIR", "Params", "as_params", "compose", "resolved", "to_container"]


def compose(
    overrides: list[str] | tuple[str, ...] = (), config_name: str = "config", conf_dir: str | None = None
) -> DictConfig:
    """Compose the config from ``conf/`` with Hydra overrides, outside a Hydra app.

    Args:
        overrides: Hydra override strings, e.g. ``["policy_mix=fund_only", "scale=0.1"]``.
        config_name: Primary config file.
        conf_dir: Another config folder (default ``conf/``).

    Returns:
        The composed config (interpolations unresolved).
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(conf_dir or CONF_DIR), version_base="1.3"):
        return hydra_compose(config_name=config_name, overrides=list(overrides))


def resolved(cfg: DictConfig) -> Params:
    """A composed config, validated, as :class:`Params` with the calibration tables read."""
    calibration = validate(cfg)
    params: Params = as_params(cfg)
    params["calibration"] = calibration
    return params


def to_container(cfg: DictConfig) -> dict[str, Any]:
    """Return the resolved config as plain Python containers."""
    # A DictConfig resolves to a dict with string keys; to_container is typed for any node.
    return cast(dict[str, Any], OmegaConf.to_container(cfg, resolve=True))
