"""Tasks between professionals, with an owner and a due date: each a canonical ``tasks`` row, its title and who
raised and closed it beside it (``tables``, ``work``); the routes (``routes``)."""
