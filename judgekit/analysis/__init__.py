"""Analyses that explain preferences rather than probe for a single bias (see ``judgekit.analysis.profile``)."""
