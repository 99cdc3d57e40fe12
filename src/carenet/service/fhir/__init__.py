"""The FHIR R4 API at ``/fhir``: a registry of resource types over the store (``registry``, ``resources``), search
(``search``), the CapabilityStatement (``capability``), ``$find``/``$book`` (``operations``), transaction Bundles
(``transaction``), errors as OperationOutcome (``outcome``) and the routes (``routes``)."""
