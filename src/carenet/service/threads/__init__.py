"""A team thread per patient: messages between the care team, the patient and their carers (``tables``,
``routes``)."""
