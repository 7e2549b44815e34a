"""A resolved config: plain dicts with attribute access, fast to read in the quarterly loop.

It sits below :mod:`model.calibration`, which builds the calibration as :class:`Params`,
and :mod:`model.config`, which hands whole configs out in this form.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf


class Params(dict):
    """A resolved config as a dict with attribute access (fast to read in the quarterly loop)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def as_params(cfg: DictConfig | dict | list | Any) -> Any:
    """Resolve a config once into :class:`Params` (dicts) and lists of plain values."""
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.to_container(cfg, resolve=True)
    if isinstance(cfg, dict):
        return Params({k: as_params(v) for k, v in cfg.items()})
    if isinstance(cfg, list):
        return [as_params(v) for v in cfg]
    return cfg
