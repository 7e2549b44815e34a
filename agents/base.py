"""The base class of the model's agents.

Mesa 3.3.1 numbers agents through ``mesa.Agent._ids``, a class-level dictionary keyed by
model instance. It holds every model ever created, so no model is ever freed: a process
that runs many models (a sweep's worker) grows by a full model per run (mesa issue #3179,
fixed after 3.3.1 by moving the numbering into ``Model.register_agent``). Our agents keep
each model's counter on the model itself instead, so it goes with the model; numbering
is unchanged (1, 2, ... per model, shared by all agent kinds).

Firms enter and exit by the hundred each quarter, and Mesa registers and deregisters
agents one call at a time (a method call, a debug log line and three registries per
agent). :func:`create_agents` and :func:`remove_agents` do the same bookkeeping for many
agents in one pass, on Mesa 3.3.1's registries; with any other Mesa version they fall
back to Mesa's own calls (``tests/test_mesa.py`` checks the registries either way).
"""

from __future__ import annotations

import gc
import itertools
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

import mesa
from mesa.agent import AgentSet

# The registries used below are Mesa 3.3.1's: Model._agents (dict), Model._agents_by_type
# (type -> AgentSet), Model._all_agents (AgentSet); AgentSet._agents (WeakKeyDictionary,
# whose ``data`` dict maps a weak reference of each agent to its value).
BULK_REGISTRATION = mesa.__version__ == "3.3.1"

A = TypeVar("A", bound="ShandongAgent")


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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while creating many long-lived objects.

    Each agent is a few container objects; creating ~40,000 of them with the collector
    on sets off dozens of full collections that find nothing to free (measured: 40 % of
    the model's build time). The collector's state on entry is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(1)  # the new objects join the old generation in one pass, not in the first quarters


def create_agents(model: mesa.Model, cls: type[A], rows: Iterable[int]) -> list[A]:
    """``[cls(model, row) for row in rows]``, registered with the model in one pass.

    The agents get the same ids, attributes and registrations as through their constructor
    (a firm's constructor only sets ``row``), so they are indistinguishable from them.
    """
    if not BULK_REGISTRATION:
        return [cls(model, row) for row in rows]
    counter = cls._ids[model]
    agents = []
    for row in rows:
        # Attributes set one by one, in the constructor's order, as the constructor does:
        # the agent keeps its values inline, like any agent Mesa builds (filling
        # ``__dict__`` instead would give each agent a dictionary of its own).
        agent = object.__new__(cls)
        agent.model = model
        agent.unique_id = next(counter)
        agent.pos = None
        agent.row = row
        agents.append(agent)
    if not agents:
        return agents
    fresh = dict.fromkeys(agents)
    model._agents.update(fresh)
    by_type = model._agents_by_type.get(cls)
    if by_type is None:
        model._agents_by_type[cls] = AgentSet(agents, random=model.random)
    else:
        by_type._agents.update(fresh)
    model._all_agents._agents.update(fresh)
    return agents


def remove_agents(model: mesa.Model, agents: Sequence[mesa.Agent]) -> None:
    """``agent.remove()`` for each agent, deregistered from the model in one pass."""
    if not BULK_REGISTRATION:
        for agent in agents:
            agent.remove()
        return
    registry, everyone = model._agents, model._all_agents._agents.data
    by_type: dict[type, dict] = {}
    for agent in agents:
        kind = type(agent)
        group = by_type.get(kind)
        if group is None:
            group = by_type[kind] = model._agents_by_type[kind]._agents.data
        key = weakref.ref(agent)
        del registry[agent]
        del group[key]
        del everyone[key]
    # What WeakKeyDictionary.__delitem__ does besides deleting (CPython's weakref module):
    # its length is recounted when next asked.
    model._all_agents._agents._dirty_len = True
    for kind in by_type:
        model._agents_by_type[kind]._agents._dirty_len = True


def remove_rows(model: mesa.Model, agents: list, rows: Iterable[int]) -> None:
    """Remove the agents viewing ``rows`` (``agents[row]``; rows already empty are passed over)."""
    leaving = []
    for row in rows:
        agent = agents[row]
        if agent is not None:
            leaving.append(agent)
            agents[row] = None
    remove_agents(model, leaving)
