"""graduation-v1: every criterion of oss-domain.md §4.3 must hold."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

from domain.rules.graduation import (
    GRADUATION_POLICY_VERSION,
    GraduationFacts,
    evaluate_graduation,
)
from tests.factories import AS_OF, make_child, make_member, make_profile


def ready(**changes: object) -> GraduationFacts:
    facts = GraduationFacts(
        as_of=AS_OF,
        open_needs_high_or_critical=0,
        latest_profile=make_profile(),
        first_profile_on=AS_OF - timedelta(days=200),
        last_visit_on=AS_OF - timedelta(days=10),
        skipped_meals_recent=(0, 0, 3),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def unmet_keys(facts: GraduationFacts) -> list[str]:
    return [u.split(":")[0] for u in evaluate_graduation(facts).unmet]


def test_household_meeting_every_criterion_is_eligible() -> None:
    decision = evaluate_graduation(ready())
    assert decision.eligible is True
    assert decision.unmet == ()
    assert decision.policy_version == GRADUATION_POLICY_VERSION == "graduation-v1"


def test_household_without_profile_is_never_eligible() -> None:
    decision = evaluate_graduation(ready(latest_profile=None, first_profile_on=None))
    assert decision.eligible is False
    assert [u.split(":")[0] for u in decision.unmet] == ["profile", "time_in_programme"]


def test_open_high_needs_are_counted_in_the_reason() -> None:
    decision = evaluate_graduation(ready(open_needs_high_or_critical=2))
    assert decision.unmet == ("open_high_needs: 2 high or critical needs are still open",)


def test_member_without_documents_blocks_but_an_application_does_not() -> None:
    none = make_profile(members=[make_member(), make_child(document_status="none", id_number=None)])
    applied = make_profile(
        members=[make_member(), make_child(document_status="applied", id_number=None)]
    )
    assert unmet_keys(ready(latest_profile=none)) == ["documents"]
    assert unmet_keys(ready(latest_profile=applied)) == []


def test_grant_eligible_not_receiving_blocks() -> None:
    child = make_child(grants=[{"grant_type": "child_support", "status": "eligible_not_receiving"}])
    profile = make_profile(members=[make_member(), child])
    assert unmet_keys(ready(latest_profile=profile)) == ["grants"]


def test_child_aged_7_to_15_must_be_known_to_attend_school() -> None:
    missing = make_profile(members=[make_member(), make_child(schooling={"attending": False})])
    unknown = make_profile(members=[make_member(), make_child(schooling={"attending": None})])
    assert unmet_keys(ready(latest_profile=missing)) == ["schooling"]
    assert unmet_keys(ready(latest_profile=unknown)) == ["schooling"]


def test_skipped_meals_in_profile_or_last_two_reports_block() -> None:
    hungry_profile = make_profile(food_security={"days_skipped_meal_last_7": 1})
    assert unmet_keys(ready(latest_profile=hungry_profile)) == ["food_security"]
    assert unmet_keys(ready(skipped_meals_recent=(0, 2))) == ["food_security"]
    assert unmet_keys(ready(skipped_meals_recent=(0, 0, 5))) == []


def test_income_or_livelihood_link_is_required() -> None:
    none = {"main_income_source": "none", "income_band": "none", "livelihood_link": False}
    linked = {**none, "livelihood_link": True}
    assert unmet_keys(ready(latest_profile=make_profile(livelihood=none))) == ["income"]
    assert unmet_keys(ready(latest_profile=make_profile(livelihood=linked))) == []


def test_182_days_since_first_profile_are_required() -> None:
    assert unmet_keys(ready(first_profile_on=AS_OF - timedelta(days=181))) == ["time_in_programme"]
    assert unmet_keys(ready(first_profile_on=AS_OF - timedelta(days=182))) == []


def test_last_visit_must_be_within_60_days() -> None:
    assert unmet_keys(ready(last_visit_on=AS_OF - timedelta(days=61))) == ["recent_visit"]
    assert unmet_keys(ready(last_visit_on=AS_OF - timedelta(days=60))) == []
    assert unmet_keys(ready(last_visit_on=None)) == ["recent_visit"]


def test_every_unmet_criterion_is_reported_in_policy_order() -> None:
    profile = make_profile(
        members=[make_member(document_status="none", id_number=None)],
        livelihood={"main_income_source": "none"},
    )
    facts = ready(
        latest_profile=profile, open_needs_high_or_critical=1, last_visit_on=date(2024, 1, 1)
    )
    assert unmet_keys(facts) == ["open_high_needs", "documents", "income", "recent_visit"]


def test_evidence_is_a_json_safe_snapshot_of_the_facts() -> None:
    evidence = evaluate_graduation(ready()).evidence
    assert json.loads(json.dumps(evidence)) == evidence
    assert evidence["as_of"] == "2025-06-01"
    assert evidence["days_since_first_profile"] == 200
    assert evidence["days_since_last_visit"] == 10
    assert evidence["skipped_meals_recent"] == [0, 0]
    assert evidence["members"] == 3
