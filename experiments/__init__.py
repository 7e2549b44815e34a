"""Experiments: the main run job, benchmarks, sweep tools and the planner's reports."""

import warnings

# Mesa imports tqdm.auto, which inside a Jupyter kernel without ipywidgets warns that it
# falls back to text progress bars. The report notebooks show no progress bars, and the
# warning would otherwise print into the report; nothing else is silenced.
warnings.filterwarnings("ignore", message="IProgress not found")
