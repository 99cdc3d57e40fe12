"""Referrals between professionals, kept apart by kind: formal referrals (``formal``) and informal advice
requests with the time they took to answer (``advice``); each is a canonical ``referrals`` row (kind formal or
informal) with the service's own text beside it (``tables``); the routes (``routes``)."""
