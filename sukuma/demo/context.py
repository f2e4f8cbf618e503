"""What every demo generator shares: one seeded rng, one seeded Faker, the clock and a timeline.

Everything random comes from ``Demo.rng`` (and the Faker seeded from the same seed), so a seed
and a ``now`` always produce the same events. Nothing here reads the wall clock.
"""

from __future__ import annotations

import heapq
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from faker import Faker

T = TypeVar("T")
Action = Callable[[datetime], None]

# War rooms and field workers keep office hours: 08:00-16:00 SAST (UTC+2) is 06:00-14:00 UTC.
WORK_START_UTC = time(6, 0)
WORK_MINUTES = 8 * 60
# Two actions of one household never share a minute: a clash moves the later one on by this.
STEP = timedelta(minutes=1)
SATURDAY = 5


def pick(rng: random.Random, table: Sequence[tuple[T, float]]) -> T:
    """One value of a ``(value, weight)`` table."""
    values = [value for value, _ in table]
    weights = [weight for _, weight in table]
    return rng.choices(values, weights)[0]


@dataclass(frozen=True)
class DepartmentPerformance:
    """How one department performs in one municipality (a few are slow: EW-01, EW-10)."""

    slow: bool
    late_ack_share: float
    late_delivery_share: float


@dataclass
class Demo:
    rng: random.Random
    faker: Faker
    now: datetime
    performance: dict[tuple[str, str], DepartmentPerformance] = field(default_factory=dict)

    @classmethod
    def create(cls, seed: int, now: datetime) -> Demo:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        faker = Faker("zu_ZA")
        faker.seed_instance(seed)
        return cls(random.Random(seed), faker, now.astimezone(UTC))

    # ---- randomness --------------------------------------------------------------------------

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def id(self) -> str:
        return str(self.uuid())

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def phone(self) -> str:
        """A synthetic South African mobile number, ``+27 7x xxx xxxx``."""
        rng = self.rng
        return f"+27 {rng.choice('678')}{rng.randint(0, 9)} {rng.randint(0, 999):03d} " + (
            f"{rng.randint(0, 9999):04d}"
        )

    def performance_of(self, municipality: str, department: str) -> DepartmentPerformance:
        key = (municipality, department)
        if key not in self.performance:
            slow = self.chance(0.12)
            self.performance[key] = DepartmentPerformance(
                slow=slow,
                late_ack_share=0.65 if slow else self.rng.uniform(0.05, 0.25),
                late_delivery_share=0.45 if slow else self.rng.uniform(0.08, 0.22),
            )
        return self.performance[key]

    # ---- time --------------------------------------------------------------------------------

    def at_work(self, day: date) -> datetime:
        """A random minute of office hours on ``day`` (UTC); a weekend moves to the next week."""
        if day.weekday() >= SATURDAY:
            day += timedelta(days=7 - day.weekday() + self.rng.randrange(5))
        start = datetime.combine(day, WORK_START_UTC, tzinfo=UTC)
        return start + timedelta(minutes=self.rng.randrange(WORK_MINUTES))

    def days_after(self, when: datetime, low: float, high: float) -> datetime:
        """Office hours some ``low``..``high`` days after ``when`` (always after it)."""
        day = (when + timedelta(days=self.rng.uniform(low, high))).date()
        candidate = self.at_work(day)
        if candidate <= when:
            candidate = when + timedelta(minutes=self.rng.randint(5, 90))
        return candidate

    def minutes_after(self, when: datetime, low: int, high: int) -> datetime:
        return when + timedelta(minutes=self.rng.randint(low, high))


class Timeline:
    """Actions in time order for one subject; a clash moves the later action on by a minute.

    An action scheduled after ``now`` never happens, and neither does one moved past it.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.last: datetime | None = None
        self._queue: list[tuple[datetime, int, Action]] = []
        self._seq = 0

    def at(self, when: datetime | None, action: Action) -> None:
        if when is None or when > self.now:
            return
        self._seq += 1
        heapq.heappush(self._queue, (when, self._seq, action))

    def run(self) -> None:
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            if self.last is not None and when <= self.last:
                when = self.last + STEP
            if when > self.now:
                continue
            self.last = when
            action(when)
