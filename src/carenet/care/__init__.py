"""carenet.care."""
