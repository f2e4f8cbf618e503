"""M9's windows summed from a ward's weeks (``ward_weeks.activity``) as from its days: the
meetings and attendance of days after 8 weeks back, profiles after 14 days back, weeks met of
this week and the 3 before, whichever weekday today is."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from projections.nerve_centre.ward_weeks import WardActivity, activity, first_week

TODAY = date(2026, 11, 26)  # a Thursday


def weeks(days: dict[date, tuple[int, int, int]]) -> list[dict[str, Any]]:
    """A ward's rows as the table holds them, from (meetings, core present, profiles) a day."""
    rows: dict[date, dict[str, Any]] = {}
    for day, figures in days.items():
        monday = day - timedelta(days=day.weekday())
        row = rows.setdefault(
            monday,
            {"ward_id": "W1", "week": monday, **{f: [0] * 7 for f in FIGURES}},
        )
        for name, value in zip(FIGURES, figures, strict=True):
            row[name][day.weekday()] += value
    return list(rows.values())


FIGURES = ("meetings", "core_present", "profiles")


def by_day(days: dict[date, tuple[int, int, int]], today: date) -> WardActivity:
    """The windows as the daily rows' query sums them."""
    recent, fortnight = today - timedelta(weeks=8), today - timedelta(days=14)
    since = today - timedelta(days=today.weekday(), weeks=3)
    met = Counter((d - since).days // 7 for d, f in days.items() if d >= since and f[0])
    return WardActivity(
        weeks_met=len(met),
        meetings=sum(f[0] for d, f in days.items() if d > recent),
        core_present=sum(f[1] for d, f in days.items() if d > recent),
        profiles=sum(f[2] for d, f in days.items() if d > fortnight),
    )


def test_the_windows_edges_are_the_daily_queries() -> None:
    days = {
        TODAY - timedelta(days=56): (5, 5, 5),  # 8 weeks back: out
        TODAY - timedelta(days=55): (1, 2, 0),  # the window's first day, a Friday
        TODAY - timedelta(days=14): (0, 0, 7),  # 14 days back: out of the profiles' window
        TODAY - timedelta(days=13): (0, 0, 1),
        TODAY - timedelta(days=24): (1, 3, 0),  # Monday three weeks before this one's
        TODAY - timedelta(days=25): (1, 3, 0),  # the Sunday before it: not a week met
        TODAY: (2, 4, 1),
    }
    rows = [r for r in weeks(days) if r["week"] >= first_week(TODAY)]
    assert activity(rows, TODAY) == {"W1": WardActivity(2, 5, 12, 2)}
    assert by_day(days, TODAY) == WardActivity(2, 5, 12, 2)


@given(
    st.dictionaries(
        st.integers(0, 70).map(lambda n: TODAY - timedelta(days=n)),
        st.tuples(st.integers(0, 3), st.integers(0, 7), st.integers(0, 3)),
        max_size=40,
    ),
    st.integers(0, 6),
)
def test_weeks_sum_the_windows_as_the_days_do(
    days: dict[date, tuple[int, int, int]], back: int
) -> None:
    today = TODAY - timedelta(days=back)  # any weekday
    seen = {d: f for d, f in days.items() if d <= today and any(f)}
    rows = [r for r in weeks(seen) if r["week"] >= first_week(today)]
    found = activity(rows, today).get("W1", WardActivity())
    assert found == by_day(seen, today)
