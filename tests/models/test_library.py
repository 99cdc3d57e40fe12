"""The delivery-model library: every shipped model is valid, cited and consistent with parameters.yaml."""

from __future__ import annotations

import pytest
import yaml

from carenet.cli.commands_models import parameter_mismatches
from carenet.models import FRAILTY_CATEGORIES, RISK_TIERS, check_model_file, library_path, list_models, load_model
from carenet.schema.codes import NEED_TYPES
from carenet.schema.roles import can_handle

EXPECTED = {"traditional", "micro_teams", "health_care_home", "frailty_service", "community_centred",
            "federation_hub", "digital_first", "family_care_network", "super_partnership",
            "multi_practice_organisation", "community_health_organisation", "inclusion_health"}


def test_the_library_models_are_shipped():
    assert set(list_models()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_library_model_is_valid_and_cited(name):
    model = load_model(name)
    assert model.name == name == library_path(name).stem
    assert model.sources and model.based_on
    for block in (model.scale, model.workforce, model.panels, model.entry, model.booking, model.proactive,
                  model.community, *model.teams, *model.workforce.roles):
        assert block.source.strip() and block.tag in "VDSMA"
    assert parameter_mismatches(model) == []
    for need in NEED_TYPES:
        assert any(can_handle(role, need) for role in model.entry.routing[need])


def test_models_differ_where_their_mechanisms_say_they_do():
    trad, micro = load_model("traditional"), load_model("micro_teams")
    hch, frail = load_model("health_care_home"), load_model("frailty_service")
    community, fed = load_model("community_centred"), load_model("federation_hub")
    digital, fcn = load_model("digital_first"), load_model("family_care_network")
    assert trad.booking.policy == "first_available" and trad.entry.triage == "none"
    assert micro.booking.team_only and micro.panels.unit == "micro_team"
    assert {m.role for m in micro.teams[0].members} == {"gp", "anp", "care_coordinator", "hca", "admin"}
    assert hch.entry.triage == "gp" and hch.booking.long_appointments and hch.proactive.annual_review.bundled
    assert hch.proactive.annual_review.pre_check_role == "hca"
    assert frail.teams[0].kind == "segment_service" and frail.teams[0].panel_size < 1500
    assert max(cm.contacts_per_year for cm in frail.proactive.case_management) >= 12
    assert community.entry.routing["psychosocial"][0] == "splw"
    assert community.workforce.fte_per_10k("splw") > trad.workforce.fte_per_10k("splw")
    assert fed.hub is not None and fed.scale.unit == "network" and trad.hub is None
    assert digital.entry.triage == "online_form"
    assert digital.entry.first_contact_modes.get("video", 0) + digital.entry.first_contact_modes.get("online", 0) > 0.5
    assert (fcn.scale.min_patients, fcn.scale.max_patients) == (25_000, 100_000)
    assert set(fcn.composes) <= EXPECTED and fcn.hub and fcn.proactive.care_plans
    assert {t.kind for t in fcn.teams} == {"micro_team", "segment_service"}
    inclusion = load_model("inclusion_health")
    assert inclusion.teams[0].cohort.homeless and inclusion.teams[0].access is not None
    assert all(t.access is None for t in frail.teams)  # the frailty team's clinicians book anyone


def test_organisational_models_say_what_smith_2013_describes():
    trad, sp = load_model("traditional"), load_model("super_partnership")
    mpo, cho = load_model("multi_practice_organisation"), load_model("community_health_organisation")
    gp = {name: next(r for r in model.workforce.roles if r.role == "gp") for name, model in
          (("traditional", trad), ("super_partnership", sp), ("multi_practice_organisation", mpo))}
    assert gp["super_partnership"].employer == "network" and gp["traditional"].employer == "practice"
    assert sp.entry.triage_scope == mpo.entry.triage_scope == "network" and trad.entry.triage_scope == "practice"
    assert sp.hub is not None and set(sp.hub.urgencies) == {"same_day", "urgent"} and "Sat" not in sp.hub.days
    hub_gp = next(h for h in sp.hub.roles if h.role == "gp").sessions_per_week_per_10k
    moved = (gp["traditional"].sessions_per_fte - gp["super_partnership"].sessions_per_fte) \
        * gp["traditional"].fte_per_10k
    assert hub_gp == pytest.approx(moved, abs=0.01)  # the same-day rota is staffed from the partners' own sessions
    assert gp["multi_practice_organisation"].employer == "practice"
    assert gp["multi_practice_organisation"].sessions_per_fte > gp["traditional"].sessions_per_fte
    assert next(r for r in mpo.workforce.roles if r.role == "admin").employer == "network"
    assert cho.booking.long_appointments and cho.booking.long_appointments.cohort.min_registers == 2
    assert {cm.need_type for cm in cho.proactive.case_management} == {"ltc_review", "psychosocial"}
    assert len(cho.community.directory) > len(trad.community.directory)
    assert cho.entry.first_contact_modes["home_visit"] > trad.entry.first_contact_modes["home_visit"]


def test_gp_supply_is_the_national_baseline_in_every_model():
    assert {load_model(n).workforce.fte_per_10k("gp") for n in EXPECTED} == {4.43}


def test_shared_vocabularies_match_the_rest_of_carenet():
    from carenet.care import FRAILTY_CATEGORIES as care_frailty
    from carenet.measures.risk import RISK_TIERS as measure_tiers
    from carenet.params import parameter

    assert RISK_TIERS == measure_tiers
    assert FRAILTY_CATEGORIES == care_frailty
    assert tuple(c["name"] for c in parameter("efi.categories")) == FRAILTY_CATEGORIES


def test_a_dumped_model_reads_back_identically(tmp_path):
    model = load_model("family_care_network")
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(model.model_dump(mode="json"), sort_keys=False))
    assert check_model_file(path) == model
