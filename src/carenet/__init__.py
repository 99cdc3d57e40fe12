"""carenet: design, run and measure a general-practice network's model of care."""

__version__ = "0.1.0"
