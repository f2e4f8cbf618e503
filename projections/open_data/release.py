"""A month's open-data release: computed once from the facts when the month has closed,
audited, then stored and never rewritten.

Each measure is counted per ward and summed up the geography, then suppressed
(``disclosure.suppress``). Areas inside a suppressed area are left out (they are suppressed
too, by rule); every other area is listed, suppressed cells with no value. A merge of
duplicate households (or its undoing) counts in the months released after it: a month already
released stays as it was published.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median_low
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from domain.reference.departments import departments
from domain.reference.geography import geography
from domain.vocabulary import NeedCategory
from projections.open_data.disclosure import (
    Cell,
    Node,
    Status,
    Tree,
    area_tree,
    audit,
    check_k,
    suppress,
)
from projections.open_data.view import FACTS, HOUSEHOLDS

RELEASES = "open_releases"
RELEASE_CELLS = "open_release_cells"


@dataclass(frozen=True)
class Measure:
    name: str
    by: str  # what ``dim`` is: "" (none), "category" or "department"
    counts_households: bool  # one fact per household: a primary's value is under k
    suppressed: bool = True  # counts about households; meetings are the war rooms' own


MEASURES = {
    m.name: m
    for m in (
        Measure("households_profiled", "", counts_households=True),
        Measure("needs", "category", counts_households=False),
        Measure("referrals_made", "department", counts_households=False),
        Measure("referrals_delivered", "department", counts_households=False),
        # One answer per referral: a household answering for two referrals to one department
        # in a month counts twice, so True here only ever adds suppression (rule 3's pair).
        Measure("ratings", "department", counts_households=True),
        Measure("not_received", "department", counts_households=True),
        Measure("meetings", "", counts_households=False, suppressed=False),
    )
}


@dataclass(frozen=True)
class Fact:
    measure: str
    dim: str
    household_id: UUID | None
    ward_id: str
    days: int | None = None
    standard_days: int | None = None
    rating: int | None = None


@dataclass(frozen=True)
class ReleaseCell:
    measure: str
    level: str
    code: str
    dim: str
    value: int | None  # None: suppressed
    median_days: int | None = None
    standard_days: int | None = None
    median_rating: int | None = None


@dataclass
class _Tally:
    value: int = 0
    households: set[UUID] = field(default_factory=set)
    days: list[int] = field(default_factory=list)
    standard_days: list[int] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)


def dims_of(measure: Measure, facts: Iterable[Fact]) -> list[str]:
    """Every category or department, seen or not: which ones had no fact is not told."""
    seen = {f.dim for f in facts if f.measure == measure.name}
    if measure.by == "category":
        return sorted(seen | {c.value for c in NeedCategory})
    if measure.by == "department":
        return sorted(seen | {d.code for d in departments()})
    return [""]


def compute(facts: list[Fact], k: int) -> list[ReleaseCell]:
    """The release's cells, suppressed and audited (``ValueError`` if the audit fails)."""
    check_k(k)
    tree, geo = area_tree(), geography()
    tallies: dict[tuple[str, str], dict[Node, _Tally]] = defaultdict(lambda: defaultdict(_Tally))
    for fact in facts:
        municipality, district, province = geo.ancestors(fact.ward_id)
        areas = (("ward", fact.ward_id), ("municipality", municipality),
                 ("district", district), ("province", province))  # fmt: skip
        for node in areas:
            tally = tallies[fact.measure, fact.dim][node]
            tally.value += 1
            if fact.household_id is not None:
                tally.households.add(fact.household_id)
            if fact.days is not None and fact.standard_days is not None:
                tally.days.append(fact.days)
                tally.standard_days.append(fact.standard_days)
            if fact.rating is not None:
                tally.ratings.append(fact.rating)
    cells: list[ReleaseCell] = []
    for measure in MEASURES.values():
        for dim in dims_of(measure, facts):
            cells += _table(measure, dim, tallies.get((measure.name, dim), {}), k, tree)
    return cells


