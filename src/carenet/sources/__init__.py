"""carenet.sources."""
