"""The shared record: a patient's demographics, conditions, appointments, care plans and who accessed it."""
