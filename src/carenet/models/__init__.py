"""carenet.models."""
