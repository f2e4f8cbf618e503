"""The questions a ward raised at its last izimbizo, and what the war room did about them
("you said, we did"): recorded on the war room a few days after each imbizo, answered over the
following weeks, so the ward report has something to tell back."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from domain.warrooms.model import ImbizoOutcome
from sukuma.demo.context import Demo, Timeline, pick
from sukuma.demo.warroom import WardPlan

#: (question, what the answer says when it is done, in progress, or found not possible)
QUESTIONS: Final = (
    (
        "When will the Home Affairs mobile unit come back for IDs and birth certificates?",
        "The mobile unit came on a Saturday; IDs were applied for at the school hall",
        "Home Affairs has the ward on its list for the next quarter",
        "Home Affairs has no mobile unit free this year: the war room books transport instead",
    ),
    (
        "The water tanker does not come every week: when will it be regular?",
        "The municipality set a weekly schedule and the ward committee checks it",
        "The municipality is reviewing the tanker routes",
        "No tanker can reach the upper villages until the road is graded",
    ),
    (
        "Why do grant applications take so long after the referral?",
        "SASSA now reports on every referral at the war room each month",
        "SASSA is checking the applications the war room sent",
        "The delays are in the national system: the war room follows up each case",
    ),
    (
        "Can the clinic open on Saturdays for people who work during the week?",
        "The clinic opens on Saturday mornings since last month",
        "The Department of Health is recruiting a nurse for the weekend",
        "The district has no staff for weekend hours this year",
    ),
    (
        "Who helps the children who are not at school?",
        "The circuit office placed the children the field workers found",
        "The school and Social Development are visiting the families",
        "Some children are over age for school: they were referred to skills training",
    ),
    (
        "The street lights at the taxi rank do not work: who will fix them?",
        "The municipality repaired the lights",
        "The repair is ordered",
        "The lights are on Eskom's network: the war room reported it to Eskom",
    ),
)
OUTCOMES: Final = (
    (ImbizoOutcome.DONE, 50.0),
    (ImbizoOutcome.IN_PROGRESS, 30.0),
    (ImbizoOutcome.NOT_POSSIBLE, 10.0),
    (None, 10.0),  # not answered yet
)
ANSWER_INDEX: Final = {
    ImbizoOutcome.DONE: 1,
    ImbizoOutcome.IN_PROGRESS: 2,
    ImbizoOutcome.NOT_POSSIBLE: 3,
}


def plan_izimbizo(demo: Demo, plan: WardPlan, timeline: Timeline) -> None:
    """A quarterly imbizo (the last one 30 to 80 days ago), each raising three to five
    questions; most are answered before the next."""
    last = demo.now - timedelta(days=demo.rng.randint(30, 80))
    for held in (last - timedelta(days=91), last):
        if held <= plan.established_at:
            continue
        for index, asked in enumerate(demo.rng.sample(QUESTIONS, demo.rng.randint(3, 5))):
            _question(demo, plan, timeline, held, index, asked)


def _question(
    demo: Demo,
    plan: WardPlan,
    timeline: Timeline,
    held: datetime,
    index: int,
    asked: tuple[str, str, str, str],
) -> None:
    question_id = demo.id()
    recorded = held + timedelta(days=2, minutes=index)
    outcome = pick(demo.rng, OUTCOMES)
    answered = demo.days_after(recorded, 7, 28)

    def record(when: datetime) -> None:
        plan.war_room.record_imbizo_question(
            question_id=question_id,
            imbizo_on=held.date(),
            question=asked[0],
            occurred_at=when,
            actor=plan.convener,
        )

    def answer(when: datetime) -> None:
        assert outcome is not None
        plan.war_room.answer_imbizo_question(
            question_id=question_id,
            outcome=outcome,
            answer=asked[ANSWER_INDEX[outcome]],
            occurred_at=when,
            actor=plan.convener,
        )

    timeline.at(recorded, record)
    if outcome is not None and answered < demo.now:
        timeline.at(answered, answer)
