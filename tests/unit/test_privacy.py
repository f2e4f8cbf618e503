"""Consent and erasure on the household (POPIA), on in-memory persistence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.context import CommandContext
from domain.errors import RuleViolation
from domain.households.model import Household
from domain.personal_data import ERASED
from domain.reference.geography import geography
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from tests.factories import make_profile

T0 = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
WARD = geography().wards[0].id
NO_CONSENT = {"consent": {"given": False, "given_by": "self", "basis": "consent"}}
HUNGRY = {"days_skipped_meal_last_7": 3}


def ctx() -> CommandContext:
    return CommandContext(actor="tester", occurred_at=T0)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sukuma]:
    for key in ("PERSISTENCE_MODULE", "SUKUMA_PERSISTENCE_MODULE"):
        monkeypatch.delenv(key, raising=False)
    application = Sukuma()
    yield application
    application.close()


def profiled(app: Sukuma, **overrides: object) -> tuple[UUID, str]:
    """A household with one open need, profiled with the given consent section."""
    household_id = uuid4()
    app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village="KwaMpumuza",
        gps=None,
        field_worker_id=None,
        ctx=ctx(),
    )
    profile = make_profile(food_security=HUNGRY, **overrides)
    app.submit_profile(household_id, dict(profile), None, ctx())
    need_id = next(iter(app.get(Household, household_id).needs))
    return household_id, need_id


def refer(app: Sukuma, household_id: UUID, need_id: str, override: str | None = None) -> UUID:
    referral_id = uuid4()
    app.make_referral(
        referral_id=referral_id,
        household_id=household_id,
        need_id=need_id,
        department_code="DSD",
        personal_data_shared=True,
        note=None,
        ctx=ctx(),
        consent_override_reason=override,
    )
    return referral_id


def test_a_profile_with_consent_records_consent(app: Sukuma) -> None:
    household_id, _ = profiled(app)
    assert app.get(Household, household_id).has_consent


def test_sharing_personal_data_without_consent_is_refused(app: Sukuma) -> None:
    household_id, need_id = profiled(app, **NO_CONSENT)
    with pytest.raises(RuleViolation) as refused:
        refer(app, household_id, need_id)
    assert refused.value.rule == "referral-needs-consent"


def test_a_referral_without_personal_data_needs_no_consent(app: Sukuma) -> None:
    household_id, need_id = profiled(app, **NO_CONSENT)
    app.make_referral(
        referral_id=uuid4(),
        household_id=household_id,
        need_id=need_id,
        department_code="DSD",
        personal_data_shared=False,
        note=None,
        ctx=ctx(),
    )


def test_an_override_reason_is_kept_on_the_referral(app: Sukuma) -> None:
    household_id, need_id = profiled(app, **NO_CONSENT)
    referral_id = refer(app, household_id, need_id, override="child at risk: s35(1)(b)")
    made = app.repository.event_store.get(referral_id).__next__()
    assert isinstance(made, Referral.Made)
    assert made.consent_override_reason == "child at risk: s35(1)(b)"


def test_consent_given_then_withdrawn_gates_sharing(app: Sukuma) -> None:
    household_id, need_id = profiled(app, **NO_CONSENT)
    app.give_consent(
        household_id=household_id, given_by="self", basis="consent", note=None, ctx=ctx()
    )
    app.withdraw_consent(household_id, "no longer wants contact", ctx())
    assert app.get(Household, household_id).consent == "withdrawn"
    with pytest.raises(RuleViolation, match="consent"):
        refer(app, household_id, need_id)
    app.give_consent(
        household_id=household_id, given_by="self", basis="consent", note=None, ctx=ctx()
    )
    refer(app, household_id, need_id)


def test_erasure_blanks_personal_state_and_keeps_the_rest(app: Sukuma) -> None:
    household_id, need_id = profiled(app)
    referral_id = refer(app, household_id, need_id)
    before = app.get(Household, household_id)
    app.erase_personal_data(household_id, "data subject request", ctx())
    after = app.get(Household, household_id)
    assert after.personal_data_erased and after.village == ERASED
    assert after.profile is not None and before.profile is not None
    head = after.profile["members"][0]
    assert (head["first_name"], head["surname"], head["phone"]) == (ERASED,) * 3
    assert head["sex"] == before.profile["members"][0]["sex"]
    assert (after.status, list(after.needs), after.risk) == (
        before.status,
        list(before.needs),
        before.risk,
    )
    erased = list(app.repository.event_store.get(household_id))[-1]
    assert isinstance(erased, Household.PersonalDataErased)
    assert erased.referral_ids == [str(referral_id)]


def test_erasure_happens_once_and_forbids_sharing(app: Sukuma) -> None:
    household_id, need_id = profiled(app)
    app.erase_personal_data(household_id, "data subject request", ctx())
    with pytest.raises(RuleViolation) as again:
        app.erase_personal_data(household_id, "again", ctx())
    assert again.value.rule == "personal-data-erased"
    with pytest.raises(RuleViolation, match="erased"):
        refer(app, household_id, need_id)


def test_an_erased_household_can_still_graduate(app: Sukuma) -> None:
    household_id = uuid4()
    app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx(),
    )
    app.submit_profile(household_id, dict(make_profile()), None, ctx())
    app.erase_personal_data(household_id, "data subject request", ctx())
    later = CommandContext(actor="tester", occurred_at=T0 + timedelta(days=200))
    app.record_visit(
        household_id=household_id,
        visit_id=uuid4(),
        field_worker_id=None,
        outcome="met_household",
        days_skipped_meal_last_7=None,
        note=None,
        ctx=later,
    )
    app.graduate_household(household_id, None, later)
    assert app.get(Household, household_id).status == "graduated"
