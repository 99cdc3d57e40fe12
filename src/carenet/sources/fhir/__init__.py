"""FHIR R4 import (transaction/collection bundles, bulk-data ndjson) and export of canonical data."""

from carenet.sources.fhir.defaults import FhirDefaults, FhirDefaultsError
from carenet.sources.fhir.export import export_fhir, fhir_resources
from carenet.sources.fhir.importer import (
    FhirImport,
    find_inputs,
    import_fhir,
    read_fhir,
    read_fhir_document,
    save_fhir,
)

__all__ = [
    "FhirDefaults", "FhirDefaultsError", "FhirImport", "export_fhir", "fhir_resources", "find_inputs", "import_fhir",
    "read_fhir", "read_fhir_document", "save_fhir",
]
