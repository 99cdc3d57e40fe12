"""The scorecard of the live store: its activity exported to canonical tables and scored by the measures library."""
