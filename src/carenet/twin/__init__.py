"""carenet.twin."""
