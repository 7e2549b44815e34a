"""The planner's review of a collected sweep: figures, tables and one-sentence readings.

``notebooks/policy_mix_review.ipynb`` calls the section functions top to bottom, one
cell each; ``python -m experiments.report SWEEP_DIR`` runs that notebook and exports it
as HTML. Every section function takes a :class:`~.sweep.Sweep` (read by
:func:`~.sweep.load` from the files ``experiments.collect`` writes) and returns an
:class:`~.display.Item`: a figure, a reading computed from the data, and sometimes a
table, in the sweep's language (``en`` or ``zh``; all text is in
``experiments/reports/labels.csv``).

The modules: :mod:`.sweep` (loading a sweep, its groups and its statistics over seeds),
:mod:`.words` (how readings name series, targets and bands), :mod:`.display` (the panels
the sections share, and the notebook display), then one module per section of the
report: :mod:`.summary` (the sweep and the headline targets), :mod:`.trajectories`,
:mod:`.overcapacity`, :mod:`.growth` (the ten strong industries), :mod:`.conversion_fund`,
:mod:`.jobs_map` and :mod:`.fiscal_side`.
"""

# The figures of the review, in the notebook's order (the report's tests count them in the HTML).
FIGURES = (
    "headline",
    "new_economy",
    "caps",
    "exited",
    "utilisation",
    "steel",
    "industries",
    "titles",
    "fund",
    "jobs",
    "fiscal",
)
