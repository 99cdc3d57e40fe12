"""Pseudonymised aggregates for the network's analysts: counts by practice and segment, small numbers suppressed."""
