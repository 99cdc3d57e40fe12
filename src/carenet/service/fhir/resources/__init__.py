"""One module per family of resource types: where the rows come from and how a row becomes FHIR R4."""
