"""Hydra plugin: the grid sweeper (registered as ``hydra/sweeper=grid``)."""
