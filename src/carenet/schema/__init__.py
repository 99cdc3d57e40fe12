"""The canonical schema: tables, code systems, code lists, validation and dataset storage.

Names are loaded on first use (PEP 562), so importing :mod:`carenet.schema.errors` - which every
command line module needs - does not load Arrow.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from carenet.schema.codelists import EFI_DEFICITS, QOF_REGISTERS, deficits_for_code, register_for_code
    from carenet.schema.codes import NEED_TYPES
    from carenet.schema.dataset import Dataset, Manifest, open_dataset, write_dataset
    from carenet.schema.errors import CarenetError
    from carenet.schema.roles import ROLES, ROLES_BY_CODE, can_handle, roles_table
    from carenet.schema.tables import SCHEMA_VERSION, TABLES, TableSpec, conform
    from carenet.schema.validate import Problem, ValidationError, check_dataset, validate_dataset

_HOMES: dict[str, str] = {
    **dict.fromkeys(("EFI_DEFICITS", "QOF_REGISTERS", "deficits_for_code", "register_for_code"), "codelists"),
    "NEED_TYPES": "codes",
    **dict.fromkeys(("Dataset", "Manifest", "open_dataset", "write_dataset"), "dataset"),
    "CarenetError": "errors",
    **dict.fromkeys(("ROLES", "ROLES_BY_CODE", "can_handle", "roles_table"), "roles"),
    **dict.fromkeys(("SCHEMA_VERSION", "TABLES", "TableSpec", "conform"), "tables"),
    **dict.fromkeys(("Problem", "ValidationError", "check_dataset", "validate_dataset"), "validate"),
}
"""Each public name and the module that defines it."""

__all__ = [
    "EFI_DEFICITS", "NEED_TYPES", "QOF_REGISTERS", "ROLES", "ROLES_BY_CODE", "SCHEMA_VERSION", "TABLES",
    "CarenetError", "Dataset", "Manifest", "Problem", "TableSpec", "ValidationError", "can_handle", "check_dataset",
    "conform", "deficits_for_code", "open_dataset", "register_for_code", "roles_table", "validate_dataset",
    "write_dataset",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'carenet.schema' has no attribute {name!r}")
    value = getattr(import_module(f"carenet.schema.{home}"), name)
    globals()[name] = value
    return value
