"""The early-warning rules: set-based SQL that returns only the matches, and a pure function
that decides each match's level and evidence (shared/reference/oss-domain.md §8).

A rule's SQL selects ``subject, since, param, ward_id, municipality, district, department,
facts`` over the early-warning tables (``{clocks}``, ``{department_days}``, ``{need_weeks}``);
``since`` is when the situation began. Thresholds come from the rules file as bound
parameters (``%(cutoff)s`` is ``now`` minus the rule's ``days``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.escalation import Ladder
from projections.early_warning.clocks import NEVER
from scheduler.rules.config import RuleConfig
from scheduler.rules.targets import EW_12, EW_14, ew12_level, ew12_params


@dataclass(frozen=True)
class Match:
    """One subject for which a rule holds, as its SQL returned it."""

    subject: str
    since: datetime
    param: int
    scope: dict[str, str | None]
    facts: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    level: int
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    subject: str
    matches: str
    decide: Callable[[Match, datetime, RuleConfig], Decision]
    params: Callable[[datetime, RuleConfig], dict[str, Any]] = field(default=lambda n, c: {})
    #: the rule's level may rise as its situation ages (EW-05, EW-08): matches with an open
    #: alert below ``high_level`` are evaluated again
    rises: bool = False
    #: a plain clock rule (``since <= cutoff`` over one kind of clock): a sweep may then look
    #: only at the clocks changed, or crossing the cutoff, since its last sweep
    clock: str | None = None
    #: since when the rule has held for a match (``None``: unknown), so that a new alert
    #: starts where the ladder would have taken it had it been raised then (``raised_level``)
    holds_since: Callable[[Match, RuleConfig], datetime | None] | None = None


def raised_level(
    rule: Rule, match: Match, decision: Decision, now: datetime, cfg: RuleConfig, ladder: Ladder
) -> int:
    """The level a newly raised (or reopened) alert starts at: the rule's decision, raised by
    the ladder for as long as the rule has already held, as if the alert had been raised then
    and nobody had acknowledged it (a referral 331 days overdue starts at the top)."""
    since = rule.holds_since(match, cfg) if rule.holds_since else None
    if since is None:
        return decision.level
    onset = rule.decide(match, since, cfg).level  # the level it would have been raised at
    return max(decision.level, ladder.level_reached(now - since, start=onset))


def _clock(kind: str, extra: str = "") -> str:
    return (
        "SELECT subject, since, param, ward_id, municipality, district, department, facts "
        f"FROM {{clocks}} WHERE kind = '{kind}' AND active AND since <= %(cutoff)s{extra}"
    )


def _after_days(m: Match, cfg: RuleConfig) -> datetime | None:
    """A clock rule holds ``days`` after its situation began (unknown for "never")."""
    return None if m.since <= NEVER else m.since + timedelta(days=cfg.days)


def _quiet_for(m: Match, cfg: RuleConfig) -> datetime | None:
    """EW-08 holds after max(days, factor x cadence) without a meeting."""
    return m.since + timedelta(days=round(max(cfg.days, cfg.factor * m.param)))


def _days(since: datetime, now: datetime) -> int:
    return max(0, (now - since).days)


def _evidence(m: Match, now: datetime, **extra: Any) -> dict[str, Any]:
    return {**m.facts, "since": m.since.isoformat(), "days": _days(m.since, now), **extra}


def _start(m: Match, now: datetime, cfg: RuleConfig) -> Decision:
    return Decision(cfg.level, _evidence(m, now))


def _aging(m: Match, now: datetime, cfg: RuleConfig) -> Decision:
    """Start level, then ``high_level`` once the situation is ``high_level_after_days`` old."""
    aged = cfg.high_level_after_days is not None and (now - m.since) >= timedelta(
        days=cfg.high_level_after_days
    )
    level = cfg.high_level if aged and cfg.high_level else cfg.level
    return Decision(level, _evidence(m, now))


def _unacknowledged(m: Match, now: datetime, cfg: RuleConfig) -> Decision:
    urgent = m.facts.get("category") == "child_protection" or m.facts.get("severity") == "critical"
    level = cfg.high_level if urgent and cfg.high_level else cfg.level
    return Decision(level, _evidence(m, now, days_overdue=_days(m.since, now)))


def _spike(m: Match, now: datetime, cfg: RuleConfig) -> Decision:
    return Decision(cfg.level, {**m.facts, "since": m.since.isoformat()})


def _off_trajectory(m: Match, now: datetime, cfg: RuleConfig) -> Decision:
    level, rating = ew12_level(m.facts, cfg)
    return Decision(level, {**m.facts, "since": m.since.isoformat(), "suggested_rating": rating})


def _team_level(m: Match, now: datetime, cfg: RuleConfig) -> Decision:
    """The level of the team that agreed the action (the match's ``param``)."""
    return Decision(m.param, _evidence(m, now))


def _today(now: datetime) -> date:
    return now.date()


EW_10 = """
SELECT municipality || ':' || department AS subject, %(window_start)s AS since, 0 AS param,
       NULL::text AS ward_id, municipality, district, department,
       jsonb_build_object('due', due, 'answered_within', within,
                          'share', round(within::numeric / due, 3),
                          'window_days', %(window_days)s) AS facts
FROM (SELECT district, municipality, department,
             sum(value) FILTER (WHERE metric = 'due') AS due,
             coalesce(sum(value) FILTER (WHERE metric = 'answered_within'), 0) AS within
      FROM {department_days} WHERE day >= %(window_from)s AND day < %(today)s
      GROUP BY district, municipality, department) d
WHERE due >= %(min_count)s AND within < %(min_share)s * due
"""

# This ISO week's new needs so far against the mean of the weeks before it.
EW_13 = """
SELECT ward_id || ':' || category AS subject, %(week_start)s AS since, this_week::int AS param,
       ward_id, municipality, district, NULL::text AS department,
       jsonb_build_object('category', category, 'week', %(week)s, 'this_week', this_week,
                          'trailing_weekly_mean', round(earlier / %(weeks)s, 2),
                          'weeks', %(weeks)s) AS facts
FROM (SELECT district, municipality, ward_id, category,
             coalesce(sum(value) FILTER (WHERE week = %(week)s), 0) AS this_week,
             coalesce(sum(value) FILTER (WHERE week < %(week)s), 0)::numeric AS earlier
      FROM {need_weeks} WHERE week >= %(trailing_from)s
      GROUP BY district, municipality, ward_id, category) n
WHERE this_week >= %(min_count)s AND this_week > %(factor)s * earlier / %(weeks)s
"""


def _ew10_params(now: datetime, cfg: RuleConfig) -> dict[str, Any]:
    window_from = _today(now) - timedelta(days=cfg.window_days)
    return {
        "window_from": window_from,
        "window_start": datetime.combine(window_from, datetime.min.time(), now.tzinfo),
        "window_days": cfg.window_days,
    }


def _ew13_params(now: datetime, cfg: RuleConfig) -> dict[str, Any]:
    week = _today(now) - timedelta(days=now.weekday())
    return {
        "week": week,
        "week_start": datetime.combine(week, datetime.min.time(), now.tzinfo),
        "trailing_from": week - timedelta(weeks=cfg.weeks),
        "weeks": cfg.weeks,
    }


# Clocks whose ``since`` is not when the rule began to hold: EW-11's is the graduation (the
# regression came later), so its alerts start at the rule's level.
_SINCE_IS_NOT_ONSET = frozenset({"graduate_regressed"})


def _clock_rule(
    rule_id: str,
    title: str,
    subject: str,
    kind: str,
    decide: Callable[[Match, datetime, RuleConfig], Decision],
    rises: bool = False,
) -> Rule:
    """A rule that holds once a clock of ``kind`` has run the rule's ``days``."""
    return Rule(
        rule_id,
        title,
        subject,
        _clock(kind),
        decide,
        rises=rises,
        clock=kind,
        holds_since=None if kind in _SINCE_IS_NOT_ONSET else _after_days,
    )


RULES: tuple[Rule, ...] = (
    _clock_rule(
        "EW-01",
        "Referral not acknowledged",
        "referral",
        "referral_unacknowledged",
        _unacknowledged,
    ),
    _clock_rule(
        "EW-02", "Referral overdue for delivery", "referral", "referral_undelivered", _start
    ),
    _clock_rule("EW-03", "Delivered but not verified", "referral", "referral_unverified", _start),
    _clock_rule("EW-04", "Rejected need left unreferred", "need", "need_rejected", _start),
    _clock_rule(
        "EW-05",
        "Child-headed or child-protection household without intervention",
        "household",
        "child_unattended",
        _aging,
        rises=True,
    ),
    _clock_rule(
        "EW-06", "High-risk household not contacted", "household", "high_risk_unvisited", _start
    ),
    _clock_rule("EW-07", "Field worker silent", "field worker", "field_worker_silent", _start),
    Rule(
        "EW-08",
        "War room not meeting",
        "war room",
        _clock(
            "war_room_quiet",
            " AND since + make_interval(days => greatest(%(days)s, "
            "%(factor)s * param)::int) <= %(now)s",
        ),
        _aging,
        rises=True,
        holds_since=_quiet_for,
    ),
    Rule(
        "EW-09",
        "Department seat absent",
        "war room and department",
        "SELECT subject, since, param, ward_id, municipality, district, department, facts "
        "FROM {clocks} WHERE kind = 'seat_absent' AND active AND since <= %(now)s "
        "AND param >= %(min_count)s",
        _start,
    ),
    Rule(
        "EW-10",
        "Department failing its standard in a municipality",
        "municipality and department",
        EW_10,
        _start,
        _ew10_params,
    ),
    _clock_rule(
        "EW-11", "Graduated household regressed", "household", "graduate_regressed", _start
    ),
    Rule("EW-12", "Target off trajectory", "target", EW_12, _off_trajectory, ew12_params),
    Rule(
        "EW-13", "Need-category spike in a ward", "ward and category", EW_13, _spike, _ew13_params
    ),
    Rule("EW-14", "Stocktake action past its date", "stocktake action", EW_14, _team_level),
)
BY_ID = {rule.id: rule for rule in RULES}


def parameters(rule: Rule, now: datetime, cfg: RuleConfig) -> dict[str, Any]:
    """The rule's bound parameters: the clock, the thresholds, and its own."""
    return {
        "now": now,
        "today": _today(now),
        "cutoff": now - timedelta(days=cfg.days),
        "days": cfg.days,
        "factor": cfg.factor,
        "min_count": cfg.min_count,
        "min_share": cfg.min_share,
        **rule.params(now, cfg),
    }
