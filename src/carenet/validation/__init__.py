"""The twin held against published figures: ``carenet validate``.

Published figures come from an NHS Digital "Appointments in General Practice" file and from the
``validation`` section of ``parameters.yaml`` (:mod:`.published`); simulated figures from a run's
canonical tables (:mod:`.simulated`); :mod:`.comparison` sets them side by side with a tolerance,
:mod:`.page` draws ``validation.html`` and :mod:`.runner` ties it together. See docs/validation.md.
"""

from carenet.validation.comparison import NOT_APPLICABLE, OK, OUTSIDE, Validation, compare
from carenet.validation.page import render_html, write_page
from carenet.validation.published import file_figures, published_figures, settings_figures
from carenet.validation.runner import (
    VALIDATION_HTML,
    VALIDATION_JSON,
    Replication,
    replications_in,
    simulate_for_validation,
    validate_folder,
    validate_replications,
    write_outputs,
    write_record,
)
from carenet.validation.settings import ValidationInputError, ValidationSettings
from carenet.validation.simulated import pooled, simulated_figures

__all__ = ["NOT_APPLICABLE", "OK", "OUTSIDE", "VALIDATION_HTML", "VALIDATION_JSON", "Replication", "Validation",
           "ValidationInputError", "ValidationSettings", "compare", "file_figures", "pooled", "published_figures",
           "render_html", "replications_in", "settings_figures", "simulate_for_validation", "simulated_figures",
           "validate_folder", "validate_replications", "write_outputs", "write_page", "write_record"]
