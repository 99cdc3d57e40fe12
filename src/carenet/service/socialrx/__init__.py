"""Social prescribing with a closed loop: the community directory and its weekly capacity (``directory``),
each prescription's states from referral to a coded outcome (``loop``, ``codes``, ``tables``); the routes
(``routes``). Each prescription is a canonical ``social_prescriptions`` row whose ``taken_up`` the loop keeps."""
