"""The audit log: every read and write of patient data, append-only and hash-chained (``log``, ``tables``), as
FHIR AuditEvent (``fhir``), with its routes (``routes``)."""
