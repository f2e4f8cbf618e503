"""Household-level facts about special personal information, recorded beside the sealed answers.

Members' health and disability and the household's social ills are special personal
information (POPIA s26): the profile event carries them sealed, under the household's data
key. What statistics need of them is counted here when the profile is submitted, in broad
categories and without naming a member, so the counts outlive erasure and any rebuild.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

# Answers of which any one true means a member has a health need.
_HEALTH_NEEDS: Final = (
    "tb_symptom_screen_positive",
    "defaulting_treatment",
    "pregnant",
    "missed_immunisation",
    "suspected_malnutrition",
)


def _has_health_need(health: Mapping[str, Any]) -> bool:
    chronic = health.get("chronic_condition_category", "none") != "none"
    # ``map``, not a generator: no Python frame for each answer.
    return (chronic and not health.get("on_treatment")) or any(map(health.get, _HEALTH_NEEDS))


def special_facts(profile: Mapping[str, Any]) -> dict[str, int]:
    """Counts of members in need by broad category, and of the household's social concerns."""
    members: list[Mapping[str, Any]] = profile["members"]
    health_needs = disabilities = 0
    for m in members:  # one pass
        health_needs += _has_health_need(m.get("health", {}))
        disabilities += m.get("disability", {}).get("type", "none") != "none"
    return {
        "members": len(members),
        "members_with_health_need": health_needs,
        "members_with_disability": disabilities,
        "social_concerns": sum(map(bool, profile.get("social_ills", {}).values())),
    }
