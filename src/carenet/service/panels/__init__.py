"""Micro-team and named-GP panels of a practice: sizes, and rebalancing suggested by the panel engine."""
