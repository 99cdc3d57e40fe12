"""carenet.measures."""
