"""War-room functionality class (M9) by rule functionality-v1."""

from __future__ import annotations

from domain.rules.functionality import FUNCTIONALITY_RULE_VERSION, WarRoomFacts, classify

HEALTHY = WarRoomFacts(
    established=True,
    weeks_met_of_last_4=4,
    core_attendance_share=0.8,
    ack_within_share=0.75,
    profiles_last_14_days=3,
)


def test_a_war_room_meeting_every_week_with_departments_is_fully_functional() -> None:
    result = classify(HEALTHY)
    assert (result.level, result.reasons, result.rule_version) == (
        "fully_functional",
        (),
        FUNCTIONALITY_RULE_VERSION,
    )


def test_meeting_half_the_weeks_with_fair_acknowledgement_is_functional() -> None:
    result = classify(
        WarRoomFacts(
            True, 2, core_attendance_share=0.3, ack_within_share=0.5, profiles_last_14_days=0
        )
    )
    assert result.level == "functional"
    assert "met in 2 of the last 4 weeks" in result.reasons
    assert "no profile submitted in the last 14 days" in result.reasons


def test_rarely_meeting_war_room_is_poorly_functional() -> None:
    result = classify(WarRoomFacts(True, 1, None, 0.9, 5))
    assert result.level == "poorly_functional"


def test_departments_not_delivering_drag_a_meeting_war_room_down() -> None:
    result = classify(WarRoomFacts(True, 4, 0.9, 0.2, 5))
    assert result.level == "poorly_functional"
    assert result.reasons == ("referrals acknowledged within standard 20% (< 70%)",)


def test_ward_without_war_room_is_not_existing() -> None:
    assert classify(WarRoomFacts(False, 0, None, None, 0)).level == "not_existing"
