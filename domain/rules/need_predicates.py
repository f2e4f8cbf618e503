"""Facts about a member or a household that both the needs rule and the risk score read."""

from __future__ import annotations

from typing import Final

from domain.profile import BasicServices, Member

UNDER_FIVE: Final = 5
ECD_AGES: Final = range(3, 6)
COMPULSORY_SCHOOL_AGES: Final = range(7, 16)
YOUTH_AGES: Final = range(15, 35)
WORKING_AGES: Final = range(18, 65)
MAX_WATER_DISTANCE_M: Final = 200
DISABILITY_GRANTS: Final = frozenset(
    {"disability", "care_dependency", "grant_in_aid", "older_persons"}
)
CHILD_GRANTS: Final = frozenset({"child_support", "foster_child"})
UNEMPLOYED: Final = frozenset({"unemployed_seeking", "unemployed_not_seeking"})


def grants_missed(member: Member) -> list[str]:
    """Grant types the member is eligible for but does not receive."""
    return [g["grant_type"] for g in member["grants"] if g["status"] == "eligible_not_receiving"]


def disability_without_grant(member: Member) -> bool:
    """A disability, and no disability-related grant received or applied for."""
    return member["disability"]["type"] != "none" and not any(
        g["grant_type"] in DISABILITY_GRANTS and g["status"] in ("receiving", "applied")
        for g in member["grants"]
    )


def out_of_school(member: Member, age: int) -> bool:
    """A child of compulsory school age (7-15) reported as not attending."""
    return age in COMPULSORY_SCHOOL_AGES and member["schooling"]["attending"] is False


def neet_youth(member: Member, age: int) -> bool:
    """A youth (15-34) not in employment, education or training."""
    return (
        age in YOUTH_AGES
        and member["employment"] in UNEMPLOYED
        and member["schooling"]["attending"] is not True
    )


def inadequate_water(services: BasicServices) -> bool:
    """Water from a river, dam or tanker, or more than 200 m away."""
    return (
        services["water_source"] in ("river_or_dam", "tanker")
        or services["water_distance_m"] > MAX_WATER_DISTANCE_M
    )
