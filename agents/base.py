"""The base class of the model's agents.

Mesa 3.3.1 numbers agents through ``mesa.Agent._ids``, a class-level dictionary keyed by
model instance. It holds every model ever created, so no model is ever freed: a process
that runs many models (a sweep's worker) grows by a full model per run (mesa issue #3179,
fixed after 3.3.1 by moving the numbering into ``Model.register_agent``). Our agents keep
each model's counter on the model itself instead, so it goes with the model; numbering
is unchanged (1, 2, ... per model, shared by all agent kinds).
"""

from __future__ import annotations

import itertools

import mesa


class _PerModelCounters:
    """``counters[model]``: the model's agent-id counter, kept on the model."""

    def __getitem__(self, model: mesa.Model) -> itertools.count:
        try:
            return model._agent_id_counter
        except AttributeError:
            model._agent_id_counter = counter = itertools.count(1)
            return counter


class ShandongAgent(mesa.Agent):
    """A mesa.Agent whose id counter does not keep its model alive (see the module docstring)."""

    _ids = _PerModelCounters()
