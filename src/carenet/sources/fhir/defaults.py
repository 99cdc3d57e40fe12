"""What the importer assumes where FHIR is silent: the configurable defaults of the mapping.

The values are behavioural assumptions, so they live in ``parameters.yaml`` (section ``fhir_import``)
with their rationale; the command line reads them there and passes them in, since ``sources`` sees
only the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from carenet.schema import TABLES
from carenet.schema.codes import TEAM_KINDS
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLES_BY_CODE


class FhirDefaultsError(CarenetError, ValueError):
    """A default in the ``fhir_import`` parameters is missing or outside its code set."""


@dataclass(frozen=True)
class FhirDefaults:
    """Defaults for facts FHIR R4 has no element for.

    ``role``: role of a practitioner whose PractitionerRole/qualification names none;
    ``fte``: whole-time equivalent of a clinician without carenet's FTE extension;
    ``network_kind``: kind of a network Organization without carenet's network-kind coding;
    ``team_kind``: kind of a CareTeam without carenet's team-kind coding;
    ``timezone``: the practices' local clock, in which canonical timestamps are written.
    """

    role: str
    fte: float
    network_kind: str
    team_kind: str
    timezone: str

    def __post_init__(self) -> None:
        fte_lo, fte_hi = TABLES["clinicians"].ranges["fte"]
        checks = [
            (self.role in ROLES_BY_CODE, f"role {self.role!r} is not in the role catalogue"),
            (fte_lo <= self.fte <= fte_hi, f"fte {self.fte!r} is outside {fte_lo}..{fte_hi}"),
            (self.network_kind in TABLES["networks"].enums["kind"], f"network_kind {self.network_kind!r} is unknown"),
            (self.team_kind in TEAM_KINDS, f"team_kind {self.team_kind!r} is not one of {', '.join(TEAM_KINDS)}"),
        ]
        bad = [message for ok, message in checks if not ok]
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            bad.append(f"timezone {self.timezone!r} is not a known time zone")
        if bad:
            raise FhirDefaultsError("fhir_import parameters: " + "; ".join(bad))

    @classmethod
    def from_parameters(cls, section: Mapping[str, Any]) -> FhirDefaults:
        """Build from the ``fhir_import`` section of ``parameters.yaml`` (each entry has a ``value``)."""
        values = {}
        for name in ("role", "fte", "network_kind", "team_kind", "timezone"):
            entry = section.get(f"default_{name}") if name != "timezone" else section.get("timezone")
            if not isinstance(entry, Mapping) or "value" not in entry:
                raise FhirDefaultsError(f"fhir_import parameters: entry for {name!r} with a 'value' is missing")
            values[name] = entry["value"]
        return cls(role=str(values["role"]), fte=float(values["fte"]), network_kind=str(values["network_kind"]),
                   team_kind=str(values["team_kind"]), timezone=str(values["timezone"]))
