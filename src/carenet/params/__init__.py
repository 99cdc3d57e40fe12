"""Every calibrated number carenet uses, each with its source, from one data file."""

from carenet.params.loader import load_parameters, parameter
from carenet.params.ranges import range_text, tagged_entries

__all__ = ["load_parameters", "parameter", "range_text", "tagged_entries"]
