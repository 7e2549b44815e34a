"""One run's mechanics for a researcher: the firm population, a plant's decision, the fund's picks.

``notebooks/single_run_walkthrough.ipynb`` calls these modules' functions. The model is
run up to a chosen quarter (:mod:`.paused_run`); the decision and selection rules are
then called again on a copy of the firms' columns under other settings (no surcharges,
no inspections, a perfectly informed fund), so that the walkthrough shows the model's
own rules at work rather than a description of them: the plants in :mod:`.plants`, the
growth firms and the fund in :mod:`.growth_firms`. Nothing here changes the model's state.
"""
