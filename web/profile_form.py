"""The household profile (the OSS profile instrument) as a form for a phone: its questions'
labels, its answers' labels, and reading a posted form into the API's ``Profile``.

The form is checked exactly as the API checks a profile: the API's schema
(``api.schemas.profile.Profile``), then the domain's ``validate_profile`` (one head, ID
numbers, birth dates). Each refusal is named by its question, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args
from uuid import uuid4

from pydantic import ValidationError

from api.schemas.profile import Profile
from domain import profile as instrument
from domain.errors import InvalidCommand
from domain.profile import validate_profile
from web.labels import N_

#: Most members one form shows (a larger household is profiled through the field app).
MAX_MEMBERS = 12

#: The answers of each closed question, labelled, in the instrument's order (``get_args``).
CHOICES: dict[str, tuple[Any, dict[str, str]]] = {
    "dwelling.type": (
        instrument.DwellingType,
        {
            "formal": N_("Formal house or flat"),
            "informal": N_("Informal dwelling (shack)"),
            "traditional": N_("Traditional dwelling"),
            "backyard": N_("Backyard room"),
        },
    ),
    "dwelling.tenure": (
        instrument.Tenure,
        {
            "owned": N_("Owned"),
            "rented": N_("Rented"),
            "rent_free": N_("Lives there without paying rent"),
            "informal_occupation": N_("Occupied informally"),
        },
    ),
    "language": (
        instrument.Language,
        {
            "zu": N_("Zulu (isiZulu)"),
            "en": N_("English"),
            "xh": N_("Xhosa (isiXhosa)"),
            "af": N_("Afrikaans"),
            "st": N_("Sesotho"),
            "other": N_("Another language"),
        },
    ),
    "sex": (instrument.Sex, {"female": N_("Female"), "male": N_("Male")}),
    "relation": (
        instrument.Relation,
        {
            "head": N_("Head of the household"),
            "spouse": N_("Spouse or partner"),
            "child": N_("Child"),
            "grandchild": N_("Grandchild"),
            "parent": N_("Parent"),
            "sibling": N_("Brother or sister"),
            "other_relative": N_("Other relative"),
            "non_relative": N_("Not related"),
        },
    ),
    "document_status": (
        instrument.DocumentStatus,
        {
            "has": N_("Has an ID or birth certificate"),
            "applied": N_("Has applied for one"),
            "none": N_("Has none"),
        },
    ),
    "employment": (
        instrument.Employment,
        {
            "employed": N_("Employed"),
            "self_employed": N_("Works for themselves"),
            "unemployed_seeking": N_("Unemployed, looking for work"),
            "unemployed_not_seeking": N_("Unemployed, not looking for work"),
            "student": N_("Learner or student"),
            "retired": N_("Retired"),
            "unable_to_work": N_("Unable to work"),
        },
    ),
    "grant_type": (
        instrument.GrantType,
        {
            "child_support": N_("Child support grant"),
            "foster_child": N_("Foster child grant"),
            "care_dependency": N_("Care dependency grant"),
            "older_persons": N_("Older persons grant"),
            "disability": N_("Disability grant"),
            "grant_in_aid": N_("Grant-in-aid"),
            "war_veterans": N_("War veterans grant"),
            "srd": N_("Social relief of distress (SRD)"),
        },
    ),
    "disability.type": (
        instrument.DisabilityType,
        {
            "none": N_("No disability"),
            "physical": N_("Physical"),
            "visual": N_("Sight"),
            "hearing": N_("Hearing"),
            "intellectual": N_("Intellectual"),
            "psychosocial": N_("Psychosocial"),
            "multiple": N_("More than one"),
        },
    ),
    "health.chronic_condition_category": (
        instrument.ChronicConditionCategory,
        {
            "none": N_("No chronic illness"),
            "cardiovascular": N_("Heart or blood pressure"),
            "metabolic": N_("Diabetes or another metabolic illness"),
            "respiratory": N_("Lungs or breathing"),
            "infectious_chronic": N_("A long-term infection"),
            "mental": N_("Mental health"),
            "other": N_("Another chronic illness"),
        },
    ),
    "livelihood.main_income_source": (
        instrument.IncomeSource,
        {
            "none": N_("No income"),
            "salary": N_("Wages or salary"),
            "grants": N_("Social grants"),
            "informal_trade": N_("Informal trading"),
            "remittances": N_("Money sent by family"),
            "pension": N_("Pension"),
            "other": N_("Another source"),
        },
    ),
    "livelihood.income_band": (
        instrument.IncomeBand,
        {
            "none": N_("Nothing"),
            "under_1000": N_("Less than R1,000"),
            "1000_3499": N_("R1,000 to R3,499"),
            "3500_6999": N_("R3,500 to R6,999"),
            "7000_plus": N_("R7,000 or more"),
        },
    ),
    "basic_services.water_source": (
        instrument.WaterSource,
        {
            "piped_in_dwelling": N_("Tap inside the home"),
            "piped_yard": N_("Tap in the yard"),
            "communal_tap": N_("Communal tap"),
            "borehole": N_("Borehole"),
            "river_or_dam": N_("River, stream or dam"),
            "tanker": N_("Water tanker"),
        },
    ),
    "basic_services.sanitation": (
        instrument.Sanitation,
        {
            "flush": N_("Flush toilet"),
            "vip": N_("Ventilated pit latrine (VIP)"),
            "pit": N_("Pit latrine"),
            "bucket": N_("Bucket toilet"),
            "none": N_("No toilet"),
        },
    ),
    "basic_services.electricity": (
        instrument.Electricity,
        {
            "grid": N_("Electricity on a meter"),
            "prepaid": N_("Prepaid electricity"),
            "none": N_("No electricity"),
        },
    ),
    "consent.basis": (
        instrument.ConsentBasis,
        {
            "consent": N_("The household's consent"),
            "public_law_duty": N_("A duty in law of a public body"),
            "child_protection_law": N_("The law protecting children"),
        },
    ),
    "consent.given_by": (
        instrument.ConsentGivenBy,
        {"self": N_("The member answering"), "competent_person": N_("A competent person for them")},
    ),
}

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

#: Each question's label, by its path in the profile (a member's under ``members.*``): the
#: name a refusal is shown under.
QUESTIONS: dict[str, str] = {
    "ward_id": N_("Ward"),
    "dwelling.type": N_("Kind of dwelling"),
    "dwelling.tenure": N_("Who owns the dwelling"),
    "dwelling.rooms": N_("Rooms"),
    "dwelling.village": N_("Village or section (optional)"),
    "language": N_("Language of the interview"),
    "members": N_("Members"),
    "members.*.first_name": N_("First name"),
    "members.*.surname": N_("Surname"),
    "members.*.sex": N_("Sex"),
    "members.*.date_of_birth": N_("Date of birth"),
    "members.*.relation": N_("Relation to the head"),
    "members.*.id_number": N_("ID number (optional)"),
    "members.*.document_status": N_("ID or birth certificate"),
    "members.*.phone": N_("Phone (optional)"),
    "members.*.employment": N_("Work"),
    "members.*.grants": N_("Grants received"),
    "members.*.disability.type": N_("Disability"),
    "members.*.health.chronic_condition_category": N_("Chronic illness"),
    "members.*.schooling.attending": N_("School"),
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
        "grants": [
            {"grant_type": g, "status": "receiving"}
            for g in get_args(instrument.GrantType)
            if _yes(form, f"{p}grants.{g}")
        ],
        "disability.type": _text(form, p + "disability.type") or "none",
        "health.chronic_condition_category": _text(form, p + "health.chronic_condition_category")
        or "none",
        "schooling.attending": None if not attending else attending == "yes",
    }
    for name, _ in HEALTH_FLAGS:
        flat[f"health.{name}"] = _yes(form, f"{p}health.{name}")
    return _nest(flat)


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
