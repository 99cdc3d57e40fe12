"""Proactive worklists: the measures library's case-finding rules run on the store, with actions on each patient."""
