"""The household profile questionnaire: the JSON a ProfileSubmitted event carries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Final, Literal, TypedDict, cast
from uuid import UUID

from domain.errors import InvalidCommand
from domain.reference.said import is_valid_sa_id

DwellingType = Literal["formal", "informal", "traditional", "backyard"]
Tenure = Literal["owned", "rented", "rent_free", "informal_occupation"]
Sex = Literal["female", "male"]
Relation = Literal[
    "head", "spouse", "child", "grandchild", "parent", "sibling", "other_relative", "non_relative"
]
DocumentStatus = Literal["has", "applied", "none"]
Citizenship = Literal["citizen", "permanent_resident", "permit", "undocumented"]
GrantType = Literal[
    "child_support",
    "foster_child",
    "care_dependency",
    "older_persons",
    "disability",
    "grant_in_aid",
    "war_veterans",
    "srd",
]
GrantStatus = Literal["receiving", "eligible_not_receiving", "applied", "not_eligible"]
DisabilityType = Literal[
    "none", "physical", "visual", "hearing", "intellectual", "psychosocial", "multiple"
]
ChronicConditionCategory = Literal[
    "none", "cardiovascular", "metabolic", "respiratory", "infectious_chronic", "mental", "other"
]
OrphanStatus = Literal["none", "maternal", "paternal", "double"]
Employment = Literal[
    "employed",
    "self_employed",
    "unemployed_seeking",
    "unemployed_not_seeking",
    "student",
    "retired",
    "unable_to_work",
]
IncomeSource = Literal[
    "none", "salary", "grants", "informal_trade", "remittances", "pension", "other"
]
IncomeBand = Literal["none", "under_1000", "1000_3499", "3500_6999", "7000_plus"]
WaterSource = Literal[
    "piped_in_dwelling", "piped_yard", "communal_tap", "borehole", "river_or_dam", "tanker"
]
Sanitation = Literal["flush", "vip", "pit", "bucket", "none"]
Electricity = Literal["grid", "prepaid", "none"]
ConsentGivenBy = Literal["self", "competent_person"]
ConsentBasis = Literal["consent", "public_law_duty", "child_protection_law"]
Language = Literal["zu", "en", "xh", "af", "st", "other"]  # of the interview


class Gps(TypedDict):
    lat: float
    lon: float


class Dwelling(TypedDict):
    type: DwellingType
    tenure: Tenure
    rooms: int
    village: str | None
    gps: Gps | None


class Grant(TypedDict):
    grant_type: GrantType
    status: GrantStatus


class Disability(TypedDict):
    type: DisabilityType
    assistive_device_needed: bool


class Health(TypedDict):
    chronic_condition_category: ChronicConditionCategory
    tb_symptom_screen_positive: bool
    on_treatment: bool
    defaulting_treatment: bool
    pregnant: bool
    missed_immunisation: bool
    suspected_malnutrition: bool


class Schooling(TypedDict):
    attending: bool | None
    grade: str | None
    school_name: str | None
    reason_not_attending: str | None
    ecd_attendance: bool | None


class Member(TypedDict):
    member_id: str
    first_name: str
    surname: str
    sex: Sex
    date_of_birth: str  # ISO YYYY-MM-DD
    relation: Relation
    id_number: str | None
    document_status: DocumentStatus  # ID or birth certificate
    citizenship: Citizenship
    phone: str | None
    grants: list[Grant]
    disability: Disability
    health: Health
    schooling: Schooling
    orphan_status: OrphanStatus
    employment: Employment


class Livelihood(TypedDict):
    main_income_source: IncomeSource
    income_band: IncomeBand
    livelihood_link: bool  # EPWP, NYDA or a co-op


class FoodSecurity(TypedDict):
    days_skipped_meal_last_7: int  # 0..7
    child_went_hungry: bool
    food_garden: bool
    receives_food_parcels: bool


class BasicServices(TypedDict):
    water_source: WaterSource
    water_distance_m: int
    sanitation: Sanitation
    electricity: Electricity
    refuse_removal: bool


class SocialIlls(TypedDict):
    substance_abuse: bool
    gbv_disclosed_or_suspected: bool
    child_abuse_concern: bool
    crime_victim: bool


class Consent(TypedDict):
    given: bool
    given_by: ConsentGivenBy
    basis: ConsentBasis


class Profile(TypedDict):
    instrument_version: str
    language: Language
    dwelling: Dwelling
    members: list[Member]
    livelihood: Livelihood
    food_security: FoodSecurity
    basic_services: BasicServices
    social_ills: SocialIlls
    consent: Consent


# Personal information (POPIA) to be encrypted at rest: keys of each member, paths in the profile.
MEMBER_PERSONAL_FIELDS: Final = ("first_name", "surname", "date_of_birth", "id_number", "phone")
PROFILE_PERSONAL_FIELDS: Final = ("dwelling.gps", "dwelling.village")
# Special personal information (POPIA s26: health, sex life, criminal behaviour), sealed alike;
# statistics read the facts counted from it at submission (domain.rules.special_facts).
MEMBER_SPECIAL_FIELDS: Final = ("health", "disability")
PROFILE_SPECIAL_FIELDS: Final = ("social_ills",)


def age_on(date_of_birth: str, on: date) -> int:
    """Completed years of age on ``on`` for an ISO ``YYYY-MM-DD`` birth date."""
    born = date.fromisoformat(date_of_birth)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def head_of(profile: Profile) -> Member | None:
    """The member whose relation is ``head`` (a validated profile has exactly one)."""
    return next((m for m in profile["members"] if m["relation"] == "head"), None)


def validate_profile(profile: Mapping[str, object], as_of: date) -> Profile:
    """Check what the API schema cannot (heads, unique ids, dates, ID numbers); return it typed."""
    members = profile.get("members")
    if not isinstance(members, list) or not members:
        raise InvalidCommand("members", "a profile needs at least one member")
    member_ids: dict[str, int] = {}
    id_numbers: dict[str, int] = {}
    heads = 0
    for index, raw in enumerate(members):
        if not isinstance(raw, Mapping):
            raise InvalidCommand(f"members[{index}]", "must be an object")
        member_id = _member_id(raw.get("member_id"), index)
        if member_id in member_ids:
            raise InvalidCommand(
                _field(index, "member_id"), f"repeats members[{member_ids[member_id]}].member_id"
            )
        member_ids[member_id] = index
        born = _date_of_birth(raw.get("date_of_birth"), index, as_of)
        id_number = raw.get("id_number")
        if id_number is not None:
            _check_id_number(id_number, born, index)
            if id_number in id_numbers:
                raise InvalidCommand(
                    _field(index, "id_number"),
                    f"repeats members[{id_numbers[id_number]}].id_number",
                )
            id_numbers[id_number] = index
        if raw.get("relation") == "head":
            heads += 1
    if heads != 1:
        raise InvalidCommand(
            "members", f"exactly one member must have relation 'head', found {heads}"
        )
    return cast(Profile, dict(profile))


def _field(index: int, name: str) -> str:
    """A member's field as an error names it (made only for an error: a few a member)."""
    return f"members[{index}].{name}"


