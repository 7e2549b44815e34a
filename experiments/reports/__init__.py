"""The planner's reports: the review of a sweep, the walkthrough of one run, their labels and HTML export."""
