"""FHIR logical ids for canonical ids.

A canonical id that is a valid FHIR id (``[A-Za-z0-9-.]{1,64}``) is used as it is; any other is
replaced by a name-based UUID (v5) of the resource type and the canonical id, so the same dataset
always exports the same ids. The canonical id itself also travels as an identifier, which the
importer prefers, so the round trip is exact either way.
"""

from __future__ import annotations

import re
import uuid

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://carenet.dev/fhir")


def fhir_id(resource_type: str, canonical: str) -> str:
    """The FHIR id carenet writes for the canonical id ``canonical`` of a ``resource_type``."""
    if _FHIR_ID.match(canonical):
        return canonical
    return str(uuid.uuid5(_NAMESPACE, f"{resource_type}/{canonical}"))


def derived_id(resource_type: str, *parts: object) -> str:
    """A stable FHIR id for a row with no id of its own (a condition, a panel), from its key."""
    return str(uuid.uuid5(_NAMESPACE, resource_type + "/" + "|".join("" if p is None else str(p) for p in parts)))
