"""The personal-data mapper: personal paths sealed per household, the rest plain, erasure final."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex

from adapters.data_keys import ERASED_KEY, NONCE_BYTES, Erased
from adapters.shredding import PersonalDataMapper, is_sealed, unseal
from domain.application import DateAsISO
from domain.households.model import Household
from domain.personal_data import ERASED
from domain.referrals.model import Referral
from tests.factories import make_profile

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


class FakeKeys:
    """The data-key store's contract in memory: one key per aggregate, erasure tombstones."""

    def __init__(self) -> None:
        self.keys: dict[UUID, bytes | Erased] = {}
        self.households: dict[UUID, UUID | None] = {}

    def key(self, aggregate_id: UUID) -> bytes | Erased | None:
        return self.keys.get(aggregate_id)

    def key_or_create(self, aggregate_id: UUID, household_id: UUID | None) -> bytes | Erased:
        self.households.setdefault(aggregate_id, household_id)
        return self.keys.setdefault(aggregate_id, AESGCM.generate_key(bit_length=256))

    def erase(self, household_id: UUID) -> None:
        for aggregate_id, owner in self.households.items():
            if owner == household_id:
                self.keys[aggregate_id] = ERASED_KEY


def mapper() -> tuple[PersonalDataMapper, FakeKeys]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    m = PersonalDataMapper(transcoder=transcoder)
    keys = FakeKeys()
    m.keys = keys  # type: ignore[assignment]
    return m, keys


def profiled_household() -> Household:
    household = Household(
        id=uuid4(),
        ward_id="ETH-W001",
        dwelling_type="formal",
        village="Esikhaleni Zwelakhe",
        gps={"lat": -28.87, "lon": 31.9},
        field_worker_id=None,
        occurred_at=T0,
        actor="fw",
    )
    household.submit_profile(
        profile=dict(make_profile()),
        field_worker_id=None,
        facts={},
        risk=_risk(),
        occurred_at=T0,
        actor="fw",
    )
    household.record_visit(
        visit_id="v-1",
        field_worker_id=None,
        outcome="met_household",
        days_skipped_meal_last_7=None,
        note="Gogo Zanele coughs",
        occurred_at=T0,
        actor="fw",
    )
    return household


def _risk() -> dict[str, Any]:
    return {"score": 1, "level": "low", "reasons": [], "flags": [], "rule_version": "risk-v1"}


def test_personal_fields_are_sealed_and_the_rest_stays_plain() -> None:
    m, _ = mapper()
    household = profiled_household()
    stored = [m.to_stored_event(e) for e in household.collect_events()]
    text = b"".join(s.state for s in stored)
    for secret in (b"Esikhaleni Zwelakhe", b"Nomvula", b"Dlamini", b"1980-03-14", b"Zanele"):
        assert secret not in text
    assert b"ETH-W001" in text and b"formal" in text and b"met_household" in text
    profile = orjson.loads(stored[1].state)["profile"]
    assert profile["members"][0]["sex"] == "female"  # statistics keep their fields
    assert set(profile["members"][0]["first_name"]) == {"_pii_"}


def test_a_sealed_event_reads_back_as_it_was_written() -> None:
    m, _ = mapper()
    household = profiled_household()
    events = household.collect_events()
    read = [m.to_domain_event(m.to_stored_event(e)) for e in events]
    assert [vars(r) for r in read] == [vars(e) for e in events]


def test_every_sealed_field_has_a_nonce_of_its_own() -> None:
    """An event's nonces are read from the random source at once: each field still gets its
    own (a nonce used twice under one AES-GCM key would give both plaintexts away)."""
    m, _ = mapper()
    household = profiled_household()
    stored = [m.to_stored_event(e) for e in household.collect_events()]
    nonces: list[bytes] = []

    def collect(value: Any) -> None:
        if isinstance(value, dict) and set(value) == {"_pii_"}:
            nonces.append(base64.b64decode(value["_pii_"])[:NONCE_BYTES])
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for event in stored:
        collect(orjson.loads(event.state))
    assert len(nonces) > 10  # the village, the members' names, birth dates, ID numbers...
    assert len(set(nonces)) == len(nonces)


