"""carenet.report."""
