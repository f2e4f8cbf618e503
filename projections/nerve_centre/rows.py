"""The nerve centre's cached case rows, and how their changes settle into the area totals.

Rows touched by a page stay cached across pages (the projector is the only writer of these
tables); a page's unknown rows are loaded in one query first. Handlers change a row through
``_household`` / ``_referral``, and the row's contribution to the totals is settled once at
the end of the commit's pages (see ``settle``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any
from uuid import UUID

from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.referrals.model import Referral
from projections.base import BufferedProjection
from projections.nerve_centre import contributions
from projections.nerve_centre.history import Days
from projections.nerve_centre.snapshots import GROUP_CACHE_LIMIT, SnapshotBook
from projections.nerve_centre.tables import RECORDED_ON
from projections.nerve_centre.view import NerveCentreView

CACHE_LIMIT = 200_000  # rows kept between pages; beyond it the cache starts afresh
CONTRIBUTION = "_contribution"  # a cached row's totals, kept beside its columns
Contribution = Callable[[dict[str, Any]], contributions.Short]
# the view's roll-up tables by the names contributions use (the live totals are the sum of
# their dated deltas: see ``NerveCentreView.take``)
TABLES = {
    "counts": "area_counts",
    "due": "open_due",
    "made": "open_made",
    "ward_needs": "ward_needs",
    "dept": "department_area",
    "dept_due": "department_due",
}


class CaseRows(BufferedProjection):
    """The case rows a page changes, cached between pages, and the totals their changes move."""

    def __init__(self, view: NerveCentreView) -> None:
        super().__init__(view)
        self.nc: NerveCentreView = view
        self.households: dict[UUID, dict[str, Any]] = {}
        self.referrals: dict[UUID, dict[str, Any]] = {}
        self.field_workers: dict[str, dict[str, Any]] = {}
        # Rows whose totals may have moved this page, by id(row), with the (recorded, occurred)
        # days of the events that moved them: settled at the page's end, or before an event of
        # other days changes the row again (so every delta is dated by the event that made it)
        self.unsettled: dict[int, tuple[dict[str, Any], Contribution, Days]] = {}
        self.days: Days = (date.min, date.min)  # of the event being handled
        self.recorded_floor: date | None = None  # the latest recorded day projected
        self.book = SnapshotBook(view.load_groups)  # the snapshotted totals' groups
        self._owners: dict[type, str] = {}  # event class -> its aggregate's name (``prefetch``)

    def apply(self, domain_event: Any, position: int) -> None:
        # An event is known from the day it was recorded, or from the latest day already
        # projected if that is later (timestamps are taken before the append commits, so two
        # appends across midnight may land out of order): snapshots then never go back a day.
        floor = self.recorded_floor
        if floor is None:
            floor = self.nc.latest_snapshot_day()
        recorded = max(domain_event.timestamp.date(), floor)
        if recorded > floor:
            self._end_day(floor)
        self.recorded_floor = recorded
        occurred = getattr(domain_event, "occurred_at", None)
        self.days = (recorded, recorded if occurred is None else occurred.date())
        super().apply(domain_event, position)

    def _end_day(self, day: date) -> None:
        """The day's snapshots, now that an event of a later day came: its rows' changes
        settled first, so every change of the day is in them."""
        self._settle_rows()
        self.book.add_day(day, self.nc.dated, self.nc.snapshots, ends=True)

    # ---- cache -----------------------------------------------------------------------------

    def prefetch(self, events: Sequence[Any]) -> None:
        wanted: dict[type, set[Any]] = {Household: set(), Referral: set(), FieldWorker: set()}
        owners = self._owners
        for event in events:
            owner = owners.get(type(event))
            if owner is None:  # the aggregate an event class is of, once a class
                owner = owners[type(event)] = type(event).__qualname__.split(".")[0]
            if owner == "Household" and event.originator_version > 1:
                wanted[Household].add(event.originator_id)
            elif owner == "Referral" and event.originator_version > 1:
                wanted[Referral].add(event.originator_id)
            elif owner == "Referral":
                wanted[Household].add(UUID(event.household_id))  # its need's identified day
            elif owner == "FieldWorker" and event.originator_version > 1:
                wanted[FieldWorker].add(str(event.originator_id))
            if getattr(event, "field_worker_id", None):
                wanted[FieldWorker].add(event.field_worker_id)
        self.households.update(self.nc.load_households(wanted[Household] - self.households.keys()))
        self.referrals.update(self.nc.load_referrals(wanted[Referral] - self.referrals.keys()))
        self.field_workers.update(
            self.nc.load_field_workers(wanted[FieldWorker] - self.field_workers.keys())
        )

    def forget(self) -> None:
        self.households.clear()
        self.referrals.clear()
        self.field_workers.clear()
        self.unsettled.clear()
        self.book.clear()
        self.recorded_floor = None  # read again: the commit that moved it may have failed

    def cache_full(self) -> bool:
        rows = len(self.households) + len(self.referrals)
        return rows > CACHE_LIMIT or self.book.groups() > GROUP_CACHE_LIMIT

    # ---- applying a change to a row and its contributions -------------------------------------

    def _household(
        self, event: Any, change: Callable[[dict[str, Any]], None], *, totals: bool = True
    ) -> dict[str, Any]:
        return self._change(
            "households", contributions.household_short, event.originator_id, change, totals
        )

    def _referral(
        self, event: Any, change: Callable[[dict[str, Any]], None], *, totals: bool = True
    ) -> dict[str, Any]:
        return self._change(
            "referrals", contributions.referral_short, event.originator_id, change, totals
        )

    def _change(
        self,
        table: str,
        contribution: Contribution,
        key: UUID,
        change: Callable[[dict[str, Any]], None],
        totals: bool,
    ) -> dict[str, Any]:
        """Change a case row; its totals are settled once the page's events are all handled.

        ``totals=False`` when the event moves no field that any total counts.
        """
        row: dict[str, Any] = getattr(self, table)[key]
        recorded_on = row.get(RECORDED_ON)
        if recorded_on is not None and recorded_on < self.days[0]:
            self.nc.version(table, row, self.days[0])  # as it stood at its day's end
        if totals:
            self._unsettle(row, contribution)
        change(row)
        self._touch(row, table, key)
        return row

    def _unsettle(self, row: dict[str, Any], contribution: Contribution) -> None:
        # A row keeps its settled contribution beside its columns (a row just loaded from the
        # table computes it here, before its first change).
        pending = self.unsettled.get(id(row))
        if pending is not None and pending[2] != self.days:
            self._settle(*pending)  # its earlier events' days: dated apart from this one's
        elif CONTRIBUTION not in row:
            row[CONTRIBUTION] = contribution(row)
        self.unsettled[id(row)] = (row, contribution, self.days)

    def settle(self) -> None:
        """Before a commit: settle the rows' changes, and snapshot the groups they changed on
        the day still open (as far as it went: a later commit may make its rows again)."""
        self._settle_rows()
        if self.recorded_floor is not None:
            self.book.add_day(self.recorded_floor, self.nc.dated, self.nc.snapshots, ends=False)

    def _settle_rows(self) -> None:
        """Add to the totals what each row changed this page makes of difference.

        Totals are a function of the rows, so the sum of per-event differences telescopes to
        (contribution at the page's end - contribution at its start): computed once per row
        per run of events of the same recorded and occurred days, not once per event (a page
        holds ~10 events per case).
        """
        for pending in self.unsettled.values():
            self._settle(*pending)
        self.unsettled.clear()

    def _settle(self, row: dict[str, Any], contribution: Contribution, days: Days) -> None:
        dated = self.nc.dated.get(days)
        if dated is None:
            dated = self.nc.dated[days] = {t: {} for t in TABLES.values()}
        after, before = contribution(row), row[CONTRIBUTION]
        row[CONTRIBUTION] = after
        scope, was = after[0], before[0]
        if scope != was:
            if was is None and scope is not None:  # new (or unmerged): all of after
                _spread(dated, _keyed(scope), after[1].items())
            elif scope is None and was is not None:  # merged: none of before
                _spread(dated, _keyed(was), _negated(before[1].items()))
            else:  # moved: the keys differ (rare)
                after_keys, before_keys = contributions.spread(after), contributions.spread(before)
                self._add_difference(dated, after_keys, before_keys)
            return
        if scope is None:  # merged before and after: counted nowhere
            return
        # after - before, part by part: a part whose value changed is spread once, by its
        # difference; one gone, by minus its value. (Comparing values in a comprehension
        # beat the items' set differences: those made and hashed a tuple an item, twice.)
        keyed = _keyed(scope)
        parts_before, parts_after = before[1], after[1]
        was_get = parts_before.get
        changed = [
            (part, value - was_get(part, 0))
            for part, value in parts_after.items()
            if was_get(part) != value
        ]
        _spread(dated, keyed, changed)
        gone = [(part, -value) for part, value in parts_before.items() if part not in parts_after]
        _spread(dated, keyed, gone)

    @staticmethod
    def _add_difference(
        dated: dict[str, dict[Any, int]],
        after: Counter[contributions.Key],
        before: Counter[contributions.Key],
    ) -> None:
        """Add after - before, key by key (the pairs that differ, by set difference in C)."""
        for (table, key), value in after.items() - before.items():
            if value:
                deltas = dated[TABLES[table]]
                deltas[key] = deltas.get(key, 0) + value
        for (table, key), value in before.items() - after.items():
            if value:
                deltas = dated[TABLES[table]]
                deltas[key] = deltas.get(key, 0) - value

    def count(self, table: str, key: Any, value: int) -> None:
        """Add to a total outside a row's contribution (dated by the event being handled)."""
        dated = self.nc.dated.setdefault(self.days, {t: {} for t in TABLES.values()})
        deltas = dated[TABLES[table]]
        deltas[key] = deltas.get(key, 0) + value

    def _touch(self, row: dict[str, Any], table: str, key: Any) -> None:
        row["position"] = self.position
        row[RECORDED_ON] = self.days[0]
        getattr(self.nc, table)[key] = row

    def _daily(self, row: dict[str, Any], when: datetime, metric: str) -> None:
        self._daily_on(row, when.date(), metric)

    def _daily_on(self, row: dict[str, Any], day: date, metric: str) -> None:
        # Counted once per ward here; PostgreSQL spreads a commit's ward flows to every level.
        daily = self.nc.ward_daily
        key = row["ward_id"], row["municipality"], row["district"], metric, day, self.days[0]
        daily[key] = daily.get(key, 0) + 1  # not +=: Counter's __missing__ is Python

    def _submission(self, field_worker_id: str | None, when: datetime) -> None:
        if not field_worker_id or field_worker_id not in self.field_workers:
            return
        worker = self.field_workers[field_worker_id]
        last = worker["last_submission_at"]
        worker["last_submission_at"] = when if last is None else max(last, when)
        self._touch(worker, "field_workers", field_worker_id)


@cache
def _keyed(scope: contributions.Scope) -> dict[str, tuple[str, tuple[Any, ...], tuple[Any, ...]]]:
    """``contributions.prefixes`` of a scope as ``_spread`` uses them: each part's table's
    view table, its keys' prefixes, and their one suffix (a table's keys share it)."""
    out = {}
    for table, pairs in contributions.prefixes(scope).items():
        suffixes = {suffix for _, suffix in pairs}
        assert len(suffixes) == 1, table  # a table's keys end alike (see ``prefixes``)
        out[table] = TABLES[table], tuple(prefix for prefix, _ in pairs), suffixes.pop()
    return out


def _spread(
    dated: dict[str, dict[Any, int]],
    keyed: dict[str, tuple[str, tuple[Any, ...], tuple[Any, ...]]],
    parts: Iterable[tuple[contributions.Part, int]],
) -> None:
    """Add each part's value to its keys (``keyed``: ``_keyed`` of the row's scope; a part's
    keys are its own, as ``contributions.spread`` makes them): the member and suffix joined
    once a part, so a key is one concatenation."""
    for (table, member), value in parts:
        if value:
            name, heads, tail = keyed[table]
            deltas = dated[name]
            end = (member, *tail)
            for head in heads:
                key = head + end
                deltas[key] = deltas.get(key, 0) + value


def _negated(
    parts: Iterable[tuple[contributions.Part, int]],
) -> Iterable[tuple[contributions.Part, int]]:
    return ((part, -value) for part, value in parts)
