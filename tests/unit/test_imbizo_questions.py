"""A war room's imbizo questions ("you said, we did"): recorded, answered until final, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import RuleViolation
from domain.warrooms.model import ImbizoOutcome, WarRoom, war_room_id

T0 = datetime(2026, 6, 2, 14, 0, tzinfo=UTC)
WARD = "KZN225-W004"


def room() -> WarRoom:
    r = WarRoom(
        id=war_room_id(WARD),
        ward_id=WARD,
        name="Ward 4 war room",
        meeting_cadence_days=7,
        occurred_at=T0,
        actor="convener",
    )
    r.record_imbizo_question(
        question_id="q1",
        imbizo_on=T0.date(),
        question="When will the clinic open on Saturdays?",
        occurred_at=T0,
        actor="convener",
    )
    r.collect_events()
    return r


def test_a_question_is_recorded_with_its_imbizo_and_answered_in_steps_until_done() -> None:
    r = room()
    assert r.imbizo_questions["q1"].imbizo_on == T0.date()
    r.answer_imbizo_question(
        question_id="q1",
        outcome=ImbizoOutcome.IN_PROGRESS,
        answer="The Department of Health is recruiting a nurse",
        occurred_at=T0 + timedelta(days=7),
        actor="convener",
    )
    r.answer_imbizo_question(
        question_id="q1",
        outcome=ImbizoOutcome.DONE,
        answer="Open 8-12 on Saturdays since July",
        occurred_at=T0 + timedelta(days=30),
        actor="convener",
    )
    events = r.collect_events()
    assert [type(e) for e in events] == [WarRoom.ImbizoQuestionAnswered] * 2
    assert r.imbizo_questions["q1"].outcome is ImbizoOutcome.DONE


def test_a_final_answer_takes_no_other() -> None:
    r = room()
    r.answer_imbizo_question(
        question_id="q1",
        outcome=ImbizoOutcome.NOT_POSSIBLE,
        answer="No budget this year",
        occurred_at=T0,
        actor="convener",
    )
    with pytest.raises(RuleViolation) as refused:
        r.answer_imbizo_question(
            question_id="q1",
            outcome=ImbizoOutcome.DONE,
            answer="done",
            occurred_at=T0,
            actor="convener",
        )
    assert refused.value.rule == "imbizo-question-final"


def test_unknown_repeated_and_future_questions_are_refused() -> None:
    r = room()
    with pytest.raises(RuleViolation) as unknown:
        r.answer_imbizo_question(
            question_id="nope", outcome=ImbizoOutcome.DONE, answer="x", occurred_at=T0, actor="c"
        )
    with pytest.raises(RuleViolation) as repeated:
        r.record_imbizo_question(
            question_id="q1", imbizo_on=T0.date(), question="again", occurred_at=T0, actor="c"
        )
    with pytest.raises(RuleViolation) as future:
        r.record_imbizo_question(
            question_id="q2",
            imbizo_on=date(2026, 6, 3),
            question="later",
            occurred_at=T0,
            actor="c",
        )
    assert [e.value.rule for e in (unknown, repeated, future)] == [
        "imbizo-question-exists",
        "imbizo-question-unique",
        "imbizo-held",
    ]
    assert r.collect_events() == []
