"""Imported by the fork server of :mod:`runner` only: what every carenet process computes first (the parsed
parameters file, the population's calibrated models), done once so the forked commands start warm."""

from carenet.params.loader import load_parameters
from carenet.population.synthesise import models

load_parameters()
models()
