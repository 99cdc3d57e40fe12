"""Personalised care and support plans (PRSB): every change a new version (``tables``, ``versions``), the
canonical ``care_plans`` row the measures read kept as the latest version's projection; the routes (``routes``)."""
