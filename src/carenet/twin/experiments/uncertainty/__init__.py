"""Uncertainty analysis of model comparisons: which conclusions survive other, equally defensible assumptions.

``ranges`` reads the assumptions and their ranges from parameters.yaml, ``draws`` spreads parameter sets
over them, ``conclusions`` counts how often each verdict holds, ``sensitivity`` ranks the assumptions that
move each measure, and ``analysis`` puts them together (docs/uncertainty.md).
"""

from carenet.twin.experiments.uncertainty.analysis import CENTRAL, UncertaintyAnalysis, analyse, targets
from carenet.twin.experiments.uncertainty.conclusions import Thresholds, robustness, verdicts
from carenet.twin.experiments.uncertainty.draws import SAMPLERS, draw, settings_of
from carenet.twin.experiments.uncertainty.ranges import Assumption, RangeError, uncertain_assumptions
from carenet.twin.experiments.uncertainty.sensitivity import rank_correlations

__all__ = ["CENTRAL", "SAMPLERS", "Assumption", "RangeError", "Thresholds", "UncertaintyAnalysis", "analyse", "draw",
           "rank_correlations", "robustness", "settings_of", "targets", "uncertain_assumptions", "verdicts"]
