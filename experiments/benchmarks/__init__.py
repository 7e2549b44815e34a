"""Benchmarks: the speed and memory of one run, of sweeps and of collecting them."""
