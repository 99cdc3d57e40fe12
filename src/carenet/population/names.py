"""Display names for synthetic staff: common British given names and surnames, drawn at random.

Names are labels for people reading a dataset, not data anyone should analyse; no person is meant.
"""

from __future__ import annotations

import numpy as np

GIVEN_NAMES = (
    "Aisha", "Alex", "Amelia", "Amir", "Anna", "Ben", "Chloe", "Daniel", "David", "Eleanor", "Emily", "Fatima",
    "Grace", "Hannah", "Harry", "Imran", "Isla", "Jack", "James", "Jasmine", "Joseph", "Kate", "Laura", "Leo",
    "Lucy", "Mark", "Mei", "Mohammed", "Naomi", "Oliver", "Olivia", "Priya", "Rachel", "Rahul", "Rosie", "Ruth",
    "Sam", "Sarah", "Sophie", "Thomas", "Tom", "Zara",
)
SURNAMES = (
    "Ahmed", "Ali", "Baker", "Begum", "Brown", "Campbell", "Chen", "Clarke", "Davies", "Edwards", "Evans", "Green",
    "Hall", "Harris", "Hughes", "Hussain", "Jackson", "Jones", "Khan", "King", "Lewis", "Martin", "Mistry", "Morris",
    "Murphy", "Nguyen", "O'Brien", "Okafor", "Patel", "Roberts", "Robinson", "Shah", "Singh", "Smith", "Taylor",
    "Thomas", "Thompson", "Walker", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
)


def staff_names(n: int, doctor: bool, rng: np.random.Generator) -> list[str]:
    """``n`` display names; doctors are styled 'Dr'."""
    given = rng.integers(len(GIVEN_NAMES), size=n).tolist()
    family = rng.integers(len(SURNAMES), size=n).tolist()
    prefix = "Dr " if doctor else ""
    return [f"{prefix}{GIVEN_NAMES[g]} {SURNAMES[f]}" for g, f in zip(given, family, strict=True)]
