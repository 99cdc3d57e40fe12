"""Invalid model files: every error names the file and the field path and says what is wrong."""

from __future__ import annotations

import copy

import pytest
import yaml

from carenet.models import ModelError, check_model_file, library_path, load_model
from carenet.schema.errors import CarenetError

BASE = yaml.safe_load(library_path("micro_teams").read_text())


def _write(tmp_path, data, name="model.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data)
    return path


def _edit(change):
    data = copy.deepcopy(BASE)
    change(data)
    return data


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["workforce"]["roles"][0].update(role="doctor"),
     "workforce.roles[0].role: 'doctor' is not a known role code"),
    (lambda d: d["booking"].update(horizon_days=0), "booking.horizon_days: Input should be greater than or equal to 1"),
    (lambda d: d["booking"].update(colour="blue"), "booking.colour: is not a field of the model specification"),
    (lambda d: d.pop("entry"), "entry: is required but missing"),
    (lambda d: d["entry"]["routing"].update(musculoskeletal=["splw"]),
     "entry: routing.musculoskeletal: need type 'musculoskeletal' is outside the scope of practice of 'splw'"),
    (lambda d: d["entry"]["first_contact_modes"].update(video=0.5), "first_contact_modes shares add up to"),
    (lambda d: d["entry"]["routing"].pop("medication"), "routing has no roles for need type(s): medication"),
    (lambda d: d["teams"][0]["members"][0].update(fte=2.0),
     "teams seat 13.333 FTE of 'gp' per 10,000 patients but workforce.roles has only 4.430"),
    (lambda d: d["proactive"]["care_plans"]["cohort"].update(risk_tiers=[9]),
     "proactive.care_plans.cohort.risk_tiers[0]: Input should be less than or equal to 4"),
    (lambda d: d["proactive"]["annual_review"]["cohort"].update(registers_any=["XYZ"]),
     "registers_any[0]: 'XYZ' is not a QOF register code"),
    (lambda d: d["booking"].update(policy="first_available"),
     "policy first_available books the earliest slot: continuity_with must be 'none'"),
    (lambda d: d["workforce"]["roles"].pop(0), "uses role 'gp', which has no line in workforce.roles"),
    (lambda d: d.update(composes=["nonexistent"]), "composes: 'nonexistent' not in the library"),
    (lambda d: d["teams"][0].update(kind="hub"), "team kind 'hub' cannot be declared here"),
    (lambda d: d["scale"].update(tag="X"), "scale.tag: Input should be 'V', 'D', 'S', 'M' or 'A'"),
])
def test_invalid_field_is_named(tmp_path, change, expected):
    path = _write(tmp_path, _edit(change))
    with pytest.raises(ModelError) as err:
        check_model_file(path)
    message = str(err.value)
    assert str(path) in message
    assert expected in message


def test_every_problem_is_listed_at_once(tmp_path):
    def two(d):
        d["workforce"]["roles"][0]["role"] = "doctor"
        d["booking"]["horizon_days"] = 0

    with pytest.raises(ModelError, match=r"2 problem\(s\)"):
        check_model_file(_write(tmp_path, _edit(two)))


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    with pytest.raises(ModelError, match=r"not valid YAML at line 2, column \d+"):
        check_model_file(_write(tmp_path, "name: x\n  bad: [\n"))


def test_non_mapping_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(ModelError, match="must be a YAML mapping"):
        check_model_file(_write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "absent.yaml")
    with pytest.raises(ModelError, match="no model named 'nuka' in the library; known models: community_centred"):
        load_model("nuka")
    assert issubclass(ModelError, CarenetError)


def test_a_user_model_from_a_path(tmp_path):
    data = _edit(lambda d: d.update(name="my_practice", title="Our micro-teams"))
    model = load_model(str(_write(tmp_path, data, "ours.yaml")))
    assert model.name == "my_practice" and model.title == "Our micro-teams"


def test_a_central_triage_desk_needs_a_triage(tmp_path):
    data = yaml.safe_load(library_path("traditional").read_text())
    data["entry"]["triage_scope"] = "network"
    with pytest.raises(ModelError, match="entry: triage_scope 'network' pools triagers' minutes at a central desk"):
        check_model_file(_write(tmp_path, data))
    data["entry"]["triage_scope"] = "region"
    with pytest.raises(ModelError, match="entry.triage_scope: Input should be 'practice' or 'network'"):
        check_model_file(_write(tmp_path, data))


def test_sites_each_belongs_to_network_employed_roles(tmp_path):
    data = yaml.safe_load(library_path("traditional").read_text())
    data["workforce"]["roles"][0]["sites_each"] = 2  # GPs, employed by the practice
    with pytest.raises(ModelError, match="role 'gp': sites_each says how many practices a network-employed person"):
        check_model_file(_write(tmp_path, data))