def _table(
    measure: Measure, dim: str, tallies: Mapping[Node, _Tally], k: int, tree: Tree
) -> list[ReleaseCell]:
    counts = {node: Cell(t.value, len(t.households)) for node, t in tallies.items()}
    if measure.suppressed:
        status = suppress(tree, counts, k, value_is_households=measure.counts_households)
        problems = audit(tree, counts, status, k, value_is_households=measure.counts_households)
        if problems:
            raise ValueError(f"{measure.name}/{dim}: {'; '.join(problems[:5])}")
    else:
        status = {node: Status.PUBLISHED for node in tree.top_down()}
    out = []
    for node in tree.top_down():
        if status[node] is Status.INHERITED:
            continue
        tally = tallies.get(node)
        shown = status[node] is Status.PUBLISHED
        value = (tally.value if tally else 0) if shown else None
        days = tally.days if shown and tally else []
        ratings = tally.ratings if shown and tally else []
        out.append(
            ReleaseCell(
                measure.name, node[0], node[1], dim, value,
                median_low(days) if days else None,
                median_low(tally.standard_days) if days and tally else None,
                median_low(ratings) if ratings else None,
            )
        )  # fmt: skip
    return out


def etag_of(month: date, k: int, cells: list[ReleaseCell]) -> str:
    digest = hashlib.sha256(orjson.dumps([month.isoformat(), k, *map(_row, cells)]))
    return digest.hexdigest()[:32]


def _row(cell: ReleaseCell) -> tuple[Any, ...]:
    return (cell.measure, cell.level, cell.code, cell.dim, cell.value, cell.median_days,
            cell.standard_days, cell.median_rating)  # fmt: skip


def due_months(first: date | None, now: datetime, grace_days: int) -> list[date]:
    """Closed months from the first with facts: a month closes ``grace_days`` after its end
    (field work is often recorded days late; what is recorded later stays out of it)."""
    if first is None:
        return []
    months, month = [], first
    while _next_month(month) + timedelta(days=grace_days) <= now.date():
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


class Publisher:
    """Builds and stores the releases of closed months (the scheduler runs it daily)."""

    def __init__(self, datastore: PostgresDatastore, k: int, grace_days: int) -> None:
        self.datastore, self.k, self.grace_days = datastore, check_k(k), grace_days
        schema = Identifier(datastore.schema)
        self.first_month = SQL("SELECT min(month) AS first FROM {0}.{1}").format(
            schema, Identifier(FACTS)
        )
        self.released = SQL("SELECT month FROM {0}.{1}").format(schema, Identifier(RELEASES))
        # A merged household's facts count for its survivor (one household), but its own
        # first profile (the survivor's counts the household); an unmerge makes them its own.
        self.facts = SQL(
            "SELECT f.measure, f.dim, coalesce(h.merged_into, f.household_id) AS household_id, "
            "f.ward_id, f.days, f.standard_days, f.rating FROM {0}.{1} f "
            "LEFT JOIN {0}.{2} h ON h.household_id = f.household_id WHERE f.month = %s "
            "AND NOT (f.measure = 'households_profiled' AND h.merged_into IS NOT NULL)"
        ).format(schema, Identifier(FACTS), Identifier(HOUSEHOLDS))
        self.claim = SQL(
            "INSERT INTO {0}.{1} (month, k, built_at, etag) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (month) DO NOTHING"
        ).format(schema, Identifier(RELEASES))
        self.copy_cells = SQL(
            "COPY {0}.{1} (month, measure, level, code, dim, value, median_days, standard_days, "
            "median_rating) FROM STDIN"
        ).format(schema, Identifier(RELEASE_CELLS))

    def publish_due(self, now: datetime) -> list[date]:
        """Release every closed month not released yet; the months released now."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.first_month)
            row = curs.fetchone()
            curs.execute(self.released)
            done = {r["month"] for r in curs.fetchall()}
        first = row["first"] if row else None
        return [m for m in due_months(first, now, self.grace_days)
                if m not in done and self.publish(m, now)]  # fmt: skip

    def facts_of(self, month: date) -> list[Fact]:
        """The month's facts as a release counts them now (merged households as survivors)."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.facts, (month,))
            return [Fact(**r) for r in curs.fetchall()]

    def compute(self, month: date) -> list[ReleaseCell]:
        """What the month's release would hold now (not stored)."""
        return compute(self.facts_of(month), self.k)

    def publish(self, month: date, now: datetime) -> bool:
        """Store the month's release unless one is stored already (another replica's)."""
        cells = self.compute(month)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.claim, (month, self.k, now, etag_of(month, self.k, cells)))
            if curs.rowcount == 0:
                return False
            with curs.copy(self.copy_cells) as copy:
                for cell in cells:
                    copy.write_row((month, *_row(cell)))
        return True
