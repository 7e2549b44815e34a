"""The base class of the model's agents.

Mesa 3.3.1 numbers agents through ``mesa.Agent._ids``, a class-level dictionary keyed by
model instance. It holds every model ever created, so no model is ever freed: a process
that runs many models (a sweep's worker) grows by a full model per run (mesa issue #3179,
fixed after 3.3.1 by moving the numbering into ``Model.register_agent``). Our agents keep
those per-model counters in a weak dictionary instead; numbering is unchanged (1, 2, ...
per model, shared by all agent kinds).
"""

from __future__ import annotations

import itertools
import weakref

import mesa


class _PerModelCounters:
    """``counters[model]``: the model's agent-id counter, held only while the model lives."""

    def __init__(self) -> None:
        self._counters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __getitem__(self, model: mesa.Model) -> itertools.count:
        counter = self._counters.get(model)
        if counter is None:
            counter = self._counters[model] = itertools.count(1)
        return counter


class ShandongAgent(mesa.Agent):
    """A mesa.Agent whose id counter does not keep its model alive (see the module docstring)."""

    _ids = _PerModelCounters()
