"""carenet.population."""
