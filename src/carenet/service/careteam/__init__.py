"""A patient's care team: the professionals who care for them, and the patient and carers who are part of it
(``tables``, ``members``, ``routes``). Membership is a relationship the access policies use (``care_team``)."""
