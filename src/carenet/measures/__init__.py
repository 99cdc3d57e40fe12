"""Every metric of the scorecard, written once with Ibis: runs on DuckDB (default), SQLite and PostgreSQL.

Load a dataset's canonical tables with :func:`load`, then ask for one measure or the whole
:func:`scorecard`. A measure the dataset cannot support answers :class:`Unsupported` with the
reason, never a misleading zero. Definitions and sources: ``docs/measures.md``.
"""

from carenet.measures.access import AccessConfig, access_summary, dna_rate, unmet_demand, wait_summary, waits
from carenet.measures.backend import BACKENDS, BackendError, MissingTableError, Tables, connect, load
from carenet.measures.community import (
    clinicians_by_deprivation,
    community_summary,
    psychosocial_met_in_community,
    social_prescribing,
)
from carenet.measures.compare import Comparison, compare, render_comparison
from carenet.measures.continuity import (
    ContinuityConfig,
    continuity_by_segment,
    continuity_summary,
    micro_team_share,
    own_patient_ratio,
    patient_continuity,
    slicc,
)
from carenet.measures.coordination import (
    care_plan_coverage,
    coordination_summary,
    discharge_follow_up,
    informal_referral_share,
    live_care_plans,
    professionals_per_episode,
)
from carenet.measures.frailty import EFI_CATEGORIES, efi_category, efi_scores
from carenet.measures.inclusion import housing_breakdown, housing_segments
from carenet.measures.multimorbidity import CMS_CONDITIONS, LTC_REGISTERS, multimorbidity
from carenet.measures.person_centred import (
    minutes_per_patient_year,
    needs_in_scope_share,
    patient_set_goals_share,
    person_centred_summary,
)
from carenet.measures.risk import RISK_TIERS, ComplexPatientRule
from carenet.measures.scorecard import (
    ATTRIBUTES,
    Scorecard,
    ScorecardConfig,
    first_activity_date,
    print_scorecard,
    profile_for,
    reference_date,
    render,
    scorecard,
    to_json,
)
from carenet.measures.segments import (
    B2H_SEGMENTS,
    NHSE_SEGMENTS,
    Period,
    PopulationConfig,
    patient_profile,
    population_summary,
    registered_patients,
)
from carenet.measures.spc import SERIES, XmRChart, build_series, chart_series, xmr
from carenet.measures.support import Unsupported, is_unsupported
from carenet.measures.workforce import gp_redirectable, utilisation_by_role, workforce_summary
from carenet.measures.worklists import Worklist, WorklistConfig, case_finding, write_worklist

__all__ = [
    "ATTRIBUTES", "B2H_SEGMENTS", "BACKENDS", "CMS_CONDITIONS", "EFI_CATEGORIES", "LTC_REGISTERS", "NHSE_SEGMENTS",
    "RISK_TIERS", "SERIES", "AccessConfig", "BackendError", "Comparison", "ComplexPatientRule", "ContinuityConfig",
    "MissingTableError", "Period", "PopulationConfig", "Scorecard", "ScorecardConfig", "Tables", "Unsupported",
    "Worklist", "WorklistConfig", "XmRChart", "access_summary", "build_series", "care_plan_coverage", "case_finding",
    "chart_series", "clinicians_by_deprivation", "community_summary", "compare", "connect", "continuity_by_segment",
    "continuity_summary", "coordination_summary", "discharge_follow_up", "dna_rate", "efi_category", "efi_scores",
    "first_activity_date", "gp_redirectable", "housing_breakdown", "housing_segments",
    "informal_referral_share", "is_unsupported", "live_care_plans", "load",
    "micro_team_share", "minutes_per_patient_year", "multimorbidity", "needs_in_scope_share", "own_patient_ratio",
    "patient_continuity", "patient_profile", "patient_set_goals_share", "person_centred_summary", "population_summary",
    "print_scorecard", "professionals_per_episode", "profile_for", "psychosocial_met_in_community", "reference_date",
    "registered_patients", "render", "render_comparison", "scorecard", "slicc", "social_prescribing", "to_json",
    "unmet_demand", "utilisation_by_role", "wait_summary", "waits", "workforce_summary", "write_worklist", "xmr",
]
