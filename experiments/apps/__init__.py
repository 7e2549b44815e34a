"""The analysis apps on the run config: calibration, validation, sensitivity, and the runs they launch."""