#: A UUID as ``str(UUID(...))`` writes it, taken as it is: parsing it and writing it again was
#: about a third of a profile's check (an import checks every household's).
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _member_id(value: object, index: int) -> str:
    if not isinstance(value, str):
        raise InvalidCommand(_field(index, "member_id"), "must be a UUID string")
    if _CANONICAL_UUID.fullmatch(value):
        return value
    try:
        return str(UUID(value))
    except ValueError:
        raise InvalidCommand(_field(index, "member_id"), f"{value!r} is not a UUID") from None


def _date_of_birth(value: object, index: int, as_of: date) -> date:
    if not isinstance(value, str):
        raise InvalidCommand(
            _field(index, "date_of_birth"), "must be an ISO date string YYYY-MM-DD"
        )
    try:
        born = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        born = None
    if born is None:
        raise InvalidCommand(
            _field(index, "date_of_birth"), f"{value!r} is not an ISO date YYYY-MM-DD"
        )
    if born > as_of:
        raise InvalidCommand(
            _field(index, "date_of_birth"), f"{value} is after {as_of.isoformat()}"
        )
    return born


def _check_id_number(value: object, born: date, index: int) -> None:
    if not isinstance(value, str) or not is_valid_sa_id(value):
        raise InvalidCommand(_field(index, "id_number"), "is not a valid South African ID number")
    iso = born.isoformat()  # sliced: strftime was about 5 us, 4% of an import's CPU
    if value[:6] != iso[2:4] + iso[5:7] + iso[8:10]:
        raise InvalidCommand(
            _field(index, "id_number"), "its birth date (YYMMDD) does not match date_of_birth"
        )
