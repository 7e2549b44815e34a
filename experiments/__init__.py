"""Experiments: the main run job, benchmarks and sweep tools."""
