"""needs-v1: which needs a profile derives, at what severity, for which department."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.households.application import assess
from domain.profile import Profile
from domain.rules.flags import derive_flags
from domain.rules.needs import NEEDS_RULE_VERSION, DerivedNeed, derive_needs
from domain.rules.risk import score_risk
from domain.vocabulary import NeedCategory, Severity
from tests.factories import AS_OF, make_child, make_member, make_profile


def needs_of(profile: Profile) -> list[DerivedNeed]:
    return derive_needs(profile, AS_OF)


def only_need(profile: Profile, category: NeedCategory) -> DerivedNeed:
    found = [n for n in needs_of(profile) if n.category == category]
    assert len(found) == 1, found
    return found[0]


def with_child(**overrides: Any) -> Profile:
    return make_profile(members=[make_member(), make_child(**overrides)])


def test_rule_version_is_needs_v1() -> None:
    assert NEEDS_RULE_VERSION == "needs-v1"


def test_sample_profile_derives_no_needs() -> None:
    assert needs_of(make_profile()) == []


def test_child_without_birth_certificate_is_a_high_dha_need_for_that_child() -> None:
    child = make_child(document_status="none")
    need = only_need(make_profile(members=[make_member(), child]), NeedCategory.DOCUMENTS)
    assert (need.severity, need.department) == (Severity.HIGH, "DHA")
    assert need.member_id == child["member_id"]
    assert need.source_item == "members[1].document_status"
    assert "birth certificate" in need.reason


def test_adult_without_id_is_a_medium_documents_need() -> None:
    profile = make_profile(members=[make_member(document_status="none", id_number=None)])
    need = only_need(profile, NeedCategory.DOCUMENTS)
    assert (need.severity, need.department) == (Severity.MEDIUM, "DHA")


def test_document_application_in_progress_derives_no_need() -> None:
    assert needs_of(with_child(document_status="applied", id_number=None)) == []


def test_grant_eligible_not_receiving_is_a_sassa_need_naming_the_grant() -> None:
    grants = [{"grant_type": "child_support", "status": "eligible_not_receiving"}]
    profile = with_child(grants=grants)
    need = only_need(profile, NeedCategory.SOCIAL_GRANT)
    assert (need.severity, need.department) == (Severity.MEDIUM, "SASSA")
    assert need.source_item == "members[1].grants[0].status"
    assert "child support grant" in need.reason


def test_missing_grant_in_a_household_without_income_is_high() -> None:
    profile = make_profile(
        members=[make_member(grants=[{"grant_type": "srd", "status": "eligible_not_receiving"}])],
        livelihood={"main_income_source": "none", "income_band": "none"},
    )
    assert only_need(profile, NeedCategory.SOCIAL_GRANT).severity == Severity.HIGH


def test_foster_child_grant_goes_to_dsd() -> None:
    grants = [
        {"grant_type": "child_support", "status": "receiving"},
        {"grant_type": "foster_child", "status": "eligible_not_receiving"},
    ]
    need = only_need(with_child(grants=grants), NeedCategory.SOCIAL_GRANT)
    assert need.department == "DSD"
    assert need.source_item == "members[1].grants[1].status"


def test_double_orphan_without_child_grant_is_referred_to_dsd_for_foster_care() -> None:
    need = only_need(with_child(orphan_status="double", grants=[]), NeedCategory.SOCIAL_GRANT)
    assert (need.department, need.source_item) == ("DSD", "members[1].orphan_status")


def test_disability_needing_a_device_goes_to_health() -> None:
    profile = make_profile(
        members=[make_member(disability={"type": "physical", "assistive_device_needed": True})]
    )
    need = only_need(profile, NeedCategory.DISABILITY)
    assert (need.severity, need.department) == (Severity.MEDIUM, "DOH")


def test_disability_without_any_disability_grant_on_record_goes_to_sassa() -> None:
    profile = make_profile(members=[make_member(disability={"type": "visual"})])
    assert only_need(profile, NeedCategory.DISABILITY).department == "SASSA"


def test_disability_already_receiving_a_grant_derives_no_need() -> None:
    member = make_member(
        disability={"type": "visual"}, grants=[{"grant_type": "disability", "status": "receiving"}]
    )
    assert needs_of(make_profile(members=[member])) == []


def test_tb_positive_screen_is_a_high_health_need() -> None:
    profile = make_profile(members=[make_member(health={"tb_symptom_screen_positive": True})])
    need = only_need(profile, NeedCategory.HEALTH_TB)
    assert (need.severity, need.department) == (Severity.HIGH, "DOH")


def test_defaulting_treatment_outranks_untreated_chronic_condition() -> None:
    health = {
        "chronic_condition_category": "metabolic",
        "on_treatment": False,
        "defaulting_treatment": True,
    }
    profile = make_profile(members=[make_member(health=health)])
    need = only_need(profile, NeedCategory.HEALTH_CHRONIC)
    assert need.severity == Severity.HIGH
    assert need.source_item == "members[0].health.defaulting_treatment"


def test_chronic_condition_not_on_treatment_is_medium() -> None:
    health = {"chronic_condition_category": "cardiovascular", "on_treatment": False}
    profile = make_profile(members=[make_member(health=health)])
    assert only_need(profile, NeedCategory.HEALTH_CHRONIC).severity == Severity.MEDIUM


def test_pregnancy_under_18_is_high_maternal_health() -> None:
    profile = with_child(date_of_birth="2009-01-10", sex="female", health={"pregnant": True})
    need = only_need(profile, NeedCategory.HEALTH_MATERNAL)
    assert (need.severity, need.department) == (Severity.HIGH, "DOH")
    assert "16" in need.reason


def test_adult_pregnancy_derives_no_need() -> None:
    assert needs_of(make_profile(members=[make_member(health={"pregnant": True})])) == []


def test_malnourished_under_five_is_critical_and_older_child_high() -> None:
    baby = make_child(date_of_birth="2022-01-01", health={"suspected_malnutrition": True})
    older = make_child(date_of_birth="2015-01-01", health={"suspected_malnutrition": True})
    needs = [
        n
        for n in needs_of(make_profile(members=[make_member(), baby, older]))
        if n.category == NeedCategory.NUTRITION
    ]
    assert [(n.member_id, n.severity) for n in needs] == [
        (baby["member_id"], Severity.CRITICAL),
        (older["member_id"], Severity.HIGH),
    ]


def test_missed_immunisation_is_a_medium_health_need() -> None:
    profile = with_child(date_of_birth="2023-05-05", health={"missed_immunisation": True})
    need = only_need(profile, NeedCategory.HEALTH_MATERNAL)
    assert (need.severity, need.department) == (Severity.MEDIUM, "DOH")


def test_school_age_child_not_attending_is_an_education_need() -> None:
    need = only_need(with_child(schooling={"attending": False}), NeedCategory.EDUCATION)
    assert (need.department, need.severity) == ("DBE", Severity.HIGH)
    assert need.source_item == "members[1].schooling.attending"


def test_child_of_16_not_attending_is_not_a_compulsory_schooling_need() -> None:
    profile = with_child(date_of_birth="2009-01-01", schooling={"attending": False})
    assert all(n.category != NeedCategory.EDUCATION for n in needs_of(profile))


def test_neet_youth_is_a_medium_livelihood_need_for_del() -> None:
    youth = make_member(
        relation="child", date_of_birth="2003-02-02", employment="unemployed_seeking"
    )
    need = only_need(make_profile(members=[make_member(), youth]), NeedCategory.LIVELIHOOD)
    assert (need.department, need.severity, need.member_id) == (
        "DEL",
        Severity.MEDIUM,
        youth["member_id"],
    )


def test_older_jobseeker_is_a_low_livelihood_need() -> None:
    profile = make_profile(members=[make_member(employment="unemployed_seeking")])
    assert only_need(profile, NeedCategory.LIVELIHOOD).severity == Severity.LOW


def test_skipping_meals_three_days_is_a_high_dsd_food_need() -> None:
    profile = make_profile(food_security={"days_skipped_meal_last_7": 3})
    need = only_need(profile, NeedCategory.FOOD_SECURITY)
    assert (need.severity, need.department, need.member_id) == (Severity.HIGH, "DSD", None)


def test_child_hungry_alone_is_high_food_need() -> None:
    profile = make_profile(food_security={"child_went_hungry": True})
    assert only_need(profile, NeedCategory.FOOD_SECURITY).severity == Severity.HIGH


def test_child_hungry_and_five_days_skipped_is_critical() -> None:
    profile = make_profile(food_security={"days_skipped_meal_last_7": 5, "child_went_hungry": True})
    assert only_need(profile, NeedCategory.FOOD_SECURITY).severity == Severity.CRITICAL


def test_food_insecure_household_without_garden_is_referred_to_agriculture() -> None:
    profile = make_profile(food_security={"days_skipped_meal_last_7": 1, "food_garden": False})
    garden = only_need(profile, NeedCategory.LIVELIHOOD)
    assert (garden.department, garden.severity) == ("DARD", Severity.LOW)
    assert only_need(profile, NeedCategory.FOOD_SECURITY).severity == Severity.MEDIUM


def test_unsafe_water_no_toilet_and_no_electricity_go_to_the_municipality() -> None:
    profile = make_profile(
        basic_services={"water_source": "river_or_dam", "sanitation": "none", "electricity": "none"}
    )
    found = {(n.category, n.severity, n.department) for n in needs_of(profile)}
    assert found == {
        (NeedCategory.WATER, Severity.HIGH, "MUNI"),
        (NeedCategory.SANITATION, Severity.MEDIUM, "MUNI"),
        (NeedCategory.ELECTRICITY, Severity.LOW, "MUNI"),
    }


def test_distant_communal_tap_is_a_water_need_but_200_m_is_not() -> None:
    far = make_profile(basic_services={"water_source": "communal_tap", "water_distance_m": 201})
    near = make_profile(basic_services={"water_source": "communal_tap", "water_distance_m": 200})
    assert only_need(far, NeedCategory.WATER).source_item == "basic_services.water_distance_m"
    assert needs_of(near) == []


def test_informal_dwelling_is_a_medium_housing_need_and_backyard_low() -> None:
    informal = only_need(make_profile(dwelling={"type": "informal"}), NeedCategory.HOUSING)
    backyard = only_need(make_profile(dwelling={"type": "backyard"}), NeedCategory.HOUSING)
    assert (informal.department, informal.severity) == ("DHS", Severity.MEDIUM)
    assert backyard.severity == Severity.LOW


def test_social_ills_route_to_dsd_and_saps() -> None:
    profile = make_profile(
        social_ills={"substance_abuse": True, "gbv_disclosed_or_suspected": True}
    )
    found = {(n.category, n.severity, n.department) for n in needs_of(profile)}
    assert found == {
        (NeedCategory.SUBSTANCE_ABUSE, Severity.MEDIUM, "DSD"),
        (NeedCategory.GBV, Severity.HIGH, "SAPS"),
    }


def test_child_abuse_concern_is_critical_child_protection() -> None:
    profile = make_profile(social_ills={"child_abuse_concern": True})
    need = only_need(profile, NeedCategory.CHILD_PROTECTION)
    assert (need.severity, need.department) == (Severity.CRITICAL, "DSD")


def test_child_headed_household_is_high_child_protection() -> None:
    head = make_child(date_of_birth="2008-09-09", relation="head")
    profile = make_profile(members=[head, make_child()])
    need = only_need(profile, NeedCategory.CHILD_PROTECTION)
    assert (need.severity, need.member_id, need.source_item) == (Severity.HIGH, None, "members")


def test_child_headed_with_abuse_concern_keeps_one_critical_child_protection_need() -> None:
    head = make_child(date_of_birth="2008-09-09", relation="head")
    profile = make_profile(members=[head, make_child()], social_ills={"child_abuse_concern": True})
    assert only_need(profile, NeedCategory.CHILD_PROTECTION).severity == Severity.CRITICAL


def test_needs_are_unique_per_category_and_subject_and_in_stable_order() -> None:
    child = make_child(
        document_status="none",
        id_number=None,
        schooling={"attending": False},
        health={"missed_immunisation": True, "suspected_malnutrition": True},
    )
    profile = make_profile(
        members=[make_member(employment="unemployed_seeking"), child],
        food_security={"days_skipped_meal_last_7": 4, "child_went_hungry": True},
        dwelling={"type": "informal"},
        social_ills={"child_abuse_concern": True, "crime_victim": True},
    )
    needs = needs_of(profile)
    keys = [(n.category, n.member_id) for n in needs]
    assert len(keys) == len(set(keys))
    assert needs == needs_of(profile)
    assert [n.category for n in needs] == [
        NeedCategory.LIVELIHOOD,
        NeedCategory.DOCUMENTS,
        NeedCategory.HEALTH_MATERNAL,
        NeedCategory.NUTRITION,
        NeedCategory.EDUCATION,
        NeedCategory.CHILD_PROTECTION,
        NeedCategory.OTHER,
        NeedCategory.FOOD_SECURITY,
        NeedCategory.HOUSING,
    ]


def test_flags_of_a_grandmother_heading_a_household_with_an_orphaned_grandchild() -> None:
    granny = make_member(date_of_birth="1955-01-01", employment="retired")
    orphan = make_child(relation="grandchild", orphan_status="maternal")
    flags = derive_flags(make_profile(members=[granny, orphan]), AS_OF)
    assert flags.as_list() == ["elderly_headed", "female_headed", "grandparent_caring_for_orphans"]


def test_head_under_18_makes_a_child_headed_household_even_with_an_adult_member() -> None:
    head = make_child(date_of_birth="2008-09-09", relation="head")
    uncle = make_member(relation="other_relative", sex="male", date_of_birth="1990-01-01")
    flags = derive_flags(make_profile(members=[head, uncle]), AS_OF)
    assert flags.as_list() == ["child_headed"]


def test_sample_household_is_only_female_headed() -> None:
    assert derive_flags(make_profile(), AS_OF).as_list() == ["female_headed"]


@given(
    head_born=st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 1, 1)),
    other_born=st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 1, 1)),
    relation=st.sampled_from(["grandchild", "child", "spouse"]),
    orphan=st.sampled_from(["none", "maternal", "double"]),
    sex=st.sampled_from(["female", "male"]),
)
def test_rules_given_the_flags_answer_as_when_they_work_them_out(
    head_born: date, other_born: date, relation: str, orphan: str, sex: str
) -> None:
    # An assessment works the flags out once and hands them to the risk score and the needs.
    head = make_member(date_of_birth=head_born.isoformat(), sex=sex)
    other = make_member(
        relation=relation, orphan_status=orphan, date_of_birth=other_born.isoformat()
    )
    profile = make_profile(members=[head, other])
    flags = derive_flags(profile, AS_OF)
    assert derive_needs(profile, AS_OF, flags) == derive_needs(profile, AS_OF)
    assert score_risk(profile, AS_OF, flags) == score_risk(profile, AS_OF)
    assert assess(profile, AS_OF, flags) == assess(profile, AS_OF)
