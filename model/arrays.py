"""Array operations the rules share, written for the shapes the model has.

A quarter calls a few thousand numpy operations, many on the ~1,100 plant rows, so the
general-purpose routine is not always the fast one here.
"""

from __future__ import annotations

import numpy as np


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of ``a * b`` without BLAS (``np.einsum``'s own loop).

    A simulated quarter then calls no BLAS routine at all, so runs need no limit on BLAS
    threads: with a threaded BLAS, products over ~40,000 firms start threads that are too
    small a job to pay and that oversubscribe the cores when runs go in parallel.
    """
    return float(np.einsum("i,i->", a, b))


def band_index(edges: np.ndarray, values: np.ndarray, side: str = "right") -> np.ndarray:
    """``np.searchsorted(edges, values, side)`` for a few sorted edges and finite values.

    The number of edges below each value (``side="left"``) or at or below it
    (``side="right"``), counted with one comparison per edge: np.searchsorted bisects
    for every value, several times slower with a handful of edges.
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    index = np.zeros(np.shape(values), np.intp)
    for edge in np.asarray(edges).tolist():
        index += (values >= edge) if side == "right" else (values > edge)
    return index


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The median of ``values`` each standing for ``weights`` items (``np.median`` when the weights are equal)."""
    if np.all(weights == weights[0]):
        return float(np.median(values))
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])
