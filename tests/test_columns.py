"""The column store: views of the filled rows, kept between reads, right after appends."""

import copy
import pickle

import numpy as np
import pytest

from agents.population import Block, ColumnStore


def test_column_views_follow_writes_and_appends():
    store = ColumnStore({"x": np.float64, "k": np.int16}, 2)
    store.append(2, {"x": np.array([1.0, 2.0])})
    first = store.x
    assert store.x is first  # kept between reads
    store.x = [3.0, 4.0]  # assignment writes into the column
    assert first.tolist() == [3.0, 4.0]
    store.append(3, {"x": 5.0})  # past the allocated rows: every column is reallocated
    assert store.n == 5 and store.x is not first
    assert store.x.tolist() == [3.0, 4.0, 5.0, 5.0, 5.0] and store.k.tolist() == [0] * 5
    store.x[0] = 9.0  # a view writes through to the column
    assert store.value("x", 0) == 9.0 and store.snapshot()["x"][0] == 9.0
    store.append(1, {"k": 7})
    assert len(store.x) == 6 and store.k.tolist() == [0] * 5 + [7]
    with pytest.raises(AttributeError, match="no column 'nope'"):
        _ = store.nope
    with pytest.raises(AttributeError, match="fixed by the schema"):
        store.nope = 1.0


def test_block_views():
    store = ColumnStore({"x": np.float64}, 4)
    store.append(5, {"x": np.arange(5.0)})
    middle = Block(store, 2, 4)
    assert (middle.start, middle.stop, middle.n) == (2, 4, 2)
    assert middle.x is middle.x and middle.x.tolist() == [2.0, 3.0]
    middle.x = [20.0, 30.0]
    middle.set_rows("x", np.array([1]), 31.0)
    assert store.x.tolist() == [0.0, 1.0, 20.0, 31.0, 4.0]
    with pytest.raises(AttributeError, match="no column 'nope'"):
        _ = middle.nope


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda store: pickle.loads(pickle.dumps(store))])
def test_copies_carry_columns_not_views(clone):
    store = ColumnStore({"x": np.float64}, 4)
    store.append(3, {"x": np.arange(3.0)})
    _ = store.x  # a kept view
    twin = clone(store)
    twin.x = [7.0, 8.0, 9.0]
    assert twin.x.tolist() == [7.0, 8.0, 9.0] and store.x.tolist() == [0.0, 1.0, 2.0]
    twin.append(1, {"x": 10.0})
    assert twin.x.tolist() == [7.0, 8.0, 9.0, 10.0] and store.n == 3
    block = clone(Block(twin, 0, 2))
    block.x = [1.0, 2.0]
    assert block.x.tolist() == [1.0, 2.0]
