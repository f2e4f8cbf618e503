"""The household profile (the OSS profile instrument) as a form for a phone: its questions'
labels, its answers' labels, and reading a posted form into the API's ``Profile``.

The form is checked exactly as the API checks a profile: the API's schema
(``api.schemas.profile.Profile``), then the domain's ``validate_profile`` (one head, ID
numbers, birth dates). Each refusal is named by its question, in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args
from uuid import uuid4

from pydantic import ValidationError

from api.schemas.profile import MEMBERS_MAX, Profile
from domain import profile as instrument
from domain.errors import InvalidCommand
from domain.profile import validate_profile
from web.labels import N_
from web.profile_choices import CHOICES

#: Most members one form profiles: as many as the profile API takes.
MAX_MEMBERS = MEMBERS_MAX

#: Yes/no questions: a ticked box is "yes".
HEALTH_FLAGS = (
    ("pregnant", N_("Pregnant")),
    ("tb_symptom_screen_positive", N_("TB screening: has symptoms")),
    ("on_treatment", N_("On treatment")),
    ("defaulting_treatment", N_("Has stopped treatment")),
    ("missed_immunisation", N_("Has missed immunisations")),
    ("suspected_malnutrition", N_("Looks malnourished")),
)
HOUSEHOLD_FLAGS = (
    ("livelihood.livelihood_link", N_("Linked to a work programme (EPWP, NYDA or a co-op)")),
    ("food_security.child_went_hungry", N_("A child went to bed hungry in the last month")),
    ("food_security.food_garden", N_("Has a food garden")),
    ("food_security.receives_food_parcels", N_("Receives food parcels")),
    ("basic_services.refuse_removal", N_("Refuse is removed")),
    ("social_ills.substance_abuse", N_("Alcohol or drug abuse")),
    ("social_ills.gbv_disclosed_or_suspected", N_("Gender-based violence, told or suspected")),
    ("social_ills.child_abuse_concern", N_("Concern that a child is abused")),
    ("social_ills.crime_victim", N_("Victim of crime")),
    ("consent.given", N_("The household agrees that its information is kept and shared")),
)
SCHOOLING = {"": N_("Not of school age"), "yes": N_("Attends"), "no": N_("Does not attend")}
ECD = N_("Goes to early childhood development (a crèche)")
#: A grant's answer when the member has nothing to do with it (no grant listed).
NO_GRANT = N_("No")

#: Each question's label, by its path in the profile (a member's under ``members.*``): the
#: name a refusal is shown under.
QUESTIONS: dict[str, str] = {
    "ward_id": N_("Ward"),
    "dwelling.type": N_("Kind of dwelling"),
    "dwelling.tenure": N_("Who owns the dwelling"),
    "dwelling.rooms": N_("Rooms"),
    "dwelling.village": N_("Village or section (optional)"),
    "dwelling.gps.lat": N_("Latitude (optional)"),
    "dwelling.gps.lon": N_("Longitude (optional)"),
    "language": N_("Language of the interview"),
    "members": N_("Members"),
    "members.*.first_name": N_("First name"),
    "members.*.surname": N_("Surname"),
    "members.*.sex": N_("Sex"),
    "members.*.date_of_birth": N_("Date of birth"),
    "members.*.relation": N_("Relation to the head"),
    "members.*.id_number": N_("ID number (optional)"),
    "members.*.document_status": N_("ID or birth certificate"),
    "members.*.citizenship": N_("Citizenship"),
    "members.*.phone": N_("Phone (optional)"),
    "members.*.employment": N_("Work"),
    "members.*.grants": N_("Grants received"),
    "members.*.disability.type": N_("Disability"),
    "members.*.health.chronic_condition_category": N_("Chronic illness"),
    "members.*.schooling.attending": N_("School"),
    "members.*.schooling.grade": N_("Grade (optional)"),
    "members.*.schooling.school_name": N_("School's name (optional)"),
    "members.*.schooling.reason_not_attending": N_("Why not at school (optional)"),
    "members.*.orphan_status": N_("Parents (for a child)"),
    "livelihood.main_income_source": N_("Main income"),
    "livelihood.income_band": N_("Income a month"),
    "food_security.days_skipped_meal_last_7": N_("Days in the last week someone skipped a meal"),
    "basic_services.water_source": N_("Water"),
    "basic_services.water_distance_m": N_("Metres to the water"),
    "basic_services.sanitation": N_("Toilet"),
    "basic_services.electricity": N_("Electricity"),
    "consent.given_by": N_("Consent given by"),
}
REQUIRED = N_("This question needs an answer.")
NOT_VALID = N_("This answer is not valid.")
#: The domain's own checks, by the last part of the path they name.
DOMAIN_MESSAGES = {
    "members": N_("Exactly one member must be the head of the household."),
    "id_number": N_("Not a valid South African ID number, or its birth date is not the member's."),
    "date_of_birth": N_("The date of birth cannot be in the future."),
}


def choices(question: str) -> list[tuple[str, str]]:
    """(value, English label) of each answer of ``question``, in the instrument's order."""
    vocabulary, labels = CHOICES[question]
    return [(value, labels[value]) for value in get_args(vocabulary)]


