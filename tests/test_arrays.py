"""The shared array helpers agree with the numpy routines they replace."""

import numpy as np
import pytest

from model.arrays import band_index, dot


@pytest.mark.parametrize("side", ["left", "right"])
def test_band_index_is_searchsorted(side):
    edges = np.array([0.0, 0.05, 0.2, 13.7])
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.uniform(-1.0, 20.0, 1000), edges, [-np.inf, np.inf]])  # edges exactly too
    assert np.array_equal(band_index(edges, values, side), np.searchsorted(edges, values, side=side))
    sectors = np.array([1, 3, 3, 4, 5, 5])
    assert band_index(np.array([3, 5]), sectors, "left").tolist() == [0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match="side must be"):
        band_index(edges, values, "middle")


def test_dot():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([4.0, 0.5, -1.0])
    assert dot(a, b) == 2.0 and isinstance(dot(a, b), float)


def test_weighted_median_counts_each_value_by_its_weight():
    from model.arrays import weighted_median

    # 1 stands for 1 item, 2 for 1, 10 for 3: the five items are 1, 2, 10, 10, 10.
    assert weighted_median(np.array([10.0, 1.0, 2.0]), np.array([3.0, 1.0, 1.0])) == 10.0
    assert weighted_median(np.array([10.0, 1.0, 2.0]), np.array([1.0, 1.0, 1.0])) == 2.0
    assert weighted_median(np.array([4.0, 1.0]), np.array([1.0, 5.0])) == 1.0
