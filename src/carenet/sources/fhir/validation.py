"""Validation at the boundary with the R4-compatible models of ``fhir.resources`` (``R4B``).

The package's default classes are R5 and silently drop R4 elements, so only ``fhir.resources.R4B``
is used. Every resource of a type carenet reads is validated in full against its R4B model (through
the compiled form in :mod:`carenet.sources.fhir.compiled` where it can, the model itself otherwise);
a resource of another type is only checked to be a FHIR resource type, then skipped and counted.

The R4B package is imported only when a resource needs its model (the compiled form did not accept
it): an import of valid data is checked by cached compiled schemas alone.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

from pydantic_core import ValidationError

from carenet.sources.fhir.compiled import accepts, compiled_validator

_ERRORS_SHOWN = 3


_ABSTRACT = frozenset({"Resource", "DomainResource"})
_RESOURCE_CLASS = r"^class {name}\((?:domainresource\.DomainResource|resource\.Resource)\):"


@cache
def is_resource_type(name: str) -> bool:
    """Whether ``name`` is a FHIR R4 resource type (not a data type, not an invented name).

    Answered from the R4B package's source text, without importing the package or building the
    model: that costs far more than checking the type of a resource carenet then skips.
    """
    if not isinstance(name, str) or not name.isidentifier() or not name[:1].isupper() or name in _ABSTRACT:
        return False
    source = _r4b_folder() / f"{name.lower()}.py"
    if not source.is_file():
        return False
    text = source.read_text(encoding="utf-8")
    return re.search(_RESOURCE_CLASS.format(name=name), text, re.MULTILINE) is not None


@cache
def _r4b_folder() -> Path:
    """The folder of the ``fhir.resources.R4B`` modules (found without importing them)."""
    spec = importlib.util.find_spec("fhir.resources")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the fhir.resources package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "R4B"


@cache
def _model(name: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(name)


def validation_errors(resource: dict[str, Any]) -> list[str]:
    """Reasons the R4B model of ``resource['resourceType']`` rejects it; empty when it is valid.

    The compiled validator answers first; it never accepts what the R4B model rejects, and whatever
    it does not accept is decided, and explained, by the R4B model itself.
    """
    if accepts(resource):
        return []
    try:
        _model(resource["resourceType"]).model_validate(resource)
    except ValidationError as exc:
        found = exc.errors(include_url=False, include_input=False)
        reasons = [f"{'.'.join(str(p) for p in e['loc']) or 'resource'}: {e['msg']}" for e in found[:_ERRORS_SHOWN]]
        if len(found) > _ERRORS_SHOWN:
            reasons.append(f"… and {len(found) - _ERRORS_SHOWN} more")
        return reasons
    except Exception as exc:  # noqa: BLE001 - the models raise AttributeError & co. on some malformed input
        return [f"resource: cannot be validated ({type(exc).__name__}: {exc})"]
    return []


def preload(types: tuple[str, ...]) -> None:
    """Load the compiled validators of ``types`` now, so that forked workers inherit them."""
    for name in types:
        compiled_validator(name)
        compiled_validator(name, full=True)