def test_sealing_never_changes_the_aggregate_it_came_from() -> None:
    m, _ = mapper()
    household = profiled_household()
    for e in household.collect_events():
        m.to_stored_event(e)
    assert household.profile is not None
    assert household.profile["members"][0]["first_name"] == "Nomvula"
    assert household.village == "Esikhaleni Zwelakhe"


def test_after_erasure_personal_fields_read_erased_and_new_ones_are_not_stored() -> None:
    m, keys = mapper()
    household = profiled_household()
    stored = [m.to_stored_event(e) for e in household.collect_events()]
    keys.erase(household.id)
    visit = m.to_domain_event(stored[-1])
    assert vars(visit)["note"] == ERASED
    registered = m.to_domain_event(stored[0])
    assert (vars(registered)["village"], vars(registered)["gps"]) == (ERASED, ERASED)
    household.record_visit(
        visit_id="v-2",
        field_worker_id=None,
        outcome="met_household",
        days_skipped_meal_last_7=None,
        note="new secret",
        occurred_at=T0,
        actor="fw",
    )
    later = m.to_stored_event(household.collect_events()[-1])
    assert b"new secret" not in later.state and orjson.loads(later.state)["note"] == ERASED


def test_a_referral_note_is_sealed_with_a_key_of_its_household() -> None:
    m, keys = mapper()
    household_id = uuid4()
    referral = Referral(
        id=uuid4(),
        household_id=str(household_id),
        need_id="n-1",
        category="documents",
        severity="medium",
        from_ward_id="ETH-W001",
        department="DHA",
        ack_by=T0.date(),
        deliver_by=T0.date(),
        standard_version="standards-v1",
        personal_data_shared=True,
        note="Sipho needs a birth certificate",
        occurred_at=T0,
        actor="convener",
        consent_override_reason=None,
    )
    stored = m.to_stored_event(referral.collect_events()[0])
    assert b"Sipho" not in stored.state
    assert keys.households[referral.id] == household_id
    keys.erase(household_id)
    assert vars(m.to_domain_event(stored))["note"] == ERASED


def test_households_mapped_in_turn_are_each_sealed_with_their_own_key() -> None:
    """The mapper keeps the last key's cipher: a household's events mapped after another's
    are sealed with its own key, and each field opens with ``unseal`` (the stored format)."""
    m, keys = mapper()
    first, second = profiled_household(), profiled_household()
    events = [*first.collect_events(), *second.collect_events(), *first.collect_events()]
    first.record_visit(
        visit_id="v-2",
        field_worker_id=None,
        outcome="met_household",
        days_skipped_meal_last_7=None,
        note="after the other household",
        occurred_at=T0,
        actor="fw",
    )
    events += first.collect_events()
    checked = 0
    for event in events:
        stored = m.to_stored_event(event)
        key = keys.keys[stored.originator_id]
        assert isinstance(key, bytes)
        state = orjson.loads(stored.state)
        for name in ("note", "village"):
            if is_sealed(state.get(name)):
                opened = unseal(AESGCM(key), stored.originator_id, (name,), state[name])
                assert opened == vars(event)[name]
                checked += 1
    assert checked >= 3  # both villages, the later visit's note
    keys.erase(second.id)
    assert vars(m.to_domain_event(m.to_stored_event(events[-1])))["note"] == (
        "after the other household"
    )


def test_a_sealed_event_is_stored_as_the_library_stores_the_same_state() -> None:
    """A sealed event is stored with the same topic, version and bytes (key order, the class
    version last) as the library writes for an event holding that sealed state."""
    m, _ = mapper()
    household = profiled_household()
    household.submit_profile(
        profile=dict(make_profile()), field_worker_id=None, facts={}, risk=_risk(),
        occurred_at=T0, actor="a",
    )  # fmt: skip
    events = household.collect_events()
    assert any(getattr(type(e), "class_version", 1) > 1 for e in events)
    for event in events:
        stored = m.to_stored_event(event)
        state = m.transcoder.decode(stored.state)
        state.pop("class_version", None)
        assert list(state) == [
            k for k in vars(event) if k not in ("originator_id", "originator_version")
        ]
        same: Any = object.__new__(type(event))
        same.__dict__.update(
            originator_id=event.originator_id, originator_version=event.originator_version
        )
        same.__dict__.update(state)
        assert stored == Mapper.to_stored_event(m, same)
