"""A burst of commands larger than the event store's pool (the 200-phone morning burst of
OpenRosa submissions) waits its turn and succeeds: keyed commands (an ``instanceID``, an
``Idempotency-Key``) hold their key's advisory lock on a connection of their own while the
command runs on others, and a command's data-key read waits out a busy moment of the pool as
the event store's own reads do. Before, the locks held half the pool idle, the commands
queued for the rest, and a key read gave up after one wait (0.3 s): 503."""

from __future__ import annotations

import asyncio
from collections import Counter
from uuid import uuid4

import httpx
import pytest

from adapters.data_keys import DataKeyStore
from adapters.matching.index import PostgresDuplicateIndex
from api.main import create_app
from bench._collect import multipart
from domain.access.principal import Role
from domain.sukuma import Sukuma
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.integration.conftest import BASE_URL, BROAD_SCOPES, Clock, SignedIn, add_user
from tests.integration.helpers import every_connection_held
from tests.integration.test_openrosa_api import collect, registration

pytestmark = pytest.mark.integration


def log_topics(application: Sukuma) -> Counter[str]:
    return Counter(
        n.topic.rpartition(".")[2]
        for n in application.recorder.select_notifications(start=1, limit=10_000)
    )


async def test_keyed_submissions_and_commands_against_a_pool_of_one_connection_all_succeed(
    settings: Settings, ward_id: str, clock: Clock
) -> None:
    # Given an event store of one connection, each wait for one given up after 10 tries of
    # 20 ms, and three phones (before: every keyed command's lock took that connection and
    # its command waited for another until it answered 503)
    small = settings.model_copy(
        update={"write_pool_size": 1, "write_pool_max_overflow": 0, "write_pool_timeout": 0.02}
    )
    assert small.database_url is not None
    application = build_application(small, small.database_url)
    phones = [f"phone-{n}" for n in range(3)]
    try:
        for name in phones:
            add_user(application, name, (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
        add_user(application, "tester", tuple(Role), BROAD_SCOPES)
        api = create_app(small, application, clock=clock)
        async with api.router.lifespan_context(api):
            forms = [registration(ward_id, clock) for _ in range(12)]
            async with (
                collect(api, phones[0]) as a,
                collect(api, phones[1]) as b,
                collect(api, phones[2]) as c,
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=api),
                    base_url=BASE_URL,
                    auth=SignedIn(api, application, "tester"),
                ) as http,
            ):
                for phone in (a, b, c):  # signed in (one password check each)
                    assert (await phone.head("/openrosa/submission")).status_code == 204
                household = forms[0][2]
                # When twelve households' registrations and profiles, and twelve keyed JSON
                # visits, all come at once
                sent = await asyncio.gather(
                    *[
                        (a, b, c)[n % 3].post("/openrosa/submission", files=multipart(xml))
                        for n, (xml, _, _) in enumerate(forms)
                    ]
                )
                assert sent[0].status_code == 201, sent[0].text
                visits = await asyncio.gather(
                    *[
                        http.post(
                            f"/v1/households/{household}/visits",
                            json={"outcome": "met_household"},
                            headers={"Idempotency-Key": f"visit-{n}"},
                        )
                        for n in range(12)
                    ]
                )
        topics = log_topics(application)
    finally:
        application.close()

    # Then every one is recorded, once; none answered 503 for want of a connection
    assert [r.status_code for r in sent] == [201] * 12, [r.text[:200] for r in sent]
    assert [r.status_code for r in visits] == [201] * 12, [r.text[:200] for r in visits]
    assert topics["Registered"] == 12 and topics["ProfileSubmitted"] == 12
    assert topics["VisitRecorded"] == 12


def test_a_commands_key_and_block_reads_wait_out_a_moment_without_a_free_connection(
    application: Sukuma,
) -> None:
    # Given a household's data key, not cached in this process
    keys: DataKeyStore = application.mapper.keys  # type: ignore[attr-defined]
    household_id = uuid4()
    made = keys.key_or_create(household_id, household_id)
    keys.forget(household_id)
    pool = application.recorder.datastore.pool  # type: ignore[attr-defined]
    index: PostgresDuplicateIndex = application.duplicate_index  # type: ignore[assignment]
    other = uuid4()
    # When a command reads it while every connection is held a little longer than one wait
    # (as the event store's mapper does while it saves), or makes a new one, or reads a
    # profile's block of the matcher's index, each gets it once a connection is free: no 503
    # after one wait
    with every_connection_held(pool):
        assert keys.key(household_id) == made
    with every_connection_held(pool):
        assert isinstance(keys.key_or_create(other, other), bytes)
    with every_connection_held(pool):
        assert index.read_block([1, 2, 3]).households == []
