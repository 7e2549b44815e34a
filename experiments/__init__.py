"""Experiments: runs and sweeps, the analysis apps, the planner's reports and the benchmarks.

The top-level modules are the command lines (``python -m experiments.run``, ``.collect``,
``.report``, ``.calibrate``, ``.validate``, ``.backtest``, ``.sensitivity``, ``.bench``, ``.bench_sweep``
and ``.docs``, the README's parameter table); the code they run lives in
:mod:`experiments.sweeps`, :mod:`experiments.apps`, :mod:`experiments.reports` and
:mod:`experiments.benchmarks`.
"""

import warnings

# Mesa imports tqdm.auto, which inside a Jupyter kernel without ipywidgets warns that it
# falls back to text progress bars. The report notebooks show no progress bars, and the
# warning would otherwise print into the report; nothing else is silenced.
warnings.filterwarnings("ignore", message="IProgress not found")
