"""risk-v1: an additive, explainable score banded into a level."""

from __future__ import annotations

import pytest

from domain.rules.risk import (
    RISK_FACTORS,
    RISK_LEVEL_THRESHOLDS,
    RISK_RULE_VERSION,
    RISK_WEIGHTS,
    level_for,
    risk_factors,
    score_risk,
)
from domain.rules.risk_wording import reword_first_reasons
from domain.vocabulary import RiskLevel
from tests.factories import AS_OF, make_child, make_member, make_profile


def test_sample_profile_scores_zero_and_low() -> None:
    risk = score_risk(make_profile(), AS_OF)
    assert (risk.score, risk.level, risk.reasons, risk.rule_version) == (
        0,
        RiskLevel.LOW,
        (),
        "risk-v1",
    )
    assert RISK_RULE_VERSION == "risk-v1"


def test_every_weighted_factor_is_evaluated() -> None:
    assert set(risk_factors(make_profile(), AS_OF)) == set(RISK_WEIGHTS) == set(RISK_FACTORS)


def test_documented_weights() -> None:
    assert RISK_WEIGHTS["child_headed"] == 30
    assert RISK_WEIGHTS["child_abuse_concern"] == 35
    assert RISK_WEIGHTS["gbv"] == 25
    assert RISK_WEIGHTS["child_hungry"] == 20


def test_score_is_the_sum_of_factor_points_and_reasons_name_them() -> None:
    profile = make_profile(
        social_ills={"gbv_disclosed_or_suspected": True}, dwelling={"type": "informal"}
    )
    risk = score_risk(profile, AS_OF)
    assert risk.score == 30
    assert risk.level == RiskLevel.MEDIUM
    assert risk.reasons == (
        "a safety concern in the household (+25)",
        "informal or backyard dwelling (+5)",
    )


def test_a_factor_counts_once_however_many_members_have_it() -> None:
    members = [make_member(document_status="none", id_number=None)] + [
        make_child(document_status="none", id_number=None) for _ in range(3)
    ]
    assert score_risk(make_profile(members=members), AS_OF).score == RISK_WEIGHTS["no_documents"]


def test_skipped_meal_bands_are_exclusive() -> None:
    four = score_risk(make_profile(food_security={"days_skipped_meal_last_7": 4}), AS_OF)
    six = score_risk(make_profile(food_security={"days_skipped_meal_last_7": 6}), AS_OF)
    assert (four.score, six.score) == (10, 15)


def test_score_is_capped_at_100_and_critical() -> None:
    profile = make_profile(
        social_ills={
            "child_abuse_concern": True,
            "gbv_disclosed_or_suspected": True,
            "substance_abuse": True,
        },
        food_security={"days_skipped_meal_last_7": 6, "child_went_hungry": True},
        livelihood={"main_income_source": "none", "income_band": "none"},
    )
    risk = score_risk(profile, AS_OF)
    present = [key for key, holds in risk_factors(profile, AS_OF).items() if holds]
    assert sum(RISK_WEIGHTS[key] for key in present) == 125
    assert risk.score == 100
    assert risk.level == RiskLevel.CRITICAL
    assert len(risk.reasons) == 6


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, RiskLevel.LOW),
        (24, RiskLevel.LOW),
        (25, RiskLevel.MEDIUM),
        (49, RiskLevel.MEDIUM),
        (50, RiskLevel.HIGH),
        (74, RiskLevel.HIGH),
        (75, RiskLevel.CRITICAL),
        (100, RiskLevel.CRITICAL),
    ],
)
def test_levels_follow_thresholds(score: int, level: RiskLevel) -> None:
    assert level_for(score) == level
    assert [upper for upper, _ in RISK_LEVEL_THRESHOLDS] == [25, 50, 75]


def test_child_abuse_concern_alone_forces_high() -> None:
    risk = score_risk(make_profile(social_ills={"child_abuse_concern": True}), AS_OF)
    assert risk.score == 35
    assert risk.level == RiskLevel.HIGH
    assert risk.reasons[-1] == "level raised to high: child protection concern"


def test_malnourished_under_five_forces_high() -> None:
    baby = make_child(date_of_birth="2022-01-01", health={"suspected_malnutrition": True})
    risk = score_risk(make_profile(members=[make_member(), baby]), AS_OF)
    assert risk.score == 25
    assert risk.level == RiskLevel.HIGH


def test_child_headed_household_where_a_child_went_hungry_is_at_least_high() -> None:
    head = make_child(date_of_birth="2008-09-09", relation="head")
    profile = make_profile(members=[head], food_security={"child_went_hungry": True})
    risk = score_risk(profile, AS_OF)
    assert risk.score == 50
    assert risk.level == RiskLevel.HIGH
    assert "child-headed household (+30)" in risk.reasons


def test_child_headed_household_alone_is_scored_without_floor() -> None:
    head = make_child(date_of_birth="2008-09-09", relation="head")
    risk = score_risk(make_profile(members=[head]), AS_OF)
    assert (risk.score, risk.level) == (30, RiskLevel.MEDIUM)


def test_elderly_head_caring_for_orphans_scores_both_factors() -> None:
    granny = make_member(date_of_birth="1950-05-05", employment="retired")
    orphan = make_child(relation="grandchild", orphan_status="double")
    risk = score_risk(make_profile(members=[granny, orphan]), AS_OF)
    assert risk.reasons == (
        "orphaned children in the household (+10)",
        "elderly-headed household (+5)",
    )


def test_special_categories_are_worded_by_the_broader_need_and_summed() -> None:
    # Given a member screened positive for TB and defaulting on treatment, in a household
    # where a crime was suffered and gender-based violence disclosed
    sick = make_member(health={"tb_symptom_screen_positive": True, "defaulting_treatment": True})
    profile = make_profile(
        members=[sick], social_ills={"crime_victim": True, "gbv_disclosed_or_suspected": True}
    )
    # When it is scored
    risk = score_risk(profile, AS_OF)
    # Then the score counts every factor, and the reasons name only the broader needs
    assert risk.score == 15 + 15 + 5 + 25
    assert risk.reasons == (
        "a safety concern in the household (+30)",
        "a member has a health need (+30)",
    )


def test_first_recorded_reasons_read_as_todays() -> None:
    first = [
        "child abuse or neglect concern (+35)",
        "TB symptom screen positive (+15)",
        "no household income (+15)",
        "a chronic condition not on treatment (+10)",
        "victim of crime (+5)",
        "level raised to high: child abuse or neglect concern",
    ]
    assert reword_first_reasons(first) == [
        "child protection concern (+35)",
        "a member has a health need (+25)",
        "no household income (+15)",
        "a safety concern in the household (+5)",
        "level raised to high: child protection concern",
    ]
    today = list(score_risk(make_profile(social_ills={"child_abuse_concern": True}), AS_OF).reasons)
    assert reword_first_reasons(today) == today
