"""The household profile questionnaire as the API accepts it: its shape and bounds here, its
vocabularies (the literal types) from ``domain/profile.py``, spelled there once."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from api.schemas.common import Input
from domain.profile import (
    ChronicConditionCategory,
    Citizenship,
    ConsentBasis,
    ConsentGivenBy,
    DisabilityType,
    DocumentStatus,
    DwellingType,
    Electricity,
    Employment,
    GrantStatus,
    GrantType,
    IncomeBand,
    IncomeSource,
    Language,
    OrphanStatus,
    Relation,
    Sanitation,
    Sex,
    Tenure,
    WaterSource,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
#: Most members one profile holds (the web's register form offers as many).
MEMBERS_MAX = 40


class Strict(Input):
    """A part of the profile: unknown fields and text PostgreSQL cannot hold refused."""


class Gps(Strict):
    lat: float = Field(ge=-35.0, le=-22.0, description="South African latitudes")
    lon: float = Field(ge=16.0, le=33.0)


class Dwelling(Strict):
    type: DwellingType
    tenure: Tenure
    rooms: int = Field(ge=0, le=50)
    village: Annotated[str, StringConstraints(max_length=200)] | None = None
    gps: Gps | None = None


class Grant(Strict):
    grant_type: GrantType
    status: GrantStatus


class Disability(Strict):
    type: DisabilityType = "none"
    assistive_device_needed: bool = False


class Health(Strict):
    """Special personal information (POPIA s26): categories, never diagnoses."""

    chronic_condition_category: ChronicConditionCategory = "none"
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
    sex: Sex
    date_of_birth: date
    relation: Relation
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{13}$")] | None = None
    document_status: DocumentStatus
    citizenship: Citizenship = "citizen"
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{9,15}$")] | None = None
    grants: list[Grant] = Field(default_factory=list, max_length=10)
    disability: Disability = Field(default_factory=Disability)
    health: Health = Field(default_factory=Health)
    schooling: Schooling = Field(default_factory=Schooling)
    orphan_status: OrphanStatus = "none"
    employment: Employment


class Livelihood(Strict):
    main_income_source: IncomeSource
    income_band: IncomeBand
    livelihood_link: bool = False


class FoodSecurity(Strict):
    days_skipped_meal_last_7: int = Field(ge=0, le=7)
    child_went_hungry: bool
    food_garden: bool = False
    receives_food_parcels: bool = False


class BasicServices(Strict):
    water_source: WaterSource
    water_distance_m: int = Field(ge=0, le=50_000)
    sanitation: Sanitation
    electricity: Electricity
    refuse_removal: bool


class SocialIlls(Strict):
    """Sensitive: disclosed to the field worker in confidence."""

    substance_abuse: bool = False
    gbv_disclosed_or_suspected: bool = False
    child_abuse_concern: bool = False
    crime_victim: bool = False


class Consent(Strict):
    given: bool
    given_by: ConsentGivenBy
    basis: ConsentBasis = "consent"


class Profile(Strict):
    instrument_version: Annotated[str, StringConstraints(max_length=20)] = "oss-profile-1"
    language: Language = "zu"
    dwelling: Dwelling
    members: list[Member] = Field(min_length=1, max_length=MEMBERS_MAX)
    livelihood: Livelihood
    food_security: FoodSecurity
    basic_services: BasicServices
    social_ills: SocialIlls = Field(default_factory=SocialIlls)
    consent: Consent
