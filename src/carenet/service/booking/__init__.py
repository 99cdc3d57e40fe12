"""Live triage and booking: requests routed and slots proposed by the network layer, one request at a time
(``engine``); a slot never booked twice, enforced by the database (``tables``); the routes (``routes``)."""
