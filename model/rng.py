"""Named random streams spawned from one root seed.

Each purpose (population, growth shocks, inspections, fund selection, entry, ...)
draws from its own generator, keyed by name and, for per-quarter draws, by the
quarter. Adding a policy therefore never shifts the draws of another purpose, and
runs of two policy mixes at the same seed share their draws (common random
numbers). Draws that concern every row are taken for every row, whatever the
policy, so that a row's draw does not depend on how many others are active.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np

STREAMS = (
    "population",
    "population_sample",  # which growth firms are simulated below full scale
    "growth_shock",
    "growth_event",
    "inspection",
    "fund_selection",
    "entry",
    "mesa",
)


StreamKey = tuple[str, *tuple[int, ...]]  # a stream's name and its integer keys


def quarterly_keys(q: int) -> tuple[StreamKey, ...]:
    """The keys of the streams quarter ``q`` draws from (entry draws its counts, then its entrants)."""
    return (
        ("growth_shock", q),
        ("growth_event", q),
        ("entry", q),
        ("entry", q, 1),
        ("fund_selection", q),
        ("inspection", q),
    )


class Streams:
    """Factory of named generators for one run.

    Args:
        seed: The root seed (0 is a valid seed).
    """

    def __init__(self, seed: int) -> None:
        if seed is None or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        self.seed = int(seed)
        self._prepared: dict[StreamKey, np.random.Generator] = {}

    def get(self, name: str, *keys: int) -> np.random.Generator:
        """Generator for ``name`` (one of :data:`STREAMS`), optionally keyed by integers.

        Each call gives a generator at the start of its stream (a prepared one the first
        time, a new one after that: the same draws either way).
        """
        prepared = self._prepared.pop((name, *keys), None)
        if prepared is not None:
            return prepared
        if name not in STREAMS:
            raise KeyError(f"unknown random stream {name!r}; streams are {', '.join(STREAMS)}")
        spawn_key = (zlib.crc32(name.encode()), *(int(k) for k in keys))
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=spawn_key)))

    def prepare(self, keys: Iterable[StreamKey]) -> None:
        """Seed the generators of ``(name, *keys)`` now, for :meth:`get` to hand out later.

        A run seeds the streams of all its quarters when it is built: seeding a generator
        takes tens of microseconds, several times more in the middle of a quarter, when
        numpy's random module has dropped out of the processor's caches.
        """
        for name, *rest in keys:
            self._prepared[(name, *rest)] = self.get(name, *rest)

    def prepare_quarters(self, n_quarters: int) -> None:
        """Prepare the streams each simulated quarter draws from (quarters 1 to ``n_quarters``)."""
        self.prepare(key for q in range(1, n_quarters + 1) for key in quarterly_keys(q))

    def mesa_seed(self) -> int:
        """Seed for Mesa's own ``model.random`` (agent shuffles)."""
        return int(self.get("mesa").integers(2**31 - 1))
