"""The projections' log reader waits out a moment with no free pooled connection, as the
library's own reads do: the event store's pool gives up after a fraction of a second (for
the API's quick 503s), and a catch-up page must not fail on a busy moment."""

from __future__ import annotations

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic

from bench._events import fill
from domain.households.model import Household
from domain.sukuma import Sukuma
from projections.decoding import EventLogReader
from tests.integration.helpers import every_connection_held


def test_a_moment_without_a_free_connection_is_waited_out(application: Sukuma) -> None:
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    reader = EventLogReader(recorder, application.name)
    assert reader.head() == 0  # the pool is open
    # When the reader asks while every connection is held a little longer than one wait,
    with every_connection_held(recorder.datastore.pool):
        # it gets its answer once one is free
        assert reader.head() == 0


def test_a_page_holds_only_the_events_wanted_once_their_topic_is_known(
    application: Sukuma,
) -> None:
    # Given a log of households with their profiles, visits, needs and referrals
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    fill(application, 200, seed=11, wards=2, batch_households=10)
    head = recorder.max_notification_id() or 0
    # When a reader that wants only registrations reads the log in pages of 30 positions
    reader = EventLogReader(recorder, application.name, lambda cls: cls is Household.Registered)
    pages, after = [], 0
    while after < head:
        pages.append(reader.page(after, 30))
        after = pages[-1].last
    # Then the pages cover every position once, ending at the head
    assert [p.last for p in pages] == [min(head, 30 * (i + 1)) for i in range(len(pages))]
    assert sum(p.size for p in pages) == head
    # and hold exactly the registrations, in order (the rest sent no more once known)
    read = [(type(e), position) for p in pages for e, position in p.events]
    topic = get_topic(Household.Registered)
    registered = [n.id for n in recorder.select_notifications(1, head) if n.topic == topic]
    assert registered and read == [(Household.Registered, n) for n in registered]
    assert reader.page(head, 30).size == 0
