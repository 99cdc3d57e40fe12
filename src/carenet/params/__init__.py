"""Every calibrated number carenet uses, each with its source, from one data file."""

from carenet.params.loader import load_parameters, parameter

__all__ = ["load_parameters", "parameter"]
