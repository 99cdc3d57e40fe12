"""Validation at the boundary with the R4-compatible models of ``fhir.resources`` (``R4B``).

The package's default classes are R5 and silently drop R4 elements, so only ``fhir.resources.R4B``
is used. Every resource of a type carenet reads is validated in full by its R4B model; a resource of
another type is only checked to be a FHIR resource type, then skipped and counted.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

_ERRORS_SHOWN = 3


@cache
def is_resource_type(name: str) -> bool:
    """Whether ``name`` is a FHIR R4 resource type (not a data type, not an invented name)."""
    if not isinstance(name, str) or not name[:1].isupper():
        return False
    try:
        model = get_fhir_model_class(name)
    except (ValueError, KeyError, ImportError, AttributeError):
        return False
    return bool(model.has_resource_base())


@cache
def _model(name: str) -> Any:
    return get_fhir_model_class(name)


def validation_errors(resource: dict[str, Any]) -> list[str]:
    """Reasons the R4B model of ``resource['resourceType']`` rejects it; empty when it is valid."""
    try:
        _model(resource["resourceType"]).model_validate(resource)
    except ValidationError as exc:
        found = exc.errors(include_url=False, include_input=False)
        reasons = [f"{'.'.join(str(p) for p in e['loc']) or 'resource'}: {e['msg']}" for e in found[:_ERRORS_SHOWN]]
        if len(found) > _ERRORS_SHOWN:
            reasons.append(f"… and {len(found) - _ERRORS_SHOWN} more")
        return reasons
    except (TypeError, ValueError, RecursionError) as exc:
        return [f"resource: {exc}"]
    return []


def preload(types: tuple[str, ...]) -> None:
    """Build the models of ``types`` now, so that forked workers inherit them ready."""
    for name in types:
        _model(name)
