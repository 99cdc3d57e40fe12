"""The canonical schema: tables, code systems, code lists, validation and dataset storage."""

from carenet.schema.codelists import EFI_DEFICITS, QOF_REGISTERS, deficits_for_code, register_for_code
from carenet.schema.codes import NEED_TYPES
from carenet.schema.dataset import Dataset, Manifest, open_dataset, write_dataset
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLES, ROLES_BY_CODE, can_handle, roles_table
from carenet.schema.tables import SCHEMA_VERSION, TABLES, TableSpec, conform
from carenet.schema.validate import Problem, ValidationError, check_dataset, validate_dataset

__all__ = [
    "EFI_DEFICITS", "NEED_TYPES", "QOF_REGISTERS", "ROLES", "ROLES_BY_CODE", "SCHEMA_VERSION", "TABLES",
    "CarenetError", "Dataset", "Manifest", "Problem", "TableSpec", "ValidationError", "can_handle", "check_dataset",
    "conform", "deficits_for_code", "open_dataset", "register_for_code", "roles_table", "validate_dataset",
    "write_dataset",
]
