"""The calibrated synthetic population: practices to patients, households, conditions, frailty and staff."""

from carenet.population.check import Comparison, compare, failures
from carenet.population.efi import efi_scores
from carenet.population.nhs_numbers import nhs_numbers
from carenet.population.practices import demo_networks, demo_practices, read_practices_csv, scale_list_sizes
from carenet.population.stream import DEFAULT_BATCH_PATIENTS, write_population
from carenet.population.summary import Summary, summarise
from carenet.population.synthesise import models, synthesise

__all__ = [
    "DEFAULT_BATCH_PATIENTS", "Comparison", "Summary", "compare", "demo_networks", "demo_practices", "efi_scores",
    "failures", "models", "nhs_numbers", "read_practices_csv", "scale_list_sizes", "summarise", "synthesise",
    "write_population",
]
