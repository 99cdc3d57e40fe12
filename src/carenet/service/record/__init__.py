"""The shared record: a patient's demographics, conditions, appointments and who accessed it
(care plans: :mod:`carenet.service.careplans`)."""
