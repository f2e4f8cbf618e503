"""The household profile questionnaire as the API accepts it (mirrors ``domain/profile.py``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Gps(Strict):
    lat: float = Field(ge=-35.0, le=-22.0, description="South African latitudes")
    lon: float = Field(ge=16.0, le=33.0)


class Dwelling(Strict):
    type: Literal["formal", "informal", "traditional", "backyard"]
    tenure: Literal["owned", "rented", "rent_free", "informal_occupation"]
    rooms: int = Field(ge=0, le=50)
    village: Annotated[str, StringConstraints(max_length=200)] | None = None
    gps: Gps | None = None


class Grant(Strict):
    grant_type: Literal[
        "child_support",
        "foster_child",
        "care_dependency",
        "older_persons",
        "disability",
        "grant_in_aid",
        "war_veterans",
        "srd",
    ]
    status: Literal["receiving", "eligible_not_receiving", "applied", "not_eligible"]


class Disability(Strict):
    type: Literal[
        "none", "physical", "visual", "hearing", "intellectual", "psychosocial", "multiple"
    ] = "none"
    assistive_device_needed: bool = False


class Health(Strict):
    """Special personal information (POPIA s26): categories, never diagnoses."""

    chronic_condition_category: Literal[
        "none",
        "cardiovascular",
        "metabolic",
        "respiratory",
        "infectious_chronic",
        "mental",
        "other",
    ] = "none"
    tb_symptom_screen_positive: bool = False
    on_treatment: bool = False
    defaulting_treatment: bool = False
    pregnant: bool = False
    missed_immunisation: bool = False
    suspected_malnutrition: bool = False


class Schooling(Strict):
    attending: bool | None = None
    grade: Annotated[str, StringConstraints(max_length=20)] | None = None
    school_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    reason_not_attending: Annotated[str, StringConstraints(max_length=500)] | None = None
    ecd_attendance: bool | None = None


class Member(Strict):
    member_id: UUID
    first_name: Name
    surname: Name
    sex: Literal["female", "male"]
    date_of_birth: date
    relation: Literal[
        "head",
        "spouse",
        "child",
        "grandchild",
        "parent",
        "sibling",
        "other_relative",
        "non_relative",
    ]
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{13}$")] | None = None
    document_status: Literal["has", "applied", "none"]
    citizenship: Literal["citizen", "permanent_resident", "permit", "undocumented"] = "citizen"
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{9,15}$")] | None = None
    grants: list[Grant] = Field(default_factory=list, max_length=10)
    disability: Disability = Field(default_factory=Disability)
    health: Health = Field(default_factory=Health)
    schooling: Schooling = Field(default_factory=Schooling)
    orphan_status: Literal["none", "maternal", "paternal", "double"] = "none"
    employment: Literal[
        "employed",
        "self_employed",
        "unemployed_seeking",
        "unemployed_not_seeking",
        "student",
        "retired",
        "unable_to_work",
    ]


class Livelihood(Strict):
    main_income_source: Literal[
        "none", "salary", "grants", "informal_trade", "remittances", "pension", "other"
    ]
    income_band: Literal["none", "under_1000", "1000_3499", "3500_6999", "7000_plus"]
    livelihood_link: bool = False


class FoodSecurity(Strict):
    days_skipped_meal_last_7: int = Field(ge=0, le=7)
    child_went_hungry: bool
    food_garden: bool = False
    receives_food_parcels: bool = False


class BasicServices(Strict):
    water_source: Literal[
        "piped_in_dwelling", "piped_yard", "communal_tap", "borehole", "river_or_dam", "tanker"
    ]
    water_distance_m: int = Field(ge=0, le=50_000)
    sanitation: Literal["flush", "vip", "pit", "bucket", "none"]
    electricity: Literal["grid", "prepaid", "none"]
    refuse_removal: bool


class SocialIlls(Strict):
    """Sensitive: disclosed to the field worker in confidence."""

    substance_abuse: bool = False
    gbv_disclosed_or_suspected: bool = False
    child_abuse_concern: bool = False
    crime_victim: bool = False


class Consent(Strict):
    given: bool
    given_by: Literal["self", "competent_person"]
    basis: Literal["consent", "public_law_duty", "child_protection_law"] = "consent"


class Profile(Strict):
    instrument_version: Annotated[str, StringConstraints(max_length=20)] = "oss-profile-1"
    language: Literal["zu", "en", "xh", "af", "st", "other"] = "zu"
    dwelling: Dwelling
    members: list[Member] = Field(min_length=1, max_length=40)
    livelihood: Livelihood
    food_security: FoodSecurity
    basic_services: BasicServices
    social_ills: SocialIlls = Field(default_factory=SocialIlls)
    consent: Consent
