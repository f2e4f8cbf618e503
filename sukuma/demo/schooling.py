"""A member's schooling and work."""

from __future__ import annotations

from typing import Final

from domain.profile import Employment, Schooling
from sukuma.demo.context import Demo, pick

NOT_ATTENDING: Final = (
    ("no money for uniform and transport", 30.0),
    ("caring for younger siblings", 15.0),
    ("school is too far", 10.0),
    ("dropped out after failing", 15.0),
    ("no birth certificate for admission", 8.0),
    ("pregnancy", 7.0),
    ("illness or disability", 10.0),
    ("working to support the household", 5.0),
)
TERTIARY: Final = (
    "Umgungundlovu TVET College",
    "Elangeni TVET College",
    "Coastal KZN TVET College",
    "Majuba TVET College",
    "University of KwaZulu-Natal",
    "Durban University of Technology",
    "Mangosuthu University of Technology",
    "University of Zululand",
)
WORKING_AGE: Final[tuple[tuple[Employment, float], ...]] = (
    ("employed", 22.0),
    ("self_employed", 8.0),
    ("unemployed_seeking", 40.0),
    ("unemployed_not_seeking", 27.0),
    ("unable_to_work", 3.0),
)
NEAR_PENSION: Final[tuple[tuple[Employment, float], ...]] = (
    ("retired", 45.0),
    ("employed", 10.0),
    ("self_employed", 5.0),
    ("unemployed_not_seeking", 40.0),
)


def _none() -> Schooling:
    return {
        "attending": None,
        "grade": None,
        "school_name": None,
        "reason_not_attending": None,
        "ecd_attendance": None,
    }


def _attend_share(age: int, disabled: bool) -> float:
    share = 0.96 if age <= 13 else 0.92 if age <= 15 else 0.8
    return share - 0.15 if disabled else share


def schooling(demo: Demo, age: int, disabled: bool, school_name: str) -> Schooling:
    """ECD for 3-5, Grade R at 6, school for 7-17, college for some young adults."""
    record = _none()
    if 3 <= age <= 5:
        record["ecd_attendance"] = demo.chance(0.6)
    elif age == 6:
        record["attending"] = demo.chance(0.9) or None
        if record["attending"]:
            record["grade"], record["school_name"] = "R", f"{school_name} Primary School"
    elif 7 <= age <= 17:
        if demo.chance(_attend_share(age, disabled)):
            grade = max(1, min(12, age - 6 - pick(demo.rng, ((0, 70.0), (1, 20.0), (2, 10.0)))))
            level = "Primary" if grade <= 7 else "Secondary"
            record["attending"] = True
            record["grade"], record["school_name"] = str(grade), f"{school_name} {level} School"
        else:
            record["attending"] = False
            record["reason_not_attending"] = pick(demo.rng, NOT_ATTENDING)
    elif 18 <= age <= 24 and demo.chance(0.15):
        record["attending"], record["school_name"] = True, demo.rng.choice(TERTIARY)
    return record


def employment(demo: Demo, age: int, attending: bool | None, disabled: bool) -> Employment:
    """Work status; young children out of school have no better value than 'not seeking'."""
    if age < 15:
        return "student" if attending else "unemployed_not_seeking"
    if age < 18 or (age <= 24 and attending):
        if attending:
            return "student"
        return "unemployed_seeking" if demo.chance(0.5) else "unemployed_not_seeking"
    if age < 60:
        if disabled and demo.chance(0.5):
            return "unable_to_work"
        return pick(demo.rng, WORKING_AGE)
    if age < 65:
        return pick(demo.rng, NEAR_PENSION)
    return "retired"
