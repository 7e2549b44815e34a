"""The planner's review of a collected sweep: figures, tables and one-sentence readings.

``notebooks/policy_mix_review.ipynb`` calls these functions top to bottom, one cell
each; ``python -m experiments.report SWEEP_DIR`` runs that notebook and exports it
as HTML. Every function takes a :class:`~experiments.reports.review.sweep.Sweep` (read
by :func:`load` from the files ``experiments.collect`` writes) and returns an
:class:`~experiments.reports.review.display.Item`: a figure, a reading computed from the
data, and sometimes a table, in the sweep's language (``en`` or ``zh``; all text is in
``experiments/reports/labels.csv``).

The modules follow the report's sections: :mod:`.sweep` (loading a sweep and its
statistics over seeds), :mod:`.words` (how readings name series, targets and bands),
:mod:`.display` (the shared panels and the notebook display), then one module per
section: :mod:`.summary` (the sweep and the headline targets), :mod:`.trajectories`,
:mod:`.overcapacity`, :mod:`.growth` (the ten strong industries), :mod:`.conversion_fund`,
:mod:`.jobs_map` and :mod:`.fiscal_side`.
"""

from experiments.reports.review.conversion_fund import fund
from experiments.reports.review.display import Item, heading, show
from experiments.reports.review.fiscal_side import fiscal
from experiments.reports.review.growth import industries, titles
from experiments.reports.review.jobs_map import jobs
from experiments.reports.review.overcapacity import capacity_exited, steel, utilisation
from experiments.reports.review.summary import headline, overview
from experiments.reports.review.sweep import Sweep, SweepError, check_sweep, load
from experiments.reports.review.trajectories import caps, new_economy

# The figures of the review, in the report's order (the report's tests count them in the HTML).
ITEMS = {
    "headline": headline,
    "new_economy": new_economy,
    "caps": caps,
    "exited": capacity_exited,
    "utilisation": utilisation,
    "steel": steel,
    "industries": industries,
    "titles": titles,
    "fund": fund,
    "jobs": jobs,
    "fiscal": fiscal,
}
FIGURES = tuple(ITEMS)

__all__ = [
    "FIGURES",
    "ITEMS",
    "Item",
    "Sweep",
    "SweepError",
    "capacity_exited",
    "caps",
    "check_sweep",
    "fiscal",
    "fund",
    "heading",
    "headline",
    "industries",
    "jobs",
    "load",
    "new_economy",
    "overview",
    "show",
    "steel",
    "titles",
    "utilisation",
]