@dataclass(frozen=True)
class Refusal:
    """One refused answer: the form field's name, its question's label and what is wrong."""

    field: str
    question: str
    message: str
    member: int | None = None  # 1-based, for "member 2"


class ProfileRefused(Exception):
    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__(", ".join(r.field for r in refusals))
        self.refusals = refusals


def _text(form: Mapping[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def _yes(form: Mapping[str, str], name: str) -> bool:
    return form.get(name) == "yes"


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted paths to nested objects; an unanswered question is left out (``missing``)."""
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        if value is None:
            continue
        *parents, leaf = path.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def _member(form: Mapping[str, str], i: int) -> dict[str, Any]:
    p = f"members.{i}."
    attending = form.get(p + "schooling.attending", "")
    flat: dict[str, Any] = {
        "member_id": str(uuid4()),
        "first_name": _text(form, p + "first_name"),
        "surname": _text(form, p + "surname"),
        "sex": _text(form, p + "sex"),
        "date_of_birth": _text(form, p + "date_of_birth"),
        "relation": _text(form, p + "relation"),
        "id_number": _text(form, p + "id_number"),
        "document_status": _text(form, p + "document_status"),
        "phone": _text(form, p + "phone"),
        "employment": _text(form, p + "employment"),
        "citizenship": _text(form, p + "citizenship") or "citizen",
        "orphan_status": _text(form, p + "orphan_status") or "none",
        "grants": [
            {"grant_type": g, "status": status}
            for g in get_args(instrument.GrantType)
            if (status := _text(form, f"{p}grants.{g}"))
        ],
        "disability.type": _text(form, p + "disability.type") or "none",
        "health.chronic_condition_category": _text(form, p + "health.chronic_condition_category")
        or "none",
        "schooling.attending": None if not attending else attending == "yes",
        "schooling.grade": _text(form, p + "schooling.grade"),
        "schooling.school_name": _text(form, p + "schooling.school_name"),
        "schooling.reason_not_attending": _text(form, p + "schooling.reason_not_attending"),
        "schooling.ecd_attendance": True if _yes(form, p + "schooling.ecd_attendance") else None,
    }
    for name, _ in HEALTH_FLAGS:
        flat[f"health.{name}"] = _yes(form, f"{p}health.{name}")
    return _nest(flat)


#: A member's field in a form: ``members.<index>.<question>``.
_MEMBER_FIELD = re.compile(r"^members\.(\d{1,3})\.")


def rows_sent(form: Mapping[str, str]) -> int:
    """How many members' rows the form sent (its highest member index + 1), at most
    ``MAX_MEMBERS``: each row sends its choices, so a row added on the page is counted."""
    found = (_MEMBER_FIELD.match(name) for name in form)
    return min(max((int(m.group(1)) + 1 for m in found if m), default=0), MAX_MEMBERS)


def read_profile(form: Mapping[str, str], members: int) -> dict[str, Any]:
    """The profile a posted form holds (unchecked), shaped as the API's ``Profile``."""
    flat: dict[str, Any] = {
        path: _text(form, path)
        for path in QUESTIONS
        if "." in path and not path.startswith("members")
    }
    flat["language"] = _text(form, "language")
    for name, _ in HOUSEHOLD_FLAGS:
        flat[name] = _yes(form, name)
    flat["consent.basis"] = "consent"
    profile = _nest(flat)
    profile["members"] = [_member(form, i) for i in range(members)]
    return profile


def _refusal(loc: tuple[Any, ...], message: str) -> Refusal:
    parts = [str(p) for p in loc]
    member = None
    if len(parts) > 2 and parts[0] == "members" and parts[1].isdigit():
        member = int(parts[1])
        parts[1] = "*"
    path = ".".join(parts)
    while path not in QUESTIONS and "." in path:  # a grant's own field: its question's
        path = path.rsplit(".", 1)[0]
    field = path.replace("*", str(member)) if member is not None else path
    return Refusal(
        field, QUESTIONS.get(path, N_("Members")), message, None if member is None else member + 1
    )


def _domain_loc(field: str) -> tuple[Any, ...]:
    """``members[0].id_number`` -> ``("members", 0, "id_number")``."""
    parts: list[Any] = []
    for part in field.split("."):
        name, _, index = part.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    return tuple(parts)


def checked_profile(form: Mapping[str, str], members: int, today: date) -> dict[str, Any]:
    """The form's profile as the API would accept it, or ``ProfileRefused`` naming each
    refused question."""
    try:
        profile = Profile.model_validate(read_profile(form, members)).model_dump(mode="json")
    except ValidationError as exc:
        refusals = [
            _refusal(e["loc"], REQUIRED if e["type"] == "missing" else NOT_VALID)
            for e in exc.errors()
        ]
        raise ProfileRefused(list(dict.fromkeys(refusals))) from None
    try:
        validate_profile(profile, today)
    except InvalidCommand as exc:
        loc = _domain_loc(exc.field)
        message = DOMAIN_MESSAGES.get(str(loc[-1]), NOT_VALID)
        raise ProfileRefused([_refusal(loc, message)]) from None
    return profile
